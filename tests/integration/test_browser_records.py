"""Runs tests/browser/records.test.mjs (real Chromium via playwright-core)
against a real plenumd and PostgreSQL, after a scripted sitting driven over
the WebSocket protocol: the secretary's minutes page, documents, the
delegate's tablet, and a citizen filing a petition on the public archive.
Then tests/browser/minutes-video.test.mjs with a sitting recorded from the
test source: a turn in the minutes opens the recording at its moment."""

import asyncio
import os
import time
import unittest

import council_fixture
from live_client import FAST_LIMITS, LiveClient, run
from plenum_testlib import Stack, run_browser_script, screenshots_dir
from test_records import PDF, multipart

MEDIA = ["--media-source", "test", "--media-video", "320x180@15", "--media-bitrate", "300"]


def node(script, d, sid):
    """Runs a browser test script against d; its output and exit code."""
    return run_browser_script(script, f"http://127.0.0.1:{d.port}", screenshots_dir(), sid,
                              timeout=180)


class RecordsBrowserTest(unittest.TestCase):
    def test_records_pages(self):
        with Stack(data_prefix="pltest-records-web-") as s:
            pg, data = s.pg, s.data
            url = council_fixture.demo_db(pg, "browser_records")
            # Uploads up to 1 MiB: the page shows a larger file's refusal.
            d = s.start(url, extra_args=FAST_LIMITS + ["--data-dir", data, "--max-upload-mb", "1"])
            sid = int(pg.psql("SELECT id FROM session", "browser_records"))
            sitting = int(pg.psql("SELECT id FROM sitting ORDER BY ordinal LIMIT 1",
                                  "browser_records"))
            mai = int(pg.psql("SELECT id FROM person WHERE login = 'daibieu04'",
                              "browser_records"))
            person = council_fixture.person_ids(pg, "browser_records")
            tokens = {login: d.login(login, "plenum-demo")
                      for login in ["chutich", "thuky"] + [f"daibieu{n:02d}" for n in range(3, 8)]
                      + council_fixture.DEMO_BOARD}

            async def sitting_script():
                async def client(login):
                    c = await LiveClient.connect(d, tokens[login], name=login)
                    await c.ok("join", session_id=sid)
                    return c

                chair = await client("chutich")
                await chair.ok("session.open")
                await chair.ok("sitting.open", sitting_id=sitting)
                await chair.ok("agenda.next")
                ds = [await client(f"daibieu{n:02d}") for n in range(3, 8)]
                for x in ds:
                    await x.ok("attendance.check_in")
                sec = await client("thuky")  # makes up the quorum: 20 of 30
                await council_fixture.fill_quorum(sec, person, len(ds),
                                                  skip=[f"daibieu{n:02d}" for n in range(3, 8)])
                await sec.close()
                await ds[0].ok("speaker.request", kind="speech")
                await chair.ok("speaker.grant")
                await asyncio.sleep(1.1)
                await chair.ok("speaker.end")
                await chair.ok("speaker.give_floor", person_id=mai, kind="question")
                await chair.ok("speaker.end")
                vid = (await chair.ok("vote.prepare", kind="named",
                                      question="Thông qua Nghị quyết về dự toán ngân sách"))["seq"]
                await chair.ok("vote.open", vote_id=vid)
                for x, ch in zip(ds, ["for", "for", "for", "against", "abstain"]):
                    await x.ok("vote.cast", vote_id=vid, choice=ch)
                await chair.ok("vote.close", vote_id=vid)
                await chair.ok("vote.publish", vote_id=vid)
                s2 = (await chair.ok("vote.prepare", kind="secret", rule="cast_majority",
                                     question="Bãi nhiệm đại biểu A",
                                     board=[person[l] for l in council_fixture.DEMO_BOARD]))["seq"]
                await chair.ok("vote.open", vote_id=s2)
                for i, (x, ch) in enumerate(zip(ds, ["for", "for", "against", "against",
                                                      "against"])):
                    await x.ok("vote.cast", vote_id=s2, choice=ch, nonce=f"web{i}" + "x" * 30)
                await chair.ok("vote.close", vote_id=s2)
                for login in council_fixture.DEMO_BOARD[:2]:  # a majority of the board
                    b = await client(login)
                    await b.ok("vote.confirm", vote_id=s2)
                    await b.close()
                await chair.ok("sitting.close")
                await chair.ok("session.close")

            run(sitting_script())
            for title, vis, kind in (("Nghị quyết về quy hoạch sử dụng đất đai", "public",
                                      "resolution"),
                                     ("Dự thảo chỉ dành cho đại biểu", "delegates", "draft")):
                ctype, body = multipart({"session_id": sid, "title": title, "visibility": vis,
                                         "kind": kind}, f"{kind}.pdf", PDF + kind.encode())
                st, _, out = d.http("POST", "/api/documents", body=body, headers={
                    "Content-Type": ctype, "Content-Length": str(len(body)),
                    "Authorization": f"Bearer {tokens['thuky']}"})
                self.assertEqual(st, 201, out)

            r = node("records.test.mjs", d, sid)
            self.assertEqual(r.returncode, 0, r.stdout)

    def test_minutes_link_to_recording(self):
        with Stack(data_prefix="pltest-records-video-") as s:
            pg, data = s.pg, s.data
            db = "browser_records_video"
            url = council_fixture.demo_db(pg, db)
            # Full stacks for leak reports, as in test_media (tests/lsan.supp).
            lsan = os.environ.get("LSAN_OPTIONS", "")
            d = s.start(url, extra_args=MEDIA + list(FAST_LIMITS) + ["--data-dir", data],
                        env_extra={"LSAN_OPTIONS": lsan + ":fast_unwind_on_malloc=0"})
            sid = int(pg.psql("SELECT id FROM session", db))
            sitting = int(pg.psql("SELECT id FROM sitting ORDER BY ordinal LIMIT 1", db))
            speaker = int(pg.psql("SELECT id FROM person WHERE login = 'daibieu05'", db))
            token = d.login("chutich", "plenum-demo")

            def segments():
                return int(pg.psql("SELECT count(*) FROM media_segment s JOIN recording r ON "
                                   f"r.id = s.recording_id WHERE r.sitting_id = {sitting}", db))

            async def script():
                c = await LiveClient.connect(d, token, name="chair")
                await c.ok("join", session_id=sid)
                await c.ok("session.open")
                await c.ok("sitting.open", sitting_id=sitting)
                await c.ok("agenda.next")
                deadline = time.monotonic() + 30
                while segments() < 4 and time.monotonic() < deadline:
                    await asyncio.sleep(0.3)
                self.assertGreaterEqual(segments(), 4, "the sitting is being recorded")
                await c.ok("speaker.give_floor", person_id=speaker, kind="speech")
                await asyncio.sleep(3)
                await c.ok("speaker.end")
                await asyncio.sleep(1.5)
                await c.ok("sitting.close")
                await c.ok("session.close")
                await c.close()

            run(script())
            for _ in range(100):  # the recording ends with the sitting
                if pg.psql("SELECT count(*) FROM recording WHERE ended_at IS NULL", db) == "0":
                    break
                time.sleep(0.1)
            r = node("minutes-video.test.mjs", d, sid)
            self.assertEqual(r.returncode, 0, r.stdout)


if __name__ == "__main__":
    unittest.main()

"""Accessibility (issue 22): tests/browser/a11y.test.mjs runs axe-core's
WCAG 2.1 A/AA rules on every page under web/ in real Chromium, at a
desktop (1366x768) and a phone (390x844) size, in Vietnamese and English,
signed in as the role each page is for. The sitting is set up first over
the real WebSocket so the pages show their fullest states: a session open,
an item active, a delegate asking to speak, a published result on the hall
display, a vote open on the delegates' pages. Real plenumd, real
PostgreSQL."""

import asyncio
import unittest

import council_fixture
from live_client import LiveClient, run
from plenum_testlib import Stack, run_browser_script, screenshots_dir


class A11yBrowserTest(unittest.TestCase):
    def test_every_page_wcag_aa(self):
        with Stack() as s:
            pg = s.pg
            db = "browser_a11y"
            url = council_fixture.demo_db(pg, db)
            q = lambda sql: pg.psql(sql, db)
            sid = int(q("SELECT id FROM session"))
            sitting = int(q("SELECT id FROM sitting ORDER BY ordinal LIMIT 1"))
            mid = int(q("SELECT id FROM voter_meeting LIMIT 1"))
            person = council_fixture.person_ids(pg, db)
            d = s.start(url)

            async def client(login):
                c = await LiveClient.connect(d, d.login(login, "plenum-demo"), login)
                await c.ok("join", session_id=sid)
                return c

            async def sitting_state():
                chair = await client("chutich")
                await chair.ok("session.open")
                await chair.ok("sitting.open", sitting_id=sitting)
                await chair.ok("agenda.next")
                voters = [await client(f"daibieu{n:02d}") for n in (3, 4, 5)]
                for v in voters:
                    await v.ok("attendance.check_in")
                sec = await client("thuky")
                await council_fixture.fill_quorum(sec, person, 3, skip=["daibieu03", "daibieu04",
                                                                        "daibieu05"])
                # A published result (display, public page), then a vote
                # left open (the delegates' vote card, the chair's tally).
                vid = (await chair.ok("vote.prepare", kind="named",
                                      question="Thông qua Nghị quyết về dự toán ngân sách"))["seq"]
                await chair.ok("vote.open", vote_id=vid)
                for v, c in zip(voters, ("for", "for", "against")):
                    await v.ok("vote.cast", vote_id=vid, choice=c)
                await chair.ok("vote.close", vote_id=vid)
                for _ in range(200):
                    if any(e["name"] == "vote.counted" and e["data"]["vote_id"] == vid
                           for e in chair.events):
                        break
                    await asyncio.sleep(0.02)
                await chair.ok("vote.publish", vote_id=vid)
                await chair.ok("display.set", mode="vote")
                await voters[1].ok("speaker.request", kind="speech")
                v2 = (await chair.ok("vote.prepare", kind="open",
                                     question="Thông qua chương trình kỳ họp"))["seq"]
                await chair.ok("vote.open", vote_id=v2)
                for c in (chair, sec, *voters):
                    await c.close()
            run(sitting_state())
            r = run_browser_script("a11y.test.mjs", f"http://127.0.0.1:{d.port}",
                                   screenshots_dir(), sid, mid, timeout=400)
            self.assertEqual(r.returncode, 0, r.stdout)


if __name__ == "__main__":
    unittest.main()

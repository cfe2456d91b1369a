"""Low-latency HLS (RFC 8216bis) on the live playlist, with the real
GStreamer test source: the playlist's part tags; the parts are byte for byte
the segment files; a blocking playlist reload is held until the part it
asks for exists, then answered; the preload-hinted part likewise; bad
_HLS_ parameters get 400; no more than --hls-max-held requests are held; a
held request for a part that does not come (an SRT encoder that stopped
sending) gets 503 after three target durations, and that encoder's
passed-through stream makes parts no PES is split across; a client that sends no
_HLS_ parameters still gets a plain playlist."""

import concurrent.futures
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import council_fixture
from live_client import FAST_LIMITS, LiveClient, run
from plenum_testlib import PgCluster, Plenumd, free_port

pg = None
DB = "llhls"
MEDIA = ["--media-source", "test", "--media-video", "320x180@15", "--media-bitrate", "300"]
MAX_HELD = 3

PART = re.compile(r'^#EXT-X-PART:DURATION=([0-9.]+),URI="(part-[0-9a-f]{16}-\d+\.ts)"'
                  r'(,INDEPENDENT=YES)?$', re.M)


def setUpModule():
    global pg
    pg = PgCluster()


def tearDownModule():
    pg.destroy()


def q(sql):
    return pg.psql(sql, DB)


def chair(d, session, *steps):
    async def go():
        c = await LiveClient.connect(d, d.login("chutich", "plenum-demo"), "chair")
        await c.ok("join", session_id=session)
        for type_, fields in steps:
            await c.ok(type_, **fields)
        await c.close()
    run(go())


def shape(live):
    """(media sequence number of the open segment, parts it has so far, the
    preload hint's URI) of a live playlist."""
    seq = int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", live).group(1))
    full = live.count("#EXTINF")
    tail = live[live.rindex("#EXTINF"):]
    hint = re.search(r'^#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"$', live, re.M)
    return seq + full, len(PART.findall(tail)), hint.group(1) if hint else None


class LlHlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        council_fixture.demo_db(pg, DB)
        cls.data = tempfile.mkdtemp(prefix="pltest-llhls-")
        lsan = os.environ.get("LSAN_OPTIONS", "")
        cls.d = Plenumd(pg.url(DB), extra_args=MEDIA + list(FAST_LIMITS) + [
            "--data-dir", cls.data, "--hls-max-held", str(MAX_HELD)],
            env_extra={"LSAN_OPTIONS": lsan + ":fast_unwind_on_malloc=0"})
        cls.session = int(q("SELECT id FROM session"))
        cls.sitting = int(q("SELECT id FROM sitting ORDER BY ordinal LIMIT 1"))
        chair(cls.d, cls.session, ("session.open", {}),
              ("sitting.open", {"sitting_id": cls.sitting}))
        cls.pool = concurrent.futures.ThreadPoolExecutor(8)

    @classmethod
    def tearDownClass(cls):
        cls.pool.shutdown()
        try:
            cls.d.finish()
        finally:
            shutil.rmtree(cls.data, ignore_errors=True)

    def get(self, path, timeout=10):
        st, headers, body = self.d.http("GET", path, timeout=timeout)
        return st, {k.lower(): v for k, v in headers.items()}, body

    def live(self, query=""):
        return self.get(f"/media/{self.sitting}/live.m3u8{query}")

    def wait_playlist(self, segments=3, timeout=40):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st, _, body = self.live()
            if st == 200 and body.decode().count("#EXTINF") >= segments:
                return body.decode()
            time.sleep(0.3)
        self.fail(f"no live playlist with {segments} segments")

    def test_playlist_tags_and_parts(self):
        live = self.wait_playlist(4)
        self.assertIn("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.750\n", live)
        self.assertIn("#EXT-X-PART-INF:PART-TARGET=0.250\n", live)
        self.assertRegex(live, r'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-[0-9a-f]{16}-\d+\.ts"\n$')
        parts = PART.findall(live)
        self.assertGreaterEqual(len(parts), 6, live)
        for dur, _, _ in parts:
            self.assertLessEqual(float(dur), 0.25, live)
        # Every complete segment listed with parts: its parts start with an
        # independent one, last as long as it, and are its bytes exactly.
        blocks = re.findall(r"((?:#EXT-X-PART:[^\n]+\n)+)#EXTINF:([0-9.]+),\n(seg-\S+\.ts)\n", live)
        self.assertGreaterEqual(len(blocks), 1)
        for text, extinf, seg in blocks:
            ps = PART.findall(text)
            self.assertEqual(ps[0][2], ",INDEPENDENT=YES")
            self.assertTrue(all(not p[2] for p in ps[1:]))
            self.assertAlmostEqual(sum(float(p[0]) for p in ps), float(extinf), delta=0.15)
            st, _, whole = self.get(f"/media/{self.sitting}/{seg}")
            self.assertEqual(st, 200)
            got = b""
            for _, uri, _ in ps:
                st, headers, body = self.get(f"/media/{self.sitting}/{uri}")
                self.assertEqual((st, headers["content-type"]), (200, "video/mp2t"))
                self.assertIn("immutable", headers["cache-control"])
                got += body
            self.assertEqual(got, whole)
        # Old players: no _HLS_ parameters, the same playlist at once; every
        # segment is still listed with its EXTINF.
        t0 = time.monotonic()
        st, headers, body = self.live()
        self.assertLess(time.monotonic() - t0, 1.0)
        self.assertEqual((st, headers["cache-control"]), (200, "no-cache"))
        self.assertGreaterEqual(body.decode().count("#EXTINF"), 4)

    def test_blocking_reload(self):
        live = self.wait_playlist(2)
        msn, have, _ = shape(live)
        # A part already there (of the last complete segment): at once, not
        # at the 3 s deadline.
        t0 = time.monotonic()
        st, _, body = self.live(f"?_HLS_msn={msn - 1}&_HLS_part=0")
        self.assertEqual(st, 200)
        self.assertLess(time.monotonic() - t0, 1.0)
        # The next part of the open segment: held, then answered with a
        # playlist that has it.
        t0 = time.monotonic()
        st, headers, body = self.live(f"?_HLS_msn={msn}&_HLS_part={have}")
        waited = time.monotonic() - t0
        self.assertEqual((st, headers["content-type"], headers["cache-control"]),
                         (200, "application/vnd.apple.mpegurl", "no-cache"))
        msn2, have2, _ = shape(body.decode())
        self.assertTrue(msn2 > msn or have2 > have, body.decode())
        self.assertLess(waited, 3.0)
        # A whole segment two ahead of the last: held until it closes.
        t0 = time.monotonic()
        st, _, body = self.live(f"?_HLS_msn={msn2 + 1}")
        self.assertEqual(st, 200)
        self.assertGreaterEqual(shape(body.decode())[0], msn2 + 2)
        print(f"\n  held {waited:.3f} s for a part, {time.monotonic() - t0:.3f} s for a segment")

    def test_preload_hint(self):
        live = self.wait_playlist(2)
        _, _, hint = shape(live)
        # Asked before it exists: held, then the part.
        st, headers, body = self.get(f"/media/{self.sitting}/{hint}")
        self.assertEqual((st, headers["content-type"]), (200, "video/mp2t"))
        self.assertGreater(len(body), 188)
        self.assertEqual(len(body) % 188, 0)
        self.assertIn(f'URI="{hint}"', self.live()[2].decode())
        # A part that will never exist: 404 at once.
        run_id = re.search(r"part-([0-9a-f]{16})-", hint).group(1)
        for name in ("part-0123456789abcdef-1.ts", f"part-{run_id}-999999.ts",
                     f"part-{run_id}-01.ts", "part-x.ts"):
            t0 = time.monotonic()
            self.assertEqual(self.get(f"/media/{self.sitting}/{name}")[0], 404, name)
            self.assertLess(time.monotonic() - t0, 1.0)

    def test_bad_parameters(self):
        live = self.wait_playlist(2)
        msn, have, _ = shape(live)
        last = msn if have else msn - 1
        for query, field in (("?_HLS_msn=abc", "_HLS_msn"), ("?_HLS_msn=-1", "_HLS_msn"),
                             ("?_HLS_msn=", "_HLS_msn"), (f"?_HLS_msn={msn}&_HLS_part=x", "_HLS_part"),
                             (f"?_HLS_msn={msn}&_HLS_part=-2", "_HLS_part"),
                             ("?_HLS_part=1", "_HLS_msn"),
                             ("?_HLS_msn=99999999999999999999", "_HLS_msn"),
                             (f"?_HLS_msn={last + 5}", "_HLS_msn"),
                             (f"?_HLS_msn={last + 3}&_HLS_part=0", "_HLS_msn")):
            st, headers, body = self.live(query)
            self.assertEqual(st, 400, query)
            doc = json.loads(body)
            self.assertEqual((doc["error"], doc["field"]), ("bad_field", field), query)
        # Not a live sitting: 404, not held.
        self.assertEqual(self.get("/media/999999/live.m3u8?_HLS_msn=1")[0], 404)

    def test_held_requests_bounded(self):
        live = self.wait_playlist(2)
        msn, have, _ = shape(live)
        last = msn if have else msn - 1
        far = f"?_HLS_msn={last + 2}&_HLS_part=0"
        held = [self.pool.submit(self.live, far) for _ in range(MAX_HELD)]
        time.sleep(0.3)  # held by now (on loopback); part 0 of last + 2 is a second away at least
        st, headers, body = self.live(far)
        self.assertFalse(any(f.done() for f in held), "the first ones are still held")
        self.assertEqual(st, 503)
        self.assertEqual(json.loads(body)["error"], "server_busy")
        self.assertEqual(headers["retry-after"], "1")
        # The held ones are all answered with the part they asked for.
        for f in held:
            st, _, body = f.result(timeout=10)
            self.assertEqual(st, 200)
            self.assertGreaterEqual(shape(body.decode())[0], last + 2)
        # And the server holds new ones again.
        self.assertEqual(self.live(f"?_HLS_msn={last + 2}")[0], 200)


class LlHlsTimeoutTest(unittest.TestCase):
    """An SRT encoder that stops sending (SIGSTOP: the connection stays, no
    data) leaves a blocking reload unanswered: 503 after three target
    durations, before the connection is given up for the slate."""

    def check_passthrough_parts(self, d, sitting):
        """The SRT sender's transport stream, passed through as it came
        (media/ts_split.c): each complete segment is its parts' bytes, made
        of whole packets; it opens with the PAT, the PMT and the start of a
        picture; no part begins inside a PES (every stream's first packet
        in a part starts one), so a player reading a part alone loses
        nothing; the parts add up to the segment's duration."""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            live = d.http("GET", f"/media/{sitting}/live.m3u8")[2].decode()
            blocks = re.findall(r"((?:#EXT-X-PART:[^\n]+\n)+)#EXTINF:([0-9.]+),\n(seg-\S+\.ts)\n",
                                live)
            if len(blocks) >= 2:
                break
            time.sleep(0.3)
        else:
            self.fail(f"no two complete segments with parts: {live}")
        for text, extinf, seg in blocks:
            ps = PART.findall(text)
            self.assertEqual(ps[0][2], ",INDEPENDENT=YES")
            self.assertAlmostEqual(sum(float(p[0]) for p in ps), float(extinf), delta=0.15)
            whole = d.http("GET", f"/media/{sitting}/{seg}")[2]
            got = b""
            for i, (_, uri, _) in enumerate(ps):
                st, _, body = d.http("GET", f"/media/{sitting}/{uri}")
                self.assertEqual(st, 200)
                self.assertEqual(len(body) % 188, 0, uri)
                pids = [((body[o + 1] & 0x1F) << 8 | body[o + 2], bool(body[o + 1] & 0x40))
                        for o in range(0, len(body), 188)]
                self.assertTrue(all(body[o] == 0x47 for o in range(0, len(body), 188)))
                first = {}
                for pid, pusi in pids:
                    first.setdefault(pid, pusi)
                self.assertTrue(all(first.values()), (uri, first))
                if i == 0:
                    self.assertEqual(pids[0], (0, True))  # the PAT, then the PMT
                    self.assertTrue(pids[1][1])
                got += body
            self.assertEqual(got, whole)

    def test_held_request_times_out(self):
        council_fixture.demo_db(pg, DB + "_srt")
        data = tempfile.mkdtemp(prefix="pltest-llhls-srt-")
        lsan = os.environ.get("LSAN_OPTIONS", "")
        d = Plenumd(pg.url(DB + "_srt"), extra_args=MEDIA + list(FAST_LIMITS) + [
            "--data-dir", data], env_extra={"LSAN_OPTIONS": lsan + ":fast_unwind_on_malloc=0"})
        tx = None
        try:
            port = free_port()
            db = DB + "_srt"
            council = pg.psql("SELECT id FROM council WHERE slug = 'nhi-chieu'", db)
            session = int(pg.psql(
                f"INSERT INTO session (council_id, number, title, media_source) VALUES "
                f"({council}, 9, 'Kỳ họp SRT', 'srt://:{port}') RETURNING id", db))
            sitting = int(pg.psql(f"INSERT INTO sitting (session_id, ordinal, title) VALUES "
                                  f"({session}, 1, 'Phiên họp') RETURNING id", db))
            chair(d, session, ("session.open", {}), ("sitting.open", {"sitting_id": sitting}))
            tx = subprocess.Popen(
                ["gst-launch-1.0", "-q", "videotestsrc", "is-live=true", "pattern=ball", "!",
                 "video/x-raw,width=320,height=240,framerate=15/1", "!", "x264enc",
                 "tune=zerolatency", "key-int-max=15", "bitrate=300", "!", "h264parse",
                 "config-interval=-1", "!", "mpegtsmux", "name=m", "alignment=7", "!",
                 "srtsink", f"uri=srt://127.0.0.1:{port}?mode=caller", "audiotestsrc",
                 "is-live=true", "!", "voaacenc", "!", "aacparse", "!", "m."],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # The sender's picture (240 lines) is live, with parts.
            deadline = time.monotonic() + 40
            live = ""
            while time.monotonic() < deadline:
                st, _, body = d.http("GET", f"/media/{sitting}/live.m3u8")
                live = body.decode() if st == 200 else ""
                if st == 200 and shape(live)[1] > 0 and re.search(r"part-[0-9a-f]{16}-[1-9]\d*\.ts",
                                                               live):
                    hint_run = re.search(r'PRELOAD-HINT:TYPE=PART,URI="part-([0-9a-f]{16})',
                                         live).group(1)
                    seg_run = re.findall(r"^seg-([0-9a-f]{16})-", live, re.M)[-1]
                    if hint_run == seg_run and live.count("#EXTINF") >= 3:
                        break
                time.sleep(0.3)
            else:
                self.fail(f"no program with parts: {live}")
            self.check_passthrough_parts(d, sitting)
            tx.send_signal(signal.SIGSTOP)
            time.sleep(0.5)
            msn, have, _ = shape(d.http("GET", f"/media/{sitting}/live.m3u8")[2].decode())
            t0 = time.monotonic()
            st, _, body = d.http("GET", f"/media/{sitting}/live.m3u8?_HLS_msn={msn}"
                                 f"&_HLS_part={have + 1}", timeout=20)
            waited = time.monotonic() - t0
            self.assertEqual(st, 503, body)
            self.assertEqual((json.loads(body)["error"], json.loads(body)["reason"]),
                             ("invalid_state", "not_yet"))
            self.assertGreater(waited, 2.5)
            self.assertLess(waited, 5.0)
        finally:
            if tx:
                tx.send_signal(signal.SIGCONT)
                tx.terminate()
                tx.wait()
            try:
                d.finish()
            finally:
                shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()

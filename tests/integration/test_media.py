"""Recording and livestreaming with real GStreamer pipelines: the test source
records and streams a sitting as 1-second HLS segments that decode
(gst-discoverer-1.0); the live playlist advances; chapters match the agenda
and floor events; kill -9 during recording leaves playable files and the
recording goes on after the restart with the gap in the record; the VOD
playlist covers the whole sitting; a closed sitting is recorded but never
served."""

import asyncio
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
from plenum_testlib import PgCluster, Plenumd, free_port, plenumd_path, source_dir

HERE = os.path.dirname(os.path.abspath(__file__))
pg = None
DB = "media"
MEDIA = ["--media-source", "test", "--media-video", "320x180@15", "--media-bitrate", "300"]


def setUpModule():
    global pg
    pg = PgCluster()


def tearDownModule():
    pg.destroy()


def q(sql):
    return pg.psql(sql, DB)


def last_frame(ts_bytes):
    """The last picture of a segment, decoded to 320x180 grey (one byte a pixel)."""
    with tempfile.TemporaryDirectory() as d:
        seg = os.path.join(d, "s.ts")
        with open(seg, "wb") as f:
            f.write(ts_bytes)
        subprocess.run(["gst-launch-1.0", "-q", "filesrc", f"location={seg}", "!", "tsdemux", "!",
                        "h264parse", "!", "avdec_h264", "!", "videoconvert", "!", "videoscale",
                        "!", "video/x-raw,format=GRAY8,width=320,height=180", "!",
                        "multifilesink", f"location={d}/f-%05d.raw", "max-files=1"],
                       check=True, timeout=60)
        name = sorted(n for n in os.listdir(d) if n.startswith("f-"))[-1]
        with open(os.path.join(d, name), "rb") as f:
            return f.read()


def discover(path):
    """What gst-discoverer-1.0 finds in a file (raises if it cannot read it)."""
    r = subprocess.run(["gst-discoverer-1.0", "-v", path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    assert r.returncode == 0, r.stdout
    return r.stdout


def chair(d, session, *steps):
    """The chair signs in, joins session and sends each (type, fields),
    every one acknowledged; the answers, in order."""
    async def go():
        c = await LiveClient.connect(d, d.login("chutich", "plenum-demo"), "chair")
        await c.ok("join", session_id=session)
        out = [await c.ok(type_, **fields) for type_, fields in steps]
        await c.close()
        return out
    return run(go())


class MediaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        council_fixture.demo_db(pg, DB)
        cls.url = pg.url(DB)
        cls.data = tempfile.mkdtemp(prefix="pltest-media-")
        cls.sittings = [int(x) for x in q("SELECT id FROM sitting ORDER BY ordinal").split()]
        q(f"UPDATE sitting SET visibility = 'closed' WHERE id = {cls.sittings[1]}")
        cls.items = [int(x) for x in q("SELECT id FROM agenda_item WHERE parent_id IS NULL "
                                       "ORDER BY position").split()]
        cls.titles = {int(i): t for i, t in (l.split("|") for l in q(
            "SELECT id, title FROM agenda_item").splitlines())}
        cls.session = int(q("SELECT id FROM session"))
        cls.start()
        cls.chair_token = cls.d.login("chutich", "plenum-demo")

    @classmethod
    def start(cls, port=None):
        # Full stacks for leak reports: the suppressions for what GStreamer's
        # libraries keep for the life of the process (tests/lsan.supp) name
        # frames deeper than the fast unwinder sees.
        lsan = os.environ.get("LSAN_OPTIONS", "")
        cls.d = Plenumd(cls.url, extra_args=MEDIA + list(FAST_LIMITS) + ["--data-dir", cls.data],
                        port=port, env_extra={"LSAN_OPTIONS": lsan + ":fast_unwind_on_malloc=0"})

    @classmethod
    def tearDownClass(cls):
        try:
            cls.d.finish()
        finally:
            shutil.rmtree(cls.data, ignore_errors=True)

    def get(self, path):
        st, headers, body = self.d.http("GET", path)
        return st, {k.lower(): v for k, v in headers.items()}, body

    def wait_playlist(self, sitting, segments=3, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st, headers, body = self.get(f"/media/{sitting}/live.m3u8")
            if st == 200 and body.decode().count("#EXTINF") >= segments:
                return headers, body.decode()
            time.sleep(0.3)
        self.fail(f"no live playlist with {segments} segments for sitting {sitting}")

    def test_sitting_recorded_streamed_and_chaptered(self):
        s1, s2 = self.sittings

        async def chair_do(*steps):
            c = await LiveClient.connect(self.d, self.chair_token, "chair")
            await c.ok("join", session_id=self.session)
            for type_, fields, pause in steps:
                await c.ok(type_, **fields)
                await asyncio.sleep(pause)
            await c.close()

        run(chair_do(("session.open", {}, 0), ("sitting.open", {"sitting_id": s1}, 0)))
        headers, live = self.wait_playlist(s1)
        self.assertEqual(headers["content-type"], "application/vnd.apple.mpegurl")
        self.assertEqual(headers["cache-control"], "no-cache")
        first_seq = int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", live).group(1))
        seg = re.findall(r"^(seg-[0-9a-f]{16}-\d{5}\.ts)$", live, re.M)
        self.assertGreaterEqual(len(seg), 3)

        # A segment is served for caching and decodes: H.264 and AAC.
        st, headers, body = self.get(f"/media/{s1}/{seg[0]}")
        self.assertEqual((st, headers["content-type"]), (200, "video/mp2t"))
        self.assertIn("immutable", headers["cache-control"])
        with tempfile.NamedTemporaryFile(suffix=".ts") as f:
            f.write(body)
            f.flush()
            info = discover(f.name)
        self.assertRegex(info, r"(?i)h\.?264")
        self.assertRegex(info, r"(?i)aac|mpeg-4 audio")
        self.assertRegex(info, r"Width: 320")

        frame_before = last_frame(self.get(f"/media/{s1}/{seg[-1]}")[2])

        # The chair runs the sitting; chapters follow.
        run(chair_do(("agenda.activate", {"item_id": self.items[0]}, 2.5),
                     ("speaker.give_floor", {"person_id": int(q(
                         "SELECT id FROM person WHERE login = 'daibieu05'")), "kind": "speech"},
                      2.5),
                     ("agenda.activate", {"item_id": self.items[1]}, 1.5)))
        _, live = self.wait_playlist(s1)
        later_seq = int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", live).group(1))
        later_last = re.findall(r"^(seg-\S+\.ts)$", live, re.M)[-1]
        self.assertTrue(later_seq > first_seq or later_last not in seg, "the playlist advances")

        # The program's lower third now says who speaks, on which item: the
        # bottom-left of the picture (static bars before) has changed.
        frame_after = last_frame(self.get(f"/media/{s1}/{later_last}")[2])
        changed = sum(1 for y in range(135, 180) for x in range(0, 160)
                      if abs(frame_after[y * 320 + x] - frame_before[y * 320 + x]) > 40)
        self.assertGreater(changed, 400, "the lower third is drawn")
        unchanged = sum(1 for y in range(0, 100) for x in range(120, 320)
                        if abs(frame_after[y * 320 + x] - frame_before[y * 320 + x]) > 40)
        self.assertLess(unchanged, 200, "and nothing else moved")

        health = json.loads(self.get("/healthz")[2])["media"]
        stream = [x for x in health["streams"] if x["sitting_id"] == s1][0]
        self.assertEqual((stream["state"], stream["recording"], stream["public"]),
                         ("live", True, True))
        self.assertGreater(stream["segments"], 3)
        self.assertGreater(stream["bitrate_kbps"], 0)

        st, _, body = self.get(f"/media/{s1}/chapters.json")
        self.assertEqual(st, 200, body)
        doc = json.loads(body)
        chapters = doc["chapters"]
        self.assertEqual([c["kind"] for c in chapters], ["agenda", "speaker", "agenda"], chapters)
        self.assertEqual(chapters[0]["label"], self.titles[self.items[0]])
        self.assertEqual(chapters[1]["label"], q("SELECT display_name FROM person "
                                                 "WHERE login = 'daibieu05'"))
        self.assertEqual(chapters[2]["label"], self.titles[self.items[1]])
        gaps = [(chapters[i + 1]["offset_ms"] - chapters[i]["offset_ms"]) / 1000 for i in range(2)]
        for gap in gaps:  # the pauses between the chair's steps, on the recording's timeline
            self.assertAlmostEqual(gap, 2.5, delta=1.2, msg=chapters)
        self.assertLessEqual(chapters[-1]["offset_ms"], doc["duration_ms"])
        # The minutes link the turn to the same moment of the recording.
        st, _, body = self.d.http("GET", f"/api/minutes?session_id={self.session}",
                                  headers={"Authorization": f"Bearer {self.chair_token}"})
        minutes = json.loads(body)
        self.assertTrue((minutes["sittings"][0]["video"] or "").startswith(
            f"/public/?session={self.session}&sitting={s1}&t="), minutes["sittings"][0])
        turn = minutes["turns"][0]
        link = re.fullmatch(rf"/public/\?session={self.session}&sitting={s1}&t=(\d+)",
                            turn["video"] or "")
        self.assertTrue(link, turn)
        self.assertAlmostEqual(int(link.group(1)), chapters[1]["offset_ms"] / 1000, delta=1.5)
        st, headers, vtt = self.get(f"/media/{s1}/chapters.vtt")
        self.assertEqual(headers["content-type"], "text/vtt; charset=utf-8")
        self.assertTrue(vtt.decode().startswith("WEBVTT"))
        self.assertIn(self.titles[self.items[1]], vtt.decode())
        st, _, vod = self.get(f"/media/{s1}/vod.m3u8")
        self.assertIn("#EXT-X-PLAYLIST-TYPE:EVENT", vod.decode())
        self.assertNotIn("#EXT-X-ENDLIST", vod.decode())

        # The live playlist is a sliding window of the last 10 segments (a
        # viewer re-fetches a small file each second however long the
        # sitting); the VOD playlist holds the whole sitting.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            vod = self.get(f"/media/{s1}/vod.m3u8")[2].decode()
            if vod.count("#EXTINF") > 12:
                break
            time.sleep(0.5)
        _, live = self.wait_playlist(s1)
        self.assertGreater(vod.count("#EXTINF"), 12)
        self.assertLessEqual(live.count("#EXTINF"), 10, live)
        newest = re.findall(r"^(seg-\S+\.ts)$", live, re.M)
        self.assertLessEqual(set(newest[:-2]), set(re.findall(r"^(seg-\S+\.ts)$", vod, re.M)))

        # kill -9 in the middle of the recording: what was written plays.
        before = q(f"SELECT count(*) FROM media_segment s JOIN recording r ON r.id = "
                   f"s.recording_id WHERE r.sitting_id = {s1}")
        port = self.d.port
        self.d.stop(sig=signal.SIGKILL)
        self.d.cleanup()
        files = sorted(os.listdir(os.path.join(self.data, "media", "public", f"sitting-{s1}")))
        recorded = [l for l in q(f"SELECT file FROM media_segment s JOIN recording r ON "
                                 f"r.id = s.recording_id WHERE r.sitting_id = {s1} "
                                 f"ORDER BY s.started_at").splitlines()]
        self.assertGreaterEqual(len(recorded), int(before))
        for name in recorded[-2:]:
            self.assertIn(name, files)
            self.assertRegex(discover(os.path.join(self.data, "media", "public",
                                                   f"sitting-{s1}", name)), r"(?i)h\.?264")
        type(self).start(port=port)
        _, live = self.wait_playlist(s1)  # the sitting is still open: recording resumes
        # and the lower third still says who speaks on which item.
        newest = re.findall(r"^(seg-\S+\.ts)$", live, re.M)[-1]
        frame_restart = last_frame(self.get(f"/media/{s1}/{newest}")[2])
        changed = sum(1 for y in range(135, 180) for x in range(0, 160)
                      if abs(frame_restart[y * 320 + x] - frame_before[y * 320 + x]) > 40)
        self.assertGreater(changed, 400, "the lower third is back after the restart")
        self.assertEqual(q(f"SELECT string_agg(coalesce(end_reason, 'running'), ',' ORDER BY "
                           f"started_at) FROM recording WHERE sitting_id = {s1}"),
                         "interrupted,running")

        async def close():
            c = await LiveClient.connect(self.d, self.d.login("chutich", "plenum-demo"), "chair")
            await c.ok("join", session_id=self.session)
            await c.ok("sitting.close")
            await c.close()
        run(close())
        for _ in range(100):
            if q(f"SELECT count(*) FROM recording WHERE sitting_id = {s1} AND ended_at IS NULL") == "0":
                break
            time.sleep(0.1)
        self.assertEqual(q(f"SELECT string_agg(end_reason, ',' ORDER BY started_at) FROM "
                           f"recording WHERE sitting_id = {s1}"), "interrupted,stopped")
        self.assertEqual(self.get(f"/media/{s1}/live.m3u8")[0], 404)
        st, _, vod = self.get(f"/media/{s1}/vod.m3u8")
        vod = vod.decode()
        self.assertEqual(st, 200)
        self.assertIn("#EXT-X-PLAYLIST-TYPE:VOD", vod)
        self.assertTrue(vod.rstrip().endswith("#EXT-X-ENDLIST"))
        self.assertEqual(vod.count("#EXT-X-DISCONTINUITY"), 1)  # the crash
        self.assertEqual(vod.count("#EXT-X-PROGRAM-DATE-TIME"), 2)
        names = re.findall(r"^(seg-\S+\.ts)$", vod, re.M)
        self.assertEqual(len(names), len(set(names)))
        for name in names[:2] + names[-2:]:
            self.assertEqual(self.get(f"/media/{s1}/{name}")[0], 200)

        # A sitting closed to the public is recorded, never served.
        run(chair_do(("sitting.open", {"sitting_id": s2}, 3)))
        closed_dir = os.path.join(self.data, "media", "closed", f"sitting-{s2}")
        for _ in range(100):
            if any(n.endswith(".ts") for n in os.listdir(closed_dir)):
                break
            time.sleep(0.1)
        self.assertTrue(any(n.endswith(".ts") for n in os.listdir(closed_dir)))
        for path in ("live.m3u8", "vod.m3u8", "chapters.json"):
            self.assertEqual(self.get(f"/media/{s2}/{path}")[0], 404, path)
        self.assertFalse(os.path.exists(os.path.join(self.data, "media", "public",
                                                     f"sitting-{s2}")))
        for bad in ("/media/abc/live.m3u8", f"/media/{s1}/../../x.ts",
                    f"/media/{s1}/seg-ZZ.ts", f"/media/{s1}/vod.m3u8x"):
            self.assertEqual(self.get(bad)[0], 404, bad)
        run(chair_do(("sitting.close", {}, 0)))

    def wait_for(self, pred, timeout=30, what=lambda: ""):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pred():
                return
            time.sleep(0.1)
        self.fail(f"condition not reached in time {what()}")

    def health_stream(self, sitting):
        media = json.loads(self.get("/healthz")[2])["media"]
        return next((x for x in media["streams"] if x["sitting_id"] == sitting), None)

    def sender(self, port, video, rate=15, audio=True):
        """A gst-launch-1.0 SRT sender on loopback, as an encoder or OBS
        sends: SPS/PPS with every keyframe, 7 TS packets per message."""
        sound = ["audiotestsrc", "is-live=true", "!", "voaacenc", "!", "aacparse", "!",
                 "m."] if audio else []
        return subprocess.Popen(
            ["gst-launch-1.0", "-q", "videotestsrc", "is-live=true", "pattern=ball", "!",
             f"video/x-raw,width=320,height=240,framerate={rate}/1", "!"] + video +
            ["!", "mpegtsmux", "name=m", "alignment=7", "!", "srtsink",
             f"uri=srt://127.0.0.1:{port}?mode=caller"] + sound,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def slate_shown(self, sitting, after_seq=-1):
        """The newest segment of the live playlist (newer than after_seq) is
        the slate: the server's picture size, mostly its plain background
        (the senders' and test source's pictures are busy)."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            _, live = self.wait_playlist(sitting, segments=1)
            seq = int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", live).group(1))
            segs = re.findall(r"^(seg-\S+\.ts)$", live, re.M)
            if seq + len(segs) - 1 > after_seq:
                body = self.get(f"/media/{sitting}/{segs[-1]}")[2]
                with tempfile.NamedTemporaryFile(suffix=".ts") as f:
                    f.write(body)
                    f.flush()
                    info = discover(f.name)
                try:
                    frame = last_frame(body)
                except subprocess.CalledProcessError:
                    # The dead source's run's last segment, cut where the
                    # source died, may hold no whole picture: not the slate
                    # (a CI run met one); look again.
                    time.sleep(0.3)
                    continue
                background = sum(1 for v in frame if 50 <= v <= 68)
                if "Height: 180" in info and background > len(frame) * 0.6:
                    return seq + len(segs) - 1, live
            time.sleep(0.3)
        self.fail(f"no slate in the live playlist of sitting {sitting}")

    def program_shown(self, sitting):
        """The newest live segment is the sender's own picture (320x240,
        High profile: passed through, not the server's 320x180 encoding),
        with its sound: the first segments of a run can come before the
        sound's pad is linked (an RTSP camera sets its streams up one by
        one), so a segment with both is waited for."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            _, live = self.wait_playlist(sitting, segments=1)
            seg = re.findall(r"^(seg-\S+\.ts)$", live, re.M)[-1]
            with tempfile.NamedTemporaryFile(suffix=".ts") as f:
                f.write(self.get(f"/media/{sitting}/{seg}")[2])
                f.flush()
                info = discover(f.name)
            if "Height: 240" in info and re.search(r"(?i)aac|mpeg-4 audio", info):
                return info, live
            time.sleep(0.3)
        self.fail(f"the sender's picture never reached the live playlist of sitting {sitting}: "
                  f"{self.health_stream(sitting)} {self.d.log()[-2500:]}")

    def test_srt_push_recorded_as_is(self):
        # An encoder pushes H.264 + AAC over SRT: recorded and streamed
        # without re-encoding. Before it connects and after it is lost the
        # livestream shows the slate and keeps going; it comes back and the
        # feed resumes, the gap in the record. A sender of another format
        # gets a clear message in the media status while the sitting's
        # commands go on.
        port = free_port()
        council = q("SELECT id FROM council WHERE slug = 'nhi-chieu'")
        session = int(q(f"INSERT INTO session (council_id, number, title, media_source) VALUES "
                        f"({council}, 9, 'Kỳ họp có bộ mã hóa', 'srt://:{port}') RETURNING id"))
        sitting = int(q(f"INSERT INTO sitting (session_id, ordinal, title) VALUES ({session}, 1, "
                        f"'Phiên họp') RETURNING id"))
        item = int(q(f"INSERT INTO agenda_item (session_id, position, title) VALUES ({session}, "
                     f"1, 'Mục 1') RETURNING id"))
        h264 = ["x264enc", "tune=zerolatency", "key-int-max=15", "bitrate=300", "!",
                "video/x-h264,profile=high", "!", "h264parse", "config-interval=-1"]

        chair(self.d, session, ("session.open", {}), ("sitting.open", {"sitting_id": sitting}))
        # No sender yet: citizens see the slate.
        last, _ = self.slate_shown(sitting)
        stream = self.health_stream(sitting)
        self.assertEqual((stream["state"], stream["slate"], stream["recording"]),
                         ("waiting", True, False))

        tx = self.sender(port, h264)
        try:
            info, live = self.program_shown(sitting)
            self.assertRegex(info, r"Width: 320")
            self.assertRegex(info, r"profile=\(string\)high")
            self.assertRegex(info, r"(?i)aac|mpeg-4 audio")
            self.assertRegex(info, r"rate=\(int\)44100")  # the sender's sound, not 48 kHz
            self.assertIn("#EXT-X-DISCONTINUITY\n", live)  # slate -> program
            self.wait_for(lambda: not self.health_stream(sitting)["slate"])
            stream = self.health_stream(sitting)
            self.assertEqual((stream["path"], stream["source"], stream["state"],
                              stream["recording"]), ("passthrough", f"srt://:{port}", "live", True))
            seq_live = int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", live).group(1)) + \
                len(re.findall(r"^seg-", live, re.M)) - 1
        finally:
            tx.terminate()
            tx.wait()
        # The sender went away: the slate goes on in the same live playlist
        # (its sequence goes on), plenumd listens again.
        last, live = self.slate_shown(sitting, after_seq=seq_live)
        self.assertGreaterEqual(int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", live).group(1)), 0)
        self.assertGreaterEqual(live.count("#EXT-X-DISCONTINUITY\n"), 2)
        stream = self.health_stream(sitting)
        self.assertTrue(stream["slate"], stream)
        self.assertIn("ended", stream["error"])
        self.wait_for(lambda: self.health_stream(sitting)["state"] == "waiting")
        tx = self.sender(port, h264)
        try:
            self.program_shown(sitting)  # recovered: the feed resumes
        finally:
            tx.terminate()
            tx.wait()
        kinds = q(f"SELECT string_agg(kind || ':' || coalesce(end_reason, 'running'), ',' ORDER BY "
                  f"started_at) FROM recording WHERE sitting_id = {sitting}").split(",")
        self.assertEqual(kinds[:4], ["slate:stopped", "program:source_lost", "slate:stopped",
                                     "program:source_lost" if len(kinds) > 4 else
                                     "program:running"], kinds)

        # MPEG-4 part 2 video is refused with a message saying what to send (once
        # the loss of the last sender is noticed and plenumd listens again).
        self.wait_for(lambda: self.health_stream(sitting)["state"] == "waiting")
        # Like an encoder, the sender tries again when its connection comes
        # to nothing (right after a loss, SRT may still be closing the
        # previous connection on that port).
        for attempt in range(6):
            tx = self.sender(port, ["videoconvert", "!", "avenc_mpeg4"], rate=25, audio=False)
            try:
                for _ in range(60):
                    stream = self.health_stream(sitting)
                    if stream and "H.264" in (stream.get("error") or ""):
                        break
                    time.sleep(0.1)
            finally:
                tx.terminate()
                tx.wait()
            if "H.264" in (stream.get("error") or ""):
                break
        self.assertIn("send H.264 video", stream["error"], self.d.log()[-3000:])
        self.assertIn("video/mpeg", stream["error"])
        self.assertTrue(stream["slate"])
        # The hub never noticed: the chair's commands go on.
        chair(self.d, session, ("agenda.activate", {"item_id": item}), ("sitting.close", {}))
        self.wait_for(lambda: self.health_stream(sitting) is None)
        st, _, vod = self.get(f"/media/{sitting}/vod.m3u8")
        self.assertEqual(st, 200)
        # slate, program, slate, program, slate: the archive has the gaps too.
        self.assertGreaterEqual(vod.decode().count("#EXT-X-DISCONTINUITY"), 4)
        self.assertEqual(q(f"SELECT count(*) FROM recording WHERE sitting_id = {sitting} AND "
                           f"ended_at IS NULL"), "0")

    def camera(self, port):
        """An IP camera on loopback (tests/integration/rtsp_camera.py)."""
        cam = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "rtsp_camera.py"),
                                str(port)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True)
        self.assertEqual(cam.stdout.readline().strip(), "ready")
        return cam

    def test_rtsp_camera_and_capture_device(self):
        # An IP camera's H.264 is recorded as it is, its G.711 sound encoded
        # once to AAC; unreachable, it is a clear error with the slate on,
        # and its password never shows. A capture device that is not there
        # is a clear error too, and the chair's commands go on.
        port = free_port()
        council = q("SELECT id FROM council WHERE slug = 'nhi-chieu'")
        url = f"rtsp://operator:secret-pw@127.0.0.1:{port}/cam"
        session = int(q(f"INSERT INTO session (council_id, number, title, media_source) VALUES "
                        f"({council}, 10, 'Kỳ họp có camera', '{url}') RETURNING id"))
        sitting, capture = [int(x) for x in q(
            f"INSERT INTO sitting (session_id, ordinal, title) VALUES ({session}, 1, 'Camera'), "
            f"({session}, 2, 'Thiết bị') RETURNING id").split()]

        chair(self.d, session, ("session.open", {}), ("sitting.open", {"sitting_id": sitting}))
        # Nobody answers at that address yet.
        self.wait_for(lambda: (self.health_stream(sitting) or {}).get("error"))
        stream = self.health_stream(sitting)
        self.assertEqual(stream["source"], f"rtsp://***@127.0.0.1:{port}/cam")
        self.slate_shown(sitting)
        cam = self.camera(port)
        try:
            info, live = self.program_shown(sitting)  # retried, and delivering
            self.assertRegex(info, r"profile=\(string\)high")  # the camera's own H.264
            self.assertRegex(info, r"(?i)aac|mpeg-4 audio")
            self.assertRegex(info, r"rate=\(int\)8000")  # the camera's sound, in AAC
            self.wait_for(lambda: not self.health_stream(sitting)["slate"])
            stream = self.health_stream(sitting)
            self.assertEqual((stream["state"], stream["path"], stream["error"]),
                             ("live", "passthrough", None))
            seq = int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", live).group(1)) + \
                len(re.findall(r"^seg-", live, re.M)) - 1
        finally:
            cam.kill()
            cam.wait()
        self.slate_shown(sitting, after_seq=seq)  # the camera is gone: the slate
        health = self.get("/healthz")[2].decode()
        self.assertNotIn("secret-pw", health)
        self.assertNotIn("secret-pw", self.d.log())

        # A capture device that is not there: the error names it.
        chair(self.d, session, ("sitting.close", {}))
        q(f"UPDATE session SET media_source = 'v4l2:/dev/video97?audio=hw:9' WHERE id = {session}")
        chair(self.d, session, ("sitting.open", {"sitting_id": capture}))
        self.wait_for(lambda: re.search(r"the (capture device \(/dev/video97\)|sound card "
                                        r"\(hw:9\)): ", (self.health_stream(capture) or {})
                                        .get("error") or ""),
                      what=lambda: (self.health_stream(capture), self.d.log()[-1500:]))
        self.wait_for(lambda: self.health_stream(capture)["slate"])
        self.assertEqual(self.health_stream(capture)["path"], "encode")
        chair(self.d, session, ("sitting.close", {}))
        self.wait_for(lambda: self.health_stream(capture) is None)
        self.assertEqual(q(f"SELECT count(*) FROM recording r WHERE r.sitting_id IN ({sitting}, "
                           f"{capture}) AND ended_at IS NULL"), "0")

    def test_restream_to_rtmp(self):
        # The livestream goes on to an RTMP server (ffmpeg listening, as
        # YouTube would): H.264 and AAC arrive; the stream key never shows;
        # the server going away is an error in the status while the
        # recording goes on.
        port = free_port()
        council = q("SELECT id FROM council WHERE slug = 'nhi-chieu'")
        session = int(q(f"INSERT INTO session (council_id, number, title, media_source, "
                        f"media_restream) VALUES ({council}, 12, 'Kỳ họp phát lại', 'test', "
                        f"'rtmp://127.0.0.1:{port}/live/secret-key') RETURNING id"))
        sitting = int(q(f"INSERT INTO sitting (session_id, ordinal, title) VALUES ({session}, 1, "
                        f"'Phiên') RETURNING id"))
        out = os.path.join(self.data, "restream.flv")
        rtmp = subprocess.Popen(["ffmpeg", "-nostdin", "-loglevel", "error", "-listen", "1",
                                 "-i", f"rtmp://127.0.0.1:{port}/live/secret-key", "-c", "copy",
                                 "-f", "flv", "-y", out], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

        try:
            time.sleep(0.5)
            chair(self.d, session, ("session.open", {}), ("sitting.open", {"sitting_id": sitting}))
            self.wait_for(lambda: os.path.exists(out) and os.path.getsize(out) > 60000,
                          what=lambda: (self.health_stream(sitting), self.d.log()[-1500:]))
            info = discover(out)
            self.assertRegex(info, r"(?i)h\.?264")
            self.assertRegex(info, r"(?i)aac|mpeg-4 audio")
            stream = self.health_stream(sitting)
            self.assertEqual((stream["restream"]["state"], stream["restream"]["url"]),
                             ("sending", f"rtmp://127.0.0.1:{port}/***"))
        finally:
            rtmp.kill()
            rtmp.wait()
        # The RTMP server is gone: an error for the restream, not for the
        # recording.
        self.wait_for(lambda: self.health_stream(sitting)["restream"]["state"] == "error",
                      what=lambda: self.health_stream(sitting))
        before = self.health_stream(sitting)["segments"]
        self.wait_for(lambda: self.health_stream(sitting)["segments"] > before + 1)
        stream = self.health_stream(sitting)
        self.assertEqual((stream["state"], stream["error"]), ("live", None))
        self.assertNotIn("secret-key", self.get("/healthz")[2].decode())
        self.assertNotIn("secret-key", self.d.log())
        chair(self.d, session, ("sitting.close", {}))
        self.wait_for(lambda: self.health_stream(sitting) is None)

    def test_full_disk(self):
        # The media directory fills up: a clear error in the log and the
        # status, the sitting's votes and events go on, and once space is
        # freed the recording resumes by itself.
        mnt = tempfile.mkdtemp(prefix="pltest-full-")
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", mnt],
                           stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            os.rmdir(mnt)
            self.skipTest(f"cannot mount a small tmpfs here: {r.stderr.strip()}")
        lsan = os.environ.get("LSAN_OPTIONS", "")
        d = None
        try:
            d = Plenumd(self.url, extra_args=MEDIA + list(FAST_LIMITS) + ["--data-dir", mnt],
                        env_extra={"LSAN_OPTIONS": lsan + ":fast_unwind_on_malloc=0"})
            council = q("SELECT id FROM council WHERE slug = 'nhi-chieu'")
            session = int(q(f"INSERT INTO session (council_id, number, title, media_source) "
                            f"VALUES ({council}, 11, 'Kỳ họp đĩa đầy', 'test') RETURNING id"))
            sitting = int(q(f"INSERT INTO sitting (session_id, ordinal, title) VALUES "
                            f"({session}, 1, 'Phiên') RETURNING id"))
            item = int(q(f"INSERT INTO agenda_item (session_id, position, title) VALUES "
                         f"({session}, 1, 'Mục 1'), ({session}, 2, 'Mục 2') RETURNING id")
                       .split()[0])

            chair(d, session, ("session.open", {}), ("sitting.open", {"sitting_id": sitting}))

            def stream():
                media = json.loads(d.http("GET", "/healthz")[2])["media"]
                return next((x for x in media["streams"] if x["sitting_id"] == sitting), {})

            self.wait_for(lambda: "space" in (stream().get("error") or ""), timeout=90,
                          what=lambda: (stream(), d.log()[-1500:]))
            self.assertIn("No space left", d.log())
            # The hub never noticed: the chair's commands are committed.
            chair(d, session, ("agenda.activate", {"item_id": item}))
            self.assertEqual(q(f"SELECT count(*) FROM session_event WHERE session_id = "
                               f"{session} AND name = 'agenda.activated'"), "1")
            # Space is freed (the operator moved old recordings away): the
            # retries find it and the recording goes on.
            subprocess.run(["mount", "-o", "remount,size=64m", mnt], check=True)
            before = stream()["segments"]
            self.wait_for(lambda: stream().get("state") == "live" and
                          stream()["segments"] > before, timeout=60,
                          what=lambda: (stream(), d.log()[-1500:]))
            chair(d, session, ("sitting.close", {}))
            self.wait_for(lambda: not stream())
            self.assertIn("error", q(f"SELECT string_agg(end_reason, ',') FROM recording "
                                     f"WHERE sitting_id = {sitting}"))
        finally:
            try:
                if d:
                    d.finish()
            finally:
                subprocess.run(["umount", mnt])
                os.rmdir(mnt)

def registry_without(plugin, into):
    """GStreamer's environment for a machine without one plugin (e.g.
    "pango": textoverlay and clockoverlay, package gstreamer1.0-x): a plugin
    directory of links to every installed plugin but that one, and a
    registry of its own (the real lookup, nothing faked in plenumd)."""
    r = subprocess.run(["gst-inspect-1.0", "coreelements"], stdout=subprocess.PIPE, text=True,
                       check=True)
    system = os.path.dirname(re.search(r"Filename\s+(\S+)", r.stdout).group(1))
    plugins = os.path.join(into, "plugins")
    os.makedirs(plugins)
    for name in os.listdir(system):
        if name.endswith(".so") and name != f"libgst{plugin}.so":
            os.symlink(os.path.join(system, name), os.path.join(plugins, name))
    return {"GST_PLUGIN_SYSTEM_PATH_1_0": plugins, "GST_PLUGIN_PATH_1_0": "",
            "GST_PLUGIN_PATH": "", "GST_REGISTRY_1_0": os.path.join(into, "registry.bin")}


class MediaCheckTest(unittest.TestCase):
    """plenumd checks at start that every GStreamer element its media needs
    is installed (issue 21): here GStreamer's registry has no pango plugin,
    as on a machine without gstreamer1.0-x."""

    @classmethod
    def setUpClass(cls):
        cls.url = council_fixture.demo_db(pg, "media_check")
        cls.tmp = tempfile.mkdtemp(prefix="pltest-media-check-")
        cls.env = registry_without("pango", cls.tmp)
        cls.data = os.path.join(cls.tmp, "data")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def q(self, sql):
        return pg.psql(sql, "media_check")

    def test_missing_element_refuses_to_start(self):
        # --media-required (the default): one line naming what is missing
        # and the package, a non-zero exit, and no GLib CRITICAL.
        env = dict(os.environ)
        env.update(self.env)
        r = subprocess.run([plenumd_path(), "serve", "--port", str(free_port()), "--database-url",
                            self.url, "--web-root", os.path.join(source_dir(), "web"),
                            "--data-dir", self.data] + MEDIA, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertNotEqual(r.returncode, 0, r.stderr)
        lines = [l for l in r.stderr.splitlines() if "textoverlay" in l]
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertIn("clockoverlay", lines[0])
        self.assertIn("gstreamer1.0-x", lines[0])
        self.assertIn("--media-required off", lines[0])
        self.assertNotIn("CRITICAL", r.stderr)

    def test_missing_element_media_not_required(self):
        # --media-required off: the sittings run without media, and every
        # place that shows the media says error, with the reason.
        lsan = os.environ.get("LSAN_OPTIONS", "")
        env = dict(self.env, LSAN_OPTIONS=lsan + ":fast_unwind_on_malloc=0")
        d = Plenumd(self.url, extra_args=MEDIA + list(FAST_LIMITS) + [
            "--data-dir", self.data, "--media-required", "off"], env_extra=env)
        try:
            self.assertEqual(len([l for l in d.log().splitlines() if "textoverlay" in l]), 1,
                             d.log())
            media = d.health()[1]["media"]
            self.assertEqual((media["state"], media["reason"]), ("error", "missing_elements"))
            self.assertIn("textoverlay", media["error"])
            self.assertIn("gstreamer1.0-x", media["error"])
            session = int(self.q("SELECT id FROM session"))
            sitting = int(self.q("SELECT id FROM sitting ORDER BY ordinal LIMIT 1"))
            chair(d, session, ("session.open", {}), ("sitting.open", {"sitting_id": sitting}))
            deadline = time.monotonic() + 10
            stream = None
            while time.monotonic() < deadline and not stream:
                streams = d.health()[1]["media"]["streams"]
                stream = next((x for x in streams if x["sitting_id"] == sitting), None)
                time.sleep(0.2)
            self.assertEqual((stream["state"], stream["reason"]), ("error", "missing_elements"),
                             stream)
            self.assertIn("textoverlay", stream["error"])
            metrics = d.http("GET", "/metrics")[2].decode()
            self.assertIn("plenum_media_up 0", metrics)
            self.assertIn(f'plenum_media_stream_state{{sitting="{sitting}",state="error"}} 1',
                          metrics)
            st, _, body = d.http("GET", f"/media/{sitting}/state.json")
            self.assertEqual(st, 200)
            self.assertEqual(json.loads(body),
                             {"state": "error", "reason": "missing_elements", "segments": 0})
            self.assertEqual(d.http("GET", f"/media/{sitting}/live.m3u8")[0], 404)
            # The chair console and the public page say it in words.
            shots = os.environ.get("PL_SCREENSHOTS", "/tmp/plenum-screenshots")
            os.makedirs(shots, exist_ok=True)
            r = subprocess.run(["node", "media-error.test.mjs", f"http://127.0.0.1:{d.port}", shots,
                                str(session)], cwd=os.path.join(source_dir(), "tests", "browser"),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               timeout=180)
            print(r.stdout)
            self.assertEqual(r.returncode, 0, r.stdout)
            chair(d, session, ("sitting.close", {}), ("session.close", {}))
        finally:
            log = d.finish()
        self.assertNotIn("CRITICAL", log)

    def test_start_timeout(self):
        # A start that does not reach its first segment within the bound is
        # an error with reason start_timeout, not "starting" for ever (the
        # bound is shortened for the test: a real pipeline never starts in
        # 1 ms).
        lsan = os.environ.get("LSAN_OPTIONS", "")
        url = council_fixture.demo_db(pg, "media_timeout")
        d = Plenumd(url, extra_args=MEDIA + list(FAST_LIMITS) + ["--data-dir", self.data],
                    env_extra={"PL_MEDIA_START_TIMEOUT_MS": "1",
                               "LSAN_OPTIONS": lsan + ":fast_unwind_on_malloc=0"})
        try:
            session = int(pg.psql("SELECT id FROM session", "media_timeout"))
            sitting = int(pg.psql("SELECT id FROM sitting ORDER BY ordinal LIMIT 1",
                                  "media_timeout"))
            chair(d, session, ("session.open", {}), ("sitting.open", {"sitting_id": sitting}))
            deadline = time.monotonic() + 15
            stream = {}
            while time.monotonic() < deadline and stream.get("reason") != "start_timeout":
                streams = d.health()[1]["media"]["streams"]
                stream = next((x for x in streams if x["sitting_id"] == sitting), {})
                time.sleep(0.2)
            self.assertEqual((stream.get("state"), stream.get("reason")),
                             ("error", "start_timeout"), stream)
            chair(d, session, ("sitting.close", {}))
        finally:
            d.finish()


if __name__ == "__main__":
    unittest.main()

"""Watching a voter-contact meeting needs no camera, in real Chromium
(tests/browser/meeting-watch.test.mjs) against plenumd (its GStreamer room)
and PostgreSQL: the chair creates a meeting from the meeting page (not only
over the WebSocket) and opens it; a citizen who only watches gets picture
and sound (receive-only WebRTC: their <video> plays, getUserMedia is never
called); the chair sees the admitted citizen's camera without connecting
their own; the camera card's help differs for staff and citizens."""

import unittest

import council_fixture
from plenum_testlib import Stack, full_stacks_env, run_browser_script, screenshots_dir


class MeetingWatchBrowserTest(unittest.TestCase):
    def test_watch_without_camera(self):
        with Stack() as s:
            pg = s.pg
            db = "browser_meeting_watch"
            url = council_fixture.demo_db(pg, db)
            # A generous --rtc-timeout: two shared cores run Chromium's
            # encoders and the room.
            d = s.start(url, extra_args=["--rtc-timeout", "40"], env_extra=full_stacks_env())
            r = run_browser_script("meeting-watch.test.mjs", f"http://127.0.0.1:{d.port}",
                                   screenshots_dir())
            self.assertEqual(r.returncode, 0, r.stdout)
            # The meeting made on the page is in the database, as typed.
            self.assertEqual(pg.psql("SELECT title || '|' || location || '|' || capacity "
                                     "FROM voter_meeting WHERE title LIKE 'Tiếp xúc cử tri khu phố 5%'",
                                     db), "Tiếp xúc cử tri khu phố 5|Nhà văn hoá khu phố 5|120")


if __name__ == "__main__":
    unittest.main()

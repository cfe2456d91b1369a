"""The online voter-contact meeting in real Chromium
(tests/browser/meeting.test.mjs): a citizen with no account takes part
from /meeting/ with Chromium's fake camera and microphone — signs in with a
name and a phone, raises a hand, is invited to speak, sends a written
petition — while the chair moderates on the same page. Real plenumd (its
GStreamer room) and PostgreSQL; the petition and the meeting's events are
checked in the record; screenshots to the build dir."""

import os
import re
import subprocess
import time
import unittest

import council_fixture
from plenum_testlib import PgCluster, Plenumd, source_dir


class MeetingBrowserTest(unittest.TestCase):
    def test_voter_meeting(self):
        pg = PgCluster()
        d = None
        try:
            db = "browser_meeting"
            url = council_fixture.demo_db(pg, db)
            mid = pg.psql("SELECT id FROM voter_meeting", db)
            asan = os.environ.get("ASAN_OPTIONS", "")
            d = Plenumd(url, extra_args=["--rtc-timeout", "40"],
                        env_extra={"ASAN_OPTIONS": asan + ":fast_unwind_on_malloc=0"}
                        if asan else None)
            shots = os.environ.get("PL_SCREENSHOTS", "/tmp/plenum-screenshots")
            os.makedirs(shots, exist_ok=True)
            started = time.monotonic()
            r = subprocess.run(["node", "meeting.test.mjs", f"http://127.0.0.1:{d.port}", shots, mid],
                               cwd=os.path.join(source_dir(), "tests", "browser"),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               timeout=420)
            print(r.stdout)
            print(f"voter meeting browser test: {time.monotonic() - started:.1f} s")
            self.assertEqual(r.returncode, 0, r.stdout)
            code = re.search(r"^PETITION (KN-\d+)$", r.stdout, re.M).group(1)
            row = pg.psql("SELECT source || '|' || name || '|' || contact || '|' || area || '|' "
                          f"|| locality FROM petition WHERE 'KN-' || lpad(id::text, 6, '0') = '{code}'",
                          db)
            self.assertEqual(row, "meeting|Nguyễn Thị Hoa|0912 345 678|transport|Khu phố 3")
            names = pg.psql("SELECT string_agg(name, ',' ORDER BY seq) FROM meeting_event "
                            f"WHERE meeting_id = {mid}", db)
            self.assertEqual(names, "meeting.opened,guest.joined,hand.raised,guest.admitted,"
                                    "petition.received,guest.released,meeting.closed")
        finally:
            if d:
                code = d.stop()
                report = d.sanitizer_report()
                log = d.log()
                d.cleanup()
                pg.destroy()
                self.assertIsNone(report, report)
                self.assertEqual(code, 0, log[-3000:])
            else:
                pg.destroy()


if __name__ == "__main__":
    unittest.main()

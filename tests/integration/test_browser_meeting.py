"""The online voter-contact meeting in real Chromium
(tests/browser/meeting.test.mjs): a citizen with no account takes part
from /meeting/ with Chromium's fake camera and microphone — signs in with a
name and a phone, raises a hand, is invited to speak, sends a written
petition — while the chair moderates on the same page. Real plenumd (its
GStreamer room) and PostgreSQL; the petition and the meeting's events are
checked in the record; screenshots to the build dir."""

import re
import unittest

import council_fixture
from plenum_testlib import Stack, full_stacks_env, run_browser_script, screenshots_dir


class MeetingBrowserTest(unittest.TestCase):
    def test_voter_meeting(self):
        with Stack() as s:
            pg = s.pg
            db = "browser_meeting"
            url = council_fixture.demo_db(pg, db)
            mid = pg.psql("SELECT id FROM voter_meeting", db)
            # A generous --rtc-timeout: two shared cores run Chromium's
            # encoders and the room.
            d = s.start(url, extra_args=["--rtc-timeout", "40"], env_extra=full_stacks_env())
            r = run_browser_script("meeting.test.mjs", f"http://127.0.0.1:{d.port}",
                                   screenshots_dir(), mid)
            self.assertEqual(r.returncode, 0, r.stdout)
            code = re.search(r"^PETITION (KN-\d+)$", r.stdout, re.M).group(1)
            row = pg.psql("SELECT source || '|' || name || '|' || contact || '|' || area || '|' "
                          f"|| locality FROM petition WHERE 'KN-' || lpad(id::text, 6, '0') = '{code}'",
                          db)
            self.assertEqual(row, "meeting|Nguyễn Thị Hoa|0912 345 678|transport|Khu phố 3")
            # The lookup code shown on the page finds the petition.
            lookup = re.search(r"^LOOKUP (\S+)$", r.stdout, re.M).group(1)
            self.assertEqual(pg.psql(f"SELECT rec_petition_status('{lookup}')->>'code'", db), code)
            names = pg.psql("SELECT string_agg(name, ',' ORDER BY seq) FROM meeting_event "
                            f"WHERE meeting_id = {mid}", db)
            self.assertEqual(names, "meeting.opened,guest.joined,hand.raised,guest.admitted,"
                                    "petition.received,guest.released,meeting.closed")


if __name__ == "__main__":
    unittest.main()

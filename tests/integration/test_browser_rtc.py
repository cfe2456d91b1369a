"""Remote participation in real Chromium (tests/browser/remote.test.mjs):
the delegate page joins plenumd's WebRTC room with Chromium's fake camera
and microphone, the chair's console follows and mutes, and a named vote cast
from the remote delegate's page is recorded. Real plenumd (its GStreamer
room) and PostgreSQL; screenshots to the build dir."""

import os
import re
import unittest

import council_fixture
from plenum_testlib import Stack, full_stacks_env, run_browser_script, screenshots_dir


class RemoteBrowserTest(unittest.TestCase):
    def test_remote_delegate(self):
        with Stack(log_to=os.environ.get("PL_RTC_LOG")) as s:
            pg = s.pg
            db = "browser_rtc"
            url = council_fixture.demo_db(pg, db)
            sid = pg.psql("SELECT id FROM session", db)
            # A generous --rtc-timeout: two shared cores run Chromium's
            # encoders and the room.
            d = s.start(url, extra_args=["--rtc-timeout", "40"], env_extra=full_stacks_env())
            r = run_browser_script("remote.test.mjs", f"http://127.0.0.1:{d.port}",
                                   screenshots_dir(), sid)
            self.assertEqual(r.returncode, 0, r.stdout)
            # The ballot cast from the remote delegate's page is in the record.
            vote = re.search(r"^VOTE (\d+)$", r.stdout, re.M).group(1)
            rows = pg.psql("SELECT p.login, r.choice #>> '{}' FROM vote_record r "
                           "JOIN person p ON p.id = r.person_id "
                           f"WHERE r.session_id = {sid} AND r.vote_id = {vote}", db)
            self.assertEqual(rows, "daibieu03|for")
            result = pg.psql("SELECT result->>'for', result->>'against', result->>'abstain' "
                             f"FROM vote WHERE session_id = {sid} AND id = {vote}", db)
            self.assertEqual(result, "1|0|0")


if __name__ == "__main__":
    unittest.main()

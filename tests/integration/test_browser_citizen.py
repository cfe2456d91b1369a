"""Runs tests/browser/citizen.test.mjs (real Chromium via playwright-core)
against a real plenumd, recording and streaming from its test source, and a
real PostgreSQL with the demo council: the citizens' public page, archive,
petition form and petition status page (issue 22)."""

import json
import os
import unittest

import council_fixture
from live_client import FAST_LIMITS
from plenum_testlib import Stack, run_browser_script, screenshots_dir
from test_browser_records import MEDIA


class CitizenBrowserTest(unittest.TestCase):
    def test_citizen_pages(self):
        with Stack(data_prefix="pltest-citizen-web-") as s:
            pg, data = s.pg, s.data
            db = "browser_citizen"
            url = council_fixture.demo_db(pg, db)
            lsan = os.environ.get("LSAN_OPTIONS", "")
            d = s.start(url, extra_args=MEDIA + list(FAST_LIMITS) + ["--data-dir", data],
                        env_extra={"LSAN_OPTIONS": lsan + ":fast_unwind_on_malloc=0"})
            sid = int(pg.psql("SELECT id FROM session", db))
            # The numbers the minutes give the agenda (rec_minutes_build),
            # in the agenda's order: the public page must show the same.
            numbers = pg.psql(
                "SELECT jsonb_agg(x->'number' ORDER BY n) FROM jsonb_array_elements("
                f"rec_minutes_build({sid})->'agenda') WITH ORDINALITY AS a(x, n)", db)
            r = run_browser_script("citizen.test.mjs", f"http://127.0.0.1:{d.port}",
                                   screenshots_dir(), sid, timeout=240,
                                   env_extra={"PL_AGENDA_NUMBERS": numbers})
            self.assertEqual(r.returncode, 0, r.stdout)
            self.assertEqual(len(json.loads(numbers)) > 0, True)


if __name__ == "__main__":
    unittest.main()

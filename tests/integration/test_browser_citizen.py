"""Runs tests/browser/citizen.test.mjs (real Chromium via playwright-core)
against a real plenumd, recording and streaming from its test source, and a
real PostgreSQL with the demo council: the citizens' public page, archive,
petition form and petition status page (issue 22)."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import council_fixture
from live_client import FAST_LIMITS
from plenum_testlib import PgCluster, Plenumd, source_dir
from test_browser_records import MEDIA, stop


class CitizenBrowserTest(unittest.TestCase):
    def test_citizen_pages(self):
        pg = PgCluster()
        data = tempfile.mkdtemp(prefix="pltest-citizen-web-")
        d = None
        try:
            db = "browser_citizen"
            url = council_fixture.demo_db(pg, db)
            lsan = os.environ.get("LSAN_OPTIONS", "")
            d = Plenumd(url, extra_args=MEDIA + list(FAST_LIMITS) + ["--data-dir", data],
                        env_extra={"LSAN_OPTIONS": lsan + ":fast_unwind_on_malloc=0"})
            sid = int(pg.psql("SELECT id FROM session", db))
            # The numbers the minutes give the agenda (rec_minutes_build),
            # in the agenda's order: the public page must show the same.
            numbers = pg.psql(
                "SELECT jsonb_agg(x->'number' ORDER BY n) FROM jsonb_array_elements("
                f"rec_minutes_build({sid})->'agenda') WITH ORDINALITY AS a(x, n)", db)
            shots = os.environ.get("PL_SCREENSHOTS", "/tmp/plenum-screenshots")
            os.makedirs(shots, exist_ok=True)
            r = subprocess.run(["node", "citizen.test.mjs", f"http://127.0.0.1:{d.port}", shots,
                                str(sid)],
                               cwd=os.path.join(source_dir(), "tests", "browser"),
                               env=dict(os.environ, PL_AGENDA_NUMBERS=numbers),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               errors="replace", timeout=240)
            print(r.stdout)
            self.assertEqual(r.returncode, 0, r.stdout)
            self.assertEqual(len(json.loads(numbers)) > 0, True)
        finally:
            if d:
                code, log, report = stop(d)
                self.assertEqual(code, 0, log)
                self.assertIsNone(report, report)
            pg.destroy()
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()

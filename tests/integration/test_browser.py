"""Runs the browser tests in tests/browser/ (real Chromium via playwright-core)
against a real plenumd and PostgreSQL. Screenshots go to the build dir."""

import os
import subprocess
import unittest

from plenum_testlib import PgCluster, Plenumd, latest_schema, source_dir


class BrowserTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = PgCluster()
        cls.d = Plenumd(cls.pg.create_db("browser"))
        cls.shots = os.environ.get("PL_SCREENSHOTS", "/tmp/plenum-screenshots")
        os.makedirs(cls.shots, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        code = cls.d.stop()
        report = cls.d.sanitizer_report()
        cls.d.cleanup()
        cls.pg.destroy()
        assert code == 0 and report is None, report

    def run_node(self, script):
        browser_dir = os.path.join(source_dir(), "tests", "browser")
        r = subprocess.run(["node", script, f"http://127.0.0.1:{self.d.port}", self.shots,
                            str(latest_schema())],
                           cwd=browser_dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=180)
        print(r.stdout)
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_landing_page(self):
        self.run_node("landing.test.mjs")


if __name__ == "__main__":
    unittest.main()

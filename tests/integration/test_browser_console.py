"""The chair's console and the hall display in real Chromium
(tests/browser/console.test.mjs, issue 22): the session each page opens by
default (and after the first session closes), the session picker, the
confirmation dialogs of irreversible actions, the console's layout on a
1366×768 laptop, refusals shown next to the action, and the display as a
kiosk (no header, attendance on screen, contrast), and the fixes for an
independent tester's findings (closed session on the display, queue at
1366×768, agenda numbers, refusal advice, phone width, named-only option,
the secretary's confirmed entry). Real plenumd and
PostgreSQL with the demo council and two more planned sessions."""

import unittest

import council_fixture
from plenum_testlib import Stack, run_browser_script, screenshots_dir


class ConsoleBrowserTest(unittest.TestCase):
    def test_console(self):
        with Stack() as s:
            pg = s.pg
            db = "browser_console"
            url = council_fixture.demo_db(pg, db)
            # Two sessions after the demo's: the next one a month later, one
            # more two months later (the newest). Before and after the demo
            # session closes, the pages must open the next one, not the newest.
            pg.psql("""
                INSERT INTO session (council_id, number, title, planned_start)
                    SELECT council_id, 6, 'Kỳ họp thứ Sáu (chuyên đề)', planned_start + interval '30 days'
                    FROM session WHERE number = 5;
                INSERT INTO session (council_id, number, title, planned_start)
                    SELECT council_id, 7, 'Kỳ họp thứ Bảy', planned_start + interval '60 days'
                    FROM session WHERE number = 5;
                INSERT INTO sitting (session_id, ordinal, title, planned_start)
                    SELECT id, 1, 'Phiên khai mạc', planned_start FROM session WHERE number IN (6, 7);
            """, db)
            ids = [pg.psql(f"SELECT id FROM session WHERE number = {n}", db) for n in (5, 6, 7)]
            d = s.start(url)
            r = run_browser_script("console.test.mjs", f"http://127.0.0.1:{d.port}",
                                   screenshots_dir(), *ids, timeout=300)
            self.assertEqual(r.returncode, 0, r.stdout)
            self.assertEqual(pg.psql("SELECT state FROM session WHERE number = 5", db), "closed")


if __name__ == "__main__":
    unittest.main()

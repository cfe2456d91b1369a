"""Runs the browser tests in tests/browser/ (real Chromium via playwright-core)
against a real plenumd and PostgreSQL. Screenshots go to the build dir."""

import os
import subprocess
import unittest

import council_fixture
from plenum_testlib import (PgCluster, Plenumd, Stack, latest_schema, run_browser_script,
                            screenshots_dir, source_dir)


class BrowserTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = PgCluster()
        # The demo council, for the admin page.
        url = council_fixture.demo_db(cls.pg, "browser")
        # Three delegates who have no password yet: sign-in codes are only
        # for them (issue 20; admin.test.mjs prints theirs).
        cls.pg.psql("UPDATE person SET password_hash = NULL WHERE login IN "
                    "('daibieu03', 'daibieu04', 'daibieu05')", "browser")
        cls.d = Plenumd(url)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.d.finish()
        finally:
            cls.pg.destroy()

    def run_node(self, script):
        r = run_browser_script(script, f"http://127.0.0.1:{self.d.port}", screenshots_dir(),
                               latest_schema(), timeout=180)
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_landing_page(self):
        self.run_node("landing.test.mjs")

    def test_admin_page(self):
        self.run_node("admin.test.mjs")


class SittingBrowserTest(unittest.TestCase):
    """A whole sitting in Chromium; plenumd is killed and restarted when the
    script asks (a delegate's page must catch up)."""

    def test_sitting(self):
        import signal
        with Stack() as s:
            pg = s.pg
            url = council_fixture.demo_db(pg, "browser_sitting")
            d = s.start(url)
            sid = pg.psql("SELECT id FROM session", "browser_sitting")
            node = subprocess.Popen(["node", "sitting.test.mjs", f"http://127.0.0.1:{d.port}",
                                     screenshots_dir(), sid],
                                    cwd=os.path.join(source_dir(), "tests", "browser"),
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True)
            out = []
            for line in node.stdout:
                out.append(line)
                if line.strip() == "RESTART":
                    d.proc.send_signal(signal.SIGKILL)
                    d.proc.wait()
                    port = d.port
                    d.cleanup()
                    import time
                    time.sleep(1.0)
                    d = s.start(url, port=port)
                    node.stdin.write("RESTARTED\n")
                    node.stdin.flush()
                elif line.strip() in ("DBSTOP", "DBSTART"):
                    pg.stop() if line.strip() == "DBSTOP" else pg.start()
                    node.stdin.write("DONE\n")
                    node.stdin.flush()
            node.wait(timeout=300)
            print("".join(out))
            self.assertEqual(node.returncode, 0, "".join(out))


class MediaBrowserTest(unittest.TestCase):
    """The livestream and the archive with real GStreamer pipelines: one
    sitting is recorded with three chapters and closed, the next is live;
    the public player recovers from a network cut by itself."""

    def test_media(self):
        import asyncio
        from live_client import LiveClient, run
        with Stack(data_prefix="pltest-media-browser-") as s:
            pg, data = s.pg, s.data
            url = council_fixture.demo_db(pg, "browser_media")
            q = lambda sql: pg.psql(sql, "browser_media")
            sid = int(q("SELECT id FROM session"))
            sittings = [int(x) for x in q("SELECT id FROM sitting ORDER BY ordinal").split()]
            items = [int(x) for x in q("SELECT id FROM agenda_item WHERE parent_id IS NULL "
                                       "ORDER BY position").split()]
            lsan = os.environ.get("LSAN_OPTIONS", "")
            d = s.start(url, extra_args=["--media-source", "test", "--media-video", "320x180@15",
                                         "--media-bitrate", "300", "--data-dir", data],
                        env_extra={"LSAN_OPTIONS": lsan + ":fast_unwind_on_malloc=0"})

            async def sitting():
                c = await LiveClient.connect(d, d.login("chutich", "plenum-demo"), "chair")
                await c.ok("join", session_id=sid)
                await c.ok("session.open")
                await c.ok("sitting.open", sitting_id=sittings[0])
                await asyncio.sleep(2)
                await c.ok("agenda.activate", item_id=items[0])
                await asyncio.sleep(3)
                await c.ok("speaker.give_floor", person_id=int(q(
                    "SELECT id FROM person WHERE login = 'daibieu05'")), kind="speech")
                await asyncio.sleep(3)
                await c.ok("agenda.activate", item_id=items[1])
                await asyncio.sleep(3)
                await c.ok("sitting.close")
                await c.ok("sitting.open", sitting_id=sittings[1])
                await c.close()
            run(sitting())
            r = run_browser_script("media.test.mjs", f"http://127.0.0.1:{d.port}",
                                   screenshots_dir(), sid, timeout=180)
            self.assertEqual(r.returncode, 0, r.stdout)
            # The next sitting is live: the page plays it with LL-HLS, and
            # as plain HLS where the browser plays HLS itself.
            r = run_browser_script("media-llhls.test.mjs", f"http://127.0.0.1:{d.port}",
                                   screenshots_dir(), sid, timeout=180)
            self.assertEqual(r.returncode, 0, r.stdout)
            # The public player rides out a 10 s network cut by itself
            # (issue 21).
            r = run_browser_script("media-recovery.test.mjs", f"http://127.0.0.1:{d.port}",
                                   screenshots_dir(), sid, timeout=180)
            self.assertEqual(r.returncode, 0, r.stdout)


if __name__ == "__main__":
    unittest.main()

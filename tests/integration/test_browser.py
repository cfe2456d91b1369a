"""Runs the browser tests in tests/browser/ (real Chromium via playwright-core)
against a real plenumd and PostgreSQL. Screenshots go to the build dir."""

import os
import subprocess
import unittest

import council_fixture
from plenum_testlib import PgCluster, Plenumd, latest_schema, source_dir


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

    def test_admin_page(self):
        self.run_node("admin.test.mjs")


class SittingBrowserTest(unittest.TestCase):
    """A whole sitting in Chromium; plenumd is killed and restarted when the
    script asks (a delegate's page must catch up)."""

    def test_sitting(self):
        import signal
        pg = PgCluster()
        d = None
        try:
            url = council_fixture.demo_db(pg, "browser_sitting")
            d = Plenumd(url)
            sid = pg.psql("SELECT id FROM session", "browser_sitting")
            shots = os.environ.get("PL_SCREENSHOTS", "/tmp/plenum-screenshots")
            os.makedirs(shots, exist_ok=True)
            node = subprocess.Popen(["node", "sitting.test.mjs", f"http://127.0.0.1:{d.port}",
                                     shots, sid], cwd=os.path.join(source_dir(), "tests", "browser"),
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
                    d = Plenumd(url, port=port)
                    node.stdin.write("RESTARTED\n")
                    node.stdin.flush()
                elif line.strip() in ("DBSTOP", "DBSTART"):
                    pg.stop() if line.strip() == "DBSTOP" else pg.start()
                    node.stdin.write("DONE\n")
                    node.stdin.flush()
            node.wait(timeout=300)
            print("".join(out))
            self.assertEqual(node.returncode, 0, "".join(out))
        finally:
            if d:
                code = d.stop()
                report = d.sanitizer_report()
                d.cleanup()
                self.assertIsNone(report)
            pg.destroy()


class MediaBrowserTest(unittest.TestCase):
    """The livestream and the archive with real GStreamer pipelines: one
    sitting is recorded with three chapters and closed, the next is live;
    the public player recovers from a network cut by itself."""

    def test_media(self):
        import asyncio
        import shutil
        import tempfile
        import time
        from live_client import LiveClient, run
        pg = PgCluster()
        data = tempfile.mkdtemp(prefix="pltest-media-browser-")
        d = None
        try:
            url = council_fixture.demo_db(pg, "browser_media")
            q = lambda sql: pg.psql(sql, "browser_media")
            sid = int(q("SELECT id FROM session"))
            sittings = [int(x) for x in q("SELECT id FROM sitting ORDER BY ordinal").split()]
            items = [int(x) for x in q("SELECT id FROM agenda_item WHERE parent_id IS NULL "
                                       "ORDER BY position").split()]
            lsan = os.environ.get("LSAN_OPTIONS", "")
            d = Plenumd(url, extra_args=["--media-source", "test", "--media-video", "320x180@15",
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
            shots = os.environ.get("PL_SCREENSHOTS", "/tmp/plenum-screenshots")
            os.makedirs(shots, exist_ok=True)
            r = subprocess.run(["node", "media.test.mjs", f"http://127.0.0.1:{d.port}", shots,
                                str(sid)], cwd=os.path.join(source_dir(), "tests", "browser"),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               timeout=180)
            print(r.stdout)
            self.assertEqual(r.returncode, 0, r.stdout)
            # The next sitting is live: the public player rides out a 10 s
            # network cut by itself (issue 21).
            r = subprocess.run(["node", "media-recovery.test.mjs", f"http://127.0.0.1:{d.port}",
                                shots, str(sid)],
                               cwd=os.path.join(source_dir(), "tests", "browser"),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               timeout=180)
            print(r.stdout)
            self.assertEqual(r.returncode, 0, r.stdout)
        finally:
            if d:
                code = d.stop()
                report = d.sanitizer_report()
                d.cleanup()
                self.assertIsNone(report)
            pg.destroy()
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()

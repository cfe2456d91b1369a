"""Start-up failures: each is one clear line on stderr, a non-zero exit, and
nothing left listening or half-written."""

import socket
import unittest

from plenum_testlib import PgCluster, free_port, run_plenumd

pg = None


def setUpModule():
    global pg
    pg = PgCluster()


def tearDownModule():
    pg.destroy()


def one_error(testcase, r, *fragments):
    testcase.assertNotEqual(r.returncode, 0)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    errors = [l for l in lines if "ERROR:" in l or l.startswith("plenumd:")]
    testcase.assertEqual(len(errors), 1, r.stderr)
    for f in fragments:
        testcase.assertIn(f, errors[0])
    testcase.assertNotIn("AddressSanitizer", r.stderr)
    testcase.assertNotIn("runtime error", r.stderr)


class StartupTest(unittest.TestCase):
    def test_no_database_configured(self):
        r = run_plenumd(["serve"])
        one_error(self, r, "no database configured", "DATABASE_URL")

    def test_unreachable_database(self):
        r = run_plenumd(["serve", "--database-url", "postgresql:///x?host=/nonexistent"])
        one_error(self, r, "could not connect to the database", "check DATABASE_URL")

    def test_wrong_credentials_database(self):
        r = run_plenumd(["migrate", "--database-url", pg.url("no_such_db")])
        one_error(self, r, "could not connect to the database", "no_such_db")

    def test_port_in_use(self):
        url = pg.create_db("port")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            port = s.getsockname()[1]
            r = run_plenumd(["serve", "--database-url", url, "--port", str(port)])
        one_error(self, r, f"could not listen on 127.0.0.1:{port}: address already in use",
                  "--port")

    def test_bad_flags(self):
        for args, frag in ((["--port", "99999"], "--port must be a port number"),
                           (["--frobnicate"], "--frobnicate needs a value"),
                           (["--frob=1"], "unknown option --frob"),
                           (["dance"], "unknown command"),
                           (["--log-level", "loud"], "--log-level must be one of")):
            with self.subTest(args=args):
                r = run_plenumd(args)
                self.assertEqual(r.returncode, 2)
                one_error(self, r, frag)

    def test_bad_env(self):
        r = run_plenumd(["serve"], env_extra={"PLENUM_PORT": "eighty"})
        self.assertEqual(r.returncode, 2)
        one_error(self, r, "PLENUM_PORT must be a port number")

    def test_missing_web_root(self):
        url = pg.create_db("webroot")
        r = run_plenumd(["serve", "--database-url", url, "--port", str(free_port()),
                         "--web-root", "/nonexistent/web"])
        one_error(self, r, 'web root "/nonexistent/web" not found')

    def test_help_and_version(self):
        r = run_plenumd(["--help"])
        self.assertEqual(r.returncode, 0)
        self.assertIn("--database-url", r.stdout)
        r = run_plenumd(["version"])
        self.assertEqual(r.returncode, 0)
        for lib in ("plenumd 0.1.0", "libwebsockets 4.", "gstreamer 1.", "libpq 15.",
                    "jansson 2.", "libsrtp", "openssl OpenSSL 3."):
            self.assertIn(lib, r.stdout)


if __name__ == "__main__":
    unittest.main()

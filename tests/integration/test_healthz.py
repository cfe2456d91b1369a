"""GET /healthz against a real PostgreSQL that is up, then stopped, then
started again: plenumd stays up, reports the database down with 503, and
reconnects by itself."""

import time
import unittest

from plenum_testlib import PgCluster, Plenumd, latest_schema


def wait_for(pred, timeout=15.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(0.1)
    return last


class HealthzTest(unittest.TestCase):
    def setUp(self):
        self.pg = PgCluster()
        self.d = Plenumd(self.pg.create_db("health"))

    def tearDown(self):
        try:
            self.d.finish()
        finally:
            self.pg.destroy()

    def test_up_down_up(self):
        status, h = self.d.health()
        self.assertEqual(status, 200)
        self.assertEqual(h["status"], "ok")
        self.assertIs(h["database"]["ok"], True)
        self.assertEqual(h["database"]["schema_version"], latest_schema())
        self.assertEqual(h["schema_version_expected"], latest_schema())
        self.assertGreaterEqual(h["uptime_s"], 0)
        self.assertIsInstance(h["database"]["latency_ms"], float)
        self.assertEqual(h["version"], "0.1.0")

        self.pg.stop()
        # The first probe after the outage may be the one that notices it.
        got = wait_for(lambda: (lambda s, b: (s, b) if s == 503 else None)(*self.d.health()))
        self.assertIsNotNone(got, "healthz never reported the database down")
        status, h = got
        self.assertEqual(h["status"], "degraded")
        self.assertIs(h["database"]["ok"], False)
        self.assertEqual(h["database"]["error"], "db_unavailable")
        self.assertNotIn("schema_version", h["database"])
        # While down, answers come at once rather than hanging.
        t0 = time.monotonic()
        self.assertEqual(self.d.health()[0], 503)
        self.assertLess(time.monotonic() - t0, 3.0)

        self.pg.start()
        got = wait_for(lambda: (lambda s, b: (s, b) if s == 200 else None)(*self.d.health()))
        self.assertIsNotNone(got, "plenumd did not reconnect to the database")
        self.assertIs(got[1]["database"]["ok"], True)
        self.assertIn("database unavailable", self.d.log())
        self.assertIn("database connection restored", self.d.log())

    def test_many_concurrent_probes(self):
        import concurrent.futures
        with concurrent.futures.ThreadPoolExecutor(16) as ex:
            results = list(ex.map(lambda _: self.d.health()[0], range(200)))
        self.assertEqual(results, [200] * 200)


if __name__ == "__main__":
    unittest.main()

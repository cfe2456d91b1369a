"""Behind a reverse proxy (--trusted-proxies): the client's address is the
last one the proxy put in X-Forwarded-For, so per-address limits and the
security log see each client, not the proxy; from any other peer the header
is ignored, so a client cannot pick its own address."""

import unittest

import council_fixture
from plenum_testlib import PgCluster, Plenumd, finish_all


class ProxyTest(unittest.TestCase):
    def test_forwarded_for_only_from_a_trusted_proxy(self):
        pg = PgCluster()
        nodes = []
        try:
            url = council_fixture.demo_db(pg, "proxy")
            limits = ["--login-address-lock-after", "3", "--login-lock-after", "100"]
            behind = Plenumd(url, extra_args=limits + ["--trusted-proxies", "::1, 127.0.0.1"])
            nodes.append(behind)

            def login(d, xff, password="wrong"):
                st, _, _ = d.post_json("/api/login", {"login": "chutich", "password": password},
                                       headers={"X-Forwarded-For": xff})
                return st

            # Three failures from one client lock that client only.
            self.assertEqual([login(behind, "10.0.0.1") for _ in range(3)], [401] * 3)
            self.assertEqual(login(behind, "10.0.0.1", "plenum-demo"), 429)
            self.assertEqual(login(behind, "10.0.0.2", "plenum-demo"), 200)
            # What the client wrote first proves nothing: the proxy's last entry counts.
            self.assertEqual(login(behind, "10.0.0.2, 10.0.0.1", "plenum-demo"), 429)
            self.assertEqual(login(behind, "10.0.0.1, 10.0.0.3", "plenum-demo"), 200)
            # Not an address: the proxy's own is kept.
            self.assertEqual(login(behind, "unknown", "plenum-demo"), 200)
            log = pg.psql("SELECT string_agg(DISTINCT address::text, ',') FROM security_event "
                          "WHERE event LIKE 'login%'", "proxy")
            self.assertIn("10.0.0.1", log)
            self.assertIn("10.0.0.2", log)

            # A node that trusts no proxy ignores the header: one peer, one count.
            direct = Plenumd(url, extra_args=limits)
            nodes.append(direct)
            self.assertEqual([login(direct, f"10.9.0.{i}") for i in range(3)], [401] * 3)
            self.assertEqual(login(direct, "10.9.0.99", "plenum-demo"), 429)
        finally:
            try:
                finish_all(nodes)
            finally:
                pg.destroy()


if __name__ == "__main__":
    unittest.main()

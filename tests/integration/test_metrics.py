"""GET /metrics (issue 10) scraped from a real plenumd with real clients and
parsed by Prometheus's own text-format parser: connections by role, message
counters, the vote acknowledgement and database histograms, process
figures."""

import unittest

from prometheus_client.parser import text_string_to_metric_families

import council_fixture
from live_client import FAST_LIMITS, LiveClient, run
from plenum_testlib import PgCluster, Plenumd


class MetricsTest(unittest.TestCase):
    def test_scraped_and_parsed(self):
        pg = PgCluster()
        d = None
        try:
            url = council_fixture.demo_db(pg, "metrics")
            d = Plenumd(url, extra_args=FAST_LIMITS)
            sid = int(pg.psql("SELECT id FROM session", "metrics"))
            sitting = int(pg.psql("SELECT id FROM sitting ORDER BY ordinal LIMIT 1", "metrics"))
            tokens = {l: d.login(l, "plenum-demo")
                      for l in ("chutich", "thuky", "daibieu03", "daibieu04")}
            person = council_fixture.person_ids(pg, "metrics")

            def scrape():
                st, headers, body = d.http("GET", "/metrics")
                self.assertEqual(st, 200)
                ctype = {k.lower(): v for k, v in headers.items()}["content-type"]
                self.assertTrue(ctype.startswith("text/plain; version=0.0.4"), ctype)
                fams = {f.name: f for f in text_string_to_metric_families(body.decode())}
                return fams

            def value(fams, name, **labels):
                """The sample called name (a histogram's _bucket/_count, a
                counter's _total) with these labels."""
                for fam in fams.values():
                    for s in fam.samples:
                        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                            return s.value
                raise AssertionError(f"{name} {labels} not in /metrics")

            before = scrape()
            self.assertEqual(value(before, "plenum_websocket_connections", role="chair"), 0)
            self.assertEqual(before["plenum_vote_ack_seconds"].type, "histogram")

            async def sitting_with_a_vote():
                async def client(login):
                    c = await LiveClient.connect(d, tokens.get(login), name=login or "obs")
                    await c.ok("join", session_id=sid)
                    return c

                chair = await client("chutich")
                ds = [await client("daibieu03"), await client("daibieu04")]
                obs = await client(None)
                await chair.ok("session.open")
                await chair.ok("sitting.open", sitting_id=sitting)
                await chair.ok("agenda.next")
                for x in ds:
                    await x.ok("attendance.check_in")
                sec = await client("thuky")  # makes up the quorum: 20 of 30
                await council_fixture.fill_quorum(sec, person, len(ds),
                                                  skip=["daibieu03", "daibieu04"])
                await sec.close()
                vid = (await chair.ok("vote.prepare", kind="open", question="Q"))["seq"]
                await chair.ok("vote.open", vote_id=vid)
                for x in ds:
                    await x.ok("vote.cast", vote_id=vid, choice="for")
                fams = scrape()  # while the clients are connected
                await obs.close()
                return fams

            during = run(sitting_with_a_vote())
            self.assertEqual(value(during, "plenum_websocket_connections", role="chair"), 1)
            self.assertEqual(value(during, "plenum_websocket_connections", role="delegate"), 2)
            self.assertEqual(value(during, "plenum_websocket_connections", role="observer"), 1)
            self.assertEqual(value(during, "plenum_vote_ack_seconds_count"), 2)
            self.assertEqual(value(during, "plenum_vote_ack_seconds_bucket", le="+Inf"), 2)
            self.assertGreaterEqual(value(during, "plenum_websocket_messages_in_total"), 10)
            self.assertGreater(value(during, "plenum_websocket_messages_out_total"),
                               value(during, "plenum_websocket_messages_in_total"))
            self.assertGreater(value(during, "plenum_db_statement_seconds_count"),
                               value(before, "plenum_db_statement_seconds_count"))
            self.assertGreaterEqual(value(during, "plenum_event_commit_seconds_count"), 4)
            self.assertEqual(value(during, "plenum_sessions_loaded"), 1)
            self.assertGreater(value(during, "plenum_resident_memory_bytes"), 1 << 20)
            self.assertGreater(value(during, "plenum_open_fds"), 3)
            # Buckets are cumulative and end with the count.
            buckets = [s.value for s in during["plenum_db_statement_seconds"].samples
                       if s.name.endswith("_bucket")]
            self.assertEqual(buckets, sorted(buckets))
            self.assertEqual(buckets[-1], value(during, "plenum_db_statement_seconds_count"))
            after = scrape()
            self.assertEqual(value(after, "plenum_websocket_connections", role="chair"), 0)
        finally:
            try:
                if d:
                    d.finish()
            finally:
                pg.destroy()

    def test_json_logs(self):
        """--log-format json: every line plenumd writes is one JSON object
        with ts, level, pid and msg; security events carry their name."""
        import json
        pg = PgCluster()
        d = None
        try:
            d = Plenumd(council_fixture.demo_db(pg, "jsonlogs"),
                        extra_args=["--log-format", "json"])
            st, _, _ = d.post_json("/api/login", {"login": "chutich", "password": "wrong"})
            self.assertEqual(st, 401)
            d.login("chutich", "plenum-demo")
        finally:
            if d:
                code = d.stop()
                log = d.log()
                d.cleanup()
                self.assertEqual(code, 0, log)
            pg.destroy()
        lines = [json.loads(l) for l in log.splitlines() if l.strip()]
        self.assertGreater(len(lines), 3)
        for e in lines:
            self.assertRegex(e["ts"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertIn(e["level"], ("error", "warning", "info", "debug"))
            self.assertIsInstance(e["pid"], int)
        events = [e.get("event") for e in lines]
        self.assertIn("login_failed", events)
        self.assertIn("login_ok", events)
        self.assertTrue(any("listening on" in e["msg"] for e in lines))


if __name__ == "__main__":
    unittest.main()

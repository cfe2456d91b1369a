"""Abuse of a real plenumd by one client or a few (issue 20): guesses sent in
parallel, a flooded password-hashing queue, anonymous WebSockets filling the
server, request bodies trickled byte by byte, uploads by people who may not
upload, /metrics from outside, content types that only look like JSON, and
the language of the login's answer.

Everything targets 127.0.0.1, bounded in count and time. The server trusts
127.0.0.1 as a reverse proxy, so a test speaks "from" another address by
sending X-Forwarded-For (as nginx would append it); the limits are set small
so each test takes seconds."""

import asyncio
import concurrent.futures
import http.client
import json
import socket
import time
import unittest

import websockets

import council_fixture
from plenum_testlib import PgCluster, Plenumd

pg = None

LOCK_AFTER = 5
LIMITS = ["--trusted-proxies", "127.0.0.1",
          "--login-lock-after", str(LOCK_AFTER), "--login-backoff-max-seconds", "4",
          "--login-inflight-per-address", "4",
          "--max-anonymous-per-address", "3",
          "--max-connections", "12", "--reserved-for-members", "25",
          "--http-body-timeout", "2",
          "--metrics-token", "metrics-secret-1"]


def setUpModule():
    global pg
    pg = PgCluster()


def tearDownModule():
    pg.destroy()


def post(d, path, obj, address, headers=None, timeout=30):
    """POST a JSON body as if from address; returns (status, headers, body)."""
    h = {"X-Forwarded-For": address}
    h.update(headers or {})
    body = json.dumps(obj).encode()
    h.setdefault("Content-Type", "application/json")
    h["Content-Length"] = str(len(body))
    conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, \
            json.loads(data) if data else None
    finally:
        conn.close()


def login(d, who, password, address):
    return post(d, "/api/login", {"login": who, "password": password}, address)


def parallel(calls):
    """Runs the calls at once (threads); returns their results in order."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(calls)) as ex:
        futures = [ex.submit(c) for c in calls]
        return [f.result() for f in futures]


async def ws_connect(d, address, token=None):
    headers = {"X-Forwarded-For": address}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return await websockets.connect(d.ws_url(), subprotocols=["plenum.v1"],
                                    extra_headers=headers, open_timeout=10)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


class AbuseTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = "abuse"
        cls.url = council_fixture.demo_db(pg, cls.db)
        cls.d = Plenumd(cls.url, extra_args=LIMITS)

    @classmethod
    def tearDownClass(cls):
        cls.d.finish()

    def sql(self, q):
        return pg.psql(q, self.db)

    # --- item 4: login limits ------------------------------------------------------

    def test_parallel_guesses_are_counted_before_the_hash(self):
        """59 wrong passwords sent at once, then the right one from one of the
        same addresses: only the first LOCK_AFTER (and the one the backoff
        lets through) are checked, the right one is not let in."""
        calls = [lambda i=i: login(self.d, "daibieu09", f"wrong-{i}", f"10.1.0.{i % 20 + 1}")
                 for i in range(59)]

        def right():
            time.sleep(0.05)  # after the guesses, as the 60th
            return login(self.d, "daibieu09", "plenum-demo", "10.1.0.1")
        results = parallel(calls + [right])
        statuses = [r[0] for r in results]
        print("statuses:", {s: statuses.count(s) for s in set(statuses)})
        self.assertLessEqual(statuses[:59].count(401), LOCK_AFTER + 1, statuses)
        self.assertEqual(set(statuses[:59]) - {401, 429}, set(), statuses)
        self.assertEqual(statuses[59], 429, results[59])
        self.assertEqual(results[59][2]["error"], "locked")
        self.assertIn("retry-after", results[59][1])

    def test_owner_signs_in_from_a_clean_address_soon(self):
        """Guesses from one address hold that address back for longer and
        longer; the owner, from an address with no failures, waits at most a
        few seconds (--login-backoff-max-seconds), not a 15-minute lock."""
        for i in range(LOCK_AFTER + 3):
            st, _, _ = login(self.d, "daibieu08", f"wrong-{i}", "10.2.0.1")
            self.assertIn(st, (401, 429))
        st, hdrs, body = login(self.d, "daibieu08", "plenum-demo", "10.2.0.1")
        self.assertEqual(st, 429, body)  # the guessing address is held back
        t0 = time.monotonic()
        while True:
            st, hdrs, body = login(self.d, "daibieu08", "plenum-demo", "10.2.0.2")
            if st != 429 or time.monotonic() - t0 > 8:
                break
            self.assertEqual(body["error"], "locked")
            time.sleep(min(int(hdrs["retry-after"]), 2))
        waited = time.monotonic() - t0
        print(f"owner signed in after {waited:.1f} s")
        self.assertEqual(st, 200, body)
        self.assertLess(waited, 6)

    def test_password_checks_in_flight_per_address(self):
        """One address may have only --login-inflight-per-address checks
        running; the rest are refused at once with 429 rate_limited."""
        results = parallel([lambda i=i: login(self.d, f"nobody{i}", "x" * 12, "10.3.0.1")
                            for i in range(12)])
        statuses = [r[0] for r in results]
        print("statuses:", {s: statuses.count(s) for s in set(statuses)})
        limited = [r for r in results if r[0] == 429]
        self.assertTrue(limited, statuses)
        self.assertEqual(limited[0][2]["error"], "rate_limited")
        self.assertIn("retry-after", limited[0][1])
        self.assertLessEqual(statuses.count(401), 12 - len(limited))

    def test_hashing_queue_is_bounded(self):
        """A full password-hashing queue refuses at once with 503
        server_busy and Retry-After instead of making a real login wait
        behind every guess."""
        d = Plenumd(council_fixture.demo_db(pg, "abuse_queue"),
                    extra_args=["--trusted-proxies", "127.0.0.1", "--login-queue", "2"])
        try:
            results = parallel([lambda i=i: login(d, f"nobody{i}", "x" * 12, f"10.5.{i}.1")
                                for i in range(24)])
            statuses = [r[0] for r in results]
            print("statuses:", {s: statuses.count(s) for s in set(statuses)})
            busy = [r for r in results if r[0] == 503]
            self.assertTrue(busy, statuses)
            self.assertEqual(busy[0][2]["error"], "server_busy")
            self.assertIn("retry-after", busy[0][1])
            self.assertEqual(set(statuses), {401, 503})
            st, _, _ = login(d, "daibieu05", "plenum-demo", "10.5.200.1")
            self.assertEqual(st, 200)
        finally:
            d.finish()

    # --- item 7: connections ---------------------------------------------------------

    def test_anonymous_connections_per_address(self):
        async def go():
            held = [await ws_connect(self.d, "10.4.0.1") for _ in range(3)]
            try:
                with self.assertRaises(websockets.InvalidStatusCode) as cm:
                    held.append(await ws_connect(self.d, "10.4.0.1"))
                self.assertEqual(cm.exception.status_code, 429)
                held.append(await ws_connect(self.d, "10.4.0.2"))  # another address
            finally:
                for ws in held:
                    await ws.close()
        run(go())

    def test_members_keep_their_share_of_connections(self):
        """--max-connections 12 with 25 % for members: 9 anonymous
        connections fill the anonymous share; a tenth is refused 503, a
        delegate still gets in."""
        _, _, body = login(self.d, "daibieu06", "plenum-demo", "10.6.0.99")
        token = body["token"]

        async def go():
            held = []
            try:
                for i in range(9):
                    held.append(await ws_connect(self.d, f"10.6.{i // 3}.1"))
                with self.assertRaises(websockets.InvalidStatusCode) as cm:
                    held.append(await ws_connect(self.d, "10.6.9.1"))
                self.assertEqual(cm.exception.status_code, 503)
                held.append(await ws_connect(self.d, "10.6.0.99", token=token))
            finally:
                for ws in held:
                    await ws.close()
        run(go())

    def test_trickled_body_is_cut_at_the_deadline(self):
        """A request body sent a byte at a time must end within
        --http-body-timeout (2 s here), or the connection is closed."""
        s = socket.create_connection(("127.0.0.1", self.d.port), timeout=10)
        try:
            s.sendall(b"POST /api/login HTTP/1.1\r\nHost: localhost\r\n"
                      b"Content-Type: application/json\r\nContent-Length: 200\r\n\r\n")
            t0 = time.monotonic()
            closed_at = None
            while time.monotonic() - t0 < 6:
                try:
                    s.sendall(b" ")
                    s.settimeout(0.3)
                    data = s.recv(4096)
                    if data == b"" or data.startswith(b"HTTP/1.1 408"):
                        closed_at = time.monotonic() - t0
                        break
                except socket.timeout:
                    continue
                except OSError:
                    closed_at = time.monotonic() - t0
                    break
            print(f"closed after {closed_at}")
            self.assertIsNotNone(closed_at, "the trickled request was still open after 6 s")
            self.assertLess(closed_at, 4)
        finally:
            s.close()

    # --- item 8: uploads -----------------------------------------------------------

    def test_upload_refused_at_the_headers(self):
        """A delegate (not staff) announcing a 50 MiB upload is refused
        with 403 before any of the body is read or written."""
        _, _, body = login(self.d, "daibieu07", "plenum-demo", "10.8.0.1")
        token = body["token"]
        s = socket.create_connection(("127.0.0.1", self.d.port), timeout=10)
        try:
            s.sendall(b"POST /api/documents HTTP/1.1\r\nHost: localhost\r\n"
                      b"Authorization: Bearer " + token.encode() + b"\r\n"
                      b"Content-Type: multipart/form-data; boundary=XyZ\r\n"
                      b"Content-Length: 52428800\r\n\r\n--XyZ\r\n")
            s.settimeout(3)
            try:
                data = s.recv(4096)
            except socket.timeout:
                data = b""
            self.assertTrue(data.startswith(b"HTTP/1.1 403"), data[:200])
            self.assertIn(b"forbidden", data)
        finally:
            s.close()
        # Nobody signed in: 401, as before.
        st, _, _ = self.d.http("POST", "/api/documents",
                               headers={"Content-Type": "multipart/form-data; boundary=XyZ",
                                        "Content-Length": "5"}, body=b"--XyZ")
        self.assertEqual(st, 401)

    # --- item 9 --------------------------------------------------------------------

    def test_metrics_only_for_loopback_or_the_token(self):
        st, _, _ = self.d.http("GET", "/metrics")  # from 127.0.0.1 itself
        self.assertEqual(st, 200)
        st, _, body = self.d.http("GET", "/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
        self.assertEqual(st, 403, body[:200])
        self.assertNotIn(b"plenum_", body)
        st, _, _ = self.d.http("GET", "/metrics", headers={
            "X-Forwarded-For": "203.0.113.7", "Authorization": "Bearer wrong"})
        self.assertEqual(st, 403)
        st, _, body = self.d.http("GET", "/metrics", headers={
            "X-Forwarded-For": "203.0.113.7", "Authorization": "Bearer metrics-secret-1"})
        self.assertEqual(st, 200)
        self.assertIn(b"plenum_http_requests_total", body)

    def test_json_media_type_is_parsed_exactly(self):
        creds = {"login": "nobody-ct", "password": "x" * 12}
        for ctype, want in (("application/jsonx", 415), ("application/json-seq", 415),
                            ("text/plain", 415), ("application/json; charset=utf-8", 401),
                            ("Application/JSON", 401), ("application/json ;charset=UTF-8", 401)):
            st, _, body = post(self.d, "/api/login", creds, "10.9.1.1",
                               headers={"Content-Type": ctype})
            self.assertEqual(st, want, (ctype, body))

    def test_login_answers_in_the_pages_language(self):
        creds = {"login": "nobody-lang", "password": "x" * 12}
        _, _, en = post(self.d, "/api/login?lang=en", creds, "10.9.2.1",
                        headers={"Accept-Language": "vi"})
        _, _, vi = post(self.d, "/api/login?lang=vi", creds, "10.9.2.2",
                        headers={"Accept-Language": "en-US,en;q=0.9"})
        self.assertEqual(en["error"], "invalid_credentials")
        self.assertNotEqual(en["message"], vi["message"])
        self.assertIn("mật khẩu", vi["message"].lower())


if __name__ == "__main__":
    unittest.main()

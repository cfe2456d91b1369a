"""HTTPS and WSS with a certificate: TLS 1.2+ only, HSTS on every response,
Secure cookies, and the protocol working over wss://."""

import asyncio
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import unittest
import http.client

import websockets

from plenum_testlib import PgCluster, Plenumd, run_plenumd


class TlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="pltest-tls-")
        cls.cert = os.path.join(cls.dir, "cert.pem")
        cls.key = os.path.join(cls.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout", cls.key, "-out", cls.cert],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cls.pg = PgCluster()
        url = cls.pg.create_db("tls")
        r = run_plenumd(["admin", "person-add", "--login", "chair", "--name", "Chủ Tọa",
                         "--database-url", url])
        assert r.returncode == 0, r.stderr
        import subprocess as sp
        sp.run([os.environ["PLENUMD"], "admin", "set-password", "--login", "chair",
                "--database-url", url], input="chair-password-1\n", text=True, check=True,
               stdout=sp.DEVNULL)
        cls.d = Plenumd(url, extra_args=["--tls-cert", cls.cert, "--tls-key", cls.key],
                        tls=True)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.d.finish()
        finally:
            cls.pg.destroy()
            shutil.rmtree(cls.dir, ignore_errors=True)

    def ctx(self, version=None):
        c = ssl.create_default_context(cafile=self.cert)
        if version:
            c.minimum_version = c.maximum_version = version
        return c

    def https(self, method, path, body=None, headers=None):
        conn = http.client.HTTPSConnection("127.0.0.1", self.d.port, context=self.ctx(),
                                           timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            conn.close()

    def test_hsts_and_static(self):
        for path in ("/", "/healthz", "/nope"):
            status, headers, _ = self.https("GET", path)
            self.assertIn(status, (200, 404))
            hsts = {k.lower(): v for k, v in headers.items()}["strict-transport-security"]
            self.assertIn("max-age=31536000", hsts)

    def test_tls_versions(self):
        for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            with self.subTest(version=version):
                conn = http.client.HTTPSConnection("127.0.0.1", self.d.port,
                                                   context=self.ctx(version), timeout=10)
                conn.request("GET", "/healthz")
                self.assertEqual(conn.getresponse().status, 200)
                conn.close()
        for version in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
            with self.subTest(version=version):
                c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                c.load_verify_locations(self.cert)
                c.set_ciphers("ALL:@SECLEVEL=0")
                c.minimum_version = c.maximum_version = version
                conn = http.client.HTTPSConnection("127.0.0.1", self.d.port, context=c,
                                                   timeout=10)
                with self.assertRaises((ssl.SSLError, ConnectionResetError, OSError)):
                    conn.request("GET", "/healthz")
                    conn.getresponse()
                conn.close()

    def test_plain_http_is_not_served(self):
        import socket
        with socket.create_connection(("127.0.0.1", self.d.port), timeout=5) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                data = s.recv(100)
            except (ConnectionResetError, socket.timeout):
                data = b""
        self.assertNotIn(b"200 OK", data)

    def test_secure_cookie_and_wss(self):
        body = json.dumps({"login": "chair", "password": "chair-password-1"}).encode()
        status, headers, data = self.https("POST", "/api/login", body,
                                           {"Content-Type": "application/json"})
        self.assertEqual(status, 200, data)
        cookie = {k.lower(): v for k, v in headers.items()}["set-cookie"]
        self.assertIn("; Secure", cookie)
        token = json.loads(data)["token"]

        async def go():
            async with websockets.connect(f"wss://localhost:{self.d.port}/ws",
                                          subprotocols=["plenum.v1"], ssl=self.ctx(),
                                          extra_headers={"Cookie": f"plenum_session={token}",
                                                         "Origin": f"https://localhost:{self.d.port}"}) as ws:
                await ws.send('{"type":"whoami","id":1}')
                return json.loads(await ws.recv())
        r = asyncio.run(asyncio.wait_for(go(), 20))
        self.assertEqual(r["data"]["person"]["login"], "chair")

    def test_cert_without_key_is_refused(self):
        r = run_plenumd(["serve", "--tls-cert", self.cert, "--database-url", "postgresql:///x"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("--tls-cert and --tls-key go together", r.stderr)
        r = run_plenumd(["serve", "--tls-cert", "/nonexistent.pem", "--tls-key", self.key,
                         "--database-url", self.d.database_url, "--port", "1"])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('could not read the TLS certificate "/nonexistent.pem"', r.stderr)


if __name__ == "__main__":
    unittest.main()

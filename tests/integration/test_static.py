"""The static file server against a real plenumd: files with the right types
and security headers, and every path traversal spelling answered 404 without
ever returning a file outside the web root."""

import json
import os
import shutil
import socket
import tempfile
import unittest

from plenum_testlib import PgCluster, Plenumd

pg = None
d = None
base = None
SECRET = b"TOP-SECRET-OUTSIDE-WEB-ROOT"


def setUpModule():
    global pg, d, base
    pg = PgCluster()
    base = tempfile.mkdtemp(prefix="pltest-web-")
    web = os.path.join(base, "web")
    os.makedirs(os.path.join(web, "js"))
    with open(os.path.join(web, "index.html"), "w") as f:
        f.write("<!doctype html><h1>Phiên họp</h1>")
    with open(os.path.join(web, "js", "app.js"), "w") as f:
        f.write("console.log(1);")
    with open(os.path.join(web, ".env"), "w") as f:
        f.write("SECRET=1")
    # What a web root holds besides the pages (web/ has these): never served.
    for name, text in (("README.md", "# notes"), ("package.json", '{"name": "x"}'),
                       ("package-lock.json", "{}"), ("js/app.js.map", "{}"),
                       ("deploy.sh", "#!/bin/sh")):
        with open(os.path.join(web, name), "w") as f:
            f.write(text)
    os.makedirs(os.path.join(web, "i18n"))
    with open(os.path.join(web, "i18n", "vi.json"), "w") as f:
        f.write('{"title": "Phiên họp"}')
    with open(os.path.join(base, "secret.txt"), "wb") as f:
        f.write(SECRET)
    os.symlink(os.path.join(base, "secret.txt"), os.path.join(web, "link.txt"))
    os.symlink(base, os.path.join(web, "up"))
    d = Plenumd(pg.create_db("static"), web_root=web)


def tearDownModule():
    try:
        d.finish()
    finally:
        pg.destroy()
        shutil.rmtree(base, ignore_errors=True)


def raw_get(path):
    """Sends the request line byte for byte, bypassing any client-side cleanup."""
    with socket.create_connection(("127.0.0.1", d.port), timeout=10) as s:
        s.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head else 0
    return status, body


class StaticTest(unittest.TestCase):
    def test_index_and_types(self):
        status, headers, body = d.http("GET", "/")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "text/html; charset=utf-8")
        self.assertIn("Phiên họp".encode(), body)
        self.assertEqual(headers["X-Content-Type-Options"], "nosniff")
        self.assertIn("frame-ancestors 'none'", headers["Content-Security-Policy"])
        status, headers, body = d.http("GET", "/js/app.js")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "text/javascript; charset=utf-8")
        self.assertEqual(body, b"console.log(1);")
        status, headers, body = d.http("GET", "/index.html?lang=en")
        self.assertEqual(status, 200)

    def test_missing_is_404(self):
        status, headers, body = d.http("GET", "/nope.html")
        self.assertEqual(status, 404)
        self.assertEqual(headers["content-type"], "application/json")

    def test_other_methods_are_405(self):
        status, _, _ = d.http("POST", "/index.html", headers={"Content-Length": "0"})
        self.assertEqual(status, 405)
        for method in ("DELETE", "OPTIONS", "PUT", "PATCH"):
            with self.subTest(method=method):
                status, _, _ = d.http(method, "/index.html", headers={"Content-Length": "0"})
                self.assertEqual(status, 405)
        # A POST with a body is read and refused the same way.
        status, _, body = d.http("POST", "/healthz", headers={"Content-Length": "5"},
                                 body=b"hello")
        self.assertEqual(status, 405)

    def test_api_methods(self):
        # One route table (server/net/net_routes.c): an unknown /api/ path is 404
        # by any method; a known path asked with another method is 405 in the
        # API's error shape, naming the method as the field at fault.
        for method in ("GET", "POST", "PUT", "DELETE"):
            with self.subTest(method=method):
                status, _, body = d.http(method, "/api/nothing",
                                         headers={"Content-Length": "0"})
                self.assertEqual(status, 404)
                self.assertEqual(json.loads(body)["error"], "not_found")
        for method, path in (("PUT", "/api/documents"), ("DELETE", "/api/petitions"),
                             ("POST", "/api/session"), ("GET", "/api/logout"),
                             ("GET", "/api/admin/codes"), ("POST", "/api/admin/people")):
            with self.subTest(method=method, path=path):
                status, _, body = d.http(method, path, headers={"Content-Length": "0"})
                self.assertEqual(status, 405)
                doc = json.loads(body)
                self.assertEqual((doc["error"], doc["field"]), ("bad_field", "method"))

    def test_keep_alive(self):
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
        try:
            for path in ("/", "/js/app.js", "/missing", "/healthz", "/"):
                conn.request("GET", path)
                r = conn.getresponse()
                r.read()
                self.assertIn(r.status, (200, 404))
        finally:
            conn.close()

    def test_only_page_assets_are_served(self):
        """Issue 20: the web root's README.md and package.json are not
        served; the pages' own files and web/i18n/*.json are."""
        for path in ("/README.md", "/package.json", "/package-lock.json", "/js/app.js.map",
                     "/deploy.sh", "/readme.MD", "/i18n/../package.json"):
            with self.subTest(path=path):
                status, body = raw_get(path.encode())
                self.assertEqual(status, 404, f"{path} answered {status}")
        status, headers, body = d.http("GET", "/i18n/vi.json")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(d.http("GET", "/js/app.js")[0], 200)

    def test_traversal_attempts_are_404(self):
        attempts = [
            b"/../secret.txt", b"/../../../../etc/passwd", b"/js/../../secret.txt",
            b"/%2e%2e/secret.txt", b"/%2E%2E/%2E%2E/etc/passwd", b"/..%2fsecret.txt",
            b"/..%2Fsecret.txt", b"/%2e%2e%2fsecret.txt", b"/%252e%252e/secret.txt",
            b"/..%5csecret.txt", b"/..\\secret.txt", b"/js/..%2f..%2fsecret.txt",
            b"/.%2e/secret.txt", b"/%c0%ae%c0%ae/secret.txt", b"/..;/secret.txt",
            b"//../secret.txt", b"/./../secret.txt", b"/link.txt", b"/up/secret.txt",
            b"/.env", b"/%2eenv", b"/%00/../secret.txt", b"/etc/passwd",
            b"/js/%2e%2e/%2e%2e/secret.txt",
        ]
        for path in attempts:
            with self.subTest(path=path):
                status, body = raw_get(path)
                self.assertNotIn(SECRET, body)
                self.assertNotIn(b"root:", body)
                self.assertEqual(status, 404, f"{path!r} answered {status}")
        # The server is still fine afterwards.
        self.assertEqual(d.http("GET", "/")[0], 200)


if __name__ == "__main__":
    unittest.main()

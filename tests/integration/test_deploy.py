"""The deployment files (issue 10) work: nginx with deploy/nginx/plenum.conf
passes `nginx -t` and, started on loopback in front of a real plenumd,
terminates TLS, serves /healthz and the pages, upgrades /ws to a working
plenum.v1 WebSocket, refuses /metrics; the systemd unit passes
`systemd-analyze verify`; the backup script passes bash -n and shellcheck."""

import asyncio
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import unittest

import websockets

import council_fixture
from plenum_testlib import PgCluster, Plenumd, free_port, plenumd_path, source_dir

DEPLOY = os.path.join(source_dir(), "deploy")


def nginx_conf(prefix, tls_port, http_port, plenumd_port, cert, key):
    """A whole nginx.conf around the repository's plenum.conf, with this
    test's ports, certificate and temporary paths."""
    with open(os.path.join(DEPLOY, "nginx", "plenum.conf")) as f:
        site = f.read()
    site = (site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{tls_port} ssl http2;")
                .replace("listen [::]:443 ssl http2;", "")
                .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
                .replace("listen [::]:80;", "")
                .replace("/etc/plenum/tls/fullchain.pem", cert)
                .replace("/etc/plenum/tls/privkey.pem", key)
                .replace("/var/cache/nginx/plenum", os.path.join(prefix, "cache"))
                .replace("/etc/nginx/plenum-upstream.conf", os.path.join(prefix, "upstream.conf")))
    with open(os.path.join(DEPLOY, "nginx", "plenum-upstream.conf")) as f:
        upstream = f.read()
    with open(os.path.join(prefix, "upstream.conf"), "w") as f:
        f.write(upstream.replace("127.0.0.1:8080", f"127.0.0.1:{plenumd_port}"))
    tmp = os.path.join(prefix, "tmp")
    return f"""
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
{site}
}}
"""


@unittest.skipUnless(shutil.which("nginx"), "nginx is not installed (deploy/deps.sh test installs nginx-light)")
class NginxTest(unittest.TestCase):
    def test_nginx_in_front_of_plenumd(self):
        pg = PgCluster()
        prefix = tempfile.mkdtemp(prefix="pltest-nginx-")
        os.makedirs(os.path.join(prefix, "tmp"))
        d = nginx = None
        try:
            cert, key = os.path.join(prefix, "cert.pem"), os.path.join(prefix, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                            "-subj", "/CN=localhost", "-keyout", key, "-out", cert],
                           check=True, capture_output=True)
            tls_port, http_port = free_port(), free_port()
            origin = f"https://localhost:{tls_port}"
            d = Plenumd(council_fixture.demo_db(pg, "deploy"),
                        extra_args=["--allowed-origins", origin])
            conf = os.path.join(prefix, "nginx.conf")
            with open(conf, "w") as f:
                f.write(nginx_conf(prefix, tls_port, http_port, d.port, cert, key))
            t = subprocess.run(["nginx", "-t", "-c", conf, "-p", prefix], capture_output=True,
                               text=True)
            self.assertEqual(t.returncode, 0, t.stderr)
            self.assertIn("test is successful", t.stderr)
            nginx = subprocess.Popen(["nginx", "-c", conf, "-p", prefix],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", tls_port), timeout=0.2).close()
                    break
                except OSError:
                    asyncio.run(asyncio.sleep(0.05))
            ctx = ssl.create_default_context(cafile=cert)
            ctx.check_hostname = False

            def get(path, port=tls_port, tls=True):
                import http.client
                conn = (http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
                        if tls else http.client.HTTPConnection("127.0.0.1", port, timeout=10))
                conn.request("GET", path, headers={"Host": "localhost"})
                r = conn.getresponse()
                body = r.read()
                conn.close()
                return r.status, {k.lower(): v for k, v in r.getheaders()}, body

            st, h, body = get("/healthz")
            self.assertEqual(st, 200, body)
            self.assertEqual(json.loads(body)["status"], "ok")
            self.assertIn("max-age=31536000", h["strict-transport-security"])
            st, h, body = get("/")
            self.assertEqual(st, 200)
            self.assertIn("content-security-policy", h)  # plenumd's own headers pass through
            self.assertEqual(get("/metrics")[0], 403)
            st, h, _ = get("/healthz", port=http_port, tls=False)
            self.assertEqual((st, h["location"]), (301, "https://localhost/healthz"))

            async def ws():
                async with websockets.connect(f"wss://127.0.0.1:{tls_port}/ws",
                                              subprotocols=["plenum.v1"], ssl=ctx,
                                              server_hostname="localhost", origin=origin) as w:
                    await w.send(json.dumps({"type": "ping", "id": 1}))
                    reply = json.loads(await asyncio.wait_for(w.recv(), 10))
                    while reply.get("type") not in ("pong", "ok"):
                        reply = json.loads(await asyncio.wait_for(w.recv(), 10))
                    return reply

            self.assertEqual(asyncio.run(ws())["re"], 1)
        finally:
            if nginx:
                nginx.terminate()
                nginx.wait(10)
            if d:
                code = d.stop()
                report = d.sanitizer_report()
                d.cleanup()
                self.assertEqual(code, 0)
                self.assertIsNone(report, report)
            pg.destroy()
            shutil.rmtree(prefix, ignore_errors=True)


class FilesTest(unittest.TestCase):
    def test_backup_script(self):
        script = os.path.join(DEPLOY, "backup", "plenum-backup.sh")
        self.assertEqual(subprocess.run(["bash", "-n", script]).returncode, 0)
        if shutil.which("shellcheck"):
            r = subprocess.run(["shellcheck", script], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout)

    @unittest.skipUnless(shutil.which("systemd-analyze"), "systemd-analyze is not installed")
    def test_systemd_unit_verifies(self):
        with tempfile.TemporaryDirectory() as tmp:
            unit = open(os.path.join(DEPLOY, "systemd", "plenumd.service")).read()
            path = os.path.join(tmp, "plenumd.service")
            with open(path, "w") as f:
                f.write(unit.replace("/usr/local/bin/plenumd", plenumd_path()))
            r = subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertNotIn("Unknown", r.stderr)

    def test_every_deploy_file_is_documented(self):
        ops = open(os.path.join(source_dir(), "docs", "operations.md")).read()
        for dirpath, _, files in os.walk(DEPLOY):
            for name in files:
                rel = os.path.relpath(os.path.join(dirpath, name), source_dir())
                if rel in ("deploy/README.md",):
                    continue
                self.assertTrue(rel in ops, f"{rel} is not mentioned in docs/operations.md")


if __name__ == "__main__":
    unittest.main()

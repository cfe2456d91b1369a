"""`make run`'s runner (deploy/run.sh) end to end, with a temp var dir and a
free port instead of var/ and 8080: embedded PostgreSQL created on first
start, demo data, healthz ok, WebSocket pong, SIGTERM stops plenumd and
PostgreSQL cleanly, the next start reuses the data; a busy port leaves
nothing behind; DATABASE_URL uses that server instead."""

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

import websockets

from plenum_testlib import PgCluster, free_port, plenumd_path, source_dir


def healthz(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
            return r.status, json.loads(r.read())
    except Exception:
        return None


def pong(port):
    async def go():
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws",
                                      subprotocols=["plenum.v1"]) as ws:
            await ws.send('{"type":"ping","id":1}')
            return json.loads(await ws.recv())
    return asyncio.run(asyncio.wait_for(go(), 10))


def postgres_running_in(var):
    out = subprocess.run(["ps", "-eo", "args"], stdout=subprocess.PIPE, text=True).stdout
    return any(var in line and "postgres" in line for line in out.splitlines())


class RunTest(unittest.TestCase):
    def setUp(self):
        # Under /tmp so the postgres user can reach it when we are root.
        self.var = tempfile.mkdtemp(prefix="pltest-var-")
        os.chmod(self.var, 0o755)
        self.port = free_port()
        # make run records sittings by default, so GStreamer is loaded: full
        # stacks let tests/lsan.supp name what its libraries keep for good.
        self.env = dict(os.environ, PLENUMD=plenumd_path(), PLENUM_VAR=self.var,
                        PLENUM_PORT=str(self.port),
                        LSAN_OPTIONS=os.environ.get("LSAN_OPTIONS", "") +
                        ":fast_unwind_on_malloc=0")
        self.env.pop("DATABASE_URL", None)

    def tearDown(self):
        shutil.rmtree(self.var, ignore_errors=True)

    def start(self, env=None):
        log = open(os.path.join(self.var, "run.log"), "a")
        p = subprocess.Popen([os.path.join(source_dir(), "deploy", "run.sh")], env=env or self.env,
                             stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            h = healthz(self.port)
            if h and h[0] == 200:
                return p
            if p.poll() is not None:
                break
            time.sleep(0.2)
        self.fail(f"run.sh did not serve a healthy /healthz:\n{self.log()}")

    def log(self):
        with open(os.path.join(self.var, "run.log")) as f:
            return f.read()

    def stop(self, p):
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(60), 0, self.log())

    def test_first_start_then_reuse(self):
        p = self.start()
        try:
            status, h = healthz(self.port)
            self.assertIs(h["database"]["ok"], True)
            self.assertEqual(pong(self.port), {"type": "pong", "re": 1})
            out = self.log()
            self.assertIn("creating the embedded PostgreSQL cluster", out)
            self.assertIn(f"http://localhost:{self.port}/healthz", out)
            self.assertIn("chutich", out)
            self.assertIn("plenum-demo", out)
            self.assertTrue(os.path.isfile(os.path.join(self.var, "pg", "data", "PG_VERSION")))
        finally:
            self.stop(p)
        self.assertIn("stopping the embedded PostgreSQL", self.log())
        self.assertIn("plenumd stopped", self.log())
        self.assertFalse(postgres_running_in(self.var), "PostgreSQL left running")
        with socket.socket() as s:
            self.assertNotEqual(s.connect_ex(("127.0.0.1", self.port)), 0, "port still open")

        # Second start: same data, no new cluster, demo data not loaded twice.
        before = self.log()
        p = self.start()
        try:
            again = self.log()[len(before):]
            self.assertNotIn("creating the embedded PostgreSQL cluster", again)
            self.assertNotIn("loaded demo data", again)
            self.assertEqual(pong(self.port)["type"], "pong")
        finally:
            self.stop(p)
        self.assertFalse(postgres_running_in(self.var))

    def test_port_in_use_leaves_nothing(self):
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", self.port))
            s.listen()
            r = subprocess.run([os.path.join(source_dir(), "deploy", "run.sh")], env=self.env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(f"port {self.port} is already in use", r.stdout)
        self.assertFalse(postgres_running_in(self.var))
        self.assertFalse(os.path.exists(os.path.join(self.var, "pg")))

    def test_database_url_overrides_embedded(self):
        pg = PgCluster()
        try:
            env = dict(self.env, DATABASE_URL=pg.create_db("external"))
            p = self.start(env)
            try:
                self.assertEqual(pong(self.port)["type"], "pong")
            finally:
                self.stop(p)
            self.assertFalse(os.path.exists(os.path.join(self.var, "pg")))
            self.assertEqual(pg.psql("SELECT count(*) FROM council", "external"), "1")
        finally:
            pg.destroy()


if __name__ == "__main__":
    unittest.main()

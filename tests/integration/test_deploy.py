"""The deployment files (issue 10) work: nginx with deploy/nginx/plenum.conf
passes `nginx -t` and, started on loopback in front of a real plenumd,
terminates TLS, serves /healthz and the pages, upgrades /ws to a working
plenum.v1 WebSocket, caches HLS segments but not playlists, refuses
/metrics, and passes Host and X-Forwarded-* on every location; the systemd
unit passes `systemd-analyze verify` and `security`, and plenumd migrates,
serves and records a sitting under the unit's own seccomp filters (system
calls, W^X, address families) loaded the way systemd loads them; the backup
script passes bash -n and shellcheck, keeps two nights (hard-linked) and
rotates older ones, and its dump restores as deploy/backup/README.md says;
the container files agree with deploy/deps.sh and name files that exist."""

import asyncio
import ctypes
import errno
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

import websockets

import council_fixture
from live_client import LiveClient, run
from plenum_testlib import PgCluster, Plenumd, free_port, plenumd_path, source_dir

DEPLOY = os.path.join(source_dir(), "deploy")
UNIT = os.path.join(DEPLOY, "systemd", "plenumd.service")
# The cheapest recording test_media.py uses.
MEDIA = ["--media-source", "test", "--media-video", "320x180@15", "--media-bitrate", "300"]


_pg = None


def cluster():
    """The module's PostgreSQL cluster, started on first use (its demo
    template is seeded once for every test here)."""
    global _pg
    if _pg is None:
        _pg = PgCluster()
    return _pg


def tearDownModule():
    if _pg is not None:
        _pg.destroy()


def read(path):
    with open(path) as f:
        return f.read()


def nginx_conf(prefix, tls_port, http_port, upstream_port, cert, key):
    """A whole nginx.conf around the repository's plenum.conf, with this
    test's ports, certificate and temporary paths."""
    site = read(os.path.join(DEPLOY, "nginx", "plenum.conf"))
    site = (site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{tls_port} ssl http2;")
                .replace("listen [::]:443 ssl http2;", "")
                .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
                .replace("listen [::]:80;", "")
                .replace("/etc/plenum/tls/fullchain.pem", cert)
                .replace("/etc/plenum/tls/privkey.pem", key)
                .replace("/var/cache/nginx/plenum", os.path.join(prefix, "cache"))
                .replace("/etc/nginx/plenum-upstream.conf", os.path.join(prefix, "upstream.conf")))
    upstream = read(os.path.join(DEPLOY, "nginx", "plenum-upstream.conf"))
    with open(os.path.join(prefix, "upstream.conf"), "w") as f:
        f.write(upstream.replace("127.0.0.1:8080", f"127.0.0.1:{upstream_port}"))
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


class EchoHandler(http.server.BaseHTTPRequestHandler):
    """An upstream that answers every GET with the headers it received."""

    def do_GET(self):
        body = json.dumps({k.lower(): v for k, v in self.headers.items()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@unittest.skipUnless(shutil.which("nginx"), "nginx is not installed (deploy/deps.sh test installs nginx-light)")
class NginxTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pltest-nginx-")
        os.chmod(cls.tmp, 0o755)  # nginx's workers run as nobody when we are root
        cls.cert, cls.key = os.path.join(cls.tmp, "cert.pem"), os.path.join(cls.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=localhost", "-keyout", cls.key, "-out", cls.cert],
                       check=True, capture_output=True)
        cls.ctx = ssl.create_default_context(cafile=cls.cert)
        cls.ctx.check_hostname = False

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def start_nginx(self, upstream_port, tls_port=None):
        """nginx with the repository's configuration in front of
        upstream_port, checked with nginx -t first; returns (tls_port,
        http_port). Stopped at the end of the test."""
        prefix = tempfile.mkdtemp(prefix="prefix-", dir=self.tmp)
        os.chmod(prefix, 0o755)
        os.makedirs(os.path.join(prefix, "tmp"))
        tls_port, http_port = tls_port or free_port(), free_port()
        conf = os.path.join(prefix, "nginx.conf")
        with open(conf, "w") as f:
            f.write(nginx_conf(prefix, tls_port, http_port, upstream_port, self.cert, self.key))
        t = subprocess.run(["nginx", "-t", "-c", conf, "-p", prefix], capture_output=True,
                           text=True)
        self.assertEqual(t.returncode, 0, t.stderr)
        self.assertIn("test is successful", t.stderr)
        nginx = subprocess.Popen(["nginx", "-c", conf, "-p", prefix],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def stop():
            nginx.terminate()
            nginx.wait(10)
        self.addCleanup(stop)
        deadline = time.monotonic() + 5
        while True:
            try:
                socket.create_connection(("127.0.0.1", tls_port), timeout=0.2).close()
                return tls_port, http_port
            except OSError:
                if time.monotonic() > deadline or nginx.poll() is not None:
                    self.fail(f"nginx did not listen:\n{read(os.path.join(prefix, 'error.log'))}")
                time.sleep(0.05)

    def get(self, path, port, tls=True, headers=None):
        conn = (http.client.HTTPSConnection("127.0.0.1", port, context=self.ctx, timeout=10)
                if tls else http.client.HTTPConnection("127.0.0.1", port, timeout=10))
        try:
            conn.request("GET", path, headers=dict({"Host": "localhost"}, **(headers or {})))
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def test_nginx_in_front_of_plenumd(self):
        pg = cluster()
        data = tempfile.mkdtemp(prefix="data-", dir=self.tmp)
        tls_port = free_port()
        origin = f"https://localhost:{tls_port}"
        # Full stacks for leak reports: tests/lsan.supp names frames of what
        # GStreamer keeps for good deeper than the fast unwinder sees (and
        # the suppressions, when run outside CTest).
        lsan = os.environ.get("LSAN_OPTIONS", "") + ":fast_unwind_on_malloc=0"
        if "suppressions=" not in lsan:
            lsan += ":suppressions=" + os.path.join(source_dir(), "tests", "lsan.supp")
        d = Plenumd(council_fixture.demo_db(pg, "deploy"),
                    extra_args=MEDIA + ["--allowed-origins", origin, "--data-dir", data],
                    env_extra={"LSAN_OPTIONS": lsan})

        self.addCleanup(d.finish)
        tls_port, http_port = self.start_nginx(d.port, tls_port)

        st, h, body = self.get("/healthz", tls_port)
        self.assertEqual(st, 200, body)
        self.assertEqual(json.loads(body)["status"], "ok")
        self.assertIn("max-age=31536000", h["strict-transport-security"])
        st, h, body = self.get("/", tls_port)
        self.assertEqual(st, 200)
        self.assertIn("content-security-policy", h)  # plenumd's own headers pass through
        self.assertEqual(self.get("/metrics", tls_port)[0], 403)
        st, h, _ = self.get("/healthz", http_port, tls=False)
        self.assertEqual((st, h["location"]), (301, "https://localhost/healthz"))

        async def ws():
            async with websockets.connect(f"wss://127.0.0.1:{tls_port}/ws",
                                          subprotocols=["plenum.v1"], ssl=self.ctx,
                                          server_hostname="localhost", origin=origin) as w:
                await w.send(json.dumps({"type": "ping", "id": 1}))
                reply = json.loads(await asyncio.wait_for(w.recv(), 10))
                while reply.get("type") not in ("pong", "ok"):
                    reply = json.loads(await asyncio.wait_for(w.recv(), 10))
                return reply

        self.assertEqual(asyncio.run(ws())["re"], 1)

        # A recorded sitting: its segments are cached by nginx, its
        # playlists always come from plenumd.
        session = int(pg.psql("SELECT id FROM session", "deploy"))
        sitting = int(pg.psql("SELECT id FROM sitting ORDER BY ordinal LIMIT 1", "deploy"))
        token = d.login("chutich", "plenum-demo")

        async def open_sitting():
            c = await LiveClient.connect(d, token, "chair")
            await c.ok("join", session_id=session)
            await c.ok("session.open")
            await c.ok("sitting.open", sitting_id=sitting)
            await c.close()
        run(open_sitting(), timeout=30)
        deadline = time.monotonic() + 30
        while True:
            st, h, body = self.get(f"/media/{sitting}/live.m3u8", tls_port)
            segments = re.findall(r"^(seg-[0-9a-f]{16}-\d{5}\.ts)$", body.decode(), re.M)
            if st == 200 and segments:
                break
            self.assertLess(time.monotonic(), deadline, f"no live playlist: {st} {body[:200]}")
            time.sleep(0.3)
        self.assertEqual(h["cache-control"], "no-cache")
        self.assertNotIn("x-cache-status", h)
        path = f"/media/{sitting}/{segments[0]}"
        st, h, first = self.get(path, tls_port)
        self.assertEqual((st, h["x-cache-status"]), (200, "MISS"))
        self.assertIn("immutable", h["cache-control"])
        self.assertIn("max-age=31536000", h["strict-transport-security"])
        st, h, again = self.get(path, tls_port)
        self.assertEqual((st, h["x-cache-status"], again), (200, "HIT", first))

        # LL-HLS through nginx: blocking reloads are held by plenumd and
        # passed on, never one for another (not cached); parts are cached;
        # the preload-hinted part is held, then cached.
        def shape(text):
            seq = int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text).group(1))
            tail = text[text.rindex("#EXTINF"):]
            return seq + text.count("#EXTINF"), tail.count("#EXT-X-PART:")
        live = self.get(f"/media/{sitting}/live.m3u8", tls_port)[2].decode()
        msn, have = shape(live)
        answers = []
        for part in (have, have + 1):
            st, h, body = self.get(f"/media/{sitting}/live.m3u8?_HLS_msn={msn}&_HLS_part={part}",
                                   tls_port)
            self.assertEqual((st, h["cache-control"]), (200, "no-cache"), body)
            self.assertNotIn("x-cache-status", h)
            answers.append(shape(body.decode()))
        for (m, n), part in zip(answers, (have, have + 1)):
            self.assertTrue(m > msn or n > part, (answers, msn, have))
        self.assertGreater(answers[1], answers[0])
        hint = re.search(r'PRELOAD-HINT:TYPE=PART,URI="([^"]+)"',
                         self.get(f"/media/{sitting}/live.m3u8", tls_port)[2].decode()).group(1)
        st, h, first = self.get(f"/media/{sitting}/{hint}", tls_port)
        self.assertEqual((st, h["x-cache-status"], h["content-type"]), (200, "MISS", "video/mp2t"))
        st, h, again = self.get(f"/media/{sitting}/{hint}", tls_port)
        self.assertEqual((st, h["x-cache-status"], again), (200, "HIT", first))

    def test_every_location_passes_host_and_forwarded_headers(self):
        upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
        threading.Thread(target=upstream.serve_forever, daemon=True).start()
        self.addCleanup(upstream.server_close)
        self.addCleanup(upstream.shutdown)
        tls_port, _ = self.start_nginx(upstream.server_address[1])
        upgrade = {"Upgrade": "websocket", "Connection": "Upgrade"}
        for path, headers in (("/ws", upgrade), ("/", None), ("/api/login", None),
                              ("/media/1/live.m3u8", None),
                              ("/media/1/live.m3u8?_HLS_msn=1&_HLS_part=0", None),
                              ("/media/1/part-0123456789abcdef-1.ts", None),
                              ("/media/1/seg-0123456789abcdef-00001.ts", None)):
            st, h, body = self.get(path, tls_port, headers=headers)
            self.assertEqual(st, 200, path)
            seen = json.loads(body)
            self.assertEqual((seen.get("host"), seen.get("x-forwarded-for"),
                              seen.get("x-forwarded-proto")),
                             ("localhost", "127.0.0.1", "https"), f"{path}: {seen}")
            self.assertIn("max-age=31536000", h.get("strict-transport-security", ""), path)
            if headers:
                self.assertEqual((seen.get("upgrade"), seen.get("connection")),
                                 ("websocket", "upgrade"), path)


# --- the unit's seccomp filters, as systemd loads them ---------------------------
# systemd turns SystemCallFilter=, MemoryDenyWriteExecute= and
# RestrictAddressFamilies= into seccomp filters with libseccomp (which apt
# itself depends on). The same filters are built here from the unit file and
# `systemd-analyze syscall-filter`, and loaded in the child before it execs
# plenumd. Calls outside the list kill the process here, even where the unit
# says SystemCallErrorNumber=EPERM, so that any such call fails the test.

_SCMP_KILL_PROCESS, _SCMP_ALLOW = 0x80000000, 0x7FFF0000
_SCMP_CMP_EQ, _SCMP_CMP_MASKED_EQ = 4, 7


def _scmp_errno(e):
    return 0x00050000 | e


class _ScmpArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


def _libseccomp():
    lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                           ctypes.c_uint, ctypes.c_void_p]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    return lib


def service_settings(text):
    """The [Service] assignments of a unit file, in order: [(key, value)]."""
    out, section = [], None
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line:
            k, v = line.split("=", 1)
            out.append((k.strip(), v.strip()))
    return out


def syscall_set(name):
    """A system call name, or a @group expanded (recursively) by systemd."""
    if not name.startswith("@"):
        return {name}
    out = set()
    listing = subprocess.run(["systemd-analyze", "syscall-filter", name], check=True,
                             capture_output=True, text=True).stdout
    for line in listing.splitlines()[1:]:
        line = line.strip()
        if line and not line.startswith("#"):
            out |= syscall_set(line)
    return out


class UnitSeccomp:
    """The seccomp filters of a unit, built in this process; preexec() loads
    them into a child."""

    def __init__(self, unit_text):
        self.lib = _libseccomp()
        settings = service_settings(unit_text)
        self.filters = []  # the system call list, if any, is loaded last
        allow, deny, allow_list = set(), set(), None
        for k, v in settings:
            if k != "SystemCallFilter":
                continue
            names = set().union(*(syscall_set(n) for n in v.lstrip("~").split()))
            if allow_list is None:  # the first assignment decides (systemd.exec(5))
                allow_list = not v.startswith("~")
                if allow_list:
                    allow |= syscall_set("@default")
            (deny if v.startswith("~") else allow).update(names)
        self.allowed = allow - deny if allow_list else None
        values = dict(settings)
        if values.get("MemoryDenyWriteExecute") == "yes":
            prot_write, prot_exec, shm_exec = 0x2, 0x4, 0o100000
            f = self.new(_SCMP_ALLOW)
            both = _ScmpArgCmp(2, _SCMP_CMP_MASKED_EQ, prot_write | prot_exec,
                               prot_write | prot_exec)
            self.rule(f, _scmp_errno(errno.EPERM), "mmap", both)
            for call in ("mprotect", "pkey_mprotect"):
                self.rule(f, _scmp_errno(errno.EPERM), call,
                          _ScmpArgCmp(2, _SCMP_CMP_MASKED_EQ, prot_exec, prot_exec))
            self.rule(f, _scmp_errno(errno.EPERM), "shmat",
                      _ScmpArgCmp(2, _SCMP_CMP_MASKED_EQ, shm_exec, shm_exec))
            self.filters.append(f)
        families = values.get("RestrictAddressFamilies", "")
        if families and not families.startswith("~"):
            keep = {int(getattr(socket, fam)) for fam in families.split()}
            f = self.new(_SCMP_ALLOW)
            for fam in range(64):
                if fam not in keep:
                    self.rule(f, _scmp_errno(errno.EAFNOSUPPORT), "socket",
                              _ScmpArgCmp(0, _SCMP_CMP_EQ, fam, 0))
            self.filters.append(f)
        if self.allowed is not None:
            # Last: the list has no seccomp(), so nothing loads after it.
            f = self.new(_SCMP_KILL_PROCESS)
            for call in sorted(self.allowed):
                self.rule(f, _SCMP_ALLOW, call)
            self.filters.append(f)

    def new(self, default_action):
        f = self.lib.seccomp_init(default_action)
        if not f:
            raise OSError("seccomp_init failed")
        return f

    def rule(self, f, action, call, *cmps):
        nr = self.lib.seccomp_syscall_resolve_name(call.encode())
        if nr < 0:  # not a system call of this architecture
            return
        arr = (_ScmpArgCmp * max(1, len(cmps)))(*cmps)
        rc = self.lib.seccomp_rule_add_array(f, action, nr, len(cmps), arr)
        if rc < 0:
            raise OSError(-rc, f"seccomp_rule_add({call}): {os.strerror(-rc)}")

    def preexec(self):
        def load():
            for f in self.filters:
                rc = self.lib.seccomp_load(f)
                if rc < 0:
                    raise OSError(-rc, f"seccomp_load: {os.strerror(-rc)}")
        return load


@unittest.skipUnless(shutil.which("systemd-analyze"), "systemd-analyze is not installed")
class SystemdUnitTest(unittest.TestCase):
    def unit_copy(self, tmp):
        path = os.path.join(tmp, "plenumd.service")
        with open(path, "w") as f:
            f.write(read(UNIT).replace("/usr/local/bin/plenumd", plenumd_path()))
        return path

    def test_unit_verifies(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = self.unit_copy(tmp)
            r = subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            # verify exits 0 on an unknown key or a bad value, and names the
            # file on each such line.
            self.assertNotIn(path, r.stderr)
            r = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--threshold=20",
                                path], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout[-400:] + r.stderr)

    def test_plenumd_under_the_units_seccomp_filters(self):
        try:
            filters = UnitSeccomp(read(UNIT))
            probe = subprocess.run(["/bin/true"], preexec_fn=filters.preexec())
        except (OSError, subprocess.SubprocessError) as e:
            self.skipTest(f"cannot load seccomp filters here: {e}")
        self.assertEqual(probe.returncode, 0)
        self.assertIsNotNone(filters.allowed, "the unit has a SystemCallFilter allow list")
        self.assertIn("mmap", filters.allowed)
        # The filters bite: a writable and executable mapping is refused.
        code = ("import ctypes; c = ctypes.CDLL(None, use_errno=True); "
                "c.mmap.restype = ctypes.c_void_p; "
                "c.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t] + [ctypes.c_int] * 3 "
                "+ [ctypes.c_long]; "
                "p = c.mmap(None, 4096, 7, 0x22, -1, 0); "
                "print('refused' if p in (None, 2**64 - 1) else 'mapped')")
        r = subprocess.run(["/usr/bin/python3", "-c", code], preexec_fn=filters.preexec(),
                           capture_output=True, text=True)
        mdwe = dict(service_settings(read(UNIT))).get("MemoryDenyWriteExecute") == "yes"
        self.assertEqual(r.stdout.strip(), "refused" if mdwe else "mapped", r.stderr)

        pg = cluster()
        home = tempfile.mkdtemp(prefix="pltest-unit-")
        self.addCleanup(shutil.rmtree, home, True)
        url = council_fixture.demo_db(pg, "unit")
        # As under systemd: HOME is the state directory. No leak check: LSan
        # stops the threads with ptrace(), which @system-service excludes
        # (the other tests check for leaks).
        env = dict(os.environ, HOME=home, ASAN_OPTIONS="detect_leaks=0:halt_on_error=1")
        env.pop("DATABASE_URL", None)
        r = subprocess.run([plenumd_path(), "migrate", "--database-url", url], env=env,
                           preexec_fn=filters.preexec(), capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, f"ExecStartPre (migrate) under the filters: "
                                          f"{r.returncode}\n{r.stderr}")
        port = free_port()
        log = open(os.path.join(home, "plenumd.log"), "w")
        self.addCleanup(log.close)
        p = subprocess.Popen([plenumd_path(), "serve", "--port", str(port), "--bind", "127.0.0.1",
                              "--database-url", url,
                              "--web-root", os.path.join(source_dir(), "web"),
                              "--data-dir", os.path.join(home, "data")] + MEDIA,
                             env=env, stdout=subprocess.DEVNULL, stderr=log,
                             preexec_fn=filters.preexec())

        def stop():
            if p.poll() is None:
                p.kill()
                p.wait()
        self.addCleanup(stop)

        def died():
            why = (" (SIGSYS: a system call outside SystemCallFilter=)"
                   if p.returncode == -signal.SIGSYS else "")
            return (f"plenumd under the unit's filters ended with {p.returncode}{why}:\n"
                    f"{read(log.name)[-3000:]}")

        class Node:  # what LiveClient needs of a Plenumd
            def ws_url(self, query=""):
                return f"ws://127.0.0.1:{port}/ws{query}"

        def http_call(method, path, body=None):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                conn.request(method, path, body=body,
                             headers={"Content-Type": "application/json"} if body else {})
                r = conn.getresponse()
                return r.status, r.read()
            finally:
                conn.close()

        deadline = time.monotonic() + 30
        while True:
            self.assertIsNone(p.poll(), died())
            try:
                st, body = http_call("GET", "/healthz")
                break
            except OSError:
                self.assertLess(time.monotonic(), deadline, "plenumd did not listen")
                time.sleep(0.1)
        self.assertEqual(st, 200, f"{body}\n{read(log.name)[-3000:]}")
        st, body = http_call("POST", "/api/login",
                             json.dumps({"login": "chutich", "password": "plenum-demo"}))
        self.assertEqual(st, 200, body)
        token = json.loads(body)["token"]
        session = int(pg.psql("SELECT id FROM session", "unit"))
        sitting = int(pg.psql("SELECT id FROM sitting ORDER BY ordinal LIMIT 1", "unit"))

        async def sitting_recorded():
            c = await LiveClient.connect(Node(), token, "chair")
            await c.ok("join", session_id=session)
            await c.ok("session.open")
            await c.ok("sitting.open", sitting_id=sitting)
            await asyncio.sleep(4)
            await c.ok("sitting.close")
            await c.close()
        try:
            run(sitting_recorded(), timeout=60)
        except Exception as e:
            self.fail(f"{e!r}\n{died() if p.poll() is not None else read(log.name)[-3000:]}")
        self.assertIsNone(p.poll(), died())
        st, body = http_call("GET", f"/media/{sitting}/vod.m3u8")
        self.assertEqual(st, 200, body)
        self.assertGreaterEqual(body.decode().count("#EXTINF"), 2, body)
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(30), 0, died())
        text = read(log.name)
        for marker in ("ERROR: AddressSanitizer", "runtime error:"):
            self.assertNotIn(marker, text)


# Every table's row count, in one query.
TABLE_COUNTS = ("SELECT table_name || '=' || (xpath('/row/c/text()', query_to_xml("
                "format('SELECT count(*) AS c FROM %I', table_name), false, true, '')))[1]::text "
                "FROM information_schema.tables WHERE table_schema = 'public' "
                "AND table_type = 'BASE TABLE' ORDER BY 1")


class BackupTest(unittest.TestCase):
    script = os.path.join(DEPLOY, "backup", "plenum-backup.sh")

    def test_backup_script_is_clean(self):
        self.assertEqual(subprocess.run(["bash", "-n", self.script]).returncode, 0)
        if shutil.which("shellcheck"):
            r = subprocess.run(["shellcheck", self.script], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout)

    @unittest.skipUnless(shutil.which("rsync"), "rsync is not installed (deploy/deps.sh test installs it)")
    def test_two_nights_then_the_restore_of_the_readme(self):
        pg = cluster()
        tmp = tempfile.mkdtemp(prefix="pltest-backup-")
        self.addCleanup(shutil.rmtree, tmp, True)
        live = council_fixture.demo_db(pg, "live")
        data, backup = os.path.join(tmp, "data"), os.path.join(tmp, "backup")
        doc = os.path.join(data, "documents", "ab", "ab" + "0" * 62)
        os.makedirs(os.path.dirname(doc))
        os.makedirs(os.path.join(data, "media", "public", "sitting-1"))
        with open(doc, "w") as f:
            f.write("nghị quyết")
        # An installation older than the retention: the data directory's own
        # times are old; so are last month's backups, to be rotated away.
        old = time.time() - 40 * 86400
        for dirpath, dirs, _ in os.walk(data):
            for d in dirs:
                os.utime(os.path.join(dirpath, d), (old, old))
        os.utime(data, (old, old))
        os.makedirs(os.path.join(backup, "files-20200101T000000Z"))
        open(os.path.join(backup, "plenum-20200101T000000Z.dump"), "w").close()
        for name in ("files-20200101T000000Z", "plenum-20200101T000000Z.dump"):
            os.utime(os.path.join(backup, name), (old, old))
        env = dict(os.environ, DATABASE_URL=live, PLENUM_DATA_DIR=data, BACKUP_DIR=backup,
                   KEEP_DAYS="30")

        def night():
            r = subprocess.run(["bash", self.script], env=env, capture_output=True, text=True,
                               timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            return re.search(r"backup (\d{8}T\d{6}Z) written", r.stdout).group(1)

        first = night()
        time.sleep(1.1)  # stamps are to the second
        second = night()
        self.assertEqual(sorted(os.listdir(backup)),
                         [f"files-{first}", f"files-{second}", "files-latest",
                          f"plenum-{first}.dump", f"plenum-{second}.dump"])
        self.assertEqual(os.readlink(os.path.join(backup, "files-latest")),
                         os.path.join(backup, f"files-{second}"))
        copies = [os.path.join(backup, f"files-{s}", os.path.relpath(doc, data))
                  for s in (first, second)]
        self.assertEqual(os.stat(copies[0]).st_ino, os.stat(copies[1]).st_ino,
                         "an unchanged file is hard-linked, not copied again")
        self.assertEqual(os.stat(os.path.join(backup, f"plenum-{second}.dump")).st_mode & 0o077,
                         0)

        # The restore of deploy/backup/README.md: pg_restore into a new
        # database, the files back, plenumd migrate.
        pg.psql('CREATE DATABASE "restored"')
        restored = pg.url("restored")
        r = subprocess.run(["pg_restore", "--no-owner", "--role=plenum", "-d", restored,
                            os.path.join(backup, f"plenum-{second}.dump")],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        back = os.path.join(tmp, "restored-data")
        subprocess.run(["rsync", "-a", os.path.join(backup, f"files-{second}") + "/", back + "/"],
                       check=True)
        with open(os.path.join(back, os.path.relpath(doc, data))) as f:
            self.assertEqual(f.read(), "nghị quyết")
        r = subprocess.run([plenumd_path(), "migrate", "--database-url", restored],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("(0 migration(s) applied now)", r.stdout + r.stderr)
        self.assertEqual(pg.psql(TABLE_COUNTS, "restored"), pg.psql(TABLE_COUNTS, "live"))


def shell_array(text, name):
    """The words of a bash array assignment `name=(...)` in deploy/deps.sh."""
    m = re.search(rf"^{name}=\((.*?)\)", text, re.M | re.S)
    return set(re.sub(r"#.*", "", m.group(1)).split())


def dockerfile_stages(text):
    """The packages each stage of a Dockerfile installs with apt-get."""
    stages = []
    for stage in re.split(r"^FROM ", text, flags=re.M)[1:]:
        joined = stage.replace("\\\n", " ")
        pkgs = set()
        for m in re.finditer(r"apt-get install ([^&]*)", joined):
            pkgs |= {w for w in m.group(1).split() if not w.startswith("-")}
        stages.append(pkgs)
    return stages


class FilesTest(unittest.TestCase):
    def test_container_files(self):
        # No container engine here: what can be checked without one. The
        # image installs what deploy/deps.sh installs (the build set; the run
        # set but the PostgreSQL server); the compose file parses and names
        # files that exist.
        deps = read(os.path.join(DEPLOY, "deps.sh"))
        build, runtime = dockerfile_stages(read(os.path.join(DEPLOY, "docker", "Dockerfile")))
        self.assertLessEqual(shell_array(deps, "build_pkgs"), build)
        self.assertLessEqual({p for p in shell_array(deps, "run_pkgs")
                              if not p.startswith("postgresql")}, runtime)
        import yaml
        compose_dir = os.path.join(DEPLOY, "docker")
        compose = yaml.safe_load(read(os.path.join(compose_dir, "compose.yaml")))
        self.assertLessEqual({"db", "plenumd-a", "plenumd-b", "nginx"}, set(compose["services"]))
        for name, service in compose["services"].items():
            if "build" in service:
                b = service["build"]
                self.assertTrue(os.path.isfile(os.path.join(compose_dir, b["context"],
                                                            b["dockerfile"])), name)
            for volume in service.get("volumes", []):
                host = volume.split(":")[0]
                if host.startswith(".") and host != "./tls":  # ./tls: the operator's
                    self.assertTrue(os.path.exists(os.path.join(compose_dir, host)), volume)


    def test_every_deploy_file_is_documented(self):
        ops = read(os.path.join(source_dir(), "docs", "operations.md"))
        for dirpath, _, files in os.walk(DEPLOY):
            for name in files:
                rel = os.path.relpath(os.path.join(dirpath, name), source_dir())
                if rel in ("deploy/README.md",):
                    continue
                self.assertTrue(rel in ops, f"{rel} is not mentioned in docs/operations.md")


if __name__ == "__main__":
    unittest.main()

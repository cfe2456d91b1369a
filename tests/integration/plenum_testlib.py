"""Test harness: a throwaway PostgreSQL cluster and a real plenumd.

Everything here starts real components: `initdb`/`pg_ctl` from Debian's
postgresql-15 (run as the unprivileged `postgres` user when the tests run as
root, because PostgreSQL refuses to run as root), and the plenumd binary the
build produced. Clusters live in a temp dir, listen on a unix socket only and
are removed afterwards, so tests never touch var/.
"""

import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import http.client

PG_BIN = "/usr/lib/postgresql/15/bin"


def _pg_user():
    """The user PostgreSQL runs as: ourselves, or `postgres` when we are root."""
    if os.geteuid() != 0:
        return None
    return pwd.getpwnam("postgres")


def _as_pg(cmd, **kw):
    user = _pg_user()
    if user:
        cmd = ["runuser", "-u", user.pw_name, "--"] + cmd
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)


class PgCluster:
    """A private PostgreSQL 15 cluster on a unix socket in a temp dir."""

    def __init__(self, durable=False):
        """durable: keep fsync on (benchmarks); tests run with fsync off."""
        self.durable = durable
        self.base = tempfile.mkdtemp(prefix="pltest-pg-")
        self.data = os.path.join(self.base, "data")
        self.sock = os.path.join(self.base, "run")
        os.mkdir(self.sock)
        user = _pg_user()
        if user:
            for d in (self.base, self.sock):
                os.chown(d, user.pw_uid, user.pw_gid)
        _as_pg([os.path.join(PG_BIN, "initdb"), "-D", self.data, "-U", "plenum", "-A", "trust",
                "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
        self.start()

    def start(self):
        opts = f"-k {self.sock} -c listen_addresses=''"
        if not self.durable:
            opts += " -c fsync=off -c full_page_writes=off"
        _as_pg([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-o", opts, "-w", "-t", "30",
                "-l", os.path.join(self.base, "log"), "start"])

    def stop(self, mode="fast"):
        _as_pg([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-m", mode, "-w", "stop"])

    def pids(self):
        """The postmaster's pid and its children's (every backend and
        auxiliary process of this cluster)."""
        with open(os.path.join(self.data, "postmaster.pid")) as f:
            pm = int(f.readline())
        kids = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/status") as f:
                    m = re.search(r"^PPid:\s+(\d+)$", f.read(), re.M)
            except OSError:
                continue
            if m and int(m.group(1)) == pm:
                kids.append(int(d))
        return pm, kids

    def freeze(self):
        """Stops every process of the cluster with SIGSTOP (as its owner): a
        hung server, whose sockets stay open and answer nothing. The
        postmaster first, so that it forks nothing new meanwhile."""
        pm, _ = self.pids()
        _as_pg(["kill", "-STOP", str(pm)])
        _, kids = self.pids()
        if kids:
            _as_pg(["kill", "-STOP"] + [str(k) for k in kids])
        self.frozen = True

    def thaw(self):
        """Undoes freeze(): SIGCONT to the cluster's processes."""
        pm, kids = self.pids()
        _as_pg(["kill", "-CONT"] + [str(k) for k in kids] + [str(pm)])
        self.frozen = False

    def url(self, dbname="postgres"):
        return f"postgresql:///{dbname}?host={self.sock}&user=plenum"

    def psql(self, sql, dbname="postgres"):
        """Runs SQL with psql; returns stdout (tuples only, unaligned)."""
        out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                              "-d", self.url(dbname), "-c", sql],
                             check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return out.stdout.strip()

    def create_db(self, name):
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self):
        if getattr(self, "frozen", False):
            self.thaw()
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.base, ignore_errors=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def plenumd_path():
    return os.environ["PLENUMD"]


def source_dir():
    return os.environ["PL_SOURCE_DIR"]


def latest_schema():
    """The newest migration version in schema/ (what plenumd must reach)."""
    import glob
    names = glob.glob(os.path.join(source_dir(), "schema", "[0-9][0-9][0-9]_*.sql"))
    return max(int(os.path.basename(n)[:3]) for n in names)


def migration_count():
    import glob
    return len(glob.glob(os.path.join(source_dir(), "schema", "[0-9][0-9][0-9]_*.sql")))


def run_plenumd(args, env_extra=None, timeout=60):
    """Runs plenumd to completion; returns CompletedProcess with text output."""
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update(env_extra or {})
    return subprocess.run([plenumd_path()] + args, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=timeout)


class Plenumd:
    """A running plenumd on a free loopback port."""

    def __init__(self, database_url, web_root=None, extra_args=(), env_extra=None, tls=False,
                 port=None):
        self.port = port or free_port()
        self.tls = tls
        self.database_url = database_url
        args = [plenumd_path(), "serve", "--port", str(self.port), "--bind", "127.0.0.1",
                "--database-url", database_url,
                "--web-root", web_root or os.path.join(source_dir(), "web")]
        # No media pipelines unless a test asks (test_media.py): they cost
        # CPU in every sitting the other tests open.
        if "--media-source" not in extra_args:
            args += ["--media-source", "none"]
        # Every test client comes from 127.0.0.1: the per-address cap on
        # anonymous WebSockets and the members' share would refuse the
        # crowds of observers other tests open. test_abuse.py sets and
        # tests them.
        if "--max-anonymous-per-address" not in extra_args:
            args += ["--max-anonymous-per-address", "1000000"]
        if "--reserved-for-members" not in extra_args:
            args += ["--reserved-for-members", "0"]
        args += list(extra_args)
        env = dict(os.environ)
        env.update(env_extra or {})
        self.stderr_path = tempfile.mktemp(prefix="pltest-plenumd-", suffix=".log")
        self._stderr = open(self.stderr_path, "w")
        self.proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=self._stderr)
        self.wait_ready()

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"plenumd exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"plenumd did not listen within {timeout}s:\n{self.log()}")

    def http(self, method, path, headers=None, body=None, timeout=10):
        """One HTTP request (the path is sent exactly as given)."""
        if self.tls:
            import ssl
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                               context=ctx)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for k, v in (headers or {}).items():
                conn.putheader(k, v)
            conn.endheaders(body)
            r = conn.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            conn.close()

    def health(self):
        status, _, body = self.http("GET", "/healthz")
        return status, json.loads(body)

    def ws_url(self, query=""):
        return f"ws://127.0.0.1:{self.port}/ws{query}"

    @property
    def origin(self):
        return f"http://localhost:{self.port}"

    def post_json(self, path, obj, headers=None, raw=None):
        """POST a JSON body; returns (status, headers, parsed body or None)."""
        body = raw if raw is not None else json.dumps(obj).encode()
        h = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        h.update(headers or {})
        status, hdrs, data = self.http("POST", path, headers=h, body=body)
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        return status, hdrs, parsed

    def login(self, login, password):
        """Signs in; returns the token (fails the caller if refused)."""
        status, _, body = self.post_json("/api/login", {"login": login, "password": password})
        if status != 200:
            raise AssertionError(f"login {login} refused: {status} {body}")
        return body["token"]

    def log(self):
        """plenumd's stderr so far. Decoded leniently: a security-log line
        carries a write's answer cut at 200 bytes, which can split a
        Vietnamese letter."""
        if not self._stderr.closed:
            self._stderr.flush()
        with open(self.stderr_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Stops plenumd; returns its exit code. Fails the caller's test if
        the sanitizers reported anything."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._stderr.close()
        return self.proc.returncode

    def sanitizer_report(self):
        text = self.log()
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            if marker in text:
                return text
        return None

    def cleanup(self):
        if self.proc.poll() is None:
            self.stop()
        try:
            os.unlink(self.stderr_path)
        except OSError:
            pass

    def finish(self, code=0):
        """The teardown every test shares: stops plenumd (if it still runs)
        and removes its files; raises AssertionError if the sanitizers
        reported anything or it did not exit with `code` (None: the exit
        code is not judged, for a plenumd the test killed). Returns its
        log, for a test that checks it further."""
        status, report, log = self.stop(), self.sanitizer_report(), self.log()
        self.cleanup()
        assert report is None, report
        if code is not None:
            assert status == code, f"exit status {status}: " + log[-3000:]
        return log


def finish_all(daemons, code=0):
    """Plenumd.finish() for several nodes: all are stopped before any is
    judged (one node's failure must not leave another running), then each
    is finished; the first failure is raised after all are cleaned up.
    None entries (a node that never started) are skipped."""
    daemons = [d for d in daemons if d is not None]
    for d in daemons:
        d.stop()
    failure = None
    for d in daemons:
        try:
            d.finish(code)
        except AssertionError as e:
            failure = failure or e
    if failure:
        raise failure


class Stack:
    """One test's own PostgreSQL cluster (pg), the plenumd it starts on it
    (d, set by start()) and, if data_prefix is given, a scratch data
    directory (data). Used with `with`: leaving it finishes plenumd
    (Plenumd.finish(): exit code and sanitizers judged), then destroys the
    cluster and the data directory even if finishing failed. The Stack owns
    all three; a test that restarts plenumd calls start() again after
    cleaning up the old one. log_to: a file that gets plenumd's log before
    it is removed (for a developer reading a run, e.g. PL_RTC_LOG)."""

    def __init__(self, data_prefix=None, log_to=None):
        self.pg = PgCluster()
        self.d = None
        self.data = tempfile.mkdtemp(prefix=data_prefix) if data_prefix else None
        self.log_to = log_to

    def start(self, database_url, **kw):
        """Starts plenumd (Plenumd's arguments); returns it."""
        self.d = Plenumd(database_url, **kw)
        return self.d

    def close(self):
        try:
            if self.d:
                if self.log_to:
                    with open(self.log_to, "w") as f:
                        f.write(self.d.log())
                self.d.finish()
        finally:
            self.pg.destroy()
            if self.data:
                shutil.rmtree(self.data, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def full_stacks_env():
    """env_extra for a plenumd that loads webrtcbin: LeakSanitizer gets whole
    stacks (GLib's quark block, leaked on purpose once webrtcbin's plugins
    load, is suppressed by tests/lsan.supp only with the whole stack)."""
    asan = os.environ.get("ASAN_OPTIONS", "")
    return {"ASAN_OPTIONS": asan + ":fast_unwind_on_malloc=0"} if asan else None


def run_browser_script(script, *args, timeout=420, env_extra=None):
    """Runs tests/browser/<script> with node (Chromium through
    playwright-core), prints its output and returns the CompletedProcess.
    The output is decoded leniently (a page's text cut mid-letter must not
    hide the script's verdict)."""
    started = time.monotonic()
    env = dict(os.environ)
    env.update(env_extra or {})
    r = subprocess.run(["node", script, *map(str, args)],
                       cwd=os.path.join(source_dir(), "tests", "browser"), env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       errors="replace", timeout=timeout)
    print(r.stdout)
    print(f"{script}: {time.monotonic() - started:.1f} s")
    return r


def screenshots_dir():
    shots = os.environ.get("PL_SCREENSHOTS", "/tmp/plenum-screenshots")
    os.makedirs(shots, exist_ok=True)
    return shots


class BallotLock:
    """Another session holding ACCESS SHARE on the ballot table (a read in a
    transaction left open), so a secret vote's count waits at its CLUSTER
    ballot (after rewriting the participation rows, before reading): the
    window between a vote's close and its count held open for as long as a
    test needs. release() lets the count go."""

    def __init__(self, pg, dbname):
        self.pg, self.dbname = pg, dbname
        self.proc = subprocess.Popen(["psql", "-X", "-q", "-A", "-t", "-d", pg.url(dbname)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.proc.stdin.write("BEGIN; SELECT count(*) FROM ballot;\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline().strip()
        if not line.isdigit():
            self.close()
            raise AssertionError(f"could not lock the ballot table: {line!r}")

    def wait_count_blocked(self, timeout=10):
        """True once a count's CLUSTER is waiting for this lock."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pg.psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'CLUSTER%' "
                            "AND wait_event_type = 'Lock'", self.dbname) == "1":
                return True
            time.sleep(0.05)
        return False

    def release(self):
        self.proc.stdin.write("COMMIT;\n")
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()

    def close(self):
        """Ends the session whatever state it is in (for finally blocks)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            if f and not f.closed:
                try:
                    f.close()
                except OSError:
                    pass

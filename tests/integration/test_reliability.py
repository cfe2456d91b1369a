"""Reliability under faults and hostile clients (issue 11), against a real
plenumd and PostgreSQL: the connection, message and queue limits at their
edges; a client that stops reading, one that stalls inside a frame and a
storm of connections that open and drop, while the other clients' delivery
is measured before and during; and kill -9 at random moments of a sitting
with a vote flood, repeated (PL_CRASH_ITERATIONS, 20 by default), checking
after each restart that every acknowledged ballot is counted exactly once,
nothing unacknowledged was counted, the event log is gap-free and resuming
clients converge."""

import asyncio
import base64
import json
import os
import random
import re
import secrets
import signal
import socket
import struct
import subprocess
import sys
import time
import unittest

import websockets

import council_fixture
from live_client import FAST_LIMITS, LiveClient, run
from plenum_testlib import BallotLock, PgCluster, Plenumd, run_plenumd

pg = None


def setUpModule():
    global pg
    pg = PgCluster()


def tearDownModule():
    pg.destroy()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def metric(d, name):
    _, _, body = d.http("GET", "/metrics")
    m = re.search(rf"^{re.escape(name)} (\S+)$", body.decode(), re.M)
    return float(m.group(1)) if m else None


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] if xs else None


def raw_upgrade(port, rcvbuf=None, extra=b""):
    """A WebSocket handshake by hand on a blocking socket (so a test can
    then misbehave at the byte level). Returns the socket after the 101."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    key = base64.b64encode(secrets.token_bytes(16))
    s.sendall(b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Key: " + key +
              b"\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: plenum.v1\r\n" +
              extra + b"\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            raise ConnectionError(f"closed during the handshake: {head!r}")
        head += chunk
    return s, head


def frame(text, opcode=0x1):
    """One masked client frame."""
    data = text.encode() if isinstance(text, str) else text
    mask = secrets.token_bytes(4)
    n = len(data)
    if n < 126:
        hdr = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        hdr = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        hdr = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    return hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def closed_by_peer(s, timeout):
    """True if the server closes s (EOF or reset) within timeout seconds,
    draining whatever it still sends."""
    s.settimeout(0.5)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if not s.recv(1 << 16):
                return True
        except socket.timeout:
            continue
        except OSError:
            return True
    return False


class LimitsTest(unittest.TestCase):
    """--max-connections, --max-message-bytes and --ws-max-queue-kib at their
    edges, and their bounds at start-up."""

    def test_max_connections_edge(self):
        url = council_fixture.demo_db(pg, "maxconn")
        d = Plenumd(url, extra_args=["--max-connections", "5"])
        try:
            run(self._max_connections(d))
        finally:
            d.finish()

    async def _max_connections(self, d):
        five = [await LiveClient.connect(d, name=f"c{i}") for i in range(5)]
        for c in five:
            await c.ok("ping")
        # The sixth is refused before the upgrade: 503, a stable code, a
        # retry hint, in the client's language.
        s, head = raw_upgrade(d.port, extra=b"Accept-Language: en\r\n")
        body = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            body += chunk
        s.close()
        status, _, rest = (head + body).partition(b"\r\n")[0], None, (head + body)
        self.assertIn(b" 503 ", status)
        self.assertIn(b"retry-after: 30", rest.lower())
        err = json.loads(rest.split(b"\r\n\r\n", 1)[1])
        self.assertEqual((err["error"], err["retryable"]), ("server_full", True))
        self.assertIn("maximum", err["message"])
        self.assertEqual(metric(d, "plenum_websocket_refused_full_total"), 1)
        self.assertEqual(metric(d, "plenum_websocket_connections_max"), 5)
        # The five were not disturbed; when one leaves, a new one gets in.
        for c in five:
            await c.ok("ping")
        await five[0].close()
        for _ in range(100):
            if metric(d, 'plenum_websocket_connections{role="not_joined"}') == 4:
                break
            await asyncio.sleep(0.05)
        again = await LiveClient.connect(d, name="again")
        await again.ok("ping")
        for c in five[1:] + [again]:
            await c.close()

    def test_max_message_bytes_edge(self):
        url = council_fixture.demo_db(pg, "maxmsg")
        d = Plenumd(url, extra_args=["--max-message-bytes", "1024"])
        try:
            # Exactly the limit (JSON padded with spaces) is a message like
            # any other, also split into fragments; one byte more closes 1009.
            msg = '{"type":"ping","id":7}'
            exact = msg[:-1] + " " * (1024 - len(msg)) + "}"
            self.assertEqual(len(exact), 1024)
            s, head = raw_upgrade(d.port)
            self.assertIn(b"101", head.split(b"\r\n")[0])
            s.sendall(frame(exact))
            reply = s.recv(4096)
            self.assertIn(b'"pong"', reply)
            first, second = frame(exact[:600], 0x1), frame(exact[600:], 0x0)
            s.sendall(bytes([first[0] & 0x7F]) + first[1:] + second)
            self.assertIn(b'"pong"', s.recv(4096))
            s.sendall(frame(exact + " "))
            # Read until the close frame is complete (the TCP close after it
            # may come later on a loaded machine); what came is in the
            # failure message if it does not.
            data = b""
            s.settimeout(15)
            while not (len(data) >= 4 and data[0] == 0x88 and len(data) >= 2 + (data[1] & 0x7F)):
                try:
                    chunk = s.recv(4096)
                except TimeoutError:
                    self.fail(f"no close frame within 15 s; received {data!r}")
                if not chunk:
                    break
                data += chunk
            s.close()
            # A close frame (opcode 8) with code 1009.
            self.assertEqual(data[0], 0x88, data)
            self.assertEqual(struct.unpack("!H", data[2:4])[0], 1009)
        finally:
            d.finish()

    def test_limits_refused_outside_their_range(self):
        for flag, bad, good in (("--max-connections", "0", "1"),
                                ("--ws-max-queue-kib", "15", "16"),
                                ("--max-message-bytes", "255", "256")):
            r = run_plenumd(["help", flag, bad])
            self.assertEqual(r.returncode, 2, (flag, r.stderr))
            self.assertIn(flag.lstrip("-"), r.stderr)
            r = run_plenumd(["help", flag, good])
            self.assertEqual(r.returncode, 0, (flag, r.stderr))


CHURNER = r"""
import socket, struct, sys, time
port, seconds = int(sys.argv[1]), float(sys.argv[2])
req = (b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
       b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
       b"Sec-WebSocket-Protocol: plenum.v1\r\n\r\n")
n, start = 0, time.monotonic()
end = start + seconds
while time.monotonic() < end:
    # Paced at 500 a second: a storm, without starving a parallel test run.
    ahead = start + n / 500 - time.monotonic()
    if ahead > 0:
        time.sleep(ahead)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    try:
        s.connect(("127.0.0.1", port))
        if n % 3:                       # two in three upgrade, then reset
            s.sendall(req)
            s.recv(256)
        if n % 3 == 2:                  # some send half a frame first
            s.sendall(b"\x81\xfe\x00")
    except OSError:
        pass
    s.close()                           # RST: linger 0
    n += 1
print(n / seconds)
"""


class SlowClientsTest(unittest.TestCase):
    """A client that stops reading is dropped at its queue limit, one that
    stalls inside a frame is hung up on, a storm of connections leaves no
    descriptor behind, and the other clients get every event meanwhile."""

    def test_slow_stalled_and_churning_clients(self):
        db = "slow"
        url = council_fixture.demo_db(pg, db)
        sid, tokens, _ = council_fixture.big_council(pg, db, 20)
        # A long idle timeout: the silent reader must be dropped for its
        # queue, not hung up on for not answering pings (the next test).
        d = Plenumd(url, extra_args=FAST_LIMITS + [
            "--ws-max-queue-kib", "16", "--ws-ping-interval", "60", "--ws-idle-timeout", "120",
            "--max-connections", "2000"],
            # ASan keeps freed memory in a quarantine (256 MiB by default),
            # which would read as growth: keep it small for the RSS check.
            env_extra={"ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") +
                       ":quarantine_size_mb=4:thread_local_quarantine_size_kb=64"})
        try:
            run(self._slow(d, sid, tokens), timeout=300)
        finally:
            d.finish()

    async def _slow(self, d, sid, tokens):
        pid = d.proc.pid
        chair = await LiveClient.connect(d, tokens["big001"], name="chair")
        await chair.ok("join", session_id=sid)
        observers = []
        for i in range(20):
            o = await LiveClient.connect(d, name=f"obs{i}")
            await o.ok("join", session_id=sid)
            observers.append(o)
        pad = "Giải lao. " + "ế" * 480  # 3 bytes each: a change is ~1.5 KB

        async def measure(n):
            """n state changes one after another; each one's delivery time
            to every observer (event decided to received), ms."""
            lat = []
            for i in range(n):
                seq = (await chair.ok("display.set", mode="message", message=f"{i} {pad}"))["seq"]
                for o in observers:
                    await o.wait_seq(seq, timeout=20)
                    e = next(e for e in reversed(o.events) if e["seq"] == seq)
                    lat.append(e["_rx_ms"] - e["at_ms"])
            return lat

        await measure(5)  # warm-up
        before = await measure(40)
        fds0, rss0 = fd_count(pid), rss_kib(pid)

        # The misbehaving: a joined observer that never reads (tiny receive
        # buffer), one that stalls after half a frame, and a storm of
        # connections opened and reset (another process, so its work does
        # not slow this one's measuring).
        slow, _ = raw_upgrade(d.port, rcvbuf=2048)
        slow.sendall(frame(json.dumps({"type": "join", "id": 1, "session_id": sid})))
        stall, _ = raw_upgrade(d.port)
        stall.sendall(b"\x81\xfe\x01")  # text, masked, 16-bit length: one byte of two
        churn = subprocess.Popen([sys.executable, "-c", CHURNER, str(d.port), "6"],
                                 stdout=subprocess.PIPE, text=True)
        # Flood until the silent reader is dropped: its queue is capped at
        # 16 KiB, so after the kernel's buffers this takes some tens of
        # changes, pipelined (before the idle timeout would hang up on it).
        peak = rss0
        flood = 0
        dropped = 0
        for _ in range(100):
            replies = await asyncio.gather(*(
                chair.ok("display.set", mode="message", message=f"f{flood + k} {pad}")
                for k in range(20)))
            flood += len(replies)
            peak = max(peak, rss_kib(pid))
            dropped = metric(d, "plenum_websocket_dropped_total")
            if os.environ.get("PL_DEBUG_SLOW"):
                print(flood, dropped, subprocess.run(["ss", "-tnH", f"sport = :{d.port}"],
                      capture_output=True, text=True).stdout[:2000], file=sys.stderr)
            if dropped:
                break
        self.assertGreaterEqual(dropped, 1, "the client that stopped reading was not dropped")
        during = await measure(40)
        peak = max(peak, rss_kib(pid))
        # Blocking waits go to a thread: this loop must keep answering the
        # server's pings for the well-behaved clients.
        loop = asyncio.get_running_loop()
        rate = float((await loop.run_in_executor(None, churn.communicate))[0])
        self.assertTrue(await loop.run_in_executor(None, closed_by_peer, slow, 10),
                        "the dropped client's socket stayed open")
        slow.close()
        stall.close()
        # Every observer got every change, in order, with no gap.
        last = chair.events[-1]["seq"]
        for o in observers:
            await o.wait_seq(last)
            s = o.seqs()
            self.assertEqual(s, list(range(s[0], last + 1)), o.name)
        # Only the silent reader was dropped; the others are all still here.
        self.assertEqual(metric(d, "plenum_websocket_dropped_total"), 1)
        for c in [chair] + observers:
            await c.ok("ping")
        # Descriptors come back (the storm's, the dropped and stalled ones).
        for _ in range(100):
            fds1 = fd_count(pid)
            if fds1 <= fds0 + 2:
                break
            await asyncio.sleep(0.1)
        self.assertLessEqual(fds1, fds0 + 2, f"descriptors leaked: {fds0} before, {fds1} after")
        # Memory: each connection's queue is bounded, so the flood and the
        # storm add no more than a few MiB (ASan's allocator keeps freed
        # memory in quarantine, hence the margin).
        self.assertLess(peak - rss0, 64 * 1024, f"RSS grew {rss0} -> {peak} KiB")
        b50, b99, w50, w99 = (percentile(before, 50), percentile(before, 99),
                              percentile(during, 50), percentile(during, 99))
        print(f"\nslow clients: delivery to 20 observers before p50 {b50:.1f} ms p99 {b99:.1f} ms; "
              f"with a silent reader, a stalled frame and {rate:.0f} connections/s opened "
              f"and reset: p50 {w50:.1f} ms p99 {w99:.1f} ms; silent reader dropped after "
              f"{flood} changes; RSS {rss0} -> "
              f"peak {peak} KiB; fds {fds0} -> {fds1}", file=sys.stderr)
        # Not a timing test (CI machines vary); only a gross stall fails it.
        self.assertLess(w99, 2000)
        self.assertGreater(rate, 100)
        for c in [chair] + observers:
            await c.close()


def nonce():
    return secrets.token_urlsafe(24)


CHOICES = ("for", "against", "abstain")


class StalledFrameTest(unittest.TestCase):
    """A client that stops in the middle of a frame header is hung up on
    after --ws-idle-timeout: no pong ever comes."""

    def test_stalled_frame_is_hung_up(self):
        url = council_fixture.demo_db(pg, "stall")
        d = Plenumd(url, extra_args=["--ws-ping-interval", "2", "--ws-idle-timeout", "4"])
        try:
            fds0 = fd_count(d.proc.pid)
            stall, _ = raw_upgrade(d.port)
            stall.sendall(frame('{"type":"ping","id":1}'))
            self.assertIn(b"pong", stall.recv(4096))
            stall.sendall(b"\x81\xfe\x01")  # text, masked, 16-bit length: one byte of two
            t0 = time.monotonic()
            self.assertTrue(closed_by_peer(stall, 20), "a client stalled inside a frame stayed")
            waited = time.monotonic() - t0
            stall.close()
            print(f"\nstalled frame hung up after {waited:.1f} s (--ws-idle-timeout 4)",
                  file=sys.stderr)
            self.assertGreaterEqual(waited, 3)
            for _ in range(50):
                if fd_count(d.proc.pid) <= fds0:
                    break
                time.sleep(0.1)
            self.assertLessEqual(fd_count(d.proc.pid), fds0)
        finally:
            d.finish()


class CrashTest(unittest.TestCase):
    """kill -9 at random moments of a sitting: ballots flowing, the chair
    changing the display and closing the vote."""

    ITERATIONS = int(os.environ.get("PL_CRASH_ITERATIONS", "20"))
    VOTERS = 30

    def test_kill9_at_random_moments(self):
        db = "crash"
        url = council_fixture.demo_db(pg, db)
        self.db = db
        self.sid, self.tokens, self.people = council_fixture.big_council(pg, db, self.VOTERS + 1)
        seed = int(os.environ.get("PL_CRASH_SEED", str(random.randrange(1 << 30))))
        rng = random.Random(seed)
        print(f"\ncrash test: seed {seed} (PL_CRASH_SEED), {self.ITERATIONS} iterations",
              file=sys.stderr)
        d = Plenumd(url, extra_args=FAST_LIMITS)
        self.summary = {"acked": 0, "committed_unacked": 0, "lost_in_flight": 0,
                        "closed_before_kill": 0, "counted_after_restart": 0,
                        "gone_after_ballot": 0}
        try:
            run(self._prepare(d), timeout=120)
            for it in range(self.ITERATIONS):
                d = run(self._iteration(d, rng, it), timeout=180)
        finally:
            d.finish()
        print(f"crash test: {self.ITERATIONS} kills survived; ballots acknowledged "
              f"{self.summary['acked']}, committed but not acknowledged (the reply lost in the "
              f"kill) {self.summary['committed_unacked']}, sent but not committed "
              f"{self.summary['lost_in_flight']}; votes closed before the kill "
              f"{self.summary['closed_before_kill']} (closed but not yet counted, counted by "
              f"the restarted plenumd: {self.summary['counted_after_restart']}); voters gone "
              f"right after their ballot {self.summary['gone_after_ballot']}", file=sys.stderr)

    def test_kill_between_close_and_count(self):
        """The window the random kills found once: the close of a secret vote
        committed, its count not yet. A lock held on the ballot table stops
        the count's first statement, plenumd is killed there; restarted, it
        counts the vote (it used to stay closed and uncounted for good)."""
        db = "crashcount"
        url = council_fixture.demo_db(pg, db)
        self.db = db
        self.sid, self.tokens, self.people = council_fixture.big_council(pg, db, 4)
        d = Plenumd(url, extra_args=FAST_LIMITS)
        logins = ["big002", "big003", "big004"]
        choice = dict(zip(logins, CHOICES))
        holder = None
        try:
            async def before_kill():
                chair = await self._client(d, "big001")
                voters = [await self._client(d, l) for l in logins]
                for v in voters:
                    await v.ok("attendance.check_in")
                vid = (await chair.ok("vote.prepare", kind="secret", question="Đóng rồi mất điện",
                                      board=council_fixture.big_board(self.people)))["seq"]
                await chair.ok("vote.open", vote_id=vid)
                for v, l in zip(voters, logins):
                    r = await v.ok("vote.cast", vote_id=vid, choice=choice[l], nonce=nonce())
                    self.assertEqual(r["outcome"], "recorded")
                await chair.ok("vote.close", vote_id=vid)
                for c in [chair] + voters:
                    await c.close()
                return vid

            # Another session reads the ballot table and stays in its
            # transaction: the count's CLUSTER waits for its lock.
            holder = BallotLock(pg, db)
            vid = run(before_kill(), timeout=60)
            self.assertTrue(holder.wait_count_blocked(), "the count did not reach its CLUSTER")
            self.assertEqual(self.psql(f"SELECT state FROM vote WHERE session_id = {self.sid} AND id = {vid}"), "closed")
            d.proc.send_signal(signal.SIGKILL)
            d.proc.wait()
            d._stderr.close()
            d.cleanup()
            holder.release()
            d = Plenumd(url, extra_args=FAST_LIMITS)
            state = ""
            for _ in range(300):
                state = self.psql(f"SELECT state FROM vote WHERE session_id = {self.sid} AND id = {vid}")
                if state == "counted":
                    break
                time.sleep(0.05)
            self.assertEqual(state, "counted")

            async def after():
                chair = await self._client(d, "big001")
                tally = (await chair.ok("vote.tally", vote_id=vid))["result"]
                await chair.close()
                return tally

            tally = run(after(), timeout=60)
            self.assertEqual(tally["cast"], 3)
            for ch in CHOICES:
                self.assertEqual(tally[ch], 1, tally)
            # Counted once: one vote.counted event.
            self.assertEqual(self.psql(f"SELECT count(*) FROM session_event WHERE session_id = "
                                       f"{self.sid} AND name = 'vote.counted'"), "1")
        finally:
            if holder:
                holder.close()
            d.finish()

    def psql(self, sql):
        return pg.psql(sql, self.db)

    async def _client(self, d, login):
        c = await LiveClient.connect(d, self.tokens[login], name=login)
        r = await c.ok("join", session_id=self.sid)
        c.last_seq = r["snapshot"]["seq"]
        return c

    async def _prepare(self, d):
        voters = [await self._client(d, f"big{n:03d}") for n in range(2, self.VOTERS + 2)]
        await asyncio.gather(*(v.ok("attendance.check_in") for v in voters))
        for v in voters:
            await v.close()

    async def _iteration(self, d, rng, it):
        logins = [f"big{n:03d}" for n in range(2, self.VOTERS + 2)]
        chair = await self._client(d, "big001")
        voters = [await self._client(d, l) for l in logins]
        kind = "secret" if it % 2 else "named"
        board = {"board": council_fixture.big_board(self.people)} if kind == "secret" else {}
        vid = (await chair.ok("vote.prepare", kind=kind, question=f"Mất điện lần {it + 1}",
                              **board))["seq"]
        await chair.ok("vote.open", vote_id=vid)
        nonces = {l: nonce() for l in logins}
        seed_key = secrets.token_hex(4)
        choice = {l: rng.choice(CHOICES) for l in logins}
        acked, acked_seqs, close_acked = {}, [], []
        # Requests answered db_unavailable ("nothing was recorded"): none of
        # them may be found committed after the kill.
        not_written = {"casts": [], "messages": []}

        async def cast(v, l):
            await asyncio.sleep(rng.random() * 0.3)
            try:
                if rng.random() < 0.2:
                    # A tablet that sends its ballot and vanishes before the
                    # answer (issue 19): the server must live on to be killed.
                    await v.ws.send(json.dumps(dict(type="vote.cast", id=10**9, vote_id=vid,
                                                    choice=choice[l], nonce=nonces[l])))
                    v.ws.transport.abort()
                    self.summary["gone_after_ballot"] += 1
                    return
                r = await v.ask("vote.cast", vote_id=vid, choice=choice[l], nonce=nonces[l])
                if r["type"] == "ok":
                    acked[l] = r["data"].get("receipt")  # named votes have none
                elif r.get("code") == "db_unavailable":
                    not_written["casts"].append(l)
            except (ConnectionError, asyncio.TimeoutError, websockets.ConnectionClosed):
                pass

        async def chair_acts():
            try:
                for k in range(rng.randrange(3, 12)):
                    r = await chair.ask("display.set", mode="message", message=f"{it}.{k}",
                                        key=f"crash-{it}-{k}-{seed_key}")
                    if r["type"] == "ok":
                        acked_seqs.append(r["data"]["seq"])
                    elif r.get("code") == "db_unavailable":
                        not_written["messages"].append(f"{it}.{k}")
                if rng.random() < 0.4:
                    r = await chair.ask("vote.close", vote_id=vid)
                    if r["type"] == "ok":
                        close_acked.append(r["data"]["seq"])
            except (ConnectionError, asyncio.TimeoutError, websockets.ConnectionClosed):
                pass

        tasks = [asyncio.ensure_future(cast(v, l)) for v, l in zip(voters, logins)]
        tasks.append(asyncio.ensure_future(chair_acts()))
        await asyncio.sleep(rng.random() * 0.45)
        self.assertIsNone(d.sanitizer_report())
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait()
        d._stderr.close()
        await asyncio.gather(*tasks)
        port = d.port
        d.cleanup()

        # What the record holds after the power cut.
        seqs = [int(x) for x in self.psql(
            f"SELECT seq FROM session_event WHERE session_id = {self.sid} ORDER BY seq").split()]
        self.assertEqual(seqs, list(range(1, len(seqs) + 1)), "the event log has a gap")
        top = seqs[-1]
        # Nothing was broadcast or acknowledged before it was committed.
        for c in [chair] + voters:
            if c.events:
                self.assertLessEqual(c.events[-1]["seq"], top, f"{c.name} saw an uncommitted event")
        for s in acked_seqs + close_acked:
            self.assertLessEqual(s, top)
        for m in not_written["messages"]:
            self.assertEqual(self.psql(f"SELECT count(*) FROM session_event WHERE session_id = "
                                       f"{self.sid} AND data->>'message' = '{m}'"), "0",
                             f"display.set {m} answered db_unavailable but committed")
        if kind == "named":
            rows = self.psql(f"SELECT p.login, r.choice #>> '{{}}' FROM vote_record r JOIN person p "
                             f"ON p.id = r.person_id WHERE r.session_id = {self.sid} "
                             f"AND r.vote_id = {vid}")
            recorded = dict(line.split("|") for line in rows.splitlines())
        else:
            recorded = {x: None for x in self.psql(
                f"SELECT p.login FROM vote_participation v JOIN person p ON p.id = v.person_id "
                f"WHERE v.session_id = {self.sid} AND v.vote_id = {vid}").split()}
            nballots = int(self.psql(f"SELECT count(*) FROM ballot WHERE session_id = {self.sid} "
                                     f"AND vote_id = {vid}"))
            self.assertEqual(nballots, len(recorded))
        # Every acknowledged ballot is there; whatever is there was sent,
        # with the choice sent (nothing invented, nothing altered).
        self.assertTrue(set(acked) <= set(recorded), set(acked) - set(recorded))
        self.assertFalse(set(not_written["casts"]) & set(recorded),
                         "a ballot answered db_unavailable was recorded")
        for l, c in recorded.items():
            if c is not None:
                self.assertEqual(c, choice[l], l)
        self.summary["acked"] += len(acked)
        self.summary["committed_unacked"] += len(set(recorded) - set(acked))
        state = self.psql(f"SELECT state FROM vote WHERE session_id = {self.sid} AND id = {vid}")
        if state != "open":
            self.summary["closed_before_kill"] += 1

        d2 = Plenumd(d.database_url, extra_args=FAST_LIMITS, port=port)
        if state == "closed":
            # Closed, not yet counted when killed: the restarted plenumd
            # counts it as it loads the session, one event more.
            for _ in range(300):
                if self.psql(f"SELECT state FROM vote WHERE session_id = {self.sid} "
                             f"AND id = {vid}") == "counted":
                    break
                await asyncio.sleep(0.05)
            top += 1
            self.assertEqual(self.psql(f"SELECT name FROM session_event WHERE session_id = "
                                       f"{self.sid} AND seq = {top}"), "vote.counted")
            self.summary["counted_after_restart"] += 1
            # The commit is visible before plenumd has read its reply: wait
            # until its memory has the event too.
            for _ in range(100):
                probe = await self._client(d2, "big001")
                await probe.close()
                if probe.last_seq == top:
                    break
                await asyncio.sleep(0.05)
        # Clients resume from the last seq they saw: they receive exactly
        # what they missed and reach the same seq as the record.
        again = []
        for c in [chair] + voters:
            n = await LiveClient.connect(d2, self.tokens[c.name], name=c.name)
            seen = c.events[-1]["seq"] if c.events else c.last_seq
            r = await n.ok("resume", session_id=self.sid, seq=seen)
            self.assertEqual(r["seq"], top)
            if r.get("snapshot") is None:
                self.assertEqual(n.seqs(), list(range(seen + 1, top + 1)), c.name)
            again.append(n)
        chair2, voters2 = again[0], again[1:]
        if state == "open":
            # Everyone sends their ballot again with the same nonce: what was
            # recorded is a duplicate (with the receipt given, if one was),
            # the rest is recorded now.
            rs = await asyncio.gather(*(v.ask("vote.cast", vote_id=vid, choice=choice[l],
                                              nonce=nonces[l]) for v, l in zip(voters2, logins)))
            for l, r in zip(logins, rs):
                self.assertEqual(r["type"], "ok", (l, r))
                want = "duplicate" if l in recorded else "recorded"
                self.assertEqual(r["data"].get("outcome"), want, (l, r))
                if l in acked:
                    self.assertEqual(r["data"].get("receipt"), acked[l])
            self.summary["lost_in_flight"] += len(set(logins) - set(recorded))
            await chair2.ok("vote.close", vote_id=vid)
            final = set(logins)
        else:
            final = set(recorded)
        # Counted exactly once, with the choices sent.
        for _ in range(300):
            if self.psql(f"SELECT state FROM vote WHERE session_id = {self.sid} "
                         f"AND id = {vid}") == "counted":
                break
            await asyncio.sleep(0.05)
        tally = (await chair2.ok("vote.tally", vote_id=vid))["result"]
        self.assertEqual(tally["cast"], len(final))
        for ch in CHOICES:
            self.assertEqual(tally[ch], sum(1 for l in final if choice[l] == ch), (ch, tally))
        for c in again + [chair] + voters:
            try:
                await c.close()
            except Exception:
                pass
        return d2


if __name__ == "__main__":
    unittest.main()

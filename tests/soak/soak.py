"""About 1,100 lines, one file on purpose: the soak is one scenario whose
actors share its clock, counters and report.

Soak (issue 11, reliability): a council sitting run for SOAK_SECONDS (600
by default) against a Release plenumd and a throwaway PostgreSQL, checking
that plenumd's memory and descriptors do not grow while everything a sitting
does happens at once and over and over:

  - delegates (60 by default) come and go on new WebSockets, each joining or
    resuming, checking in (and sometimes out), asking to speak and
    withdrawing, then leaving: closing cleanly, or dropping the TCP
    connection with a reset; some are slow tablets (a small receive buffer,
    reading stalled for seconds);
  - the chair opens the session and a sitting, moves through the agenda,
    rotates sittings (every other one closed to the public, so observers get
    hidden events), and runs a vote every 10-20 s, each cast by every
    delegate present when it opened (absent ones reconnect to vote): named,
    secret, open, election and confidence votes, some with changes, retries,
    a countdown or a cancellation; some tablets send their ballot and vanish
    before the answer (closed or reset), then send it again from a new
    connection (it must be recorded once: `duplicate` if the first committed);
  - a second chair connection grants, pauses, extends and ends speaking
    turns (short time limits, so turns overrun and the server's timers fire);
  - anonymous observers come and go (join, resume, or neither; clean or
    dropped), two watchers stay the whole run, a demo delegate signs in and
    out over HTTP (logout closes the socket with 1008), and a few HTTP
    requests (healthz, metrics, static pages, the public API) go by.

Every ~10 s plenumd's RSS, open descriptors, threads and WebSocket count are
sampled. After the warm-up (the first 20 %) the run fails if RSS, compared
at similar connection counts, grows (Theil-Sen trend over the run, or the
last samples against the first) by more than 10 MiB or 15 %; if the
descriptors beyond the open WebSockets grow, or are not back to their
first count once the clients are gone; or if threads grow. It also fails on
any refusal that the race it ran into does not explain, a connection the
server closed unasked, a gap in any client's events, plenumd exiting or not
stopping cleanly, an error in its log, and any acknowledged ballot missing
from the database at the end (or stored differently, or counted twice).

Usage: soak.py PLENUMD [--seconds 600] [--delegates 60] [--observers 20]
                       [--seed N] [--json OUT] [--log PLENUMD_LOG]
Not part of `make test`: `make soak` (SOAK_SECONDS) runs it. Exit status 1
on any failure.
"""

import argparse
import asyncio
import collections
import json
import os
import platform
import random
import re
import secrets
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import websockets  # noqa: E402

import council_fixture  # noqa: E402
from live_client import LiveClient  # noqa: E402
from plenum_testlib import PgCluster, Plenumd  # noqa: E402

SECRET_KINDS = ("secret", "election", "confidence")
# Refusals a concurrent sitting produces by itself: a command decided
# against state that changed after the sender last heard of it (a sitting
# rotating, a turn granted meanwhile). Anything else is a failure.
EXPECTED = {
    "attendance.check_in": {"no_open_sitting"},
    "attendance.check_out": {"no_open_sitting", "not_present"},
    # not_present: a new sitting began and the delegate has not checked in yet.
    "speaker.request": {"no_open_sitting", "no_active_item", "already_queued", "not_present"},
    "speaker.withdraw": {"no_open_sitting", "no_active_item", "not_queued"},
    "speaker.grant": {"no_open_sitting", "queue_empty"},
    "speaker.give_floor": {"no_open_sitting"},
    "speaker.end": {"no_open_sitting", "no_current_speaker"},
    "timer.pause": {"no_open_sitting", "no_current_speaker", "already_paused"},
    "timer.resume": {"no_open_sitting", "no_current_speaker", "not_paused"},
    "timer.extend": {"no_open_sitting", "no_current_speaker"},
    "agenda.next": {"no_next_item"},
    # Right after a new sitting opens, until enough delegates check in again.
    "vote.open": {"no_quorum"},
}
# Short turns, so that some overrun and the floor.overrun timer fires.
LIMITS = {"speech": 6, "second_speech": 4, "question": 5, "answer": 5, "reply": 4,
          "order": 3}


def proc_status(pid):
    """(RSS KiB, threads) of a process, from /proc."""
    with open(f"/proc/{pid}/status") as f:
        text = f.read()
    return (int(re.search(r"VmRSS:\s+(\d+)", text).group(1)),
            int(re.search(r"Threads:\s+(\d+)", text).group(1)))


def cpu_seconds(pid):
    """User + system CPU time of a process, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def nonce():
    return secrets.token_urlsafe(24)


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def slope(ts, ys):
    """Theil-Sen slope of ys over ts: the median of the pairwise slopes, so
    that one sample taken mid-allocation (a sign-in's scrypt takes 32 MiB
    for a moment) does not tilt the trend."""
    pairs = [(ys[j] - ys[i]) / (ts[j] - ts[i])
             for i in range(len(ts)) for j in range(i + 1, len(ts)) if ts[j] > ts[i]]
    return median(pairs) if pairs else 0.0


class Soak:
    """Shared state: the server, counters, failures and the run's clock."""

    def __init__(self, d, pg, db, sid, tokens, people, args):
        self.d, self.pg, self.db, self.sid = d, pg, db, sid
        self.tokens, self.people, self.args = tokens, people, args
        self.rng = random.Random(args.seed)
        self.ops = collections.Counter()
        self.refused = collections.Counter()   # expected refusals, "type:reason"
        self.failures = []
        self.open_clients = 0
        self.stopping = False                  # no new vote cycles, sittings, spawns
        self.agents_stop = False               # delegates leave for good
        self.latest_seq = 0                    # the newest seq any client saw
        self.votes = []                        # every vote run: see ChairScript.vote
        self.acked = []                        # (vote_id, kind, person_id, choice, receipt)
        self.turns_started = 0
        self.samples = []
        self.t0 = time.monotonic()

    def fail(self, msg):
        if len(self.failures) < 50:
            self.failures.append(f"{time.monotonic() - self.t0:7.1f}s {msg}")
        print(f"FAIL: {msg}", file=sys.stderr, flush=True)

    def q(self, sql):
        return self.pg.psql(sql, self.db)

    def diagnose(self, c):
        """What a stuck connection looks like from both ends: the client's
        reader and buffers, and both sockets' queues (ss)."""
        if getattr(c, "_diagnosed", False):
            return
        c._diagnosed = True
        ws = c.ws
        try:
            port = ws.local_address[1]
            ss = subprocess.run(["ss", "-tnoi", f"( sport = :{port} or dport = :{port} )"],
                                stdout=subprocess.PIPE, text=True).stdout
        except (OSError, TypeError) as e:
            ss = repr(e)
        print(f"DIAG {c.name}: state {ws.state!r} reader done {c.reader.done()} "
              f"exc {c.reader.exception() if c.reader.done() else None!r} "
              f"queued msgs {len(getattr(ws, 'messages', []))} reading "
              f"{ws.transport.is_reading() if ws.transport else None} write buf "
              f"{ws.transport.get_write_buffer_size() if ws.transport else None} "
              f"pending replies {sorted(c.replies)[:10]} events {len(c.events)} last seq "
              f"{c.events[-1]['seq'] if c.events else None}\n{ss}", file=sys.stderr, flush=True)

    async def connect(self, token=None, name="client", query="", slow=False):
        """A new client. slow: a tablet on poor Wi-Fi, with a small receive
        buffer, whose reading stalls now and then (see stall()): plenumd's
        sends to it back up into its queue and lws's partial writes."""
        if not slow:
            c = await LiveClient.connect(self.d, token, name=name, query=query)
        else:
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.setblocking(False)
            await asyncio.get_event_loop().sock_connect(sock, ("127.0.0.1", self.d.port))
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            ws = await websockets.connect(self.d.ws_url(query), subprotocols=["plenum.v1"],
                                          extra_headers=headers, max_size=2**24, sock=sock)
            c = LiveClient(ws, name + "(slow)")
            self.ops["slow_clients"] += 1
        c.slow = slow
        self.open_clients += 1
        return c

    async def stall(self, c, rng):
        """A slow client stops reading for a moment (nothing if not slow)."""
        if not getattr(c, "slow", False) or c.closed is not None or rng.random() < 0.5:
            return
        c.ws.transport.pause_reading()
        await asyncio.sleep(rng.uniform(0.5, 4))
        if c.closed is None and c.ws.transport is not None:
            c.ws.transport.resume_reading()
        self.ops["stalls"] += 1

    async def close(self, c, abrupt=False, expect_closed=False):
        """Closes c: a clean close handshake, or a TCP reset (SO_LINGER 0 and
        abort: the server sees the connection vanish, as from a tablet whose
        Wi-Fi drops). A connection the server had already closed is a
        failure unless expected."""
        if c.closed is not None and not expect_closed:
            self.fail(f"{c.name}: the server closed the connection unasked: {c.closed!r}")
        try:
            if abrupt and c.closed is None:
                sock = c.ws.transport.get_extra_info("socket")
                if sock is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                c.ws.transport.abort()
                await c.reader
                self.ops["drops"] += 1
            else:
                await asyncio.wait_for(c.close(), 15)
                self.ops["clean_closes"] += 1
        except (asyncio.TimeoutError, OSError) as e:
            self.fail(f"{c.name}: close failed: {e!r}")
        self.open_clients -= 1

    async def ask(self, c, type_, expected=(), **fields):
        """Sends a request; returns the ok reply's data, or None for a refusal
        listed in EXPECTED or `expected` (counted). Anything else is recorded
        as a failure and returns None."""
        try:
            r = await c.ask(type_, **fields)
        except (ConnectionError, asyncio.TimeoutError, websockets.ConnectionClosed) as e:
            self.fail(f"{c.name}: {type_}: no reply ({e!r}; closed {c.closed!r})")
            self.diagnose(c)
            return None
        self.ops["requests"] += 1
        if r.get("type") in ("ok", "pong"):
            return r.get("data") or {}
        why = r.get("reason") or r.get("code")
        if why in expected or why in EXPECTED.get(type_, ()):
            self.refused[f"{type_}:{why}"] += 1
            return None
        self.fail(f"{c.name}: {type_} {fields} refused: {r}")
        return None


class Tracker:
    """Follows one connection's events in order: checks they are gap-free
    and keeps what its owner acts on (who is present, the queue, the turn).
    A delegate's tracker outlives its connections: after a resume it goes on
    from the last seq it saw, on the new connection."""

    def __init__(self, soak, c, person_id=None):
        self.soak, self.c, self.me = soak, c, person_id
        self.i = 0
        self.seq = None
        self.present = set()
        self.sitting_open = False
        self.active_item = None
        self.queued = False
        self.turn = None

    def rebind(self, c):
        self.c, self.i = c, 0

    def snapshot(self, snap):
        self.seq = snap["seq"]
        att = snap.get("attendance") or {}
        self.present = set(att.get("present", []))
        self.sitting_open = snap.get("open_sitting_id") is not None
        self.active_item = snap.get("active_item_id")
        self.queued = any(r["person_id"] == self.me for r in snap.get("queue") or [])
        self.turn = snap.get("turn")
        # Events up to the snapshot's seq are in it already.
        self.i = len(self.c.events)
        while self.i > 0 and self.c.events[self.i - 1]["seq"] > self.seq:
            self.i -= 1

    def update(self, until=None):
        """Applies the events received since the last call (up to seq
        `until` if given)."""
        evs = self.c.events
        while self.i < len(evs) and (until is None or self.seq is None or self.seq < until):
            e = evs[self.i]
            self.i += 1
            if self.seq is not None and e["seq"] != self.seq + 1:
                self.soak.fail(f"{self.c.name}: event seq {e['seq']} after {self.seq}")
            self.seq = e["seq"]
            self.soak.latest_seq = max(self.soak.latest_seq, self.seq)
            self.apply(e["name"], e.get("data") or {})

    def apply(self, name, data):
        if name == "attendance.changed":
            (self.present.add if data["present"] else self.present.discard)(data["person_id"])
        elif name in ("sitting.opened", "sitting.closed"):
            self.present, self.turn = set(), None
            self.sitting_open = name == "sitting.opened"
        elif name == "agenda.activated":
            self.active_item = data["item_id"]
            self.queued = any(r["person_id"] == self.me for r in data.get("queue") or [])
        elif name in ("queue.changed", "floor.changed"):
            if "queue" in data and data.get("item_id", self.active_item) == self.active_item:
                self.queued = any(r["person_id"] == self.me for r in data["queue"] or [])
            if name == "floor.changed":
                self.turn = data.get("turn")
        elif name == "floor.overrun":
            self.turn = data.get("turn")


class Delegate:
    """One delegate's tablet: online for a while, offline for a while, again
    and again; serves cast orders from the chair script whenever they come
    (reconnecting for them if offline)."""

    def __init__(self, soak, login):
        self.soak, self.login = soak, login
        self.pid = soak.people[login]
        self.token = soak.tokens[login]
        self.orders = asyncio.Queue()
        self.c = None
        self.t = None
        self.rng = random.Random(soak.rng.random())

    async def run(self):
        s = self.soak
        # Start staggered, so the first minute is not one burst of joins.
        order = await self.next_order(self.rng.uniform(0, 10))
        while not s.agents_stop:
            await self.come()
            if order:
                await self.cast(order)
            until = time.monotonic() + self.rng.uniform(5, 40)
            while not s.agents_stop and time.monotonic() < until and self.c.closed is None:
                order = await self.next_order(self.rng.uniform(2, 8))
                if order:
                    await self.cast(order)
                elif not s.agents_stop:
                    await self.act()
            await self.go(final=s.agents_stop)
            order = await self.next_order(self.rng.uniform(2, 20))

    async def next_order(self, timeout):
        """The next cast order, or None after timeout (or at the stop)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end and not self.soak.agents_stop:
            try:
                return await asyncio.wait_for(self.orders.get(),
                                              max(0.01, min(1.0, end - time.monotonic())))
            except asyncio.TimeoutError:
                pass
        return None

    async def come(self):
        s = self.soak
        query = "?lang=en" if self.rng.random() < 0.2 else ""
        self.c = await s.connect(self.token, name=self.login, query=query,
                                 slow=self.rng.random() < s.args.slow_share)
        s.ops["delegate_joins"] += 1
        if self.t is not None and self.rng.random() < 0.4:
            # Back from a dropped connection: only the events missed.
            self.t.rebind(self.c)
            data = await s.ask(self.c, "resume", session_id=s.sid, seq=self.t.seq)
            s.ops["resumes"] += 1
            if data is None:
                return
            if data.get("snapshot"):
                self.t.snapshot(data["snapshot"])
            else:
                self.t.update()
                if self.t.seq < data["seq"]:
                    s.fail(f"{self.login}: resume replayed up to {self.t.seq}, the reply says "
                           f"{data['seq']}")
        else:
            self.t = Tracker(s, self.c, self.pid)
            data = await s.ask(self.c, "join", session_id=s.sid)
            if data is None:
                return
            self.t.snapshot(data["snapshot"])
        await self.check_in()

    async def check_in(self):
        self.t.update()
        if self.t.sitting_open and self.pid not in self.t.present:
            if await self.soak.ask(self.c, "attendance.check_in") is not None:
                self.soak.ops["check_ins"] += 1

    async def act(self):
        """One thing a delegate at a tablet does now and then."""
        s, r = self.soak, self.rng.random()
        self.t.update()
        if not self.t.sitting_open:
            await s.ask(self.c, "ping")
        elif self.pid not in self.t.present:
            await self.check_in()
        elif r < 0.04 and not self.t.queued:
            kind = self.rng.choice(["speech", "speech", "question", "answer", "reply", "order"])
            if await s.ask(self.c, "speaker.request", kind=kind) is not None:
                s.ops["speaker_requests"] += 1
        elif r < 0.06 and self.t.queued:
            if await s.ask(self.c, "speaker.withdraw") is not None:
                s.ops["speaker_withdrawals"] += 1
        elif r < 0.08:
            if await s.ask(self.c, "attendance.check_out") is not None:
                s.ops["check_outs"] += 1
        elif r < 0.3:
            await s.stall(self.c, self.rng)
        elif r < 0.5:
            await s.ask(self.c, "ping")
        elif r < 0.55:
            await s.ask(self.c, "whoami")

    async def go(self, final=False):
        """Leaves: checked out and closed, closed, or dropped (not at the
        end of the run: then everyone closes cleanly)."""
        s, r = self.soak, self.rng.random()
        if self.c.closed is None:
            self.t.update()
            if not final and r < 0.3 and self.pid in self.t.present and self.t.sitting_open:
                if await s.ask(self.c, "attendance.check_out") is not None:
                    s.ops["check_outs"] += 1
            elif r < 0.4:
                await s.ask(self.c, "leave")
        self.t.update()
        await s.close(self.c, abrupt=not final and r >= 0.7)
        s.ops["delegate_leaves"] += 1
        self.c = None

    async def cast(self, order):
        """Casts the ordered choice; sometimes retries the same ballot (it
        must come back `duplicate` with the same receipt) or, where the vote
        allows it, changes it. Resolves the order's future with (the choice
        acknowledged last, its receipt), or None."""
        vid, kind, choice, timed, allow_change, done = order
        s = self.soak
        if self.c is None or self.c.closed is not None:
            if self.c is not None:
                await self.go()
            await self.come()
        extra = {"nonce": nonce()} if kind in SECRET_KINDS else {}
        # A vote with a countdown may close before a slow tablet's ballot:
        # vote_closed is then the right answer, and nothing is stored.
        exp = ("vote_closed",) if timed else ()
        if self.rng.random() < 0.08:
            # The tablet sends its ballot and is gone before the answer
            # (closed or dropped: issue 19): plenumd must survive it, and the
            # same ballot sent again from a new connection is then recorded
            # or, if the first one committed, answered as its duplicate.
            await self.c.ws.send(json.dumps(dict(type="vote.cast", id=10**9, vote_id=vid,
                                                 choice=choice, **extra)))
            self.t.update()
            await s.close(self.c, abrupt=self.rng.random() < 0.5)
            s.ops["ballot_then_gone"] += 1
            self.c = None
            await self.come()
        data = await s.ask(self.c, "vote.cast", expected=exp, vote_id=vid, choice=choice, **extra)
        acked = None
        if data is not None:
            acked = (choice, data.get("receipt"))
            s.ops["ballots"] += 1
            if self.rng.random() < 0.1:
                again = await s.ask(self.c, "vote.cast", expected=exp, vote_id=vid,
                                    choice=choice, **extra)
                if again is not None:
                    s.ops["ballot_retries"] += 1
                    if (again["outcome"], again.get("receipt")) != ("duplicate",
                                                                  data.get("receipt")):
                        s.fail(f"{self.login}: a repeated ballot came back {again}, not a "
                               f"duplicate of {data}")
            if allow_change and self.rng.random() < 0.2:
                new = "against" if choice != "against" else "for"
                ch = await s.ask(self.c, "vote.cast", expected=exp, vote_id=vid, choice=new)
                if ch is not None:
                    s.ops["ballot_changes"] += 1
                    if ch["outcome"] != "changed":
                        s.fail(f"{self.login}: a changed ballot came back {ch}")
                    acked = (new, ch.get("receipt"))
        done.set_result(acked)


class ChairScript:
    """The chair's console: session, sittings, agenda and votes, one after
    another, as a chair runs them."""

    KINDS = ["named", "secret", "open", "election", "named_change", "confidence", "secret_timed",
             "open"]

    def __init__(self, soak, agents, sittings, items):
        self.s, self.agents, self.sittings, self.items = soak, agents, sittings, items
        self.rng = random.Random(soak.rng.random())
        self.n = 0

    async def run(self):
        s = self.s
        self.c = await s.connect(s.tokens["big001"], name="chair")
        self.t = Tracker(s, self.c)
        self.t.snapshot((await s.ask(self.c, "join", session_id=s.sid))["snapshot"])
        await s.ask(self.c, "session.open")
        await s.ask(self.c, "sitting.open", sitting_id=self.sittings[0])
        s.ops["sittings"] += 1
        await s.ask(self.c, "agenda.next")
        next_sitting, sitting_at = 1, time.monotonic()
        agenda_at = time.monotonic()
        while not s.stopping:
            now = time.monotonic()
            if now - sitting_at > s.args.sitting_seconds and next_sitting < len(self.sittings):
                # A new sitting: attendance starts empty; delegates check in again.
                await s.ask(self.c, "sitting.close")
                await asyncio.sleep(self.rng.uniform(0.5, 2))
                await s.ask(self.c, "sitting.open", sitting_id=self.sittings[next_sitting])
                s.ops["sittings"] += 1
                next_sitting, sitting_at = next_sitting + 1, time.monotonic()
                await asyncio.sleep(3)  # let the delegates check in
            if now - agenda_at > 40:
                if await s.ask(self.c, "agenda.next") is None:
                    await s.ask(self.c, "agenda.activate", item_id=self.items[0])
                s.ops["agenda_moves"] += 1
                agenda_at = now
            await self.vote()
            if self.rng.random() < 0.2:
                await s.ask(self.c, "display.set",
                            mode=self.rng.choice(["agenda", "speaker", "vote"]))
            # A vote every 10 to 20 s, far more often than in a real sitting
            # and yet not so often that the votes, which the session keeps
            # by design (16 to 30 KiB each with 60 voters), read as a leak.
            end = time.monotonic() + self.rng.uniform(s.args.vote_every * 0.5, s.args.vote_every)
            while time.monotonic() < end and not s.stopping:
                await asyncio.sleep(0.5)

    async def finish(self):
        """Closes the sitting and the session (after the delegates left)."""
        s = self.s
        await s.ask(self.c, "sitting.close")
        await s.ask(self.c, "session.close")
        self.t.update()
        await s.close(self.c)

    async def vote(self):
        s = self.s
        kind = self.KINDS[self.n % len(self.KINDS)]
        self.n += 1
        prep = {"kind": kind.split("_")[0], "question": f"Biểu quyết số {self.n} ({kind})"}
        timed, allow_change = kind.endswith("_timed"), kind.endswith("_change")
        if allow_change:
            prep.update(allow_change=True, live_named=True)
        if timed:
            prep["duration_s"] = 10
        if prep["kind"] == "election":
            prep.update(seats=1, candidates=[{"id": 101, "name": "Ứng viên A"},
                                             {"id": 102, "name": "Ứng viên B"},
                                             {"id": 103, "name": "Ứng viên C"}])
        if prep["kind"] == "confidence":
            prep["candidates"] = [{"id": 201, "name": "Chủ tịch UBND"},
                                  {"id": 202, "name": "Phó Chủ tịch UBND"}]
        secret = prep["kind"] in SECRET_KINDS
        if secret:
            prep["board"] = council_fixture.big_board(s.people)
        mark = len(self.c.events)
        data = await s.ask(self.c, "vote.prepare", **prep)
        if data is None:
            return
        vid = data["seq"]
        if self.rng.random() < 0.1:
            await s.ask(self.c, "vote.cancel", vote_id=vid)
            s.ops["votes_cancelled"] += 1
            s.votes.append({"id": vid, "kind": prep["kind"], "state": "cancelled"})
            return
        opened = await s.ask(self.c, "vote.open", vote_id=vid)
        if opened is None:
            # Below the quorum (a sitting just began): not held.
            await s.ask(self.c, "vote.cancel", vote_id=vid)
            s.ops["votes_cancelled"] += 1
            s.votes.append({"id": vid, "kind": prep["kind"], "state": "cancelled"})
            return
        # Who may vote: the delegates present at the vote.opened event, as
        # this connection's events say; the event's own count must agree.
        await self.c.wait_seq(opened["seq"])
        self.t.update(until=opened["seq"])
        eligible = set(self.t.present)
        ev = await self.wait_event("vote.opened", vid, mark, 1)
        if ev and ev["eligible_count"] != len(eligible):
            s.fail(f"vote {vid}: {ev['eligible_count']} eligible, the attendance events say "
                   f"{len(eligible)}")
        by_pid = {a.pid: a for a in self.agents}
        futs = []
        for pid in sorted(eligible):
            if pid not in by_pid:
                s.fail(f"vote {vid}: person {pid} is present, yet no delegate of the soak")
                continue
            fut = asyncio.get_event_loop().create_future()
            by_pid[pid].orders.put_nowait((vid, prep["kind"], self.choice(prep["kind"]), timed,
                                           allow_change, fut))
            futs.append((pid, fut))
        try:
            await asyncio.wait_for(asyncio.gather(*(f for _, f in futs)), 90)
        except asyncio.TimeoutError:
            s.fail(f"vote {vid}: ballots not all answered within 90 s")
        acked = {pid: f.result() for pid, f in futs if f.done() and f.result() is not None}
        if not timed:
            await s.ask(self.c, "vote.close", vote_id=vid)
        closed = await self.wait_event("vote.closed", vid, mark, 30 if timed else 10)
        if closed and closed["cast_count"] != len(acked):
            s.fail(f"vote {vid}: closed with {closed['cast_count']} cast, {len(acked)} "
                   f"acknowledged")
        if await self.wait_event("vote.counted", vid, mark, 10) is None:
            return
        if secret:
            # Announced by a majority of the counting board (2 of 3).
            for login in ("big002", "big003"):
                b = await s.connect(s.tokens[login], name=f"board-{login}")
                await s.ask(b, "join", session_id=s.sid)
                await s.ask(b, "vote.confirm", vote_id=vid)
                await s.close(b)
        else:
            await s.ask(self.c, "vote.publish", vote_id=vid)
        await self.wait_event("vote.published", vid, mark, 10)
        s.ops["votes"] += 1
        s.ops[f"votes_{prep['kind']}"] += 1
        s.votes.append({"id": vid, "kind": prep["kind"], "state": "published",
                        "eligible": len(eligible), "acked": len(acked),
                        "cast": closed and closed["cast_count"]})
        for pid, (choice, receipt) in acked.items():
            s.acked.append((vid, prep["kind"], pid, choice, receipt))

    async def wait_event(self, name, vid, start, timeout):
        """The data of this connection's event `name` for vote vid, looking
        from the event index `start` on."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            evs = self.c.events
            for i in range(start, len(evs)):
                if evs[i]["name"] == name and evs[i]["data"].get("vote_id") == vid:
                    return evs[i]["data"]
            await asyncio.sleep(0.05)
        self.s.fail(f"vote {vid}: no {name} within {timeout} s")
        self.s.diagnose(self.c)
        print(f"DIAG vote {vid} in the database: "
              f"{self.s.q(f'SELECT state, closes_at, now() FROM vote WHERE id = {vid}')}; "
              f"server-side seq {self.s.latest_seq}", file=sys.stderr, flush=True)
        return None

    def choice(self, kind):
        r = self.rng
        if kind == "election":
            return {"choose": [r.choice([101, 102, 103])]}
        if kind == "confidence":
            return {"ratings": {str(p): r.choice(["high", "confidence", "low"])
                                for p in (201, 202)}}
        return r.choice(["for", "for", "against", "abstain"])


async def turns(s, people):
    """The chair's second connection: speaking turns, granted from the queue
    or given, paused, extended and ended."""
    rng = random.Random(s.rng.random())
    c = await s.connect(s.tokens["big001"], name="chair-turns")
    t = Tracker(s, c)
    t.snapshot((await s.ask(c, "join", session_id=s.sid))["snapshot"])
    delegates = [p for l, p in people.items() if re.match(r"big\d+$", l) and l != "big001"]
    while not s.stopping:
        await asyncio.sleep(rng.uniform(1.5, 5))
        t.update()
        r = rng.random()
        if t.turn is None or r < 0.45:
            if rng.random() < 0.85:
                d = await s.ask(c, "speaker.grant")
            else:
                d = await s.ask(c, "speaker.give_floor", person_id=rng.choice(delegates),
                                kind=rng.choice(["speech", "answer"]))
            if d is not None:
                s.turns_started += 1
                s.ops["turns"] += 1
        elif r < 0.6:
            await s.ask(c, "timer.resume" if (t.turn or {}).get("paused") else "timer.pause")
        elif r < 0.7:
            await s.ask(c, "timer.extend", seconds=rng.randint(1, 5))
        else:
            if await s.ask(c, "speaker.end") is not None:
                s.ops["turns_ended"] += 1
    t.update()
    await s.close(c)


async def observer(s, rng):
    """An anonymous viewer of the public page: joins, resumes from a recent
    seq, or only pings; stays a while; leaves cleanly or drops."""
    c = await s.connect(name="observer", query=rng.choice(["", "", "?lang=en"]),
                        slow=rng.random() < s.args.slow_share)
    s.ops["observer_joins"] += 1
    t = Tracker(s, c)
    mode = rng.random()
    if mode < 0.1:
        await s.ask(c, "ping")
    elif mode < 0.35 and s.latest_seq > 1:
        seq = max(1, s.latest_seq - rng.randint(0, 80))
        data = await s.ask(c, "resume", session_id=s.sid, seq=seq)
        s.ops["resumes"] += 1
        if data is not None:
            if data.get("snapshot"):
                t.snapshot(data["snapshot"])
            else:
                t.seq = seq
    else:
        data = await s.ask(c, "join", session_id=s.sid)
        if data is not None:
            t.snapshot(data["snapshot"])
    end = time.monotonic() + rng.uniform(2, 30)
    while time.monotonic() < end and not s.stopping:
        await asyncio.sleep(rng.uniform(1, 5))
        if t.seq is not None:
            t.update()
        if rng.random() < 0.3:
            await s.ask(c, "ping")
        else:
            await s.stall(c, rng)
    if t.seq is not None:
        t.update()
    await s.close(c, abrupt=rng.random() < 0.3)
    s.ops["observer_leaves"] += 1


async def observers(s):
    rng = random.Random(s.rng.random())
    live = set()
    while not s.stopping:
        live = {x for x in live if not x.done()}
        if len(live) < s.args.observers:
            task = asyncio.ensure_future(observer(s, random.Random(rng.random())))
            live.add(task)
        await asyncio.sleep(rng.uniform(0.1, 0.8))
    if live:
        await asyncio.gather(*live)


async def watcher(s, token, name):
    """A client that stays the whole run (its events are checked gap-free
    as they come, and against the log at the end)."""
    c = await s.connect(token, name=name)
    t = Tracker(s, c)
    t.snapshot((await s.ask(c, "join", session_id=s.sid))["snapshot"])
    return c, t


async def http_traffic(s):
    """A few HTTP requests: monitoring and the public pages."""
    rng = random.Random(s.rng.random())
    paths = [("/healthz", 200), ("/metrics", 200), ("/api/sessions", 200), ("/public/", 200),
             ("/api/public/councils", 200), ("/api/public/archive?council=big", 200),
             ("/no-such-page", 404)]
    while not s.stopping:
        await asyncio.sleep(rng.uniform(0.5, 3))
        path, want = rng.choice(paths)
        try:
            status, _, body = await asyncio.to_thread(s.d.http, "GET", path)
        except OSError as e:
            s.fail(f"GET {path}: {e!r}")
            continue
        s.ops["http_requests"] += 1
        if status != want:
            s.fail(f"GET {path}: {status}, not {want}: {body[:200]!r}")


async def sign_ins(s, demo_session):
    """A delegate of the demo council signs in over HTTP, watches, and signs
    out: logout must close the socket with 1008."""
    rng = random.Random(s.rng.random())
    while not s.stopping:
        await asyncio.sleep(rng.uniform(10, 30))
        try:
            token = await asyncio.to_thread(s.d.login, "daibieu05", "plenum-demo")
        except (AssertionError, OSError) as e:
            s.fail(f"login: {e}")
            continue
        c = await s.connect(token, name="signin")
        await s.ask(c, "join", session_id=demo_session)
        await s.ask(c, "whoami")
        await asyncio.sleep(rng.uniform(1, 5))
        st, _, body = await asyncio.to_thread(
            s.d.post_json, "/api/logout", {}, {"Authorization": f"Bearer {token}"})
        if st != 200:
            s.fail(f"logout: {st} {body}")
        try:
            await asyncio.wait_for(asyncio.shield(c.reader), 10)
        except asyncio.TimeoutError:
            pass
        if c.closed is None or c.closed.code != 1008:
            s.fail(f"logout: the socket was not closed with 1008 ({c.closed!r})")
        await s.close(c, expect_closed=True)
        s.ops["sign_ins"] += 1


def ws_connections(s):
    """plenumd's own count of open WebSockets (from /metrics)."""
    _, _, body = s.d.http("GET", "/metrics")
    return int(sum(float(v) for v in re.findall(
        r"^plenum_websocket_connections\{[^}]*\} (\S+)$", body.decode(), re.M)))


def sample(s, phase="run"):
    """One sample of plenumd; phase: start (no client yet), run, or rest
    (the run is over, only the two watchers are connected)."""
    pid = s.d.proc.pid
    ws = ws_connections(s)
    rss, threads = proc_status(pid)
    row = {"t": round(time.monotonic() - s.t0, 1), "rss_kib": rss, "fds": fd_count(pid),
           "threads": threads, "ws": ws, "clients": s.open_clients,
           "cpu_s": round(cpu_seconds(pid), 2), "phase": phase}
    s.samples.append(row)
    return row


async def sampler(s):
    """Samples every --sample-interval seconds; watches that plenumd lives."""
    nxt = time.monotonic()
    while not s.agents_stop:
        if s.d.proc.poll() is not None:
            s.fail(f"plenumd exited with {s.d.proc.returncode}")
            s.stopping = s.agents_stop = True
            return
        if time.monotonic() >= nxt:
            row = await asyncio.to_thread(sample, s, "start" if not s.samples else "run")
            print(f"  t={row['t']:6.1f}s rss={row['rss_kib'] / 1024:6.1f} MiB fds={row['fds']:4d} "
                  f"threads={row['threads']:3d} ws={row['ws']:3d} cpu={row['cpu_s']:6.1f}s | "
                  f"ballots={s.ops['ballots']} votes={s.ops['votes']} turns={s.ops['turns']} joins="
                  f"{s.ops['delegate_joins'] + s.ops['observer_joins']}", flush=True)
            nxt += s.args.sample_interval
        await asyncio.sleep(1)


def analyse(s):
    """The verdict on the samples: RSS, descriptors and threads after the
    warm-up. Returns a dict of figures; failures go to s.fail."""
    a = s.args
    res = {"samples": len(s.samples)}
    for k in ("rss_kib", "fds", "threads", "ws"):
        res[k] = {"first": s.samples[0][k], "peak": max(r[k] for r in s.samples),
                  "last": s.samples[-1][k]}
    rows = [r for r in s.samples if r["phase"] == "run" and r["t"] >= a.warmup * a.seconds]
    rest = [r for r in s.samples if r["phase"] == "rest"]
    res["post_warmup_samples"] = len(rows)
    if len(rows) < 6:
        s.fail(f"only {len(rows)} samples after the warm-up: run longer")
        return res
    k = 3
    # RSS, compared at similar connection counts: memory freed when clients
    # leave stays in malloc's arenas, so samples with far fewer connections
    # (the end, while everyone leaves) say nothing about growth.
    mid = median([r["ws"] for r in rows])
    like = [r for r in rows if abs(r["ws"] - mid) <= max(10, 0.3 * mid)]
    ts, ys = [r["t"] for r in like], [r["rss_kib"] for r in like]
    first, last = median(ys[:k]), median(ys[-k:])
    per_min = slope(ts, ys) * 60
    fitted = per_min * (ts[-1] - ts[0]) / 60
    growth = max(last - first, fitted)
    bound = min(a.max_rss_growth_mib * 1024, a.max_rss_growth_pct / 100 * first)
    half = len(like) // 2
    late = slope(ts[half:], ys[half:]) * 60
    res["rss"] = {"post_warmup_first_kib": first, "post_warmup_last_kib": last,
                  "samples_compared": len(like), "ws_median": mid,
                  "trend_kib_per_min": round(per_min, 1), "fitted_growth_kib": round(fitted),
                  "late_trend_kib_per_min": round(late, 1), "bound_kib": round(bound)}
    if growth > bound:
        s.fail(f"RSS grew by {growth / 1024:.1f} MiB after the warm-up ({first} -> {last} KiB, "
               f"trend {per_min:+.0f} KiB/min); bound {bound / 1024:.1f} MiB")
    # Descriptors: what is left once each open WebSocket's own is taken off
    # stays at its baseline, during the run and once the clients are gone
    # (margin: an HTTP request or a handshake in flight at the sample).
    base = [r["fds"] - r["ws"] for r in rows + rest]
    res["fds_minus_ws"] = {"first": base[0], "peak": max(base), "last": base[-1]}
    if median(base[-k:]) > median(base[:k]) + a.fd_margin:
        s.fail(f"descriptors beyond the WebSockets grew from {median(base[:k])} to "
               f"{median(base[-k:])} (margin {a.fd_margin})")
    if rest and rest[-1]["fds"] - rest[-1]["ws"] > s.samples[0]["fds"] + 2:
        s.fail(f"{rest[-1]['fds']} descriptors at rest with {rest[-1]['ws']} WebSockets; "
               f"{s.samples[0]['fds']} before any client")
    th = [r["threads"] for r in rows + rest]
    if median(th[-k:]) > median(th[:k]) + a.thread_margin:
        s.fail(f"threads grew from {median(th[:k])} to {median(th[-k:])}")
    return res


def check_database(s, watchers):
    """Every acknowledged ballot is in the record, once; votes, turns and the
    event log agree with what the clients were told."""
    sid = s.sid
    rows = s.q(f"SELECT vote_id, person_id, choice FROM vote_record WHERE session_id = {sid}")
    records = {}
    for line in rows.splitlines():
        v, p, ch = line.split("|", 2)
        records[(int(v), int(p))] = json.loads(ch)
    parts = set()
    for line in s.q(f"SELECT vote_id, person_id FROM vote_participation WHERE session_id = "
                    f"{sid}").splitlines():
        v, p = line.split("|")
        parts.add((int(v), int(p)))
    receipts = set(s.q(f"SELECT vote_id || ':' || receipt FROM ballot_receipt WHERE "
                       f"session_id = {sid}").split())
    missing = 0
    for vid, kind, pid, choice, receipt in s.acked:
        if kind in SECRET_KINDS:
            ok = (vid, pid) in parts and f"{vid}:{receipt}" in receipts
        else:
            ok = records.get((vid, pid)) == choice
        if not ok:
            missing += 1
            if missing <= 10:
                s.fail(f"vote {vid} ({kind}): the acknowledged ballot of person {pid} is not "
                       f"in the database as acknowledged")
    counts = {}
    for line in s.q(f"SELECT v.id, v.state, (SELECT count(*) FROM ballot b WHERE b.session_id = "
                    f"v.session_id AND b.vote_id = v.id), (SELECT count(*) FROM "
                    f"vote_participation p WHERE p.session_id = v.session_id AND p.vote_id = "
                    f"v.id), (SELECT count(*) FROM vote_record r WHERE r.session_id = "
                    f"v.session_id AND r.vote_id = v.id) FROM vote v WHERE v.session_id = "
                    f"{sid}").splitlines():
        v, state, nb, np_, nr = line.split("|")
        counts[int(v)] = (state, int(nb), int(np_), int(nr))
    for v in s.votes:
        state, nb, np_, nr = counts.get(v["id"], (None, 0, 0, 0))
        if state != v["state"]:
            s.fail(f"vote {v['id']}: {state} in the database, {v['state']} as told")
        if v["state"] != "published":
            continue
        stored = nb if v["kind"] in SECRET_KINDS else nr
        if v["kind"] in SECRET_KINDS and nb != np_:
            s.fail(f"vote {v['id']}: {nb} ballots for {np_} participants")
        if stored != v["acked"] or (v["cast"] is not None and stored != v["cast"]):
            s.fail(f"vote {v['id']} ({v['kind']}): {stored} stored, {v['acked']} acknowledged, "
                   f"{v['cast']} cast at the close")
    turns = int(s.q(f"SELECT count(*) FROM speaking_turn WHERE session_id = {sid}"))
    if turns != s.turns_started:
        s.fail(f"{turns} speaking turns recorded, {s.turns_started} started")
    nseq, maxseq = map(int, s.q(f"SELECT count(*), coalesce(max(seq), 0) FROM session_event "
                                f"WHERE session_id = {sid}").split("|"))
    if nseq != maxseq:
        s.fail(f"event log: {nseq} events up to seq {maxseq}")
    for c, t in watchers:
        if t.seq != maxseq:
            s.fail(f"{c.name}: last event {t.seq}, the log's last {maxseq}")
    return {"acked_ballots": len(s.acked), "missing_ballots": missing, "turns_recorded": turns,
            "events": maxseq}


async def soak(s, demo_session):
    """Runs everything for --seconds, then stops it in order: the chair's
    current vote ends, the delegates leave, the sitting and the session
    close. Returns the watchers, (client, tracker) pairs."""
    agents = [Delegate(s, f"big{n:03d}") for n in range(2, s.args.delegates + 2)]
    sittings = [int(x) for x in s.q(f"SELECT id FROM sitting WHERE session_id = {s.sid} "
                                     f"ORDER BY ordinal").split()]
    items = [int(x) for x in s.q(f"SELECT id FROM agenda_item WHERE session_id = {s.sid} "
                                 f"ORDER BY position").split()]
    samp = asyncio.ensure_future(sampler(s))
    await asyncio.sleep(0.5)  # the first sample, with no client yet
    watchers = [await watcher(s, None, "watcher-public"),
                await watcher(s, s.tokens["bigsec"], "watcher-secretary")]
    chair = ChairScript(s, agents, sittings, items)
    chair_task = asyncio.ensure_future(chair.run())
    await asyncio.sleep(1)  # the session opens before anyone else acts
    background = [asyncio.ensure_future(x) for x in (
        turns(s, s.people), observers(s), http_traffic(s), sign_ins(s, demo_session))]
    agent_tasks = [asyncio.ensure_future(a.run()) for a in agents]

    end = s.t0 + s.args.seconds
    while time.monotonic() < end and not s.stopping:
        await asyncio.sleep(1)
        for _, t in watchers:
            t.update()
        for task in [chair_task] + background + agent_tasks:
            if task.done() and task.exception() is not None:
                s.fail(f"a task died: {task.exception()!r}")
                s.stopping = True
                break
    s.stopping = True
    for task in [chair_task] + background:
        try:
            await asyncio.wait_for(task, 120)
        except Exception as e:  # noqa: BLE001 (reported; the run goes on to its checks)
            s.fail(f"stopping: {e!r}")
    s.agents_stop = True
    for task in agent_tasks:
        try:
            await asyncio.wait_for(task, 60)
        except Exception as e:  # noqa: BLE001
            s.fail(f"stopping a delegate: {e!r}")
    await samp
    if s.d.proc.poll() is None:
        await chair.finish()
        await asyncio.sleep(1)
        for _, t in watchers:
            t.update()
        # The last sample, with only the watchers connected.
        await asyncio.to_thread(sample, s, "rest")
    for c, _ in watchers:
        await s.close(c, expect_closed=s.d.proc.poll() is not None)
    return watchers


def setup_db(pg, db, delegates, seconds, sitting_seconds):
    """The big council with a planned session the soak opens itself: its
    sittings (every other closed to the public), four agenda items and short
    turn limits."""
    url = council_fixture.demo_db(pg, db)
    sid, tokens, people = council_fixture.big_council(pg, db, delegates + 1)
    nsit = int(seconds / sitting_seconds) + 2
    pg.psql(f"""
        UPDATE session SET state = 'planned', limits = '{json.dumps(LIMITS)}' WHERE id = {sid};
        UPDATE sitting SET state = 'planned' WHERE session_id = {sid};
        UPDATE agenda_item SET state = 'pending' WHERE session_id = {sid};
        INSERT INTO sitting (session_id, ordinal, title, visibility)
            SELECT {sid}, n, 'Phiên ' || n, CASE WHEN n % 2 = 0 THEN 'closed' ELSE 'public' END
            FROM generate_series(2, {nsit}) n;
        INSERT INTO agenda_item (session_id, position, title)
            SELECT {sid}, n, 'Nội dung ' || n FROM generate_series(2, 4) n;
    """, db)
    demo_session = int(pg.psql("SELECT s.id FROM session s JOIN council c ON c.id = "
                               "s.council_id WHERE c.slug <> 'big' ORDER BY s.id LIMIT 1", db))
    return url, sid, tokens, people, demo_session


def report(s, res, dbres):
    o = s.ops
    print()
    print(f"soak: {s.args.seconds} s, {s.args.delegates} delegates, {s.args.observers} observers, "
          f"seed {s.args.seed}")
    print(f"  joins: {o['delegate_joins']} delegate ({o['resumes']} resumes in all), "
          f"{o['observer_joins']} observer; leaves: {o['delegate_leaves']} delegate, "
          f"{o['observer_leaves']} observer; {o['drops']} dropped (TCP reset), "
          f"{o['clean_closes']} closed cleanly")
    print(f"  check-ins {o['check_ins']}, check-outs {o['check_outs']}, speaker requests "
          f"{o['speaker_requests']}, withdrawals {o['speaker_withdrawals']}, turns {o['turns']} "
          f"(ended by the chair {o['turns_ended']}), sittings {o['sittings']}, agenda moves "
          f"{o['agenda_moves']}")
    kinds = ", ".join(f"{k[6:]} {v}" for k, v in sorted(o.items()) if k.startswith("votes_")
                      and k != "votes_cancelled")
    print(f"  votes {o['votes']} ({kinds}; cancelled {o['votes_cancelled']}), ballots "
          f"{o['ballots']} (+{o['ballot_retries']} retries, {o['ballot_changes']} changes), "
          f"sign-ins {o['sign_ins']}, HTTP {o['http_requests']}, requests {o['requests']}")
    print(f"  slow tablets {o['slow_clients']} (reading stalled {o['stalls']} times)")
    if dbres:
        print(f"  database: {dbres['acked_ballots']} acknowledged ballots, "
              f"{dbres['missing_ballots']} missing; {dbres['turns_recorded']} turns; "
              f"{dbres['events']} events, gap-free")
    if s.refused:
        print("  expected refusals: " + ", ".join(f"{k} {v}" for k, v in sorted(s.refused.items())))
    for k, unit in (("rss_kib", "KiB"), ("fds", ""), ("threads", ""), ("ws", "")):
        if k in res:
            print(f"  {k:8} first {res[k]['first']} peak {res[k]['peak']} last {res[k]['last']} "
                  f"{unit}")
    if "rss" in res:
        r = res["rss"]
        f = res["fds_minus_ws"]
        print(f"  after warm-up (at {r['ws_median']:.0f}±30% WebSockets): RSS "
              f"{r['post_warmup_first_kib']} -> {r['post_warmup_last_kib']} KiB, trend "
              f"{r['trend_kib_per_min']:+} KiB/min, second half {r['late_trend_kib_per_min']:+} "
              f"KiB/min (bound {r['bound_kib']} KiB in all); fds beyond the WebSockets first "
              f"{f['first']} peak {f['peak']} last {f['last']}")
    print(f"  plenumd log: {res.get('log_errors', 0)} errors, {res.get('log_warnings', 0)} "
          f"warnings")
    print("PASS" if not s.failures else f"FAIL ({len(s.failures)} problems)")
    for f in s.failures:
        print(f"  {f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("plenumd")
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", 600)))
    ap.add_argument("--delegates", type=int, default=60)
    ap.add_argument("--observers", type=int, default=20, help="anonymous observers at a time")
    ap.add_argument("--sample-interval", type=float, default=10)
    ap.add_argument("--warmup", type=float, default=0.2, help="share of the run not judged")
    ap.add_argument("--sitting-seconds", type=float, default=150)
    ap.add_argument("--vote-every", type=float, default=20,
                    help="the chair starts a vote every VOTE_EVERY/2 to VOTE_EVERY seconds")
    ap.add_argument("--slow-share", type=float, default=0.15,
                    help="share of connections that are slow tablets")
    ap.add_argument("--max-rss-growth-mib", type=float, default=10)
    ap.add_argument("--max-rss-growth-pct", type=float, default=15)
    ap.add_argument("--fd-margin", type=int, default=6)
    ap.add_argument("--thread-margin", type=int, default=4)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--json")
    ap.add_argument("--log", help="keep plenumd's log here")
    args = ap.parse_args()
    if args.seed is None:
        args.seed = random.randrange(1 << 30)
    os.environ["PLENUMD"] = os.path.abspath(args.plenumd)
    os.environ.setdefault("PL_SOURCE_DIR", os.path.abspath(os.path.join(HERE, "..", "..")))
    pg = PgCluster()
    d = None
    try:
        url, sid, tokens, people, demo_session = setup_db(pg, "soak", args.delegates,
                                                          args.seconds, args.sitting_seconds)
        d = Plenumd(url, extra_args=["--log-level", "info"])
        s = Soak(d, pg, "soak", sid, tokens, people, args)
        print(f"soak: plenumd pid {d.proc.pid} on port {d.port}, {args.seconds:.0f} s, seed "
              f"{args.seed}", flush=True)
        watchers = asyncio.run(soak(s, demo_session))
        res = analyse(s)
        dbres = check_database(s, watchers) if d.proc.poll() is None else None
        code = d.stop()
        if code != 0:
            s.fail(f"plenumd exited with {code} on SIGTERM")
        log = d.log()
        if args.log:
            with open(args.log, "w") as f:
                f.write(log)
        bad = [l for l in log.splitlines() if re.search(r"\b(ERROR|FATAL|PANIC):", l)]
        res["log_errors"] = len(bad)
        res["log_warnings"] = len([l for l in log.splitlines() if "WARNING:" in l])
        for l in bad[:5]:
            s.fail(f"plenumd logged: {l}")
        report(s, res, dbres)
        if args.json:
            out = {"seconds": args.seconds, "delegates": args.delegates,
                   "observers": args.observers, "seed": args.seed, "ops": dict(s.ops),
                   "expected_refusals": dict(s.refused), "analysis": res, "database": dbres,
                   "votes": s.votes, "samples": s.samples, "failures": s.failures,
                   "passed": not s.failures,
                   "machine": f"{os.cpu_count()} cores, {platform.machine()}, "
                              f"{platform.system()} {platform.release()}"}
            with open(args.json, "w") as f:
                json.dump(out, f, indent=2)
        if s.failures:
            print("--- plenumd log (tail) ---\n" + "\n".join(log.splitlines()[-40:]))
        return 1 if s.failures else 0
    finally:
        if d is not None:
            d.cleanup()
        pg.destroy()


if __name__ == "__main__":
    sys.exit(main())

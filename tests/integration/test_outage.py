"""A hung database (issue 19, point 4), against a real plenumd and a real
PostgreSQL whose processes are all stopped with SIGSTOP: its sockets stay
open and nothing answers, which a crash or a shutdown never shows.

- A hung database is detected within 2 s with no request in flight
  (/metrics plenum_database_up 0, every client and a newcomer told,
  /healthz 503 at once) and commands are refused at once meanwhile.
- A command or a ballot whose statement was sent when the database hung
  is answered outcome_unknown (not db_unavailable: it may commit when the
  database resumes, and it does); retried with the same idempotency key
  (or nonce) it is done exactly once.
- Nothing answered db_unavailable is found committed afterwards."""

import asyncio
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import unittest

import council_fixture
from live_client import FAST_LIMITS, LiveClient, run
from plenum_testlib import PgCluster, Plenumd

pg = None


def setUpModule():
    global pg
    pg = PgCluster()


def tearDownModule():
    pg.destroy()


def key():
    return secrets.token_urlsafe(12)


def nonce():
    return secrets.token_urlsafe(24)


def metric(d, name):
    _, _, body = d.http("GET", "/metrics")
    m = re.search(rf"^{re.escape(name)} (\S+)$", body.decode(), re.M)
    return float(m.group(1)) if m else None


class HungDatabaseTest(unittest.TestCase):
    def setUp(self):
        self.db = self._testMethodName[5:25].lower()
        url = council_fixture.demo_db(pg, self.db)
        self.sid, self.tokens, self.people = council_fixture.big_council(pg, self.db, 4)
        self.d = Plenumd(url, extra_args=FAST_LIMITS)

    def tearDown(self):
        if getattr(pg, "frozen", False):
            pg.thaw()
        self.d.finish()

    def psql(self, sql):
        return pg.psql(sql, self.db)

    async def client(self, login=None):
        c = await LiveClient.connect(self.d, self.tokens[login] if login else None,
                                     name=login or "observer")
        await c.ok("join", session_id=self.sid)
        return c

    async def settle(self, chair):
        """One command done before the database is hung: a session reload
        plenumd queued at start (its connections coming up refresh every
        session) is then behind it. Otherwise the command sent into the
        hang may wait behind that reload, is never sent, and is rightly
        answered db_unavailable, not outcome_unknown."""
        await chair.ok("display.set", mode="agenda", key=key())

    async def in_thread(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    async def thaw(self, clients):
        """Resumes PostgreSQL and waits until every client heard it is back."""
        pg.thaw()
        for c in clients:
            for _ in range(600):
                if c.statuses and c.statuses[-1]["database"] == "available":
                    break
                await asyncio.sleep(0.05)
            self.assertEqual(c.statuses[-1]["database"], "available", c.name)

    async def until_ok(self, c, type_, **fields):
        """Sends a request until it is done (refusals while plenumd
        reconnects are retryable, and retried with the same fields)."""
        for _ in range(100):
            r = await c.ask(type_, **fields)
            if r["type"] == "ok":
                return r["data"]
            self.assertTrue(r["retryable"], r)
            await asyncio.sleep(0.1)
        self.fail(f"{type_} never done: {r}")

    def test_hang_is_detected_within_2s(self):
        run(self._detected())

    async def _detected(self):
        chair = await self.client("big001")
        voter = await self.client("big002")
        observer = await self.client()
        await voter.ok("attendance.check_in")
        pg.freeze()
        t0 = time.monotonic()
        # Nothing is in flight: only plenumd's own probe can notice.
        t_metric = t_told = None
        while time.monotonic() - t0 < 6 and (t_metric is None or t_told is None):
            if t_metric is None and await self.in_thread(metric, self.d, "plenum_database_up") == 0:
                t_metric = time.monotonic() - t0
            if t_told is None and all(c.statuses and c.statuses[-1]["database"] == "unavailable"
                                      for c in (chair, voter, observer)):
                t_told = time.monotonic() - t0
            await asyncio.sleep(0.02)
        print(f"\nhung database: plenum_database_up 0 after {t_metric} s, every client told "
              f"after {t_told} s", file=sys.stderr)
        self.assertIsNotNone(t_metric, "plenum_database_up stayed 1 with the database hung")
        self.assertIsNotNone(t_told, "the clients were not told the database hung")
        self.assertLess(t_metric, 2.0)
        self.assertLess(t_told, 2.0)
        self.assertTrue(chair.statuses[-1]["retryable"])
        # Known down: /healthz and commands answer at once.
        t = time.monotonic()
        status, h = await self.in_thread(self.d.health)
        self.assertEqual((status, h["database"]["ok"], h["database"]["error"]),
                         (503, False, "db_unavailable"))
        self.assertLess(time.monotonic() - t, 0.5)
        late = await LiveClient.connect(self.d, name="late")
        for _ in range(100):
            if late.statuses:
                break
            await asyncio.sleep(0.02)
        self.assertEqual(late.statuses[0]["database"], "unavailable")
        for type_, fields in (("display.set", {"mode": "message", "message": "Đang treo"}),
                              ("vote.prepare", {"kind": "named", "question": "Treo"})):
            t = time.monotonic()
            r = await chair.ask(type_, key=key(), **fields)
            took = time.monotonic() - t
            self.assertEqual((r["type"], r["code"], r["retryable"]),
                             ("error", "db_unavailable", True), r)
            self.assertLess(took, 0.5, f"{type_} waited {took:.2f} s with the database known down")
        r = await voter.ask("speaker.request", kind="speech", key=key())
        self.assertEqual(r.get("code"), "db_unavailable", r)
        await self.thaw([chair, voter, observer, late])
        # What was refused db_unavailable never commits.
        await asyncio.sleep(0.5)
        self.assertEqual(self.psql(f"SELECT count(*) FROM session_event WHERE session_id = "
                                   f"{self.sid} AND data->>'message' = 'Đang treo'"), "0")
        self.assertEqual(self.psql("SELECT count(*) FROM vote WHERE question = 'Treo'"), "0")
        self.assertEqual(self.psql(f"SELECT count(*) FROM speaker_request WHERE session_id = "
                                   f"{self.sid}"), "0")
        await chair.ok("display.set", mode="agenda", key=key())
        for c in (chair, voter, observer, late):
            await c.close()

    def test_command_sent_during_hang_is_outcome_unknown_and_done_once(self):
        run(self._commands())

    async def _commands(self):
        chair = await self.client("big001")
        observer = await self.client()
        await self.settle(chair)
        cases = (
            ("vote.prepare", {"kind": "named", "question": "Treo giữa chừng"},
             "SELECT count(*) FROM vote WHERE question = 'Treo giữa chừng'", "vote.prepared"),
            ("display.set", {"mode": "message", "message": "Treo giữa chừng"},
             f"SELECT count(*) FROM session_event WHERE session_id = {self.sid} AND "
             f"name = 'display.changed' AND data->>'message' = 'Treo giữa chừng'",
             "display.changed"),
        )
        used = []
        for type_, fields, count_sql, event in cases:
            k = key()
            used.append(k)
            pg.freeze()
            t = time.monotonic()
            r = await chair.ask(type_, key=k, **fields)
            took = time.monotonic() - t
            print(f"\n{type_} sent to a hung database: {r.get('code')} after {took:.2f} s",
                  file=sys.stderr)
            # Sent, unanswered: plenumd cannot know whether it committed.
            self.assertEqual((r["type"], r.get("code"), r.get("retryable")),
                             ("error", "outcome_unknown", True), r)
            self.assertLess(took, 4.0, "the hang was noticed by the write's own timeout")
            # Retried while known down: not sent at all.
            r = await chair.ask(type_, key=k, **fields)
            self.assertEqual(r.get("code"), "db_unavailable", r)
            await self.thaw([chair, observer])
            # The same key again: done exactly once, whatever happened.
            first = await self.until_ok(chair, type_, key=k, **fields)
            again = await chair.ok(type_, key=k, **fields)
            self.assertEqual(again["seq"], first["seq"])
            self.assertTrue(again.get("repeated"), again)
            await asyncio.sleep(0.5)  # a late commit of the first would show now
            self.assertEqual(self.psql(count_sql), "1", f"{type_} done more than once")
            self.assertEqual(self.psql(f"SELECT name FROM session_event WHERE session_id = "
                                       f"{self.sid} AND seq = {first['seq']}"), event)
            print(f"{type_} retried with its key: seq {first['seq']}, "
                  f"{'committed when the database resumed' if first.get('repeated') else 'done by the retry'}",
                  file=sys.stderr)
        # A key names one action: used again for another request type it is
        # refused, and nothing is done.
        r = await chair.ask("display.set", mode="blank", key=used[0])
        self.assertEqual((r.get("code"), r.get("field"), r.get("reason")),
                         ("duplicate", "key", "key_used"), r)
        # The event log is gap-free and every client saw each event once.
        top = int(self.psql(f"SELECT max(seq) FROM session_event WHERE session_id = {self.sid}"))
        await observer.wait_seq(top)
        seqs = observer.seqs()
        self.assertEqual(seqs, sorted(set(seqs)))
        for c in (chair, observer):
            await c.close()

    def test_hang_while_the_probe_reconnects_is_detected(self):
        run(self._probe_reconnecting())

    async def _probe_reconnecting(self):
        """The probe's own connection may be down when the hang starts (its
        backend ended; it is reconnecting). A connection attempt to a hung
        server is never answered either: that must count as the probe's
        silence, not leave a statement waiting its whole 10 s (a CI run saw
        vote.cast answered only after 10 s)."""
        chair = await self.client("big001")
        await self.settle(chair)
        for _ in range(100):  # the probe's first SELECT 1 (every 250 ms once connected)
            rows = self.psql("SELECT pid FROM pg_stat_activity WHERE application_name = "
                             "'plenumd' AND query = 'SELECT 1'").splitlines()
            if rows:
                break
            await asyncio.sleep(0.05)
        self.assertEqual(len(rows), 1, rows)
        probe = int(rows[0])
        # The postmaster stopped first: the probe's reconnection then meets
        # the hang. Its backend ends cleanly (SIGTERM, as
        # pg_terminate_backend does), so nothing restarts after the thaw.
        pm, _ = pg.pids()
        os.kill(pm, signal.SIGSTOP)
        os.kill(probe, signal.SIGTERM)
        for _ in range(200):
            with open(f"/proc/{probe}/status") as f:
                if re.search(r"^State:\s+Z", f.read(), re.M):
                    break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)  # the probe notices, and starts reconnecting
        pg.freeze()
        t = time.monotonic()
        r = await chair.ask("display.set", mode="message", message="Treo khi dò lại", key=key())
        took = time.monotonic() - t
        print(f"\ndisplay.set sent while the probe reconnects to a hung database: "
              f"{r.get('code')} after {took:.2f} s", file=sys.stderr)
        self.assertEqual(r.get("code"), "outcome_unknown", r)
        self.assertLess(took, 4.0, "the hang went unnoticed while the probe reconnected")
        await self.thaw([chair])
        await chair.close()

    def test_plenumd_standing_still_is_not_an_outage(self):
        run(self._stood_still())

    async def _stood_still(self):
        """The other side of the probe's connection attempt: when plenumd's
        own loop stood still (start-up work, a loaded machine; here the
        process is stopped for 2 s) while the probe was reconnecting, the
        attempt's age is not the server's silence. The database answered
        meanwhile: no outage may be announced (a CI run's /healthz said 503
        at start-up)."""
        chair = await self.client("big001")
        await self.settle(chair)
        for _ in range(100):
            rows = self.psql("SELECT pid FROM pg_stat_activity WHERE application_name = "
                             "'plenumd' AND query = 'SELECT 1'").splitlines()
            if rows:
                break
            await asyncio.sleep(0.05)
        self.assertEqual(len(rows), 1, rows)
        pm, _ = pg.pids()
        # The probe reconnects to a postmaster that cannot answer yet...
        os.kill(pm, signal.SIGSTOP)
        os.kill(int(rows[0]), signal.SIGTERM)
        await asyncio.sleep(0.3)
        # ...then plenumd stands still while the database answers.
        os.kill(self.d.proc.pid, signal.SIGSTOP)
        os.kill(pm, signal.SIGCONT)
        await asyncio.sleep(2.0)
        os.kill(self.d.proc.pid, signal.SIGCONT)
        await asyncio.sleep(2.0)
        told = [s["database"] for s in chair.statuses]
        print(f"\nplenumd stopped 2 s while its probe reconnected: statuses {told}",
              file=sys.stderr)
        self.assertNotIn("unavailable", told)
        self.assertNotIn("database unavailable", self.d.log())
        await chair.ok("display.set", mode="agenda", key=key())
        await chair.close()

    def test_command_lost_in_the_hang_is_done_by_the_retry(self):
        run(self._lost())

    async def _lost(self):
        """The other half of outcome_unknown: the statement never commits
        (its backend is killed while the server hangs: PostgreSQL restarts
        after the crash); the retry with the same key then does it, once."""
        chair = await self.client("big001")
        await self.settle(chair)
        # plenumd's two connections: the probe's last statement is SELECT 1.
        # (a probe that has not sent its first one yet shows no query).
        rows = self.psql("SELECT pid, query FROM pg_stat_activity WHERE application_name = "
                         "'plenumd' AND query NOT IN ('SELECT 1', '')").splitlines()
        self.assertEqual(len(rows), 1, rows)
        backend = int(rows[0].split("|")[0])
        k = key()
        pg.freeze()
        r = await chair.ask("display.set", mode="message", message="Mất giữa chừng", key=k)
        self.assertEqual(r.get("code"), "outcome_unknown", r)
        os.kill(backend, signal.SIGKILL)  # never runs the statement it holds
        await self.thaw([chair])
        got = await self.until_ok(chair, "display.set", mode="message",
                                  message="Mất giữa chừng", key=k)
        self.assertFalse(got.get("repeated"), got)
        again = await chair.ok("display.set", mode="message", message="Mất giữa chừng", key=k)
        self.assertEqual((again["seq"], again.get("repeated")), (got["seq"], True))
        self.assertEqual(self.psql(f"SELECT count(*) FROM session_event WHERE session_id = "
                                   f"{self.sid} AND data->>'message' = 'Mất giữa chừng'"), "1")
        print(f"\ndisplay.set lost in the hang: the retry did it (seq {got['seq']})",
              file=sys.stderr)
        await chair.close()

    def test_ballot_sent_during_hang_is_outcome_unknown_and_counted_once(self):
        run(self._ballot())

    async def _ballot(self):
        chair = await self.client("big001")
        voter = await self.client("big002")
        await voter.ok("attendance.check_in")
        for login in ("big003", "big004"):  # the quorum: 3 of 4
            other = await self.client(login)
            await other.ok("attendance.check_in")
            await other.close()
        vid = (await chair.ok("vote.prepare", kind="secret", question="Phiếu kín khi treo",
                              board=council_fixture.big_board(self.people)))["seq"]
        await chair.ok("vote.open", vote_id=vid)
        n = nonce()
        pg.freeze()
        t = time.monotonic()
        r = await voter.ask("vote.cast", vote_id=vid, choice="for", nonce=n)
        took = time.monotonic() - t
        print(f"\nvote.cast sent to a hung database: {r.get('code')} after {took:.2f} s",
              file=sys.stderr)
        self.assertEqual((r["type"], r.get("code"), r.get("retryable")),
                         ("error", "outcome_unknown", True), r)
        self.assertLess(took, 4.0)
        await self.thaw([chair, voter])
        got = await self.until_ok(voter, "vote.cast", vote_id=vid, choice="for", nonce=n)
        self.assertIn(got["outcome"], ("duplicate", "recorded"))
        again = await voter.ok("vote.cast", vote_id=vid, choice="for", nonce=n)
        self.assertEqual((again["outcome"], again["receipt"]), ("duplicate", got["receipt"]))
        await asyncio.sleep(0.5)
        self.assertEqual(self.psql(f"SELECT count(*) FROM ballot WHERE session_id = {self.sid} "
                                   f"AND vote_id = {vid}"), "1")
        self.assertEqual(self.psql(f"SELECT count(*) FROM vote_participation WHERE session_id = "
                                   f"{self.sid} AND vote_id = {vid}"), "1")
        print(f"vote.cast retried with its nonce: {got['outcome']}", file=sys.stderr)
        for c in (chair, voter):
            await c.close()

    def test_plenumctl_resends_with_the_same_key(self):
        """plenumctl gives a session command a key and, while --timeout
        allows, sends it again as it was after outcome_unknown or
        db_unavailable: done once, reported ok."""
        pg.freeze()
        ctl = subprocess.Popen(
            [os.environ["PLENUMCTL"], "--url", f"ws://127.0.0.1:{self.d.port}",
             "--token", self.tokens["big001"], "--timeout", "30", "send", str(self.sid),
             "display.set", "mode=message", "message=Qua plenumctl"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(4)  # answered outcome_unknown, then db_unavailable while hung
        pg.thaw()
        out, err = ctl.communicate(timeout=60)
        self.assertEqual(ctl.returncode, 0, err)
        reply = json.loads(out.strip().splitlines()[-1])
        self.assertEqual(reply["type"], "ok", reply)
        time.sleep(0.5)
        self.assertEqual(self.psql(f"SELECT count(*) FROM session_event WHERE session_id = "
                                   f"{self.sid} AND data->>'message' = 'Qua plenumctl'"), "1")
        print(f"\nplenumctl display.set through a 4 s hang: {reply['data']}", file=sys.stderr)


if __name__ == "__main__":
    unittest.main()

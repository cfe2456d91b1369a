"""Electronic voting (issue 5) against a real plenumd and PostgreSQL with real
WebSocket clients: every kind, the majority rules, elections with ties,
confidence thresholds, the counting board, manual entry, change until close
on and off, duplicate submissions, bad ballots, hundreds of simultaneous
voters, a close racing ballots, secrecy proven on a database dump, the audit
command catching tampering, and kill -9 while ballots flow."""

import asyncio
import json
import os
import secrets
import signal
import subprocess
import time
import unittest

import council_fixture
from live_client import FAST_LIMITS, LiveClient, run
from plenum_testlib import PgCluster, Plenumd

pg = None
FAST = FAST_LIMITS


def setUpModule():
    global pg
    pg = PgCluster()


def tearDownModule():
    pg.destroy()



def nonce():
    return secrets.token_urlsafe(24)


class Demo:
    """The demo council (30 seats) with a sitting open and an item active."""

    def __init__(self, db, setup_sql=None):
        """setup_sql: run on the new database before plenumd starts (a
        council setting, say)."""
        self.db = db
        self.url = council_fixture.demo_db(pg, db)
        if setup_sql:
            pg.psql(setup_sql, db)
        self.session = int(self.q("SELECT id FROM session"))
        self.sitting = int(self.q("SELECT id FROM sitting ORDER BY ordinal LIMIT 1"))
        self.person = council_fixture.person_ids(pg, self.db)
        self.d = Plenumd(self.url, extra_args=FAST)
        self.tokens = {}

    def q(self, sql):
        return pg.psql(sql, self.db)

    async def client(self, login=None):
        if login and login not in self.tokens:
            self.tokens[login] = self.d.login(login, "plenum-demo")
        c = await LiveClient.connect(self.d, self.tokens.get(login), name=login or "observer")
        await c.ok("join", session_id=self.session)
        return c

    async def start(self, present):
        """Opens the session and a sitting, activates an item, checks in
        daibieu03.. for `present` delegates, and has the secretary check in
        others from the top seats down to make up the quorum (20: no vote
        opens below it); returns (chair, delegates)."""
        chair = await self.client("chutich")
        await chair.ok("session.open")
        await chair.ok("sitting.open", sitting_id=self.sitting)
        await chair.ok("agenda.next")
        logins = [f"daibieu{n:02d}" for n in range(3, 3 + present)]
        ds = [await self.client(l) for l in logins]
        await asyncio.gather(*(d.ok("attendance.check_in") for d in ds))
        if present < council_fixture.DEMO_QUORUM:
            sec = await self.client("thuky")
            await council_fixture.fill_quorum(sec, self.person, present, skip=logins)
            await sec.close()
        return chair, ds

    def board(self):
        return [self.person[l] for l in council_fixture.DEMO_BOARD]

    def stop(self):
        self.d.finish()


async def published(chair, vote_id):
    for _ in range(200):
        for e in reversed(chair.events):
            if e["name"] == "vote.published" and e["data"]["vote_id"] == vote_id:
                return e["data"]
        await asyncio.sleep(0.02)
    raise AssertionError(f"vote {vote_id} not published")


async def counted(chair, vote_id):
    for _ in range(200):
        if any(e["name"] == "vote.counted" and e["data"]["vote_id"] == vote_id
               for e in chair.events):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"vote {vote_id} not counted")


async def confirm(board, vote_id):
    """A majority of the counting board (2 of 3) confirms: published."""
    for b in board[:len(board) // 2 + 1]:
        await b.ok("vote.confirm", vote_id=vote_id)


async def run_vote(chair, voters, choices, **prepare):
    """Prepares, opens, casts choices[i] for voters[i], closes; returns the
    vote id and the replies."""
    vid = (await chair.ok("vote.prepare", **prepare))["seq"]
    await chair.ok("vote.open", vote_id=vid)
    secret = prepare["kind"] in ("secret", "election", "confidence")
    replies = await asyncio.gather(*(
        v.ask("vote.cast", vote_id=vid, choice=c, **({"nonce": nonce()} if secret else {}))
        for v, c in zip(voters, choices)))
    await chair.ok("vote.close", vote_id=vid)
    await counted(chair, vid)
    return vid, replies


def play(name, scenario):
    """Runs one scenario coroutine against its own demo council and plenumd,
    which is stopped (and its exit status checked) whatever happens."""
    s = Demo(name)
    try:
        run(scenario(s))
    finally:
        s.stop()


class MotionTest(unittest.TestCase):
    def test_open_vote_rules_boundaries_and_manual_entry(self):
        play("motion", self._motion)

    async def _motion(self, s):
        chair, ds = await s.start(20)
        sec = await s.client("thuky")
        obs = await s.client(None)
        # 30 seats, more than half of the total: 16 needed. Exactly 15: fails.
        vid, replies = await run_vote(chair, ds[:15], ["for"] * 15, kind="open",
                                      question="Nghị quyết A")
        self.assertTrue(all(r["data"]["outcome"] == "recorded" for r in replies))
        await chair.ok("vote.publish", vote_id=vid)
        res = (await published(obs, vid))["result"]
        self.assertEqual((res["rule"], res["threshold"], res["for"], res["passed"]),
                         ("total_majority", 16, 15, False))
        # One more than half passes; the 16th is entered by the secretary for
        # a delegate without a device.
        vid = (await chair.ok("vote.prepare", kind="open", question="Nghị quyết B"))["seq"]
        await chair.ok("vote.open", vote_id=vid)
        await asyncio.gather(*(d.ok("vote.cast", vote_id=vid, choice="for") for d in ds[:15]))
        r = await sec.ask("vote.enter", vote_id=vid, person_id=s.person["daibieu18"],
                          choice="for")
        self.assertEqual(r["type"], "ok", r)
        r = await sec.ask("vote.enter", vote_id=vid, person_id=s.person["daibieu29"],
                          choice="for")  # absent
        self.assertEqual(r["code"], "not_eligible")
        r = await ds[0].ask("vote.enter", vote_id=vid, person_id=s.person["daibieu04"],
                            choice="against")  # a delegate for someone else
        self.assertEqual(r["code"], "forbidden")
        await chair.ok("vote.close", vote_id=vid)
        await counted(chair, vid)
        await chair.ok("vote.publish", vote_id=vid)
        res = (await published(obs, vid))["result"]
        self.assertEqual((res["for"], res["threshold"], res["passed"]), (16, 16, True))
        self.assertEqual(s.q(f"SELECT entered_by FROM vote_record WHERE vote_id = {vid} AND "
                             f"person_id = {s.person['daibieu18']}"), str(s.person["thuky"]))
        # The other rules, at their boundaries (20 present, 30 seats).
        cases = [("present_majority", ["for"] * 10 + ["against"] * 10, 11, False),
                 ("present_majority", ["for"] * 11 + ["against"] * 9, 11, True),
                 ("cast_majority", ["for"] * 5 + ["against"] * 5, 6, False),
                 ("cast_majority", ["for"] * 6 + ["against"] * 5, 6, True),
                 ("total_two_thirds", ["for"] * 19 + ["against"], 20, False),
                 ("total_two_thirds", ["for"] * 20, 20, True),
                 ("cast_two_thirds", ["for"] * 6 + ["against"] * 3, 6, True),
                 ("cast_two_thirds", ["for"] * 5 + ["against"] * 3, 6, False)]
        for rule, choices, threshold, passed in cases:
            vid, _ = await run_vote(chair, ds[:len(choices)], choices, kind="open",
                                    question=f"Quy tắc {rule}", rule=rule)
            await chair.ok("vote.publish", vote_id=vid)
            res = (await published(obs, vid))["result"]
            self.assertEqual((res["rule"], res["threshold"], res["passed"]),
                             (rule, threshold, passed), (rule, choices))
        for c in [chair, sec, obs] + ds:
            await c.close()

    def test_named_vote_change_and_duplicates(self):
        play("named", self._named)

    async def _named(self, s):
        chair, ds = await s.start(6)
        obs = await s.client(None)
        # Named, live, changes allowed.
        vid = (await chair.ok("vote.prepare", kind="named", question="Danh sách",
                              live_named=True, allow_change=True))["seq"]
        await chair.ok("vote.open", vote_id=vid)
        a = await ds[0].ok("vote.cast", vote_id=vid, choice="against")
        b = await ds[0].ok("vote.cast", vote_id=vid, choice="against")  # a retry
        self.assertEqual((a["outcome"], b["outcome"]), ("recorded", "duplicate"))
        c = await ds[0].ok("vote.cast", vote_id=vid, choice="for")  # changes their mind
        self.assertEqual(c["outcome"], "changed")
        await ds[1].ok("vote.cast", vote_id=vid, choice="abstain")
        await asyncio.sleep(0.2)
        await asyncio.sleep(0.3)
        progress = [e for e in obs.notices if e["name"] == "vote.progress"]
        # Live, before the close: every choice so far, the change included.
        self.assertEqual({(n["person_id"], n["choice"]) for n in progress[-1]["data"]["named"]},
                         {(s.person["daibieu03"], "for"), (s.person["daibieu04"], "abstain")})
        self.assertEqual(progress[-1]["data"]["cast_count"], 2)
        await chair.ok("vote.close", vote_id=vid)
        await counted(chair, vid)
        await chair.ok("vote.publish", vote_id=vid)
        pub = await published(obs, vid)
        self.assertEqual((pub["result"]["for"], pub["result"]["abstain"],
                          pub["result"]["against"]), (1, 1, 0))
        self.assertEqual({(n["person_id"], n["choice"]) for n in pub["named"]},
                         {(s.person["daibieu03"], "for"), (s.person["daibieu04"], "abstain")})
        self.assertEqual(s.q(f"SELECT count(*) FROM vote_record WHERE vote_id = {vid}"), "2")
        # Changes off (the default): a different second choice is refused.
        vid = (await chair.ok("vote.prepare", kind="named", question="Không đổi"))["seq"]
        await chair.ok("vote.open", vote_id=vid)
        await ds[0].ok("vote.cast", vote_id=vid, choice="for")
        r = await ds[0].ask("vote.cast", vote_id=vid, choice="against")
        self.assertEqual((r["code"], r["reason"]), ("already_voted", "change_not_allowed"))
        # Not live: no names in progress events.
        await ds[1].ok("vote.cast", vote_id=vid, choice="for")
        await asyncio.sleep(0.2)
        self.assertNotIn("named", [e for e in obs.notices if e["name"] == "vote.progress"][-1]["data"])
        for x in [chair, obs] + ds:
            await x.close()

    def test_bad_ballots_store_nothing(self):
        play("badvote", self._bad)

    async def _bad(self, s):
        chair, ds = await s.start(3)
        late = await s.client("daibieu06")  # absent: the quorum is made up from the top
        obs = await s.client(None)
        sec = await s.client("thuky")
        vid = (await chair.ok("vote.prepare", kind="secret", question="Kín",
                              board=s.board()))["seq"]
        r = await ds[0].ask("vote.cast", vote_id=vid, choice="for", nonce=nonce())
        self.assertEqual((r["code"], r["reason"]), ("vote_closed", "vote_not_open"))
        await chair.ok("vote.open", vote_id=vid)
        # Who may vote is public with the opening (the attendance of that
        # moment), so a delegate's page can say why a late arrival has no
        # ballot: in the event and in a snapshot's open vote.
        await obs.wait_seq(vid + 1)
        opened = next(e for e in obs.events if e["name"] == "vote.opened")["data"]
        self.assertEqual(len(opened["eligible"]), opened["eligible_count"])
        self.assertIn(s.person["daibieu03"], opened["eligible"])
        self.assertNotIn(s.person["daibieu06"], opened["eligible"])
        snap = (await late.ok("join", session_id=s.session))["snapshot"]
        open_vote = next(v for v in snap["votes"] if v["id"] == vid)
        self.assertEqual(open_vote["eligible"], sorted(opened["eligible"]))
        await late.ok("attendance.check_in")  # after the opening, late check-in off
        checks = [
            (late, {"choice": "for", "nonce": nonce()}, "not_eligible"),
            (obs, {"choice": "for", "nonce": nonce()}, "unauthenticated"),
            (sec, {"choice": "for", "nonce": nonce()}, "forbidden"),  # not a delegate
            (ds[0], {"choice": "maybe", "nonce": nonce()}, "bad_choice"),
            (ds[0], {"choice": {"x": 1}, "nonce": nonce()}, "bad_choice"),
            (ds[0], {"choice": "for"}, "bad_field"),  # secret ballots need a nonce
            (ds[0], {"choice": "for", "nonce": "short"}, "bad_field"),
            (ds[0], {"choice": "for", "nonce": nonce(), "person_id": 5}, "unknown_field"),
        ]
        for who, fields, code in checks:
            r = await who.ask("vote.cast", vote_id=vid, **fields)
            self.assertEqual(r["code"], code, (who.name, fields, r))
        r = await sec.ask("vote.enter", vote_id=vid, person_id=s.person["daibieu03"], choice="for")
        self.assertEqual(r["code"], "forbidden")  # no manual entry of secret ballots
        n = nonce()
        await ds[0].ok("vote.cast", vote_id=vid, choice="for", nonce=n)
        r = await ds[0].ask("vote.cast", vote_id=vid, choice="against", nonce=n)
        self.assertEqual((r["code"], r["reason"]), ("already_voted", "change_not_allowed"))
        r = await ds[0].ask("vote.cast", vote_id=vid, choice="for", nonce=nonce())
        self.assertEqual((r["code"], r["reason"]), ("already_voted", "already_voted"))
        r = await ds[1].ask("vote.cast", vote_id=999999, choice="for", nonce=nonce())
        self.assertEqual(r["code"], "not_found")
        self.assertEqual(s.q("SELECT count(*) FROM ballot"), "1")
        self.assertEqual(s.q("SELECT count(*) FROM vote_participation"), "1")
        await chair.ok("vote.close", vote_id=vid)
        r = await ds[1].ask("vote.cast", vote_id=vid, choice="for", nonce=nonce())
        self.assertEqual((r["code"], r["reason"]), ("vote_closed", "vote_closed"))
        # Cancel keeps the vote, marked cancelled.
        v2 = (await chair.ok("vote.prepare", kind="open", question="Huỷ"))["seq"]
        await chair.ok("vote.open", vote_id=v2)
        await chair.ok("vote.cancel", vote_id=v2)
        r = await ds[1].ask("vote.cast", vote_id=v2, choice="for")
        self.assertEqual(r["code"], "vote_closed")
        self.assertEqual(s.q(f"SELECT state FROM vote WHERE id = {v2}"), "cancelled")
        # A countdown closes the vote by itself.
        v3 = (await chair.ok("vote.prepare", kind="open", question="Hẹn giờ", duration_s=1))["seq"]
        await chair.ok("vote.open", vote_id=v3)
        await ds[1].ok("vote.cast", vote_id=v3, choice="for")
        await counted(chair, v3)
        self.assertTrue([e for e in chair.events if e["name"] == "vote.closed"
                         and e["data"]["vote_id"] == v3][0]["data"]["automatic"])
        for x in [chair, late, obs, sec] + ds:
            await x.close()


class SecretBallotTest(unittest.TestCase):
    def test_secret_ballot_board_secrecy_and_audit(self):
        play("secret", self._secret)

    async def _secret(self, s):
        chair, ds = await s.start(20)
        board = [await s.client(f"daibieu{n}") for n in (25, 26, 27)]
        obs = await s.client(None)
        vid = (await chair.ok("vote.prepare", kind="secret", question="Bãi nhiệm",
                              rule="total_two_thirds",
                              board=[s.person[f"daibieu{n}"] for n in (25, 26, 27)]))["seq"]
        await chair.ok("vote.open", vote_id=vid)
        # Ballots in a telling order: the first ten for, the next ten against,
        # one at a time, so arrival order would be obvious if it were kept.
        receipts = []
        for i, d in enumerate(ds):
            r = await d.ok("vote.cast", vote_id=vid, choice="for" if i < 10 else "against",
                           nonce=nonce())
            receipts.append(r["receipt"])
        await chair.ok("vote.close", vote_id=vid)
        await counted(chair, vid)
        await counted(obs, vid)  # its own connection: the event may reach it a little later
        # No tally before publication; the chair cannot publish past the board.
        counted_ev = [e for e in obs.events if e["name"] == "vote.counted"][0]
        self.assertEqual(set(counted_ev["data"]), {"vote_id", "awaiting", "cast_count"})
        r = await chair.ask("vote.publish", vote_id=vid)
        self.assertEqual(r["reason"], "board_must_confirm")
        r = await ds[0].ask("vote.tally", vote_id=vid)
        self.assertEqual(r["code"], "forbidden")
        tally = await board[0].ok("vote.tally", vote_id=vid)
        self.assertEqual((tally["result"]["for"], tally["result"]["against"]), (10, 10))
        r = await ds[0].ask("vote.confirm", vote_id=vid)
        self.assertEqual(r["code"], "forbidden")
        await board[0].ok("vote.confirm", vote_id=vid)
        r = await board[0].ask("vote.confirm", vote_id=vid)
        self.assertEqual(r["reason"], "already_confirmed")
        await board[1].ok("vote.confirm", vote_id=vid)  # 2 of 3: published
        pub = await published(obs, vid)
        res = pub["result"]
        self.assertEqual((res["threshold"], res["for"], res["passed"]), (20, 10, False))
        self.assertEqual(sorted(res["receipts"]), sorted(receipts))
        self.assertEqual(len(res["ballot_digest"]), 64)

        # Secrecy, from a dump of the database.
        cols = s.q("SELECT table_name || '.' || string_agg(column_name, ',' ORDER BY column_name) "
                   "FROM information_schema.columns WHERE table_name IN ('ballot', "
                   "'vote_participation', 'ballot_receipt') GROUP BY table_name ORDER BY 1")
        self.assertEqual(cols.splitlines(), [
            "ballot.ballot_key,choice,session_id,vote_id",
            "ballot_receipt.receipt,session_id,vote_id",
            "vote_participation.commitment,nonce_check,person_id,session_id,vote_id"])
        dump = subprocess.run(["pg_dump", "--data-only", "--table=ballot", "-d", s.url],
                              stdout=subprocess.PIPE, text=True, check=True).stdout
        rows = [l.split("\t") for l in dump.splitlines() if l.startswith(f"{s.session}\t")]
        self.assertEqual(len(rows), 20)
        dumped = [json.loads(r[3]) for r in rows]
        self.assertNotEqual(dumped, ["for"] * 10 + ["against"] * 10)  # not arrival order
        keys = [r[2] for r in rows]
        self.assertEqual(keys, sorted(keys))  # physical order is key order: random
        pdump = subprocess.run(["pg_dump", "--data-only", "--table=vote_participation", "-d",
                                s.url], stdout=subprocess.PIPE, text=True, check=True).stdout
        prow = [l.split("\t") for l in pdump.splitlines() if l.startswith(f"{s.session}\t")]
        self.assertEqual(len(prow), 20)
        ballot_keys = {r[2] for r in rows}
        for r in prow:  # nothing on a participation row matches a ballot
            self.assertNotIn(r[3], ballot_keys)
            self.assertNotIn(r[4], ballot_keys)
        # The event log says how many voted (vote.closed), never who, what or
        # when: ballots leave no event; progress went out as notices.
        self.assertEqual(s.q("SELECT count(*) FROM session_event WHERE name = 'vote.progress'"),
                         "0")
        closed = json.loads(s.q(f"SELECT data FROM session_event WHERE name = 'vote.closed' "
                                f"AND data->>'vote_id' = '{vid}'"))
        self.assertEqual(closed["cast_count"], 20)
        self.assertTrue(any(n["data"]["cast_count"] == 20 for n in obs.notices))
        self.assertTrue(all("named" not in n["data"] for n in obs.notices))
        # No choice reaches the log.
        self.assertNotIn('"against"', s.d.log())

        # The audit command recounts; tampering is caught.
        def audit():
            return subprocess.run([os.environ["PLENUMD"], "admin", "audit-vote", "--session",
                                   str(s.session), "--vote", str(vid), "--database-url", s.url],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        r = audit()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("20 ballots, 20 voters, 20 receipts", r.stdout)
        s.q(f"UPDATE ballot SET choice = '\"for\"' WHERE ballot_key = (SELECT ballot_key FROM "
            f"ballot WHERE choice = '\"against\"' AND vote_id = {vid} LIMIT 1)")
        r = audit()
        self.assertEqual(r.returncode, 4, r.stdout)
        self.assertIn("TAMPERED", r.stdout)
        for x in [chair, obs] + ds + board:
            await x.close()

    def test_election_with_tie_and_confidence(self):
        play("election", self._election)

    async def _election(self, s):
        chair, ds = await s.start(28)
        obs = await s.client(None)
        board = ds[:3]  # the counting board votes too: it is made of delegates
        bids = [s.person[f"daibieu{n:02d}"] for n in (3, 4, 5)]
        cands = [{"id": 101, "name": "Ứng viên A"}, {"id": 102, "name": "Ứng viên B"},
                 {"id": 103, "name": "Ứng viên C"}]
        # 2 seats, 30 total: 16 votes needed. A 20, B 17, C 3: A and B elected.
        choices = [{"choose": [101, 102]}] * 17 + [{"choose": [101, 103]}] * 3
        vid, replies = await run_vote(chair, ds[:20], choices, kind="election",
                                      question="Bầu Phó Chủ tịch UBND", seats=2,
                                      candidates=cands, board=bids)
        self.assertTrue(all(r["type"] == "ok" for r in replies), replies)
        await confirm(board, vid)
        res = (await published(obs, vid))["result"]
        self.assertEqual((res["elected"], res["tie"], res["threshold"]), ([101, 102], None, 16))
        # A 22, B 17, C 17: A elected, B and C tied for the last seat: re-vote.
        choices = ([{"choose": [101, 102]}] * 11 + [{"choose": [101, 103]}] * 11 +
                   [{"choose": [102, 103]}] * 6)
        vid, replies = await run_vote(chair, ds, choices, kind="election", question="Bầu lại",
                                      seats=2, candidates=cands, board=bids)
        self.assertTrue(all(r["type"] == "ok" for r in replies), replies)
        await confirm(board, vid)
        res = (await published(obs, vid))["result"]
        self.assertEqual(res["elected"], [101])
        self.assertEqual(sorted(res["tie"]), [102, 103])
        self.assertEqual(res["seats_filled"], 1)
        # Mark mode: each candidate for or against; votes are the marks for.
        marks = [{"marks": {"101": "for", "102": "against", "103": "against"}}] * 16 + \
                [{"marks": {"101": "against", "102": "for", "103": "against"}}] * 4
        vid, replies = await run_vote(chair, ds[:20], marks, kind="election", question="Đánh dấu",
                                      seats=1, mode="mark", candidates=cands, board=bids)
        self.assertTrue(all(r["type"] == "ok" for r in replies), replies)
        await confirm(board, vid)
        res = (await published(obs, vid))["result"]
        self.assertEqual(res["elected"], [101])
        # A bad election ballot: more candidates than seats, unknown candidate.
        v3 = (await chair.ok("vote.prepare", kind="election", question="Sai", seats=1,
                             candidates=cands, board=bids))["seq"]
        await chair.ok("vote.open", vote_id=v3)
        for bad in ({"choose": [101, 102]}, {"choose": [999]}, {"choose": [101, 101]}, "for"):
            r = await ds[0].ask("vote.cast", vote_id=v3, choice=bad, nonce=nonce())
            self.assertEqual(r["code"], "bad_choice", bad)
        await chair.ok("vote.cancel", vote_id=v3)
        # Confidence: low by more than half (16 of 30) and by two-thirds (20).
        people = [{"id": 201, "name": "Chủ tịch UBND"}, {"id": 202, "name": "Phó Chủ tịch"},
                  {"id": 203, "name": "Chánh Văn phòng"}]
        ratings = []
        for i in range(20):
            ratings.append({"ratings": {"201": "low" if i < 16 else "high",
                                        "202": "low",
                                        "203": "confidence" if i < 6 else "high"}})
        vid, _ = await run_vote(chair, ds[:20], ratings, kind="confidence",
                                question="Lấy phiếu tín nhiệm", candidates=people, board=bids)
        await confirm(board, vid)
        res = (await published(obs, vid))["result"]
        flags = {p["id"]: (p["low"], p["low_over_half"], p["low_two_thirds"]) for p in res["persons"]}
        self.assertEqual(flags, {201: (16, True, False), 202: (20, True, True),
                                 203: (0, False, False)})
        r = await ds[0].ask("vote.prepare", kind="confidence", question="x", candidates=people)
        self.assertEqual(r["code"], "forbidden")
        for x in [chair, obs] + ds:
            await x.close()


class LoadTest(unittest.TestCase):
    def test_hundreds_at_once_and_close_racing_ballots(self):
        db = "bigvote"
        url = council_fixture.demo_db(pg, db)
        sid, tokens, people = council_fixture.big_council(pg, db, 300)
        d = Plenumd(url, extra_args=FAST)
        try:
            run(self._load(d, sid, tokens, people, db))
        finally:
            d.finish()

    async def _load(self, d, sid, tokens, people, db):
        async def client(login):
            c = await LiveClient.connect(d, tokens[login], name=login)
            await c.ok("join", session_id=sid)
            return c
        chair = await client("big001")
        voters = [await client(f"big{n:03d}") for n in range(2, 301)]
        await asyncio.gather(*(v.ok("attendance.check_in") for v in voters))
        vid = (await chair.ok("vote.prepare", kind="secret", question="Tải",
                              board=council_fixture.big_board(people)))["seq"]
        await chair.ok("vote.open", vote_id=vid)
        replies = await asyncio.gather(*(
            v.ask("vote.cast", vote_id=vid, choice="for", nonce=nonce()) for v in voters))
        self.assertTrue(all(r["type"] == "ok" for r in replies))
        self.assertTrue(all(r["data"]["outcome"] == "recorded" for r in replies))
        await chair.ok("vote.close", vote_id=vid)
        await counted(chair, vid)
        self.assertEqual(pg.psql(f"SELECT count(*) FROM ballot WHERE vote_id = {vid}", db), "299")

        # A close racing 299 ballots: every acknowledged ballot is counted,
        # every other one was refused as closed, none both.
        vid = (await chair.ok("vote.prepare", kind="open", question="Đua"))["seq"]
        await chair.ok("vote.open", vote_id=vid)
        sends = [asyncio.ensure_future(v.ask("vote.cast", vote_id=vid, choice="for"))
                 for v in voters]
        await asyncio.sleep(0.005)
        await chair.ok("vote.close", vote_id=vid)
        replies = await asyncio.gather(*sends)
        acked = [r for r in replies if r["type"] == "ok"]
        refused = [r for r in replies if r["type"] == "error"]
        self.assertEqual(len(acked) + len(refused), 299)
        self.assertTrue(all(r["code"] == "vote_closed" for r in refused), refused[:3])
        await counted(chair, vid)
        self.assertEqual(pg.psql(f"SELECT count(*) FROM vote_record WHERE vote_id = {vid}", db),
                         str(len(acked)))
        tally = await chair.ok("vote.tally", vote_id=vid)
        self.assertEqual(tally["result"]["cast"], len(acked))
        for x in [chair] + voters:
            await x.close()

    def test_kill9_while_ballots_flow(self):
        db = "crashvote"
        url = council_fixture.demo_db(pg, db)
        sid, tokens, people = council_fixture.big_council(pg, db, 200)
        d = Plenumd(url, extra_args=FAST)
        try:
            run(self._crash(d, url, sid, tokens, people, db))
        finally:
            self.d2.finish(code=None)  # judged: its sanitizers

    async def _crash(self, d, url, sid, tokens, people, db):
        async def client(dd, login):
            c = await LiveClient.connect(dd, tokens[login], name=login)
            await c.ok("join", session_id=sid)
            return c
        chair = await client(d, "big001")
        logins = [f"big{n:03d}" for n in range(2, 201)]
        voters = [await client(d, l) for l in logins]
        await asyncio.gather(*(v.ok("attendance.check_in") for v in voters))
        vid = (await chair.ok("vote.prepare", kind="secret", question="Mất điện",
                              board=council_fixture.big_board(people)))["seq"]
        await chair.ok("vote.open", vote_id=vid)
        nonces = {l: nonce() for l in logins}
        acked = {}

        async def cast(v, l):
            try:
                r = await v.ask("vote.cast", vote_id=vid, choice="for", nonce=nonces[l])
                if r["type"] == "ok":
                    acked[l] = r["data"]["receipt"]
            except (ConnectionError, asyncio.TimeoutError):
                pass
        tasks = [asyncio.ensure_future(cast(v, l)) for v, l in zip(voters, logins)]
        await asyncio.sleep(0.02)
        d.proc.send_signal(signal.SIGKILL)  # power cut while ballots flow
        d.proc.wait()
        await asyncio.gather(*tasks)
        port = d.port
        d.cleanup()
        self.d2 = Plenumd(url, extra_args=FAST, port=port)
        # Every acknowledged ballot is there, exactly once.
        participants = set(pg.psql(f"SELECT p.login FROM vote_participation v JOIN person p "
                                   f"ON p.id = v.person_id WHERE vote_id = {vid}", db).split())
        self.assertTrue(set(acked) <= participants, set(acked) - participants)
        nb = int(pg.psql(f"SELECT count(*) FROM ballot WHERE vote_id = {vid}", db))
        self.assertEqual(nb, len(participants))
        # Everyone retries with the same nonce: the acknowledged (and any
        # that committed unacknowledged) are repeats with the same receipt.
        chair2 = await client(self.d2, "big001")
        again = [await client(self.d2, l) for l in logins]
        rs = await asyncio.gather(*(v.ask("vote.cast", vote_id=vid, choice="for",
                                          nonce=nonces[l]) for v, l in zip(again, logins)))
        for l, r in zip(logins, rs):
            self.assertEqual(r["type"], "ok", r)
            if l in acked:
                self.assertEqual(r["data"]["outcome"], "duplicate")
                self.assertEqual(r["data"]["receipt"], acked[l])
            if l in participants:
                self.assertEqual(r["data"]["outcome"], "duplicate")
        await chair2.ok("vote.close", vote_id=vid)
        await counted(chair2, vid)
        tally = await chair2.ok("vote.tally", vote_id=vid)
        self.assertEqual(tally["result"]["cast"], 199)
        self.assertEqual(pg.psql(f"SELECT count(*) FROM ballot WHERE vote_id = {vid}", db), "199")
        for x in [chair2] + again + [chair] + voters:
            try:
                await x.close()
            except Exception:
                pass


if __name__ == "__main__":
    unittest.main()


class OutageTest(unittest.TestCase):
    def test_database_outage_during_a_vote(self):
        """PostgreSQL stops for 10 s mid-vote: every client is told (status
        unavailable, also one connecting meanwhile), ballots and commands are
        refused with a retryable db_unavailable (never acknowledged), health
        and /metrics report it, plenumd stays up, reconnects by itself, tells
        the clients, and the same ballots are then recorded exactly once."""
        own = PgCluster()
        try:
            url = council_fixture.demo_db(own, "outage")
            d = Plenumd(url, extra_args=FAST)
            try:
                run(self._outage(own, d, url))
            finally:
                d.finish()
        finally:
            own.destroy()

    async def _outage(self, own, d, url):
        sid = int(own.psql("SELECT id FROM session", "outage"))
        sit = int(own.psql("SELECT id FROM sitting ORDER BY ordinal LIMIT 1", "outage"))

        async def client(login):
            c = await LiveClient.connect(d, d.login(login, "plenum-demo"), name=login)
            await c.ok("join", session_id=sid)
            return c
        chair = await client("chutich")
        ds = [await client(f"daibieu{n:02d}") for n in range(3, 6)]
        await chair.ok("session.open")
        await chair.ok("sitting.open", sitting_id=sit)
        await chair.ok("agenda.next")
        for x in ds:
            await x.ok("attendance.check_in")
        person = council_fixture.person_ids(own, "outage")
        sec = await client("thuky")
        await council_fixture.fill_quorum(sec, person, len(ds),
                                          skip=[f"daibieu{n:02d}" for n in range(3, 6)])
        await sec.close()
        vid = (await chair.ok("vote.prepare", kind="secret", question="Mất kết nối",
                              board=[person[l] for l in council_fixture.DEMO_BOARD]))["seq"]
        await chair.ok("vote.open", vote_id=vid)
        n0 = nonce()
        await ds[0].ok("vote.cast", vote_id=vid, choice="for", nonce=n0)

        own.stop()
        down_at = time.monotonic()
        # Every client is told at once that nothing is recorded meanwhile.
        for x in [chair] + ds:
            for _ in range(100):
                if x.statuses:
                    break
                await asyncio.sleep(0.05)
            self.assertEqual(x.statuses[-1]["database"], "unavailable", x.name)
            self.assertTrue(x.statuses[-1]["retryable"])
        self.assertIn("Cơ sở dữ liệu", chair.statuses[-1]["message"])
        # One arriving during the outage learns it before asking anything.
        late = await LiveClient.connect(d, name="late")
        for _ in range(100):
            if late.statuses:
                break
            await asyncio.sleep(0.05)
        self.assertEqual(late.statuses[0]["database"], "unavailable")
        nonces = [nonce(), nonce()]
        # Ten seconds down: ballots and the chair's commands are refused,
        # retryable, never acknowledged; health and metrics say so.
        while time.monotonic() - down_at < 10:
            for x, n in zip(ds[1:], nonces):
                r = await x.ask("vote.cast", vote_id=vid, choice="against", nonce=n)
                self.assertEqual((r["type"], r["code"], r["retryable"]),
                                 ("error", "db_unavailable", True))
            r = await chair.ask("display.set", mode="message", message="Tạm dừng",
                                key=secrets.token_urlsafe(12))
            self.assertEqual((r["type"], r["code"]), ("error", "db_unavailable"))
            status, h = d.health()
            self.assertEqual((status, h["database"]["ok"]), (503, False))
            _, _, body = d.http("GET", "/metrics")
            self.assertIn("\nplenum_database_up 0\n", body.decode())
            await asyncio.sleep(1)

        own.start()
        for x in [chair, late] + ds:
            for _ in range(200):
                if x.statuses[-1]["database"] == "available":
                    break
                await asyncio.sleep(0.05)
            self.assertEqual(x.statuses[-1]["database"], "available", x.name)
        # The clients retry with the same nonces until the database is back.
        for x, n in zip(ds[1:], nonces):
            for _ in range(100):
                r = await x.ask("vote.cast", vote_id=vid, choice="against", nonce=n)
                if r["type"] == "ok":
                    break
                self.assertEqual(r["code"], "db_unavailable")
                await asyncio.sleep(0.1)
            self.assertEqual(r["type"], "ok", r)
            # Refused db_unavailable every time: none of those attempts was
            # recorded, so the retry records it now.
            self.assertEqual(r["data"]["outcome"], "recorded", r)
        # Nothing answered db_unavailable committed: no "Tạm dừng" event.
        self.assertEqual(own.psql("SELECT count(*) FROM session_event WHERE "
                                  "data->>'message' = 'Tạm dừng'", "outage"), "0")
        # The first ballot, acknowledged before the outage, is still there once.
        r = await ds[0].ask("vote.cast", vote_id=vid, choice="for", nonce=n0)
        self.assertEqual(r["data"]["outcome"], "duplicate")
        await chair.ok("vote.close", vote_id=vid)
        await counted(chair, vid)
        tally = await chair.ok("vote.tally", vote_id=vid)
        self.assertEqual((tally["result"]["for"], tally["result"]["against"]), (1, 2))
        self.assertEqual(own.psql(f"SELECT count(*) FROM ballot WHERE vote_id = {vid}", "outage"), "3")
        self.assertIn("database connection restored", d.log())
        _, _, body = d.http("GET", "/metrics")
        self.assertIn("\nplenum_database_up 1\n", body.decode())
        for x in [chair, late] + ds:
            await x.close()

"""Secret ballots stay secret in the database's own bookkeeping, and no ballot
is ever shared by two voters (issue 19, points 2 and 3), against a real
plenumd and PostgreSQL.

Point 2: after a secret vote closes, no query over any table or system
column (xmin, cmin, ctid) links a person to a choice, a receipt to a choice,
or a ballot to the order ballots were cast in; the dead row versions that
still carried the old xmins are physically gone (pgstattuple, not
pageinspect).

Point 3: a nonce is its voter's own: another person sending it, in the same
group commit or later (also after a restart, from what the database holds),
is refused with `nonce_in_use`, and the voter's own retry is still a
`duplicate` with the same receipt."""

import asyncio
import hashlib
import os
import subprocess
import time
import unittest

from live_client import run
from plenum_testlib import PgCluster, Plenumd
from test_votes import Demo, counted, nonce
import test_votes

pg = None


def setUpModule():
    global pg
    pg = PgCluster()
    test_votes.pg = pg  # Demo reads the module's cluster


def tearDownModule():
    pg.destroy()


def ballot_key(n):
    """server/session/vote.c: SHA-256("ballot" NUL nonce), hex as stored."""
    return hashlib.sha256(b"ballot\0" + n.encode()).hexdigest()


def receipt(n):
    """server/session/vote.c: 16 Crockford base32 symbols of SHA-256("receipt" NUL nonce)."""
    r = hashlib.sha256(b"receipt\0" + n.encode()).digest()
    b32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    s = "".join(b32[r[i] & 31] for i in range(16))
    return "-".join(s[i:i + 4] for i in range(0, 16, 4))


def ctid(t):
    """'(block,offset)' -> (block, offset), for physical order."""
    b, o = t.strip("()").split(",")
    return int(b), int(o)


def spearman(xs, ys):
    """Rank correlation of two lists of distinct values."""
    n = len(xs)
    rx = {x: i for i, x in enumerate(sorted(xs))}
    ry = {y: i for i, y in enumerate(sorted(ys))}
    d2 = sum((rx[x] - ry[y]) ** 2 for x, y in zip(xs, ys))
    return 1 - 6 * d2 / (n * (n * n - 1))


class HeldBallotTable:
    """Holds a SHARE lock on the ballot table for `seconds` from another
    connection, so that the group commit being written waits and every
    ballot sent meanwhile queues behind it: they are then decided together,
    in one group commit."""

    def __init__(self, s, seconds=1.5):
        self.proc = subprocess.Popen(
            ["psql", "-X", "-q", "-d", s.url, "-c",
             f"BEGIN; LOCK TABLE ballot IN SHARE MODE; SELECT pg_sleep({seconds}); COMMIT;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):  # until the lock is granted
            if s.q("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                   "WHERE c.relname = 'ballot' AND l.mode = 'ShareLock' AND l.granted") == "1":
                return
            time.sleep(0.02)
        raise AssertionError("could not lock the ballot table")

    def wait(self):
        self.proc.wait(timeout=30)


def play(name, scenario):
    s = Demo(name)
    try:
        run(scenario(s))
    finally:
        s.stop()


class SecrecyAfterCloseTest(unittest.TestCase):
    def test_no_query_links_a_voter_to_a_choice_after_close(self):
        play("secrecy", self._secrecy)

    async def _secrecy(self, s):
        chair, ds = await s.start(20)
        # An election where every voter makes a different choice, so any
        # pairing a query returns can be checked against the truth.
        cands = [{"id": 101 + i, "name": f"Ứng viên {i + 1}"} for i in range(22)]
        vid = (await chair.ok("vote.prepare", kind="election", question="Bầu kín", seats=1,
                              candidates=cands, allow_change=True, board=s.board()))["seq"]
        await chair.ok("vote.open", vote_id=vid)
        cast = []  # (person_id, nonce), in casting order: one voter per transaction
        truth = {}  # person_id -> the choice stored
        for i, d in enumerate(ds):
            n = nonce()
            await d.ok("vote.cast", vote_id=vid, choice={"choose": [101 + i]}, nonce=n)
            pid = s.person[d.name]
            cast.append((pid, n))
            truth[pid] = [101 + i]
        # Two change their minds (the UPDATE path leaves old row versions).
        for k, cand in ((0, 121), (1, 122)):
            r = await ds[k].ok("vote.cast", vote_id=vid, choice={"choose": [cand]},
                               nonce=cast[k][1])
            self.assertEqual(r["outcome"], "changed")
            truth[cast[k][0]] = [cand]
        # While the vote is open PostgreSQL's bookkeeping can still link a
        # group commit's rows (docs/security.md says so); printed, not judged.
        linked = s.q(f"SELECT count(*) FROM vote_participation p JOIN ballot b ON "
                     f"b.vote_id = p.vote_id AND b.session_id = p.session_id AND "
                     f"b.xmin = p.xmin WHERE p.vote_id = {vid}")
        print(f"\nwhile open, the xmin join pairs {linked} rows")
        await chair.ok("vote.close", vote_id=vid)
        await counted(chair, vid)

        # The old row versions are physically removed once the vote closes.
        s.q("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        dead_sql = ("SELECT string_agg(t || '=' || (pgstattuple(t)).dead_tuple_count, ' ' "
                    "ORDER BY t) FROM unnest(ARRAY['ballot', 'ballot_receipt', "
                    "'vote_participation']) t")
        for _ in range(150):
            dead = s.q(dead_sql)
            if dead == "ballot=0 ballot_receipt=0 vote_participation=0":
                break
            await asyncio.sleep(0.1)
        print(f"dead row versions after the close: {dead}")

        # 1. The joins of issue 19 find nothing: on xmin, on xmin and cmin,
        #    for ballots and for receipts.
        joins = {
            "ballot xmin": "JOIN ballot b ON b.vote_id = p.vote_id AND "
                           "b.session_id = p.session_id AND b.xmin = p.xmin",
            "ballot xmin+cmin": "JOIN ballot b ON b.vote_id = p.vote_id AND "
                                "b.session_id = p.session_id AND b.xmin = p.xmin AND "
                                "b.cmin = p.cmin",
            "receipt xmin": "JOIN ballot_receipt b ON b.vote_id = p.vote_id AND "
                            "b.session_id = p.session_id AND b.xmin = p.xmin",
            "receipt xmin+cmin": "JOIN ballot_receipt b ON b.vote_id = p.vote_id AND "
                                 "b.session_id = p.session_id AND b.xmin = p.xmin AND "
                                 "b.cmin = p.cmin",
        }
        found = {name: int(s.q(f"SELECT count(*) FROM vote_participation p {j} "
                               f"WHERE p.vote_id = {vid}")) for name, j in joins.items()}
        print(f"rows the joins pair after the close: {found}")
        self.assertEqual(found, {name: 0 for name in joins})
        # The ctid join pairs rows by position only, and positions follow the
        # keys (random), not the voters: at most what chance gives (a random
        # pairing of 20 has 8 or more right with probability about 1e-5).
        rows = s.q(f"SELECT p.person_id, b.choice->'choose' FROM vote_participation p JOIN "
                   f"ballot b ON b.vote_id = p.vote_id AND b.session_id = p.session_id AND "
                   f"b.ctid = p.ctid WHERE p.vote_id = {vid}").splitlines()
        right = sum(1 for r in rows
                    if truth.get(int(r.split("|")[0])) == [int(x) for x in
                                                          r.split("|")[1].strip("[]").split(",")])
        print(f"ctid join: {len(rows)} rows, {right} of them right")
        self.assertLess(right, 8)

        # 2. Order: every ballot, receipt and participation row of the vote
        #    has one xmin and one cmin (none matching another table's), and
        #    physical order is key order, which owes nothing to casting order.
        order = {ballot_key(n): i for i, (_, n) in enumerate(cast)}
        b = [r.split("|") for r in s.q(
            f"SELECT encode(ballot_key, 'hex'), xmin, cmin, ctid FROM ballot "
            f"WHERE vote_id = {vid}").splitlines()]
        self.assertEqual(sorted(r[0] for r in b), sorted(order))
        self.assertEqual((len({r[1] for r in b}), len({r[2] for r in b})), (1, 1))
        by_ctid = [r[0] for r in sorted(b, key=lambda r: ctid(r[3]))]
        self.assertEqual(by_ctid, sorted(by_ctid))
        rho_b = spearman([order[k] for k in by_ctid], list(range(len(by_ctid))))
        rorder = {receipt(n): i for i, (_, n) in enumerate(cast)}
        rc = [r.split("|") for r in s.q(
            f"SELECT receipt, xmin, cmin, ctid FROM ballot_receipt "
            f"WHERE vote_id = {vid}").splitlines()]
        self.assertEqual(sorted(r[0] for r in rc), sorted(rorder))
        self.assertEqual((len({r[1] for r in rc}), len({r[2] for r in rc})), (1, 1))
        rc_ctid = [r[0] for r in sorted(rc, key=lambda r: ctid(r[3]))]
        self.assertEqual(rc_ctid, sorted(rc_ctid))
        rho_r = spearman([rorder[k] for k in rc_ctid], list(range(len(rc_ctid))))
        print(f"casting order vs physical order: ballots rho={rho_b:.2f}, "
              f"receipts rho={rho_r:.2f}")
        self.assertLess(abs(rho_b), 0.9)
        self.assertLess(abs(rho_r), 0.9)
        p = [r.split("|") for r in s.q(
            f"SELECT person_id, xmin, ctid FROM vote_participation "
            f"WHERE vote_id = {vid}").splitlines()]
        self.assertEqual(len({r[1] for r in p}), 1)  # who voted, not when
        self.assertEqual([int(r[0]) for r in sorted(p, key=lambda r: ctid(r[2]))],
                         sorted(int(r[0]) for r in p))
        xmins = s.q(f"SELECT count(DISTINCT x) FROM (SELECT xmin::text x FROM ballot WHERE "
                    f"vote_id = {vid} UNION ALL SELECT xmin::text FROM ballot_receipt WHERE "
                    f"vote_id = {vid} UNION ALL SELECT xmin::text FROM vote_participation "
                    f"WHERE vote_id = {vid}) t")
        # Ballots and receipts share one (so pair all with all: nothing);
        # participation has another.
        self.assertEqual(xmins, "2")

        # Judged last, so that a failure above shows what the joins find.
        self.assertEqual(dead, "ballot=0 ballot_receipt=0 vote_participation=0")

        # 3. The ballot chain still verifies, and tally and receipts are whole.
        tally = await chair.ok("vote.tally", vote_id=vid)
        self.assertEqual(tally["result"]["cast"], 20)
        self.assertEqual(sorted(tally["result"]["receipts"]), sorted(rorder))
        r = subprocess.run([os.environ["PLENUMD"], "admin", "audit-vote", "--session",
                            str(s.session), "--vote", str(vid), "--database-url", s.url],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("20 ballots, 20 voters, 20 receipts", r.stdout)
        for x in [chair] + ds:
            await x.close()

    def test_cancelled_secret_vote_is_unlinked_too(self):
        play("secrecy_cancel", self._cancelled)

    async def _cancelled(self, s):
        chair, ds = await s.start(6)
        vid = (await chair.ok("vote.prepare", kind="secret", question="Huỷ kín", board=s.board()))["seq"]
        await chair.ok("vote.open", vote_id=vid)
        for i, d in enumerate(ds):
            await d.ok("vote.cast", vote_id=vid, choice="for" if i % 2 else "against",
                       nonce=nonce())
        await chair.ok("vote.cancel", vote_id=vid)
        for _ in range(150):
            n = s.q(f"SELECT count(DISTINCT xmin::text) FROM ballot WHERE vote_id = {vid}")
            if n == "1":
                break
            await asyncio.sleep(0.1)
        found = s.q(f"SELECT count(*) FROM vote_participation p JOIN ballot b ON "
                    f"b.vote_id = p.vote_id AND b.session_id = p.session_id AND "
                    f"b.xmin = p.xmin WHERE p.vote_id = {vid}")
        self.assertEqual((n, found), ("1", "0"))
        for x in [chair] + ds:
            await x.close()


class NonceTest(unittest.TestCase):
    def test_another_persons_nonce_is_refused_across_batches_and_restart(self):
        s = Demo("nonce_across")
        try:
            run(self._across(s))
        finally:
            s.stop()

    async def _across(self, s):
        chair, ds = await s.start(3)
        a, b = ds[0], ds[1]
        vid = (await chair.ok("vote.prepare", kind="secret", question="Trùng mã", board=s.board()))["seq"]
        await chair.ok("vote.open", vote_id=vid)
        n = nonce()
        ra = await a.ok("vote.cast", vote_id=vid, choice="for", nonce=n)
        self.assertEqual(ra["outcome"], "recorded")
        # Another delegate with the same nonce: refused, whatever the choice.
        for choice in ("against", "for"):
            r = await b.ask("vote.cast", vote_id=vid, choice=choice, nonce=n)
            self.assertEqual((r["type"], r.get("code"), r.get("field")),
                             ("error", "nonce_in_use", "nonce"), r)
            self.assertIn("mã", r["message"])  # Vietnamese by default
        # The owner's retry is still a duplicate with the same receipt.
        r = await a.ok("vote.cast", vote_id=vid, choice="for", nonce=n)
        self.assertEqual((r["outcome"], r["receipt"]), ("duplicate", ra["receipt"]))
        counts = s.q(f"SELECT (SELECT count(*) FROM ballot WHERE vote_id = {vid}) || ' ' || "
                     f"(SELECT count(*) FROM vote_participation WHERE vote_id = {vid}) || ' ' "
                     f"|| (SELECT count(*) FROM ballot_receipt WHERE vote_id = {vid})")
        self.assertEqual(counts, "1 1 1")
        # After a restart the server knows the nonce from the database.
        for x in [chair] + ds:
            await x.close()
        port = s.d.port
        self.assertEqual(s.d.stop(), 0)
        s.d.cleanup()
        s.d = Plenumd(s.url, extra_args=test_votes.FAST, port=port)
        s.tokens = {}
        chair = await s.client("chutich")
        a, b = await s.client("daibieu03"), await s.client("daibieu04")
        r = await b.ask("vote.cast", vote_id=vid, choice="against", nonce=n)
        self.assertEqual(r.get("code"), "nonce_in_use", r)
        r = await a.ok("vote.cast", vote_id=vid, choice="for", nonce=n)
        self.assertEqual((r["outcome"], r["receipt"]), ("duplicate", ra["receipt"]))
        # With a nonce of their own, the second delegate votes.
        r = await b.ok("vote.cast", vote_id=vid, choice="against", nonce=nonce())
        self.assertEqual(r["outcome"], "recorded")
        self.assertNotEqual(r["receipt"], ra["receipt"])
        await chair.ok("vote.close", vote_id=vid)
        await counted(chair, vid)
        tally = await chair.ok("vote.tally", vote_id=vid)
        self.assertEqual((tally["result"]["cast"], tally["result"]["for"],
                          tally["result"]["against"]), (2, 1, 1))
        for x in (chair, a, b):
            await x.close()

    def test_colliding_nonces_in_one_group_commit(self):
        s = Demo("nonce_batch")
        try:
            run(self._batch(s))
        finally:
            s.stop()

    async def _batch(self, s):
        chair, ds = await s.start(21)
        blocker, ds = ds[20], ds[:20]
        vid = (await chair.ok("vote.prepare", kind="secret", question="Trùng mã cùng lúc", board=s.board()))["seq"]
        await chair.ok("vote.open", vote_id=vid)
        # Ten pairs of delegates share a nonce. One more ballot is written
        # first and waits for a lock; the twenty sent meanwhile queue behind
        # it and are decided in one group commit.
        held = HeldBallotTable(s)
        first = asyncio.ensure_future(blocker.ask("vote.cast", vote_id=vid, choice="for",
                                                  nonce=nonce()))
        await asyncio.sleep(0.3)
        nonces = [nonce() for _ in range(10)]
        replies = await asyncio.gather(*(
            d.ask("vote.cast", vote_id=vid, choice="for" if i % 2 else "against",
                  nonce=nonces[i // 2]) for i, d in enumerate(ds)))
        held.wait()
        self.assertEqual((await first)["type"], "ok")
        acked = []
        for k in range(10):
            pair = replies[2 * k:2 * k + 2]
            kinds = sorted((r["type"], r.get("code") or r["data"]["outcome"]) for r in pair)
            self.assertEqual(kinds, [("error", "nonce_in_use"), ("ok", "recorded")], pair)
            acked += [r["data"]["receipt"] for r in pair if r["type"] == "ok"]
        self.assertEqual(len(set(acked)), 10)
        counts = s.q(f"SELECT (SELECT count(*) FROM ballot WHERE vote_id = {vid}) || ' ' || "
                     f"(SELECT count(*) FROM vote_participation WHERE vote_id = {vid}) || ' ' "
                     f"|| (SELECT count(*) FROM ballot_receipt WHERE vote_id = {vid})")
        self.assertEqual(counts, "11 11 11")
        batches = s.q(f"SELECT count(DISTINCT xmin::text) FROM vote_participation "
                      f"WHERE vote_id = {vid} AND person_id <> {s.person[blocker.name]}")
        print(f"\n10 recorded ballots were written in {batches} group commit(s)")
        self.assertEqual(batches, "1")
        # The refused ones vote with nonces of their own.
        again = [d for d, r in zip(ds, replies) if r["type"] == "error"]
        rs = await asyncio.gather(*(d.ask("vote.cast", vote_id=vid, choice="abstain",
                                          nonce=nonce()) for d in again))
        self.assertTrue(all(r["type"] == "ok" and r["data"]["outcome"] == "recorded"
                            for r in rs), rs)
        await chair.ok("vote.close", vote_id=vid)
        await counted(chair, vid)
        tally = await chair.ok("vote.tally", vote_id=vid)
        self.assertEqual((tally["result"]["cast"], tally["result"]["abstain"]), (21, 10))
        for x in [chair, blocker] + ds:
            await x.close()

    def test_change_within_one_group_commit(self):
        s = Demo("change_batch")
        try:
            run(self._change(s))
        finally:
            s.stop()

    async def _change(self, s):
        """A voter's ballot and its change decided in the same group commit
        are one row with the latest choice (new ballots are no longer
        upserted, so the two must not be two writes of one key)."""
        chair, ds = await s.start(8)
        vid = (await chair.ok("vote.prepare", kind="secret", question="Đổi ý",
                              allow_change=True, board=s.board()))["seq"]
        await chair.ok("vote.open", vote_id=vid)
        n = nonce()
        # One ballot is written first and waits for a lock; the others,
        # sent meanwhile, are decided in one group commit.
        held = HeldBallotTable(s)
        first = asyncio.ensure_future(ds[1].ask("vote.cast", vote_id=vid, choice="for",
                                                nonce=nonce()))
        await asyncio.sleep(0.3)
        rs = await asyncio.gather(
            *(d.ask("vote.cast", vote_id=vid, choice="for", nonce=nonce()) for d in ds[2:]),
            ds[0].ask("vote.cast", vote_id=vid, choice="for", nonce=n),
            ds[0].ask("vote.cast", vote_id=vid, choice="against", nonce=n))
        held.wait()
        self.assertEqual((await first)["type"], "ok")
        self.assertTrue(all(r["type"] == "ok" for r in rs), rs)
        self.assertEqual(s.q(f"SELECT count(DISTINCT xmin::text) FROM vote_participation "
                             f"WHERE vote_id = {vid} AND person_id <> "
                             f"{s.person[ds[1].name]}"), "1")  # one group commit
        self.assertEqual([r["data"]["outcome"] for r in rs[-2:]], ["recorded", "changed"])
        self.assertEqual(rs[-1]["data"]["receipt"], rs[-2]["data"]["receipt"])
        await chair.ok("vote.close", vote_id=vid)
        await counted(chair, vid)
        tally = await chair.ok("vote.tally", vote_id=vid)
        self.assertEqual((tally["result"]["cast"], tally["result"]["for"],
                          tally["result"]["against"]), (8, 7, 1))
        for x in [chair] + ds:
            await x.close()


if __name__ == "__main__":
    unittest.main()

"""Two plenumd nodes on one PostgreSQL (issue 10) serve the same session:
an action on node A reaches clients on node B through PostgreSQL's
LISTEN/NOTIFY; the session's seq is gap-free and identical on both; a vote
is opened on A, cast on B and closed and published on A with B's ballots
counted. Prints the cross-node delivery latency."""

import asyncio
import secrets
import signal
import statistics
import time
import unittest

import council_fixture
from live_client import FAST_LIMITS, LiveClient, run
from plenum_testlib import BallotLock, PgCluster, Plenumd, finish_all


class TwoNodesTest(unittest.TestCase):
    def test_one_session_on_two_nodes(self):
        pg = PgCluster()
        nodes = []
        try:
            url = council_fixture.demo_db(pg, "nodes")
            a = Plenumd(url, extra_args=FAST_LIMITS)
            nodes.append(a)
            b = Plenumd(url, extra_args=FAST_LIMITS)
            nodes.append(b)
            sid = int(pg.psql("SELECT id FROM session", "nodes"))
            sitting = int(pg.psql("SELECT id FROM sitting ORDER BY ordinal LIMIT 1", "nodes"))
            # Signed in on A, used on B: sign-ins travel through NOTIFY too.
            logins = ["chutich", "thuky"] + [f"daibieu{n:02d}" for n in range(3, 8)]
            tokens = {l: a.login(l, "plenum-demo") for l in logins}
            person = council_fixture.person_ids(pg, "nodes")
            self.scenario(a, b, sid, sitting, tokens, person)
            for n in nodes:
                self.assertIsNone(n.sanitizer_report(), n.log())
            db = pg.psql(f"SELECT string_agg(seq::text, ',' ORDER BY seq) FROM session_event "
                         f"WHERE session_id = {sid}", "nodes")
            seqs = [int(x) for x in db.split(",")]
            self.assertEqual(seqs, list(range(1, len(seqs) + 1)))
        except BaseException:
            for n in nodes:
                print("==== NODE", n.port, n.log())
            raise
        finally:
            try:
                finish_all(nodes)
            finally:
                pg.destroy()

    def test_vote_closed_by_a_node_that_dies_is_counted_by_another(self):
        """Node A closes a secret vote and dies before counting it (a lock on
        the ballot table holds the count at its first statement); node B,
        which holds the session and stays up, counts it after its grace
        period, once, with every ballot."""
        pg = PgCluster()
        a = b = holder = None
        try:
            url = council_fixture.demo_db(pg, "orphan")
            a = Plenumd(url, extra_args=FAST_LIMITS)
            b = Plenumd(url, extra_args=FAST_LIMITS)
            sid = int(pg.psql("SELECT id FROM session", "orphan"))
            sitting = int(pg.psql("SELECT id FROM sitting ORDER BY ordinal LIMIT 1", "orphan"))
            logins = ["chutich"] + [f"daibieu{n:02d}" for n in range(3, 6)]
            tokens = {l: a.login(l, "plenum-demo") for l in logins + ["thuky"]}
            person = council_fixture.person_ids(pg, "orphan")
            choices = ["for", "against", "abstain"]
            holder = BallotLock(pg, "orphan")

            async def go():
                async def client(node, login=None):
                    c = await LiveClient.connect(node, tokens.get(login), name=f"{login or 'obs'}@{node.port}")
                    await c.ok("join", session_id=sid)
                    return c

                chair = await client(a, "chutich")
                obs_b = await client(b)
                ds = [await client(b, l) for l in logins[1:]]
                await chair.ok("session.open")
                await chair.ok("sitting.open", sitting_id=sitting)
                item = (await chair.ok("agenda.next"))["seq"]
                last = item
                for d in ds:
                    # As a tablet on B would: act once B has shown the
                    # session open (A's acknowledgement can come first).
                    await d.wait_seq(item)
                    last = (await d.ok("attendance.check_in"))["seq"]
                # Likewise the secretary on A acts on what A shows (the
                # chair there has seen B's check-ins); a change made on a
                # node that has not yet applied the other's is refused as
                # a retryable conflict.
                await chair.wait_seq(last)
                # The quorum (20 of 30), made up by the secretary on A.
                sec = await client(a, "thuky")
                await council_fixture.fill_quorum(sec, person, len(ds), skip=logins)
                await sec.close()
                vid = (await chair.ok("vote.prepare", kind="secret", question="Bỏ phiếu kín (nút chết)",
                                      board=[person[l] for l in council_fixture.DEMO_BOARD]))["seq"]
                opened = (await chair.ok("vote.open", vote_id=vid))["seq"]
                await obs_b.wait_seq(opened)
                for d, c in zip(ds, choices):
                    r = await d.ok("vote.cast", vote_id=vid, choice=c, nonce=secrets.token_urlsafe(24))
                    self.assertEqual(r["outcome"], "recorded")
                closed = (await chair.ok("vote.close", vote_id=vid))["seq"]
                # A's count waits for the lock; B has the close.
                await obs_b.wait_seq(closed)
                self.assertTrue(await asyncio.to_thread(holder.wait_count_blocked),
                                "A's count did not reach its CLUSTER")
                a.proc.send_signal(signal.SIGKILL)
                a.proc.wait()
                holder.release()
                # B counts it after its grace period (5 s).
                t0 = time.monotonic()
                await obs_b.wait_seq(closed + 1, timeout=30)
                waited = time.monotonic() - t0
                ev = [e for e in obs_b.events if e["seq"] == closed + 1][0]
                self.assertEqual(ev["name"], "vote.counted")
                print(f"\nvote closed on a node that died: counted by the other after {waited:.1f} s")
                for c in [obs_b] + ds:
                    await c.close()
                return vid

            vid = run(go(), timeout=120)
            self.assertEqual(pg.psql(f"SELECT state FROM vote WHERE session_id = {sid} AND id = {vid}",
                                     "orphan"), "counted")
            self.assertEqual(pg.psql(f"SELECT count(*) FROM session_event WHERE session_id = {sid} "
                                     f"AND name = 'vote.counted'", "orphan"), "1")
            self.assertEqual(pg.psql(f"SELECT count(*) FROM ballot WHERE session_id = {sid} "
                                     f"AND vote_id = {vid}", "orphan"), "3")
        finally:
            if holder:
                holder.close()
            try:
                finish_all((a, b), code=None)  # a was killed
            finally:
                pg.destroy()

    def scenario(self, a, b, sid, sitting, tokens, person):
        async def client(node, login=None):
            c = await LiveClient.connect(node, tokens.get(login), name=f"{login or 'obs'}@{node.port}")
            await c.ok("join", session_id=sid)
            return c

        async def seen(c, name, timeout=10):
            """Waits for an event called name on c; returns it."""
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                for e in c.events:
                    if e["name"] == name:
                        return e
                await asyncio.sleep(0.005)
            raise AssertionError(f"{c.name}: no {name}; saw {c.names()}")

        async def go():
            chair = await client(a, "chutich")
            obs_a = await client(a)
            obs_b = await client(b)
            ds = [await client(b, f"daibieu{n:02d}") for n in range(3, 8)]
            await chair.ok("session.open")
            await chair.ok("sitting.open", sitting_id=sitting)
            await chair.ok("agenda.next")
            # The delegates on B act once B has shown them the open sitting.
            await seen(ds[-1], "agenda.activated")
            for d in ds:
                await d.ok("attendance.check_in")
            # The quorum (20 of 30), made up by the secretary on A.
            sec = await client(a, "thuky")
            await council_fixture.fill_quorum(sec, person, len(ds),
                                              skip=[f"daibieu{n:02d}" for n in range(3, 8)])
            await sec.close()
            await obs_b.wait_seq(max(chair.seqs()))
            await chair.wait_seq(max(obs_b.seqs()))
            # An open vote: opened on A, cast on B, closed and published on A.
            vid = (await chair.ok("vote.prepare", kind="named",
                                  question="Thông qua Nghị quyết (hai nút)"))["seq"]
            await chair.ok("vote.open", vote_id=vid)
            await seen(ds[-1], "vote.opened")
            for d, c in zip(ds, ["for", "for", "for", "against", "abstain"]):
                r = await d.ok("vote.cast", vote_id=vid, choice=c)
                self.assertEqual(r["outcome"], "recorded")
            await chair.ok("vote.close", vote_id=vid)
            counted = await seen(obs_b, "vote.counted")
            await chair.ok("vote.publish", vote_id=vid)
            pub_a = await seen(obs_a, "vote.published")
            pub_b = await seen(obs_b, "vote.published")
            res = pub_b["data"]["vote"]["result"] if "vote" in pub_b["data"] else pub_b["data"]["result"]
            self.assertEqual((res["for"], res["against"], res["abstain"]), (3, 1, 1), res)
            self.assertEqual(pub_a["data"], pub_b["data"])
            self.assertTrue(counted)

            # Cross-node delivery: the chair on A steps the agenda; the
            # observer on B receives each step.
            lat = []
            for i in range(20):
                before = len(obs_b.events)
                t0 = time.monotonic()
                seq = (await chair.ok("agenda.next" if i % 2 == 0 else "agenda.previous"))["seq"]
                await obs_b.wait_seq(seq)
                lat.append((time.monotonic() - t0) * 1000)
                self.assertGreater(len(obs_b.events), before)
            await obs_a.wait_seq(max(obs_b.seqs()))
            # The same events, in the same order, with the same seq, gap-free.
            self.assertEqual([(e["seq"], e["name"]) for e in obs_a.events],
                             [(e["seq"], e["name"]) for e in obs_b.events])
            s = obs_b.seqs()
            self.assertEqual(s, list(range(s[0], s[0] + len(s))))
            lat.sort()
            print(f"cross-node delivery (A's reply to B's client), 20 events: "
                  f"p50 {statistics.median(lat):.1f} ms, max {lat[-1]:.1f} ms")
            for c in [chair, obs_a, obs_b] + ds:
                await c.close()

        run(go())


if __name__ == "__main__":
    unittest.main()

"""The live session core (issue 4) against a real plenumd and PostgreSQL with
several concurrent WebSocket clients in different roles: the whole sitting
flow, permissions per role, state errors, gap-free seq, resume, closed
sittings, the overrun timer, and a kill -9 and restart mid-sitting."""

import asyncio
import signal
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


def demo_db(name):
    return council_fixture.demo_db(pg, name)



class Sitting:
    """A demo council database and a plenumd on it, with ids looked up."""

    def __init__(self, db, setup_sql=None, extra_args=()):
        self.db = db
        self.url = demo_db(db)
        if setup_sql:
            pg.psql(setup_sql, db)
        self.session = int(self.q("SELECT id FROM session"))
        self.sittings = [int(x) for x in self.q("SELECT id FROM sitting ORDER BY ordinal").split()]
        self.top_items = [int(x) for x in self.q(
            "SELECT id FROM agenda_item WHERE parent_id IS NULL ORDER BY position").split()]
        self.person = council_fixture.person_ids(pg, self.db)
        self.d = Plenumd(self.url, extra_args=list(FAST) + list(extra_args))
        self.tokens = {}

    def q(self, sql):
        return pg.psql(sql, self.db)

    def token(self, login):
        if login not in self.tokens:
            self.tokens[login] = self.d.login(login, "plenum-demo")
        return self.tokens[login]

    async def client(self, login=None, join=True):
        c = await LiveClient.connect(self.d, self.token(login) if login else None,
                                     name=login or "observer")
        if join:
            c.joined = await c.ok("join", session_id=self.session)
        return c

    def stop(self):
        self.d.finish()

    def db_events(self):
        rows = self.q(f"SELECT seq || '|' || name FROM session_event WHERE session_id = "
                      f"{self.session} ORDER BY seq").splitlines()
        return [(int(r.split("|")[0]), r.split("|")[1]) for r in rows]


class LiveFlowTest(unittest.TestCase):
    def test_full_sitting_with_roles(self):
        s = Sitting("flow")
        try:
            run(self._flow(s))
        finally:
            s.stop()

    async def _flow(self, s):
        chair = await s.client("chutich")
        sec = await s.client("thuky")
        d3 = await s.client("daibieu03")
        d4 = await s.client("daibieu04")
        d5 = await s.client("daibieu05")
        obs = await s.client(None)
        everyone = [chair, sec, d3, d4, d5, obs]
        self.assertEqual(chair.joined["you"]["role"], "chair")
        self.assertEqual(sec.joined["you"]["role"], "secretary")
        self.assertEqual(d3.joined["you"], {"role": "delegate", "is_delegate": True})
        self.assertEqual(obs.joined["you"]["role"], "observer")
        snap = obs.joined["snapshot"]
        self.assertEqual(snap["state"], "planned")
        self.assertEqual(snap["total_seats"], 30)
        self.assertEqual(len(snap["agenda"]), 11)
        self.assertEqual([i["depth"] for i in snap["agenda"][:4]], [0, 0, 1, 1])
        self.assertEqual(snap["seq"], 0)

        # Nothing works before the session and a sitting are open.
        r = await chair.ask("speaker.grant")
        self.assertEqual((r["code"], r["reason"]), ("invalid_state", "session_not_open"))
        await chair.ok("session.open")
        r = await chair.ask("agenda.activate", item_id=s.top_items[0])
        self.assertEqual((r["code"], r["reason"]), ("invalid_state", "no_open_sitting"))
        r = await d3.ask("attendance.check_in")
        self.assertEqual(r["reason"], "no_open_sitting")
        await chair.ok("sitting.open", sitting_id=s.sittings[0])
        r = await chair.ask("sitting.open", sitting_id=s.sittings[1])
        self.assertEqual(r["reason"], "sitting_already_open")

        # Attendance and quorum: 2/3 of 30 = 20.
        await d3.ok("attendance.check_in")
        r = await d3.ask("attendance.check_in")
        self.assertEqual(r["reason"], "already_present")
        delegates = [s.person[f"daibieu{n:02d}"] for n in range(4, 23)]  # 19 more
        for pid in delegates:
            await sec.ok("attendance.set", person_id=pid, present=True)
        await chair.wait_seq(chair.events[-1]["seq"])
        att = [e for e in chair.events if e["name"] == "attendance.changed"]
        self.assertEqual(att[-1]["data"]["present_count"], 20)
        self.assertEqual(att[-1]["data"]["quorum"], 20)
        self.assertTrue(att[-1]["data"]["quorum_met"])
        self.assertFalse(att[-2]["data"]["quorum_met"])
        self.assertEqual(att[-1]["data"]["method"], "secretary")
        await d4.ok("attendance.check_out")
        r = await sec.ask("attendance.set", person_id=s.person["thuky"], present=True)
        self.assertEqual(r["reason"], "not_a_delegate")

        # Agenda: activate, next, previous, done.
        await chair.ok("agenda.activate", item_id=s.top_items[0])
        await chair.ok("agenda.next")  # "Báo cáo và tờ trình"
        await chair.ok("agenda.next")  # its first child
        cur = (await obs.ok("join", session_id=s.session))["snapshot"]
        active = [i for i in cur["agenda"] if i["id"] == cur["active_item_id"]][0]
        self.assertEqual(active["depth"], 1)
        await chair.ok("agenda.previous")
        await chair.ok("agenda.done", item_id=s.top_items[0])
        r = await chair.ask("agenda.done", item_id=s.top_items[0])
        self.assertEqual(r["reason"], "already_done")
        await chair.ok("agenda.activate", item_id=s.top_items[2])  # questioning

        # The speaker queue: a point of order jumps ahead of earlier requests.
        await d3.ok("speaker.request", kind="speech")
        await d5.ok("speaker.request", kind="question")
        r = await d5.ask("speaker.request", kind="speech")
        self.assertEqual(r["reason"], "already_queued")
        r = await d3.ask("speaker.request", kind="shout")
        self.assertEqual((r["code"], r["field"]), ("bad_field", "kind"))
        await d4.ok("attendance.check_in")
        await d4.ok("speaker.request", kind="order")
        await chair.wait_seq(chair.events[-1]["seq"])
        queue = [e for e in chair.events if e["name"] == "queue.changed"][-1]["data"]["queue"]
        self.assertEqual([(q["person_id"], q["kind"]) for q in queue],
                         [(s.person["daibieu04"], "order"), (s.person["daibieu03"], "speech"),
                          (s.person["daibieu05"], "question")])
        # A fresh snapshot lists the queue in the same order.
        snapq = (await obs.ok("join", session_id=s.session))["snapshot"]["queue"]
        self.assertEqual([q["request_id"] for q in snapq], [q["request_id"] for q in queue])
        # Reorder: the question first.
        qid = queue[2]["request_id"]
        await chair.ok("speaker.reorder", request_id=qid, index=0)
        await chair.wait_seq(chair.events[-1]["seq"])
        queue = [e for e in chair.events if e["name"] == "queue.changed"][-1]["data"]["queue"]
        self.assertEqual(queue[0]["request_id"], qid)
        # Withdraw and remove.
        await d4.ok("speaker.withdraw")
        r = await d4.ask("speaker.withdraw")
        self.assertEqual(r["reason"], "not_queued")

        # Grant the next: the question (3 min), then the speech (7 min).
        await chair.ok("speaker.grant")
        await chair.wait_seq(chair.events[-1]["seq"])
        fl = [e for e in chair.events if e["name"] == "floor.changed"][-1]["data"]
        self.assertEqual((fl["turn"]["person_id"], fl["turn"]["kind"], fl["turn"]["limit_s"]),
                         (s.person["daibieu05"], "question", 180))
        self.assertGreater(fl["turn"]["deadline_ms"], time.time() * 1000)
        await chair.ok("speaker.grant")  # ends the question turn
        await chair.wait_seq(chair.events[-1]["seq"])
        fl = [e for e in chair.events if e["name"] == "floor.changed"][-1]["data"]
        self.assertEqual((fl["turn"]["kind"], fl["turn"]["limit_s"]), ("speech", 420))
        self.assertEqual(fl["ended"]["person_id"], s.person["daibieu05"])
        self.assertFalse(fl["ended"]["overran"])
        # Timer: pause, extend, resume; the deadline moves accordingly.
        await chair.ok("timer.pause")
        r = await chair.ask("timer.pause")
        self.assertEqual(r["reason"], "already_paused")
        await chair.ok("timer.extend", seconds=60)
        await chair.ok("timer.resume")
        await chair.wait_seq(chair.events[-1]["seq"])
        fl = [e for e in chair.events if e["name"] == "floor.changed"][-1]["data"]
        self.assertEqual(fl["turn"]["extended_s"], 60)
        self.assertIn("deadline_ms", fl["turn"])
        await chair.ok("speaker.end")
        r = await chair.ask("speaker.end")
        self.assertEqual(r["reason"], "no_current_speaker")
        # A second speech on the same item gets 3 minutes.
        await d3.ok("speaker.request", kind="speech")
        await chair.ok("speaker.grant")
        await chair.wait_seq(chair.events[-1]["seq"])
        fl = [e for e in chair.events if e["name"] == "floor.changed"][-1]["data"]
        self.assertEqual(fl["turn"]["limit_s"], 180)
        # The chair gives the floor directly to someone not queued.
        await chair.ok("speaker.give_floor", person_id=s.person["phochutich"], kind="answer")
        r = await chair.ask("speaker.give_floor", person_id=999999)
        self.assertEqual((r["code"], r["field"]), ("not_found", "person_id"))
        # Remove a queued request.
        await d5.ok("speaker.request", kind="reply")
        await chair.wait_seq(chair.events[-1]["seq"])
        queue = [e for e in chair.events if e["name"] == "queue.changed"][-1]["data"]["queue"]
        await chair.ok("speaker.remove", request_id=queue[-1]["request_id"])
        # The hall display.
        await chair.ok("display.set", mode="message", message="Giải lao 15 phút")
        r = await chair.ask("display.set", mode="message")
        self.assertEqual((r["code"], r["field"]), ("bad_field", "message"))
        r = await chair.ask("display.set", mode="disco")
        self.assertEqual(r["field"], "mode")
        await chair.ok("display.set", mode="speaker")
        # Close the sitting (ends the current turn), then the session.
        r = await chair.ask("session.close")
        self.assertEqual(r["reason"], "sitting_open")
        await chair.ok("sitting.close")
        await chair.ok("session.close")
        last = chair.events[-1]["seq"] if chair.events else 0
        for c in everyone:
            await c.wait_seq(last + 0 if c.events and c.events[-1]["seq"] >= last else last)

        # Every client saw the same gap-free sequence, which is the database's.
        db = s.db_events()
        self.assertEqual([x[0] for x in db], list(range(1, len(db) + 1)))
        for c in everyone:
            self.assertEqual(c.seqs(), list(range(1, len(db) + 1)), c.name)
            self.assertEqual(c.names(), [x[1] for x in db], c.name)
        # The record: turns with start, end and duration; requests; attendance.
        self.assertEqual(s.q("SELECT count(*) FROM speaking_turn WHERE ended_at IS NULL"), "0")
        turns = s.q("SELECT kind || ':' || (ended_at > started_at) FROM speaking_turn ORDER BY id")
        self.assertEqual(turns.split(), ["question:true", "speech:true", "speech:true",
                                         "answer:true"])
        self.assertEqual(s.q("SELECT string_agg(status, ',' ORDER BY id) FROM speaker_request"),
                         "granted,granted,withdrawn,granted,removed")
        self.assertEqual(s.q("SELECT count(*) FROM attendance WHERE present"), "20")
        self.assertEqual(s.q("SELECT state FROM session"), "closed")
        self.assertEqual(s.q("SELECT display->>'mode' FROM session"), "speaker")
        for c in everyone:
            await c.close()


class PermissionTest(unittest.TestCase):
    def test_each_role_is_refused_what_it_may_not_do(self):
        s = Sitting("perm")
        try:
            run(self._perm(s))
        finally:
            s.stop()

    async def _perm(self, s):
        chair = await s.client("chutich")
        vice = await s.client("phochutich")
        sec = await s.client("thuky")
        dele = await s.client("daibieu03")
        admin = await s.client("quantri")
        obs = await s.client(None)
        await chair.ok("session.open")
        await vice.ok("sitting.open", sitting_id=s.sittings[0])  # a vice-chair acts as chair
        await chair.ok("agenda.activate", item_id=s.top_items[1])
        seq_before = s.q("SELECT max(seq) FROM session_event")
        chair_cmds = [("sitting.close", {}), ("agenda.next", {}), ("agenda.previous", {}),
                      ("agenda.activate", {"item_id": s.top_items[0]}), ("agenda.done", {}),
                      ("speaker.grant", {}), ("speaker.end", {}),
                      ("speaker.give_floor", {"person_id": s.person["daibieu03"]}),
                      ("speaker.reorder", {"request_id": 1, "index": 0}),
                      ("speaker.remove", {"request_id": 1}), ("timer.pause", {}),
                      ("timer.resume", {}), ("timer.extend", {"seconds": 5}),
                      ("display.set", {"mode": "blank"}), ("session.close", {})]
        for who, expect in ((sec, "forbidden"), (dele, "forbidden"), (admin, "forbidden"),
                            (obs, "unauthenticated")):
            for t, f in chair_cmds:
                r = await who.ask(t, **f)
                self.assertEqual(r["code"], expect, (who.name, t, r))
        for who, expect in ((dele, "forbidden"), (admin, "forbidden"), (obs, "unauthenticated")):
            r = await who.ask("attendance.set", person_id=s.person["daibieu05"], present=True)
            self.assertEqual(r["code"], expect, who.name)
        # Self actions need a delegate's seat.
        for who, expect in ((sec, "forbidden"), (admin, "forbidden"), (obs, "unauthenticated")):
            for t, f in (("attendance.check_in", {}), ("speaker.request", {"kind": "speech"})):
                r = await who.ask(t, **f)
                self.assertEqual(r["code"], expect, (who.name, t))
        # Nothing changed, and every refused connection is still open.
        self.assertEqual(s.q("SELECT max(seq) FROM session_event"), seq_before)
        for c in (sec, dele, admin, obs):
            self.assertEqual((await c.ask("ping"))["type"], "pong")
            await c.close()
        await chair.close()
        await vice.close()

    def test_bad_input_changes_nothing(self):
        s = Sitting("badinput")
        try:
            run(self._bad(s))
        finally:
            s.stop()

    async def _bad(self, s):
        c = await s.client("chutich", join=False)
        r = await c.ask("session.open")
        self.assertEqual(r["code"], "not_joined")
        r = await c.ask("join", session_id=987654)
        self.assertEqual((r["code"], r["field"]), ("not_found", "session_id"))
        r = await c.ask("join")
        self.assertEqual((r["code"], r["field"]), ("missing_field", "session_id"))
        r = await c.ask("join", session_id="one")
        self.assertEqual((r["code"], r["field"]), ("bad_field", "session_id"))
        await c.ok("join", session_id=s.session)
        await c.ok("session.open")
        for t, f, code, field in (("sitting.open", {}, "missing_field", "sitting_id"),
                                  ("sitting.open", {"sitting_id": "x"}, "bad_field", "sitting_id"),
                                  ("sitting.open", {"sitting_id": 1, "extra": 1}, "unknown_field",
                                   "extra"),
                                  ("sitting.open", {"sitting_id": 99999}, "not_found",
                                   "sitting_id"),
                                  ("agenda.activate", {"item_id": 1.5}, "bad_field", "item_id"),
                                  ("timer.extend", {"seconds": 2**60}, "bad_field", "seconds"),
                                  ("session.reopen", {}, "unknown_type", None)):
            r = await c.ask(t, **f)
            self.assertEqual((r["code"], r.get("field")), (code, field), (t, f))
        self.assertEqual(s.q("SELECT max(seq) FROM session_event"), "1")
        self.assertEqual((await c.ask("ping"))["type"], "pong")
        await c.close()


class ResumeTest(unittest.TestCase):
    def test_resume_delivers_exactly_the_missed_events(self):
        s = Sitting("resume")
        try:
            run(self._resume(s))
        finally:
            s.stop()

    async def _resume(self, s):
        chair = await s.client("chutich")
        obs = await s.client(None)
        await chair.ok("session.open")
        await obs.wait_seq(1)
        self.assertEqual(obs.seqs(), [1])
        await obs.close()  # the connection drops
        await chair.ok("sitting.open", sitting_id=s.sittings[0])
        await chair.ok("agenda.activate", item_id=s.top_items[0])
        await chair.ok("display.set", mode="queue")
        back = await s.client(None, join=False)
        data = await back.ok("resume", session_id=s.session, seq=1)
        self.assertEqual(data["replayed"], 3)
        self.assertEqual(data["seq"], 4)
        self.assertEqual(back.seqs(), [2, 3, 4])  # arrived before the reply
        self.assertEqual(back.names(), ["sitting.opened", "agenda.activated", "display.changed"])
        # And live events continue after, gap-free.
        await chair.ok("agenda.next")
        await back.wait_seq(5)
        self.assertEqual(back.seqs(), [2, 3, 4, 5])
        # Nothing missed: nothing replayed. Ahead of the server: refused.
        again = await s.client(None, join=False)
        data = await again.ok("resume", session_id=s.session, seq=5)
        self.assertEqual((data["replayed"], again.seqs()), (0, []))
        r = await again.ask("resume", session_id=s.session, seq=99)
        self.assertEqual((r["code"], r["field"]), ("bad_field", "seq"))
        for c in (chair, back, again):
            await c.close()


class ClosedSittingTest(unittest.TestCase):
    def test_observers_do_not_see_a_closed_sitting(self):
        s = Sitting("closed", setup_sql="UPDATE sitting SET visibility = 'closed' "
                                        "WHERE ordinal = 2")
        try:
            run(self._closed(s))
        finally:
            s.stop()

    async def _closed(self, s):
        chair = await s.client("chutich")
        d3 = await s.client("daibieu03")
        obs = await s.client(None)
        await chair.ok("session.open")
        await chair.ok("sitting.open", sitting_id=s.sittings[1])
        await chair.ok("agenda.activate", item_id=s.top_items[3])
        await d3.ok("attendance.check_in")
        await d3.ok("speaker.request", kind="speech")
        await chair.ok("speaker.grant")
        await obs.wait_seq(6)
        await d3.wait_seq(6)
        self.assertEqual(obs.names(), ["session.opened", "sitting.opened", "hidden", "hidden",
                                       "hidden", "hidden"])
        self.assertTrue(obs.events[1]["data"]["closed"])
        self.assertTrue(all("data" not in e for e in obs.events[2:]))
        self.assertEqual(d3.names()[2:], ["agenda.activated", "attendance.changed",
                                          "queue.changed", "floor.changed"])
        snap = (await obs.ok("join", session_id=s.session))["snapshot"]
        self.assertTrue(snap["hidden"])
        for k in ("attendance", "queue", "turn", "active_item_id"):
            self.assertNotIn(k, snap)
        snap = (await d3.ok("join", session_id=s.session))["snapshot"]
        self.assertEqual(snap["turn"]["person_id"], s.person["daibieu03"])
        # The record keeps the truth, flagged not public.
        self.assertEqual(s.q("SELECT string_agg(public::text, ',' ORDER BY seq) FROM "
                             "session_event"), "true,true,false,false,false,false")
        # After the closed sitting, observers see again.
        await chair.ok("sitting.close")
        await chair.ok("sitting.open", sitting_id=s.sittings[0])
        await obs.wait_seq(8)
        self.assertEqual(obs.names()[6:], ["sitting.closed", "sitting.opened"])
        for c in (chair, d3, obs):
            await c.close()

    def test_closed_session_is_for_members_only(self):
        s = Sitting("closedsession", setup_sql="UPDATE session SET visibility = 'closed'")
        try:
            async def go():
                obs = await s.client(None, join=False)
                r = await obs.ask("join", session_id=s.session)
                self.assertEqual(r["code"], "unauthenticated")
                adm = await s.client("quantri", join=False)
                r = await adm.ask("join", session_id=s.session)
                self.assertEqual(r["code"], "forbidden")
                d = await s.client("daibieu03")
                self.assertEqual(d.joined["you"]["role"], "delegate")
                for c in (obs, adm, d):
                    await c.close()
            run(go())
        finally:
            s.stop()


class TimerTest(unittest.TestCase):
    def test_overrun_is_flagged_at_the_deadline(self):
        s = Sitting("timer", setup_sql="UPDATE session SET limits = limits || "
                                       "'{\"speech\": 1, \"second_speech\": 1}'")
        try:
            async def go():
                chair = await s.client("chutich")
                obs = await s.client(None)
                await chair.ok("session.open")
                await chair.ok("sitting.open", sitting_id=s.sittings[0])
                await chair.ok("agenda.activate", item_id=s.top_items[0])
                await chair.ok("speaker.give_floor", person_id=s.person["daibieu07"])
                t0 = time.monotonic()
                await obs.wait_seq(5, timeout=5)
                self.assertEqual(obs.events[-1]["name"], "floor.overrun")
                self.assertGreaterEqual(time.monotonic() - t0, 0.8)
                self.assertTrue(obs.events[-1]["data"]["turn"]["overran"])
                self.assertLess(obs.events[-1]["data"]["turn"]["remaining_ms"], 0)
                await chair.ok("timer.extend", seconds=30)
                await obs.wait_seq(6)
                self.assertFalse(obs.events[-1]["data"]["turn"]["overran"])
                await chair.ok("speaker.end")
                await obs.wait_seq(7)
                self.assertEqual(s.q("SELECT overran FROM speaking_turn"), "f")
                for c in (chair, obs):
                    await c.close()
            run(go())
        finally:
            s.stop()


class RestartTest(unittest.TestCase):
    def test_kill9_mid_sitting_then_resume(self):
        s = Sitting("restart")
        try:
            run(self._restart(s))
        finally:
            s.stop()

    async def _restart(self, s):
        chair = await s.client("chutich")
        d3 = await s.client("daibieu03")
        d4 = await s.client("daibieu04")
        await chair.ok("session.open")
        await chair.ok("sitting.open", sitting_id=s.sittings[0])
        await chair.ok("agenda.activate", item_id=s.top_items[2])
        for c in (d3, d4):
            await c.ok("attendance.check_in")
        await d4.ok("speaker.request", kind="question")
        await d3.ok("speaker.request", kind="speech")
        await chair.ok("speaker.grant")
        await chair.ok("timer.pause")
        await chair.ok("display.set", mode="speaker")
        last = 10
        await d3.wait_seq(last)
        before = (await d3.ok("join", session_id=s.session))["snapshot"]

        # kill -9: no goodbye, no flush.
        s.d.proc.send_signal(signal.SIGKILL)
        s.d.proc.wait()
        for c in (chair, d3, d4):
            await c.reader
            await c.ws.close()
        port = s.d.port
        s.d.cleanup()
        s.d = Plenumd(s.url, extra_args=FAST, port=port)

        # Clients come back with resume from the last seq they saw.
        chair2 = await LiveClient.connect(s.d, s.tokens["chutich"], "chair2")
        d3b = await LiveClient.connect(s.d, s.tokens["daibieu03"], "d3b")
        data = await d3b.ok("resume", session_id=s.session, seq=d3.seqs()[-1])
        self.assertEqual(data["replayed"], 0)
        await chair2.ok("resume", session_id=s.session, seq=chair.seqs()[-1])
        after = (await d3b.ok("join", session_id=s.session))["snapshot"]
        for key in ("state", "open_sitting_id", "active_item_id", "attendance", "queue",
                    "display", "seq", "sittings", "agenda"):
            self.assertEqual(after[key], before[key], key)
        for key in ("id", "person_id", "kind", "limit_s", "paused", "started_ms"):
            self.assertEqual(after["turn"][key], before["turn"][key], key)
        # The paused timer kept its remaining time across the restart.
        self.assertEqual(after["turn"]["remaining_ms"], before["turn"]["remaining_ms"])
        # The sitting goes on, seq continuing without a gap.
        await chair2.ok("timer.resume")
        await chair2.ok("speaker.grant")
        await d3b.wait_seq(last + 2)
        self.assertEqual(d3b.seqs(), [last + 1, last + 2])
        self.assertEqual([x[0] for x in s.db_events()], list(range(1, last + 3)))
        for c in (chair2, d3b):
            await c.close()


class EventLogTest(unittest.TestCase):
    def test_event_log_is_append_only_and_gap_free(self):
        demo_db("eventlog")
        sid = pg.psql("SELECT id FROM session", "eventlog")
        pg.psql(f"INSERT INTO session_event (session_id, seq, at, name, public, data) "
                f"VALUES ({sid}, 1, now(), 'session.opened', true, '{{}}')", "eventlog")
        import subprocess
        for sql in (f"INSERT INTO session_event (session_id, seq, at, name, public, data) "
                    f"VALUES ({sid}, 3, now(), 'x.y', true, '{{}}')",
                    "UPDATE session_event SET name = 'x.z'",
                    "DELETE FROM session_event"):
            with self.assertRaises(subprocess.CalledProcessError):
                pg.psql(sql, "eventlog")
        self.assertEqual(pg.psql("SELECT count(*) FROM session_event", "eventlog"), "1")


class ConcurrencyTest(unittest.TestCase):
    def test_many_delegates_at_once(self):
        s = Sitting("concurrent")
        try:
            async def go():
                chair = await s.client("chutich")
                await chair.ok("session.open")
                await chair.ok("sitting.open", sitting_id=s.sittings[0])
                await chair.ok("agenda.activate", item_id=s.top_items[1])
                ds = [await s.client(f"daibieu{n:02d}") for n in range(3, 31)]
                await asyncio.gather(*(d.ok("attendance.check_in") for d in ds))
                await asyncio.gather(*(d.ok("speaker.request", kind="speech") for d in ds))
                total = 3 + 2 * len(ds)
                await chair.wait_seq(total)
                self.assertEqual(chair.seqs(), list(range(1, total + 1)))
                for d in ds:
                    await d.wait_seq(total)
                    self.assertEqual(d.seqs()[-1], total)
                snap = (await chair.ok("join", session_id=s.session))["snapshot"]
                self.assertEqual(len(snap["queue"]), 28)
                self.assertEqual(snap["attendance"]["present_count"], 28)
                self.assertTrue(snap["attendance"]["quorum_met"])
                for c in ds + [chair]:
                    await c.close()
            run(go())
        finally:
            s.stop()


if __name__ == "__main__":
    unittest.main()

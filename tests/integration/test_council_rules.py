"""Council rules the law sets (issue 19, point 5), against a real plenumd and
PostgreSQL: no vote opens below the quorum, a secret ballot needs a counting
board of the council's size and is announced only once the board confirms,
the secretary's entry never touches a ballot the delegate cast and the
delegate is told of it, and the floor is for delegates present."""

import asyncio
import secrets
import unittest

import test_votes
from live_client import LiveClient, run
from plenum_testlib import PgCluster

pg = None


def setUpModule():
    global pg
    pg = PgCluster()
    test_votes.pg = pg  # Demo reads the module's cluster


def tearDownModule():
    pg.destroy()


def nonce():
    return secrets.token_urlsafe(24)


class Council(test_votes.Demo):
    """The demo council (30 seats, quorum 2/3: 20) with plenumd on it. Unlike
    test_votes.Demo, start() checks in only whom it is asked to: these tests
    are about the quorum."""

    async def start(self, present):
        """Opens the session and a sitting, activates an item, checks in
        daibieu03.. for `present` delegates; returns (chair, delegates)."""
        chair = await self.client("chutich")
        await chair.ok("session.open")
        await chair.ok("sitting.open", sitting_id=self.sitting)
        await chair.ok("agenda.next")
        ds = [await self.client(f"daibieu{n:02d}") for n in range(3, 3 + present)]
        await asyncio.gather(*(d.ok("attendance.check_in") for d in ds))
        return chair, ds


def play(name, scenario, setup_sql=None):
    s = Council(name, setup_sql)
    try:
        run(scenario(s))
    finally:
        s.d.finish()


async def closed_all(clients):
    for c in clients:
        await c.close()


class QuorumTest(unittest.TestCase):
    def test_no_vote_opens_below_quorum(self):
        play("quorum", self._quorum)

    async def _quorum(self, s):
        # 30 seats, quorum 2/3: 20 present needed. 19 present.
        chair, ds = await s.start(19)
        vid = (await chair.ok("vote.prepare", kind="open", question="Nghị quyết",
                              rule="present_majority"))["seq"]
        r = await chair.ask("vote.open", vote_id=vid)
        self.assertEqual((r["type"], r.get("code"), r.get("reason")),
                         ("error", "invalid_state", "no_quorum"), r)
        self.assertEqual(r["detail"], {"present": 19, "needed": 20, "total_seats": 30})
        self.assertEqual(s.q(f"SELECT state FROM vote WHERE id = {vid}"), "prepared")
        # The chair cannot pass it off with a field the protocol lacks.
        r = await chair.ask("vote.open", vote_id=vid, override_quorum=True)
        self.assertEqual(r.get("code"), "unknown_field", r)
        # One more delegate checks in: the quorum is met, the vote opens.
        d20 = await s.client("daibieu22")
        await d20.ok("attendance.check_in")
        await chair.ok("vote.open", vote_id=vid)
        self.assertEqual(s.q(f"SELECT state FROM vote WHERE id = {vid}"), "open")
        await closed_all([chair, d20] + ds)

    def test_quorum_is_a_council_setting(self):
        # A council whose rules say half: 15 of 30.
        play("quorumhalf", self._half,
             "UPDATE council SET quorum_num = 1, quorum_den = 2")

    async def _half(self, s):
        chair, ds = await s.start(14)
        vid = (await chair.ok("vote.prepare", kind="open", question="Nửa"))["seq"]
        r = await chair.ask("vote.open", vote_id=vid)
        self.assertEqual((r.get("reason"), r["detail"]["needed"]), ("no_quorum", 15), r)
        d = await s.client("daibieu30")
        await d.ok("attendance.check_in")
        await chair.ok("vote.open", vote_id=vid)
        await closed_all([chair, d] + ds)


class CountingBoardTest(unittest.TestCase):
    def test_secret_kinds_need_a_full_board_that_confirms(self):
        play("board", self._board)

    async def _board(self, s):
        chair, ds = await s.start(20)
        obs = await s.client(None)
        board_ids = [s.person[f"daibieu{n}"] for n in (25, 26, 27)]
        cands = [{"id": s.person["daibieu28"], "name": "Ứng viên"}]
        # No board, or one short of the council's size (3 for this ward).
        for kind, extra in (("secret", {}), ("election", {"candidates": cands}),
                            ("confidence", {"candidates": cands})):
            r = await chair.ask("vote.prepare", kind=kind, question="Không ban", **extra)
            self.assertEqual((r.get("code"), r.get("reason")),
                             ("invalid_state", "counting_board_required"), (kind, r))
            self.assertEqual(r["detail"], {"board_size": 3, "given": 0})
        r = await chair.ask("vote.prepare", kind="secret", question="Thiếu",
                            board=board_ids[:2])
        self.assertEqual((r.get("reason"), r["detail"]), ("counting_board_required",
                                                          {"board_size": 3, "given": 2}))
        r = await chair.ask("vote.prepare", kind="secret", question="Thừa",
                            board=board_ids + [s.person["daibieu24"]])
        self.assertEqual(r.get("reason"), "counting_board_required")
        # A candidate may not sit on it.
        r = await chair.ask("vote.prepare", kind="election", question="Ứng viên trong ban",
                            candidates=cands, board=board_ids[:2] + [s.person["daibieu28"]])
        self.assertEqual((r.get("code"), r.get("field")), ("bad_field", "board"), r)
        # With the board: counted, then announced only when a majority of it
        # (2 of 3) confirms; the chair cannot publish past it.
        board = [await s.client(f"daibieu{n}") for n in (25, 26, 27)]
        vid = (await chair.ok("vote.prepare", kind="secret", question="Kín", board=board_ids))["seq"]
        await chair.ok("vote.open", vote_id=vid)
        await asyncio.gather(*(d.ok("vote.cast", vote_id=vid, choice="for", nonce=nonce())
                               for d in ds[:17]))
        await chair.ok("vote.close", vote_id=vid)
        for _ in range(200):
            if s.q(f"SELECT state FROM vote WHERE id = {vid}") == "counted":
                break
            await asyncio.sleep(0.02)
        r = await chair.ask("vote.publish", vote_id=vid)
        self.assertEqual((r.get("code"), r.get("reason")), ("invalid_state", "board_must_confirm"))
        c1 = await board[0].ok("vote.confirm", vote_id=vid)
        self.assertEqual(s.q(f"SELECT state FROM vote WHERE id = {vid}"), "counted", c1)
        await board[1].ok("vote.confirm", vote_id=vid)
        self.assertEqual(s.q(f"SELECT state FROM vote WHERE id = {vid}"), "published")
        await closed_all([chair, obs] + ds + board)

    def test_board_size_is_a_council_setting(self):
        # A city council: 5 on the board.
        play("board5", self._board5, "UPDATE council SET counting_board_size = 5")

    async def _board5(self, s):
        chair, ds = await s.start(20)
        ids = [s.person[f"daibieu{n}"] for n in (24, 25, 26, 27, 28)]
        r = await chair.ask("vote.prepare", kind="secret", question="Ba", board=ids[:3])
        self.assertEqual((r.get("reason"), r.get("detail")),
                         ("counting_board_required", {"board_size": 5, "given": 3}), r)
        await chair.ok("vote.prepare", kind="secret", question="Năm", board=ids)
        obs = await LiveClient.connect(s.d, None, name="observer")
        joined = await obs.ok("join", session_id=s.session)
        self.assertEqual(joined["snapshot"]["counting_board_size"], 5)
        await closed_all([chair, obs] + ds)


class SecretaryEntryTest(unittest.TestCase):
    def test_entry_never_overrides_and_the_delegate_is_told(self):
        play("entry", self._entry)

    async def _entry(self, s):
        chair, ds = await s.start(20)
        sec = await s.client("thuky")
        # Changes allowed: even then the secretary may not touch the
        # delegate's own ballot.
        vid = (await chair.ok("vote.prepare", kind="named", question="Nhập hộ",
                              allow_change=True))["seq"]
        await chair.ok("vote.open", vote_id=vid)
        await ds[0].ok("vote.cast", vote_id=vid, choice="for")
        r = await sec.ask("vote.enter", vote_id=vid, person_id=s.person["daibieu03"],
                          choice="against")
        self.assertEqual((r.get("code"), r.get("reason")),
                         ("already_voted", "cast_by_delegate"), r)
        r = await sec.ask("vote.enter", vote_id=vid, person_id=s.person["daibieu03"],
                          choice="for")
        self.assertEqual((r.get("code"), r.get("reason")),
                         ("already_voted", "cast_by_delegate"), r)
        self.assertEqual(s.q(f"SELECT choice::text || coalesce(entered_by::text, '-') FROM "
                             f"vote_record WHERE vote_id = {vid} AND person_id = "
                             f"{s.person['daibieu03']}"), '"for"-')
        # For a delegate who has not voted: recorded, and they are told.
        await sec.ok("vote.enter", vote_id=vid, person_id=s.person["daibieu04"], choice="abstain")
        told = None
        for _ in range(200):
            told = [n for n in ds[1].notices if n["name"] == "vote.entered"]
            if told:
                break
            await asyncio.sleep(0.02)
        self.assertTrue(told, ds[1].notices)
        self.assertEqual(told[0]["data"], {"vote_id": vid, "person_id": s.person["daibieu04"],
                                           "choice": "abstain", "entered_by": s.person["thuky"],
                                           "entered_by_name": "Phạm Thu Hà"})
        # Nobody else hears of it.
        self.assertFalse([n for n in ds[0].notices if n["name"] == "vote.entered"])
        await closed_all([chair, sec] + ds)


class FloorTest(unittest.TestCase):
    def test_floor_is_for_delegates_present(self):
        play("floor", self._floor)

    async def _floor(self, s):
        chair, ds = await s.start(20)
        absent = await s.client("daibieu29")
        r = await absent.ask("speaker.request", kind="speech")
        self.assertEqual((r.get("code"), r.get("reason")), ("invalid_state", "not_present"), r)
        await ds[0].ok("speaker.request", kind="speech")
        r = await chair.ask("speaker.give_floor", person_id=s.person["thuky"])
        self.assertEqual((r.get("code"), r.get("reason")), ("invalid_state", "not_a_delegate"), r)
        await chair.ok("speaker.give_floor", person_id=s.person["daibieu05"])
        self.assertEqual(s.q("SELECT count(*) FROM speaker_request"), "1")
        await closed_all([chair, absent] + ds)


if __name__ == "__main__":
    unittest.main()

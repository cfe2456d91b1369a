"""A client that goes away before its answer (issue 19, point 1).

A delegate's tablet sends a ballot and its socket goes at once: a clean
close (1000) or a TCP drop (RST), before the answer can be written. The
answer then has nobody to go to; plenumd must neither crash nor touch the
connection it freed. Every vote kind, both ways of going, many times, under
the sanitizers of the test build (a use after free is an ASan report and a
non-zero exit), and the same for the other answers that come later than
the request: commands waiting for the database, a join waiting for a
session to load, a count, a voter meeting's statements.

PL_DROP_ROUNDS sets the rounds (make test: 2; each round is ten votes of
29 delegates who all vanish right after their ballot)."""

import asyncio
import json
import os
import secrets
import socket
import struct
import unittest

import websockets

import council_fixture
from live_client import FAST_LIMITS, LiveClient, run
from plenum_testlib import PgCluster, Plenumd

pg = None
ROUNDS = int(os.environ.get("PL_DROP_ROUNDS", "2"))
KINDS = ("open", "named", "secret", "election", "confidence")
CANDIDATES = [{"id": 9101, "name": "Ứng viên A"}, {"id": 9102, "name": "Ứng viên B"}]


def setUpModule():
    global pg
    pg = PgCluster()


def tearDownModule():
    pg.destroy()


def choice_for(kind, i):
    if kind == "election":
        return {"choose": [9101 if i % 2 else 9102]}
    if kind == "confidence":
        return {"ratings": {"9101": "high", "9102": "low" if i % 3 else "confidence"}}
    return ("for", "against", "abstain")[i % 3]


async def vanish(d, token, messages, mode):
    """Connects, sends messages back to back, and goes at once: a clean
    close (1000) or a TCP reset, without reading any answer."""
    ws = await websockets.connect(d.ws_url(""), subprotocols=["plenum.v1"],
                                  extra_headers={"Authorization": f"Bearer {token}"})
    for m in messages:
        await ws.send(json.dumps(m))
    if mode == "drop":
        sock = ws.transport.get_extra_info("socket")
        # SO_LINGER 0: close() sends a RST, as a tablet leaving the Wi-Fi
        # looks to the server once its stack gives up.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        ws.transport.abort()
    else:
        await ws.close(1000)


class ClientGoneTest(unittest.TestCase):
    def setUp(self):
        self.db = "gone_" + self._testMethodName[5:]
        url = council_fixture.demo_db(pg, self.db)
        self.sid, self.tokens, self.people = council_fixture.big_council(pg, self.db, 30)
        self.d = Plenumd(url, extra_args=FAST_LIMITS)
        self.pid = self.d.proc.pid

    def tearDown(self):
        self.d.finish()

    def q(self, sql):
        return pg.psql(sql, self.db)

    async def client(self, login):
        c = await LiveClient.connect(self.d, self.tokens[login], name=login)
        await c.ok("join", session_id=self.sid)
        return c

    async def alive(self, chair):
        """plenumd is the same process and still answers."""
        await chair.ok("ping")
        self.assertIsNone(self.d.proc.poll(), self.d.log()[-3000:])
        self.assertEqual(self.d.proc.pid, self.pid)

    def test_ballot_then_gone(self):
        run(self._ballots(), timeout=540)

    async def _ballots(self):
        chair = await self.client("big001")
        voters = [f"big{n:03d}" for n in range(2, 31)]
        checked = [await self.client(v) for v in voters]
        await asyncio.gather(*(v.ok("attendance.check_in") for v in checked))
        board = [self.people[v] for v in voters[-3:]]
        drops = 0
        for rnd in range(ROUNDS):
            for kind in KINDS:
                for mode in ("close", "drop"):
                    prepare = {"kind": kind, "question": f"Rời đi {rnd} {kind} {mode}"}
                    if kind in ("secret", "election", "confidence"):
                        prepare["board"] = board
                    if kind in ("election", "confidence"):
                        prepare["candidates"] = CANDIDATES
                    vid = (await chair.ok("vote.prepare", **prepare))["seq"]
                    await chair.ok("vote.open", vote_id=vid)
                    msgs = []
                    for i, v in enumerate(voters):
                        cast = {"type": "vote.cast", "id": 2, "vote_id": vid,
                                "choice": choice_for(kind, i)}
                        if kind in ("secret", "election", "confidence"):
                            cast["nonce"] = secrets.token_urlsafe(24)
                        msgs.append(vanish(self.d, self.tokens[v],
                                           [{"type": "join", "id": 1, "session_id": self.sid},
                                            cast], mode))
                    await asyncio.gather(*msgs)
                    drops += len(msgs)
                    await self.alive(chair)
                    await chair.ok("vote.close", vote_id=vid)
                    await counted(chair, vid)
                    # Whatever was committed was committed once: never more
                    # ballots than voters, and the count says the same.
                    table = "ballot" if kind in ("secret", "election", "confidence") \
                        else "vote_record"
                    stored = int(self.q(f"SELECT count(*) FROM {table} WHERE vote_id = {vid}"))
                    self.assertLessEqual(stored, len(voters))
                    tally = await chair.ok("vote.tally", vote_id=vid) if kind in ("open", "named") \
                        else None
                    if tally:
                        self.assertEqual(tally["result"]["cast"], stored)
        print(f"\n{drops} delegates went away right after their ballot "
              f"({ROUNDS} rounds x {len(KINDS)} kinds x close/drop); plenumd survived all")
        # The checked-in voters, connected all along, got every event in order.
        for v in checked:
            seqs = v.seqs()
            self.assertEqual(seqs, sorted(set(seqs)))
        await self.alive(chair)
        for x in [chair] + checked:
            await x.close()

    def test_other_answers_then_gone(self):
        run(self._others(), timeout=300)

    async def _others(self):
        chair = await self.client("big001")
        voters = [f"big{n:03d}" for n in range(2, 31)]
        checked = [await self.client(v) for v in voters]
        await asyncio.gather(*(v.ok("attendance.check_in") for v in checked))
        vid = (await chair.ok("vote.prepare", kind="open", question="Đếm"))["seq"]
        await chair.ok("vote.open", vote_id=vid)
        for mode in ("close", "drop"):
            for _ in range(3):
                # Commands that wait for the database, a read answered from
                # memory, and a session that must be loaded first (the
                # second session is not in memory until someone joins it).
                sends = []
                for i, v in enumerate(voters):
                    msgs = [{"type": "join", "id": 1, "session_id": self.sid}]
                    msgs.append([
                        {"type": "speaker.request", "id": 2, "kind": "speech"},
                        {"type": "vote.tally", "id": 2, "vote_id": vid},
                        {"type": "attendance.check_in", "id": 2},
                        {"type": "speaker.withdraw", "id": 2},
                    ][i % 4])
                    sends.append(vanish(self.d, self.tokens[v], msgs, mode))
                await asyncio.gather(*sends)
                await self.alive(chair)
                # A join that waits for a session to load, then gone.
                new_sid = int(self.q(
                    "INSERT INTO session (council_id, number, title, state) SELECT council_id, "
                    "(SELECT max(number) + 1 FROM session s2 WHERE s2.council_id = s.council_id), "
                    f"'Kỳ họp mới', 'planned' FROM session s WHERE id = {self.sid} RETURNING id"
                ).splitlines()[0])
                await asyncio.gather(*(vanish(
                    self.d, self.tokens[v], [{"type": "join", "id": 1, "session_id": new_sid}],
                    mode) for v in voters))
                # A voter meeting's sign-in in flight, then gone.
                await asyncio.gather(*(vanish(
                    self.d, self.tokens[v], [{"type": "meeting.join", "id": 1, "meeting_id": 1}],
                    mode) for v in voters[:10]))
                await self.alive(chair)
        # Ballots of voters who then vanish while the close and the count run.
        await asyncio.gather(*(vanish(
            self.d, self.tokens[v],
            [{"type": "join", "id": 1, "session_id": self.sid},
             {"type": "vote.cast", "id": 2, "vote_id": vid, "choice": "for"}], "drop")
            for v in voters))
        await chair.ok("vote.close", vote_id=vid)
        await counted(chair, vid)
        await self.alive(chair)
        for x in [chair] + checked:
            await x.close()


async def counted(chair, vote_id):
    for _ in range(500):
        if any(e["name"] == "vote.counted" and e["data"]["vote_id"] == vote_id
               for e in chair.events):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"vote {vote_id} not counted")


if __name__ == "__main__":
    unittest.main()

"""Protocol honesty (issue 19, point 6): a refusal changes nothing, a
rate_limited refusal names the request it refuses, and a burst gets all of
its answers and refusals before the connection is closed for it."""

import asyncio
import json
import unittest

import websockets

import council_fixture
from live_client import FAST_LIMITS, LiveClient, run
from plenum_testlib import PgCluster, Plenumd

pg = None


def setUpModule():
    global pg
    pg = PgCluster()


def tearDownModule():
    pg.destroy()


class HonestyTest(unittest.TestCase):
    def start(self, db, args):
        url = council_fixture.demo_db(pg, db)
        self.db = db
        self.sid, self.tokens, self.people = council_fixture.big_council(pg, db, 30)
        self.d = Plenumd(url, extra_args=args)

    def tearDown(self):
        self.d.finish()

    def test_refused_resume_leaves_the_client_joined(self):
        self.start("resume", FAST_LIMITS)

        async def go():
            chair = await LiveClient.connect(self.d, self.tokens["big001"], name="chair")
            await chair.ok("join", session_id=self.sid)
            v = await LiveClient.connect(self.d, self.tokens["big002"], name="big002")
            snap = (await v.ok("join", session_id=self.sid))["snapshot"]
            # A resume from a seq the session never had, and one below zero.
            for seq in (snap["seq"] + 1000, -1):
                r = await v.ask("resume", session_id=self.sid, seq=seq)
                self.assertEqual((r["type"], r["code"], r.get("field") or r.get("reason")),
                                 ("error", "bad_field", "seq"), r)
            # Still joined: it acts, and hears the session.
            seq = (await v.ok("attendance.check_in"))["seq"]
            await v.wait_seq(seq)
            # The quorum (20 of 30) for the vote below.
            for n in range(3, 22):
                o = await LiveClient.connect(self.d, self.tokens[f"big{n:03d}"], name=f"{n}")
                await o.ok("join", session_id=self.sid)
                await o.ok("attendance.check_in")
                await o.close()
            vid = (await chair.ok("vote.prepare", kind="open", question="Vẫn ở đây"))["seq"]
            await chair.ok("vote.open", vote_id=vid)
            await v.wait_seq(vid + 1)  # vote.opened
            r = await v.ask("vote.cast", vote_id=vid, choice="for")
            self.assertEqual(r["type"], "ok", r)
            # A resume of another session that does not exist changes nothing either.
            r = await v.ask("resume", session_id=99999, seq=0)
            self.assertEqual(r["type"], "error")
            await v.ok("speaker.request", kind="speech")
            await chair.close()
            await v.close()
        run(go())

    def test_rate_limited_names_its_request_and_answers_come_before_the_close(self):
        # A burst of 10, 60 a minute, closed after 5 refusals in a row.
        self.start("burst", ["--ws-rate-per-minute", "60", "--ws-rate-burst", "10",
                             "--ws-rate-close-after", "5"])

        async def go():
            ws = await websockets.connect(self.d.ws_url(""), subprotocols=["plenum.v1"],
                                          extra_headers={"Authorization":
                                                         f"Bearer {self.tokens['big001']}"})
            # Within the burst: a join and commands that wait for the
            # database; then pings past the limit, until it closes.
            sent = [{"type": "join", "id": "j", "session_id": self.sid}]
            sent += [{"type": "display.set", "id": f"d{i}", "mode": "message",
                      "message": f"Lần {i}"} for i in range(8)]
            sent += [{"type": "ping", "id": f"p{i}"} for i in range(12)]
            for m in sent:
                await ws.send(json.dumps(m))
            replies, code = [], None
            try:
                while True:
                    msg = json.loads(await asyncio.wait_for(ws.recv(), 20))
                    if "re" in msg or msg.get("code") == "rate_limited":
                        replies.append(msg)
            except websockets.ConnectionClosed as e:
                code = e.code
            return sent, replies, code

        sent, replies, code = run(go())
        self.assertEqual(code, 1008)
        by_id = {r.get("re"): r for r in replies}
        # Every refusal names its request.
        limited = [r for r in replies if r.get("code") == "rate_limited"]
        self.assertTrue(limited)
        self.assertTrue(all(r.get("re") for r in limited), limited)
        # Every request before the close got its answer: the commands
        # waiting for the database too (none lost to the close).
        answered = [m["id"] for m in sent if m["id"] in by_id]
        self.assertEqual(answered, [m["id"] for m in sent][:len(answered)])
        for i in range(8):
            self.assertEqual(by_id[f"d{i}"]["type"], "ok", by_id.get(f"d{i}"))
        # The close came after 5 refusals in a row, each answered.
        self.assertEqual(len(limited), 5, limited)
        self.assertEqual(len(replies), 9 + 1 + 5, replies)  # 10 in the burst, 5 refused


if __name__ == "__main__":
    unittest.main()

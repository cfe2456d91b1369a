"""Online voter-contact meetings (issue 8) against a real plenumd and
PostgreSQL, over real WebSockets: citizens sign in with a name and an
optional phone (no account), raise a hand, are admitted and released by the
moderator, send written petitions (stored in the petition records), are
removed; the meeting's capacity; every event committed before anyone hears
of it, in seq order, the same on two nodes; a citizen's phone never sent to
anyone but the citizen and the council's staff; bad input refused with a
stable code. (The media of an admitted citizen: test_rtc.MeetingRtcTest.)"""

import asyncio
import json
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


class Raw(LiveClient):
    """A client that also keeps every text it received, to show what it
    was never sent."""

    @classmethod
    async def connect(cls, d, token=None, name="client", query=""):
        c = await super().connect(d, token, name, query)
        c.raw = []
        orig = c.ws.recv

        async def recv(*a, **k):
            t = await orig(*a, **k)
            c.raw.append(t)
            return t
        c.ws.recv = recv
        return c


async def wait_event(c, name, timeout=10, **match):
    for _ in range(int(timeout / 0.02)):
        for e in c.events:
            if e["name"] == name and all(e["data"].get(k) == v for k, v in match.items()):
                return e
        await asyncio.sleep(0.02)
    raise AssertionError(f"{c.name}: no {name} {match}: {c.names()}")


class MeetingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = "meetings"
        url = council_fixture.demo_db(pg, cls.db)
        cls.d = Plenumd(url, extra_args=FAST_LIMITS)
        cls.council = int(pg.psql("SELECT id FROM council", cls.db))
        cls.tokens = {l: cls.d.login(l, "plenum-demo")
                      for l in ("chutich", "thuky", "daibieu03")}

    @classmethod
    def tearDownClass(cls):
        cls.d.finish()

    def sql(self, q):
        return pg.psql(q, self.db)

    async def new_meeting(self, title, capacity=None, d=None):
        mod = await Raw.connect(d or self.d, self.tokens["chutich"], name="moderator")
        extra = {"capacity": capacity} if capacity else {}
        m = await mod.ok("meeting.create", council_id=self.council, title=title,
                         location="Nhà văn hoá phường Bến Nghé",
                         planned_start="2026-11-22T19:00:00+07:00", **extra)
        mid = m["meeting_id"]
        j = await mod.ok("meeting.join", meeting_id=mid)
        self.assertEqual(j["role"], "moderator")
        return mod, mid

    def test_citizens_hands_turns_petitions(self):
        run(self._flow())

    async def _flow(self):
        mod, mid = await self.new_meeting("Tiếp xúc cử tri phường Bến Nghé")
        await mod.ok("meeting.open")
        await wait_event(mod, "meeting.opened")
        # A citizen signs in: a name and a phone, no account.
        a = await Raw.connect(self.d, name="a")
        ja = await a.ok("meeting.join", meeting_id=mid, name="Nguyễn Thị Hoa",
                        phone="+84 912 345 678")
        self.assertEqual(ja["role"], "guest")
        self.assertEqual(len(ja["token"]), 64)
        ga = ja["guest"]["guest_id"]
        self.assertEqual(ja["guest"]["phone"], "+84 912 345 678")  # their own
        ev = await wait_event(mod, "guest.joined", guest_id=ga)
        # Committed before it was sent.
        self.assertEqual(self.sql(f"SELECT name FROM meeting_event WHERE meeting_id = {mid} "
                                  f"AND seq = {ev['seq']}"), "guest.joined")
        self.assertEqual(self.sql(f"SELECT token_hash = encode(sha256('{ja['token']}'), 'hex') "
                                  f"FROM meeting_guest WHERE id = {ga}"), "t")
        # Another citizen, without a phone, and an observer.
        b = await Raw.connect(self.d, name="b")
        jb = await b.ok("meeting.join", meeting_id=mid, name="Trần Văn Bình")
        gb = jb["guest"]["guest_id"]
        obs = await Raw.connect(self.d, name="observer")
        jo = await obs.ok("meeting.join", meeting_id=mid)
        self.assertEqual(jo["role"], "observer")
        self.assertEqual(sorted(g["name"] for g in jo["meeting"]["guests"]),
                         ["Nguyễn Thị Hoa", "Trần Văn Bình"])
        self.assertTrue(all("phone" not in g for g in jo["meeting"]["guests"]))
        # The moderator's fresh view has the phones.
        mod2 = await Raw.connect(self.d, self.tokens["thuky"], name="secretary")
        j2 = await mod2.ok("meeting.join", meeting_id=mid)
        self.assertEqual(j2["role"], "moderator")
        self.assertIn("+84 912 345 678", [g.get("phone") for g in j2["meeting"]["guests"]])
        # Hands, admission, one citizen on air at a time.
        r = await mod.ask("meeting.admit", guest_id=ga)
        self.assertEqual((r["code"], r["reason"]), ("invalid_state", "hand_not_raised"))
        await a.ok("meeting.hand", raised=True)
        await b.ok("meeting.hand", raised=True)
        await wait_event(obs, "hand.raised", guest_id=gb)
        await mod.ok("meeting.admit", guest_id=ga)
        await wait_event(a, "guest.admitted", guest_id=ga)
        await mod.ok("meeting.admit", guest_id=gb)
        ev = await wait_event(obs, "guest.admitted", guest_id=gb)
        self.assertEqual(ev["data"]["released"], ga)
        self.assertEqual(self.sql(f"SELECT string_agg(state, ',' ORDER BY id) FROM meeting_guest "
                                  f"WHERE meeting_id = {mid}"), "present,admitted")
        # The citizen on air ends their own turn by lowering the hand.
        await b.ok("meeting.hand", raised=False)
        await wait_event(mod, "guest.released", guest_id=gb, by="guest")
        # A written petition: into the records, its content never broadcast.
        text = "Đề nghị sửa chữa đèn chiếu sáng trên đường Lê Lợi, tối nay vẫn hỏng."
        p = await a.ok("meeting.petition", content=text, area="transport")
        self.assertTrue(p["code"].startswith("KN-"), p)
        # A lookup code as on the public form (issue 22), for the citizen only.
        self.assertRegex(p["lookup_code"], "^" + p["code"] + "-[0-9A-Z]{8}$")
        ev = await wait_event(mod, "petition.received", guest_id=ga)
        self.assertEqual(ev["data"]["code"], p["code"])
        self.assertNotIn("lookup_code", json.dumps(ev))
        self.assertNotIn(p["lookup_code"].split("-")[2], json.dumps(mod.events))
        st, _, pub = self.d.post_json("/api/public/petitions/status",
                                      {"code": p["lookup_code"]})
        self.assertEqual((st, pub.get("code")), (200, p["code"]), pub)
        row = self.sql(f"SELECT source || '|' || name || '|' || contact || '|' || meeting || '|' "
                       f"|| locality || '|' || area FROM petition WHERE id = {p['petition_id']}")
        self.assertEqual(row, "meeting|Nguyễn Thị Hoa|+84 912 345 678|Tiếp xúc cử tri phường "
                              "Bến Nghé|Nhà văn hoá phường Bến Nghé|transport")
        # Removal: sent away, cannot act or come back with the token.
        await mod.ok("meeting.remove", guest_id=gb)
        await wait_event(b, "guest.removed", guest_id=gb)
        r = await b.ask("meeting.hand", raised=True)
        self.assertEqual((r["code"], r["reason"]), ("forbidden", "guests_only"))
        await b.ok("meeting.leave")
        r = await b.ask("meeting.join", meeting_id=mid, token=jb["token"])
        self.assertEqual((r["code"], r["reason"]), ("forbidden", "removed"))
        # Every client saw the same events, gap-free, in order.
        await mod.ok("meeting.close")
        last = int(self.sql(f"SELECT seq FROM voter_meeting WHERE id = {mid}"))
        for c in (mod, obs, a):
            await c.wait_seq(last)
        self.assertEqual(mod.seqs(), list(range(mod.seqs()[0], last + 1)))
        self.assertEqual([e["seq"] for e in obs.events], list(range(jo["meeting"]["seq"] + 1,
                                                                      last + 1)))
        r = await a.ask("meeting.hand", raised=True)
        self.assertEqual((r["code"], r["reason"]), ("invalid_state", "meeting_closed"))
        # Nobody but the citizen and staff was ever sent a phone.
        for c in (obs, b):
            self.assertGreater(len(c.raw), 3, c.name)  # it did see the rest
            self.assertFalse(any("912 345 678" in t for t in c.raw), c.name)
        # Staff get it with the citizen's arrival (in the record too).
        joined = [e for e in mod.events if e["name"] == "guest.joined"]
        self.assertEqual([e["data"].get("phone") for e in joined], ["+84 912 345 678", None])
        self.assertEqual([e["data"] for e in obs.events if e["name"] == "guest.joined"], [])
        self.assertNotIn("phone", json.dumps([e["data"] for e in a.events]))
        for c in (mod, mod2, a, b, obs):
            await c.close()

    def test_capacity_and_coming_back(self):
        run(self._capacity())

    async def _capacity(self):
        mod, mid = await self.new_meeting("Tiếp xúc cử tri — sức chứa", capacity=2)
        await mod.ok("meeting.open")
        a = await LiveClient.connect(self.d, name="a")
        ja = await a.ok("meeting.join", meeting_id=mid, name="Cử tri A")
        b = await LiveClient.connect(self.d, name="b")
        await b.ok("meeting.join", meeting_id=mid, name="Cử tri B")
        c = await LiveClient.connect(self.d, name="c")
        r = await c.ask("meeting.join", meeting_id=mid, name="Cử tri C")
        self.assertEqual((r["code"], r["reason"]), ("meeting_full", "meeting_full"))
        self.assertIn("tối đa", r["message"])  # Vietnamese by default
        # Watching needs no place.
        await c.ok("meeting.join", meeting_id=mid)
        await c.ok("meeting.leave")
        # A dropped connection gives its place up...
        await a.ok("meeting.hand", raised=True)
        await a.close()
        ev = await wait_event(mod, "guest.left", guest_id=ja["guest"]["guest_id"])
        self.assertEqual(ev["data"]["was"], "hand")
        jc = await c.ok("meeting.join", meeting_id=mid, name="Cử tri C")
        # ...and coming back with the token is the same citizen, if there is room.
        a2 = await LiveClient.connect(self.d, name="a2")
        r = await a2.ask("meeting.join", meeting_id=mid, token=ja["token"])
        self.assertEqual(r["code"], "meeting_full")
        await c.close()
        await wait_event(mod, "guest.left", guest_id=jc["guest"]["guest_id"])
        j = await a2.ok("meeting.join", meeting_id=mid, token=ja["token"])
        self.assertEqual((j["guest"]["guest_id"], j["guest"]["name"], j["guest"]["state"]),
                         (ja["guest"]["guest_id"], "Cử tri A", "present"))
        for x in (mod, a2, b):
            await x.close()

    def test_bad_input_is_refused(self):
        run(self._bad())

    async def _bad(self):
        mod, mid = await self.new_meeting("Tiếp xúc cử tri — dữ liệu sai")
        x = await LiveClient.connect(self.d, name="x")
        for fields, want in (
                ({"meeting_id": mid, "name": ""}, ("bad_field", "name")),
                ({"meeting_id": mid, "name": " Hoa"}, ("bad_field", "name")),
                ({"meeting_id": mid, "name": "a\u0007b"}, ("bad_field", "name")),
                ({"meeting_id": mid, "name": "x" * 101}, ("bad_field", "name")),
                ({"meeting_id": mid, "name": "Hoa", "phone": "abc"}, ("bad_phone", "phone")),
                # Longer than the frame's field allows: refused as a shape.
                ({"meeting_id": mid, "name": "Hoa", "phone": "1" * 40}, ("bad_field", "phone")),
                # Six digits were taken before (issue 22): not a number to call.
                ({"meeting_id": mid, "name": "Hoa", "phone": "123456"}, ("bad_phone", "phone")),
                ({"meeting_id": mid, "name": "Hoa", "phone": "0012 345 678"},
                 ("bad_phone", "phone")),
                ({"meeting_id": mid, "token": "zz"}, ("bad_field", "token")),
                ({"meeting_id": mid, "phone": "0912345678"}, ("missing_field", "name")),
                ({"meeting_id": mid, "token": "0" * 64}, ("missing_field", "name")),
                ({"meeting_id": 999999, "name": "Hoa"}, ("not_found", "meeting_id")),
                ({"meeting_id": 999999}, ("not_found", "meeting_id")),
                ({"meeting_id": -1}, ("bad_field", "meeting_id")),
                ({"meeting_id": "1"}, ("bad_field", "meeting_id")),
                ({"meeting_id": mid, "role": "moderator"}, ("unknown_field", "role"))):
            r = await x.ask("meeting.join", **fields)
            self.assertEqual((r["type"], r["code"], r.get("field")), ("error",) + want, fields)
        # Not in a meeting; not a citizen; not the moderator.
        r = await x.ask("meeting.hand", raised=True)
        self.assertEqual(r["code"], "not_joined")
        await x.ok("meeting.join", meeting_id=mid)
        r = await x.ask("meeting.hand", raised=True)
        self.assertEqual((r["code"], r["reason"]), ("forbidden", "guests_only"))
        r = await x.ask("meeting.admit", guest_id=1)
        self.assertEqual(r["code"], "unauthenticated")
        r = await x.ask("meeting.join", meeting_id=mid)
        self.assertEqual(r["reason"], "already_in_meeting")
        d3 = await LiveClient.connect(self.d, self.tokens["daibieu03"], name="d3")
        await d3.ok("meeting.join", meeting_id=mid)
        r = await d3.ask("meeting.open")
        self.assertEqual((r["code"], r["reason"]), ("forbidden", "moderator_only"))
        r = await d3.ask("meeting.create", council_id=self.council, title="X")
        self.assertEqual((r["code"], r["reason"]), ("forbidden", "not_staff"))
        # A session and a meeting, one at a time.
        sid = int(self.sql("SELECT id FROM session"))
        r = await d3.ask("join", session_id=sid)
        self.assertEqual(r["reason"], "in_meeting")
        await d3.ok("meeting.leave")
        await d3.ok("join", session_id=sid)
        r = await d3.ask("meeting.join", meeting_id=mid)
        self.assertEqual(r["reason"], "in_session")
        # A citizen's bad requests.
        g = await LiveClient.connect(self.d, name="g")
        await g.ok("meeting.join", meeting_id=mid, name="Lê Văn Cường")
        r = await g.ask("meeting.hand", raised=True)
        self.assertEqual((r["code"], r["reason"]), ("invalid_state", "meeting_not_open"))
        for fields, want in (
                ({"content": "ngắn"}, ("bad_field", "content")),
                ({"content": "   "}, ("missing_field", "content")),
                ({"content": "Nội dung đủ dài để ghi nhận.", "area": "space"},
                 ("bad_field", "area")),
                ({"content": "Nội dung đủ dài để ghi nhận.", "locality": "x" * 201},
                 ("too_long", "locality")),
                ({"content": "Đ" * 5001}, ("too_long", "content")),
                ({"content": "Nội dung đủ dài để ghi nhận.", "name": "Someone else"},
                 ("unknown_field", "name")),
                ({"content": 5}, ("bad_field", "content"))):
            r = await g.ask("meeting.petition", **fields)
            self.assertEqual((r["code"], r.get("field")), want, fields)
            if want[0] == "too_long":  # the limit, for the page to say
                self.assertEqual(r["max"], 5000 if want[1] == "content" else 200, r)
        for fields, want in (({"guest_id": 999999}, ("not_found", "guest_id")),
                             ({}, ("missing_field", "guest_id"))):
            r = await mod.ask("meeting.admit", **fields)
            self.assertEqual((r["code"], r.get("field")), want, fields)
        for fields, field in (({"title": ""}, "title"), ({"title": "T", "capacity": 0}, "capacity"),
                              ({"title": "T", "planned_start": "tomorrow"}, "planned_start")):
            r = await mod.ask("meeting.create", council_id=self.council, **fields)
            self.assertEqual((r["code"], r.get("field")), ("bad_field", field), fields)
        # A planned meeting takes no petition (issue 20); once it is open
        # they are taken, each counted against the address (the limit
        # itself: PetitionLimitTest).
        r = await g.ask("meeting.petition", content="Kiến nghị gửi trước khi khai mạc buổi này.")
        self.assertEqual((r["code"], r.get("reason")), ("invalid_state", "meeting_not_open"))
        await mod.ok("meeting.open")
        codes = []
        for i in range(10):
            r = await g.ask("meeting.petition", content=f"Kiến nghị số {i} về vệ sinh môi trường.")
            codes.append(r.get("code", "ok"))
        self.assertEqual(codes, ["ok"] * 10)
        # Nothing was stored of the refused ones; the server is fine.
        self.assertEqual(self.sql(f"SELECT count(*) FROM meeting_guest WHERE meeting_id = {mid}"),
                         "1")
        self.assertEqual(self.sql("SELECT count(*) FROM petition WHERE source = 'meeting' "
                                  "AND name = 'Lê Văn Cường'"), "10")
        for c in (x, d3, g, mod):
            await c.ok("ping")
            await c.close()


class PetitionLimitTest(unittest.TestCase):
    """Issue 20: a citizen's written petitions in a meeting count against
    the same per-address limit as the public form (--petitions-per-hour),
    whatever the connection; only an open meeting takes them; each is in
    the security log."""

    def test_meeting_petitions_share_the_address_limit(self):
        url = council_fixture.demo_db(pg, "meetings_petitions")
        d = Plenumd(url, extra_args=FAST_LIMITS + ["--petitions-per-hour", "3"])
        try:
            run(self._limit(d, int(pg.psql("SELECT id FROM council", "meetings_petitions")),
                            d.login("chutich", "plenum-demo")))
            events = pg.psql("SELECT count(*) FROM security_event WHERE event = "
                             "'petition_received' AND address = '127.0.0.1'",
                             "meetings_petitions")
            self.assertEqual(events, "3")
        finally:
            d.finish()

    async def _limit(self, d, council, token):
        mod = await LiveClient.connect(d, token, name="moderator")
        m = await mod.ok("meeting.create", council_id=council, title="Hạn mức kiến nghị")
        mid = m["meeting_id"]
        await mod.ok("meeting.join", meeting_id=mid)
        text = "Đề nghị sửa chữa đèn chiếu sáng trên đường Lê Lợi."
        a = await LiveClient.connect(d, name="a")
        j = await a.ok("meeting.join", meeting_id=mid, name="Cử tri A")
        # A planned meeting takes no petitions yet.
        r = await a.ask("meeting.petition", content=text)
        self.assertEqual((r.get("code"), r.get("reason")), ("invalid_state", "meeting_not_open"))
        await mod.ok("meeting.open")
        for _ in range(3):
            await a.ok("meeting.petition", content=text)
        r = await a.ask("meeting.petition", content=text)
        self.assertEqual(r.get("code"), "rate_limited", r)
        # Coming back on a new connection changes nothing.
        await a.close()
        a = await LiveClient.connect(d, name="a again")
        await a.ok("meeting.join", meeting_id=mid, token=j["token"])
        r = await a.ask("meeting.petition", content=text)
        self.assertEqual(r.get("code"), "rate_limited", r)
        # Nor does the public form: the same address, the same limit.
        st, _, body = d.post_json("/api/public/petitions", {
            "council": "nhi-chieu", "name": "Cử tri A", "contact": "0912 345 678",
            "content": text, "area": "transport", "locality": "Tổ dân phố 3"})
        self.assertEqual(st, 429, body)
        for c in (mod, a):
            await c.close()


class TwoNodesTest(unittest.TestCase):
    """A moderator on one node, citizens on another: each node sends its
    clients every event committed by either, in seq order, once."""

    def test_two_nodes(self):
        url = council_fixture.demo_db(pg, "meetings2")
        a = Plenumd(url, extra_args=FAST_LIMITS)
        b = Plenumd(url, extra_args=FAST_LIMITS)
        try:
            run(self._two(a, b, int(pg.psql("SELECT id FROM council", "meetings2")),
                          a.login("chutich", "plenum-demo")))
        finally:
            a.stop()  # both stopped before either is judged
            b.stop()
            try:
                a.finish()
            finally:
                b.finish()

    async def _two(self, a, b, council, token):
        mod = await LiveClient.connect(a, token, name="moderator@a")
        m = await mod.ok("meeting.create", council_id=council, title="Hai nút")
        mid = m["meeting_id"]
        await mod.ok("meeting.join", meeting_id=mid)
        await mod.ok("meeting.open")
        watchers = []
        for i in range(3):
            w = await LiveClient.connect(b, name=f"w{i}@b")
            await w.ok("meeting.join", meeting_id=mid)
            watchers.append(w)
        gs = []
        for i in range(5):
            g = await LiveClient.connect(b, name=f"g{i}@b")
            j = await g.ok("meeting.join", meeting_id=mid, name=f"Cử tri {i}")
            gs.append((g, j["guest"]["guest_id"]))
        # Hands on node b and admissions on node a interleave.
        await asyncio.gather(*(g.ok("meeting.hand", raised=True) for g, _ in gs))
        for _, gid in gs:
            await mod.ok("meeting.admit", guest_id=gid)
        await mod.ok("meeting.close")
        last = int(pg.psql(f"SELECT seq FROM voter_meeting WHERE id = {mid}", "meetings2"))
        for c in [mod] + watchers:
            await c.wait_seq(last)
        want = pg.psql(f"SELECT string_agg(name, ',' ORDER BY seq) FROM meeting_event "
                       f"WHERE meeting_id = {mid} AND seq > {watchers[0].seqs()[0] - 1}",
                       "meetings2").split(",")
        for w in watchers:
            self.assertEqual(w.seqs(), list(range(w.seqs()[0], last + 1)), w.name)
            self.assertEqual(w.names(), want, w.name)
        self.assertEqual(mod.seqs(), list(range(mod.seqs()[0], last + 1)))
        for c in [mod] + watchers + [g for g, _ in gs]:
            await c.close()


if __name__ == "__main__":
    unittest.main()

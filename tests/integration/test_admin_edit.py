"""Editing from the admin page: people and roles one at a time and from a
CSV file, sessions with their sittings and agenda tree. Who may grant which
role, what is taken, and what has already started are decided by the
database in the same transaction as the write; a refused request changes
nothing. A session edit reaches the clients watching it as the event
session.edited, in the session's gap-free sequence."""

import asyncio
import json
import unittest

import council_fixture
from live_client import LiveClient, run
from plenum_testlib import PgCluster, Plenumd

pg = None
DB = "adminedit"


def setUpModule():
    global pg
    pg = PgCluster()


def tearDownModule():
    pg.destroy()


def q(sql):
    return pg.psql(sql, DB)


class AdminEditTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = council_fixture.demo_db(pg, DB)
        # A second council with a person the demo council's staff must not touch.
        q("INSERT INTO council (slug, name, level, total_seats) "
          "VALUES ('khac', 'HĐND xã Khác', 'commune', 15);"
          "INSERT INTO person (login, display_name) VALUES ('nguoikhac', 'Người Khác');"
          "INSERT INTO membership (council_id, person_id, role, is_delegate, seat_no) "
          "SELECT c.id, p.id, 'delegate', true, 1 FROM council c, person p "
          "WHERE c.slug = 'khac' AND p.login = 'nguoikhac'")
        cls.d = Plenumd(cls.url)
        cls.council = int(q("SELECT id FROM council WHERE slug = 'nhi-chieu'"))
        cls.other = int(q("SELECT id FROM council WHERE slug = 'khac'"))
        cls.ids = council_fixture.person_ids(pg, DB)
        cls.sec = cls.d.login("thuky", "plenum-demo")
        cls.chair = cls.d.login("chutich", "plenum-demo")
        cls.admin = cls.d.login("quantri", "plenum-demo")

    @classmethod
    def tearDownClass(cls):
        cls.d.finish()

    def post(self, path, body, token):
        h = {"Authorization": f"Bearer {token}"} if token else {}
        return self.d.post_json(path, body, headers=h)

    def person(self, token, **doc):
        st, _, body = self.post("/api/admin/person", doc, token)
        return st, body

    def test_create_and_edit_a_delegate(self):
        st, out = self.person(self.sec, council_id=self.council, login="daibieumoi",
                              name="Lê Thị Mới", role="delegate", seat_no=31,
                              email="moi@example.vn", phone="+84 912 345 678")
        self.assertEqual(st, 200, out)
        self.assertTrue(out["created"])
        pid = out["person_id"]
        self.assertEqual(q(f"SELECT role, is_delegate, seat_no FROM membership WHERE "
                           f"person_id = {pid}"), "delegate|t|31")
        # Edit: only the fields sent change.
        st, out = self.person(self.sec, council_id=self.council, person_id=pid,
                              name="Lê Thị Mới Sửa", title="Tổ đại biểu số 3")
        self.assertEqual((st, out["created"]), (200, False), out)
        self.assertEqual(q(f"SELECT p.display_name, p.email, m.seat_no, m.title FROM person p "
                           f"JOIN membership m ON m.person_id = p.id WHERE p.id = {pid}"),
                         "Lê Thị Mới Sửa|moi@example.vn|31|Tổ đại biểu số 3")
        # Taken values are named.
        st, out = self.person(self.sec, council_id=self.council, person_id=pid, seat_no=1)
        self.assertEqual((st, out["error"], out["field"]), (409, "duplicate", "seat_no"))
        st, out = self.person(self.sec, council_id=self.council, person_id=pid, login="daibieu05")
        self.assertEqual((st, out["error"], out["field"]), (409, "duplicate", "login"))
        self.assertEqual(q(f"SELECT login FROM person WHERE id = {pid}"), "daibieumoi")
        self.assertEqual(q("SELECT count(*) FROM security_event WHERE event = 'person_saved'"),
                         "2")

    def test_shape_is_checked_first(self):
        for doc, code, field in (
                ({"council_id": self.council, "name": "X", "role": "delegate"},
                 "missing_field", "login"),
                ({"council_id": self.council, "login": "Bad Login", "name": "X",
                  "role": "delegate"}, "bad_field", "login"),
                ({"council_id": self.council, "person_id": 1, "email": "no-at"},
                 "bad_email", "email"),
                ({"council_id": self.council, "person_id": 1, "email": "a@b"},
                 "bad_email", "email"),
                ({"council_id": self.council, "person_id": 1, "phone": "0912"},
                 "bad_phone", "phone"),
                ({"council_id": self.council, "person_id": 1, "role": "president"},
                 "bad_field", "role"),
                ({"council_id": self.council, "person_id": 1, "seat_no": 0},
                 "bad_field", "seat_no"),
                ({"council_id": self.council, "person_id": 1, "colour": "red"},
                 "unknown_field", "colour"),
                ({"person_id": 1, "name": "X"}, "missing_field", "council_id")):
            st, out = self.person(self.sec, **doc)
            self.assertEqual((st, out["error"], out.get("field")), (400, code, field), doc)
        st, _, out = self.d.post_json("/api/admin/person", None,
                                      headers={"Authorization": f"Bearer {self.sec}"},
                                      raw=b"{nope")
        self.assertEqual((st, out["error"]), (400, "bad_json"))

    def test_who_may_grant_what(self):
        d7 = self.ids["daibieu07"]
        # A secretary manages delegates and staff, not the council's officers.
        st, out = self.person(self.sec, council_id=self.council, person_id=d7, role="vice_chair")
        self.assertEqual((st, out["error"], out["reason"]), (403, "forbidden",
                                                               "role_not_grantable"))
        st, out = self.person(self.sec, council_id=self.council,
                              person_id=self.ids["chutich"], name="Đổi tên")
        self.assertEqual((st, out["reason"]), (403, "role_not_grantable"))
        # The chair may make a vice-chair, but nobody may add a second chair.
        st, out = self.person(self.chair, council_id=self.council, person_id=d7, role="vice_chair")
        self.assertEqual(st, 200, out)
        st, out = self.person(self.admin, council_id=self.council, person_id=d7, role="chair")
        self.assertEqual((st, out["error"], out["field"]), (409, "duplicate", "role"))
        self.person(self.chair, council_id=self.council, person_id=d7, role="delegate")
        # Nobody takes away their own role or access.
        st, out = self.person(self.sec, council_id=self.council,
                              person_id=self.ids["thuky"], disabled=True)
        self.assertEqual((st, out["reason"]), (409, "own_account"))
        st, out = self.person(self.chair, council_id=self.council,
                              person_id=self.ids["chutich"], role="delegate")
        self.assertEqual((st, out["reason"]), (403, "own_role"))
        # Another council's people are out of reach, by id or by login.
        st, out = self.person(self.sec, council_id=self.council,
                              person_id=self.ids["nguoikhac"], name="Đổi")
        self.assertEqual((st, out["error"]), (403, "forbidden"))
        st, out = self.person(self.sec, council_id=self.council, login="nguoikhac", name="Đổi",
                              role="delegate")
        self.assertEqual((st, out["error"], out["field"]), (409, "duplicate", "login"))
        st, out = self.person(self.sec, council_id=self.other, login="abc", name="A",
                              role="delegate")
        self.assertEqual((st, out["reason"]), (403, "not_a_manager"))
        st, out = self.person(self.d.login("daibieu05", "plenum-demo"), council_id=self.council,
                              person_id=d7, name="X")
        self.assertEqual(st, 403)
        self.assertEqual(self.person(None, council_id=self.council, person_id=d7)[0], 401)
        self.assertEqual(q("SELECT display_name FROM person WHERE login = 'nguoikhac'"),
                         "Người Khác")
        self.assertEqual(q(f"SELECT role FROM membership WHERE person_id = {d7}"), "delegate")

    def test_disabling_signs_out_at_once(self):
        async def go():
            tok = self.d.login("daibieu09", "plenum-demo")
            c = await LiveClient.connect(self.d, tok, "d9")
            await c.ok("whoami")
            st, out = self.person(self.sec, council_id=self.council,
                                  person_id=self.ids["daibieu09"], disabled=True)
            self.assertEqual((st, out["disabled"]), (200, True), out)
            await asyncio.wait_for(c.reader, 10)
            self.assertEqual(c.closed.code, 1008)
            st, _, _ = self.d.post_json("/api/login", {"login": "daibieu09",
                                                       "password": "plenum-demo"})
            self.assertEqual(st, 401)
            st, out = self.person(self.sec, council_id=self.council,
                                  person_id=self.ids["daibieu09"], disabled=False)
            self.assertEqual((st, out["disabled"]), (200, False))
            self.d.login("daibieu09", "plenum-demo")
        run(go())

    def imp(self, token, csv, council=None):
        st, _, body = self.post("/api/admin/import",
                                {"council_id": council or self.council, "csv": csv}, token)
        return st, body

    def test_import_all_or_nothing(self):
        before = q("SELECT count(*) FROM person")
        # Every bad row is listed at once; nothing is stored.
        bad = ("login,name,role,seat_no,email\n"
               "nhap01,Nhập Một,delegate,41,\n"
               "Nhap 02,Nhập Hai,delegate,42,\n"
               "nhap03,Nhập Ba,delegate,41,\n"
               "nhap04,Nhập Bốn,thu_ky,,\n"
               "nhap05,Nhập Năm,staff,,not-an-address\n")
        st, out = self.imp(self.sec, bad)
        self.assertEqual(st, 400, out)
        self.assertEqual([(r["row"], r["field"], r["error"]) for r in out["rows"]],
                         [(3, "login", "bad_field"), (4, "seat_no", "duplicate"),
                          (5, "role", "bad_field"), (6, "email", "bad_email")])
        self.assertEqual(out["rows"][0]["value"], "Nhap 02")  # the cell, to find it
        st, out = self.imp(self.sec, "login,name\nx1,X\n")
        self.assertEqual((st, out["error"], out["field"]), (400, "missing_field", "role"))
        st, out = self.imp(self.sec, 'login,name,role\n"x1,X,delegate\n')
        self.assertEqual((st, out["field"]), (400, "csv"))
        # Rules from the database, with the row: a seat taken in the council,
        # a role the secretary may not give.
        st, out = self.imp(self.sec, "login,name,role,seat_no\nnhap01,A,delegate,40\n"
                                     "nhap02,B,delegate,2\n")
        self.assertEqual((st, out["error"], out["field"], out["row"]),
                         (409, "duplicate", "seat_no", 3))
        st, out = self.imp(self.sec, "login,name,role\nnhap01,A,delegate\nnhap02,B,chair\n")
        self.assertEqual((st, out["error"], out["row"], out["rows"][0]["field"]),
                         (403, "forbidden", 3, "role"))
        self.assertEqual(q("SELECT count(*) FROM person"), before)
        # A good file: two new people, one updated (daibieu10's name).
        good = ("\ufefflogin,display_name,role,seat_no,title\r\n"
                "nhap01,Nhập Một,delegate,41,\r\n"
                "nhap02,\"Nhập, Hai\",staff,,Văn phòng\r\n"
                "daibieu10,Đại biểu Mười (sửa),delegate,10,\r\n")
        st, out = self.imp(self.sec, good)
        self.assertEqual((st, out), (200, {"created": 2, "updated": 1}))
        self.assertEqual(q("SELECT p.display_name || '|' || m.role || '|' || m.is_delegate "
                           "FROM person p JOIN membership m ON m.person_id = p.id "
                           "WHERE p.login = 'nhap02'"), "Nhập, Hai|staff|false")
        self.assertEqual(q("SELECT display_name FROM person WHERE login = 'daibieu10'"),
                         "Đại biểu Mười (sửa)")
        st, out = self.imp(self.d.login("daibieu05", "plenum-demo"), good)
        self.assertEqual(st, 403)
        st, _, out = self.post("/api/admin/import", {"council_id": self.council, "csv": 5},
                               self.sec)
        self.assertEqual((st, out["field"]), (400, "csv"))

    def sessions(self, token):
        h = {"Authorization": f"Bearer {token}"}
        st, _, body = self.d.http("GET", "/api/admin/sessions", headers=h)
        return st, json.loads(body)

    def save(self, token, **doc):
        st, _, body = self.post("/api/admin/session", doc, token)
        return st, body

    def test_sessions_and_agenda(self):
        async def go():
            st, out = self.save(self.sec, council_id=self.council, title="Kỳ họp chuyên đề",
                                kind="extraordinary", location="Hội trường UBND phường",
                                planned_start="2026-12-15T08:00:00+07:00",
                                media_source="srt://:9000",
                                sittings=[{"title": "Phiên khai mạc"},
                                          {"title": "Phiên họp kín", "visibility": "closed"}],
                                agenda=[{"title": "Khai mạc", "presenter": "Chủ tịch HĐND"},
                                        {"title": "Thảo luận", "children": [
                                            {"title": "Nghị quyết A"}, {"title": "Nghị quyết B"}]},
                                        {"title": "Bế mạc"}])
            self.assertEqual(st, 200, out)
            self.assertEqual((out["created"], out["seq"]), (True, None))
            sid = out["id"]
            st, councils = self.sessions(self.sec)
            s = [x for x in councils[0]["sessions"] if x["id"] == sid][0]
            self.assertEqual((s["number"], s["state"], s["kind"], s["media_source"]),
                             (6, "planned", "extraordinary", "srt://:9000"))
            self.assertEqual([t["title"] for t in s["sittings"]], ["Phiên khai mạc", "Phiên họp kín"])
            self.assertEqual(len(s["agenda"]), 5)
            items = {i["title"]: i for i in s["agenda"]}
            self.assertEqual(items["Nghị quyết B"]["parent_id"], items["Thảo luận"]["id"])

            # Someone watching the planned session sees the edit arrive.
            chair = await LiveClient.connect(self.d, self.chair, "chair")
            snap = (await chair.ok("join", session_id=sid))["snapshot"]
            self.assertEqual(len(snap["agenda"]), 5)
            # Reorder, move B to the top level, drop A, add an item, rename a sitting.
            st, out = self.save(self.sec, council_id=self.council, id=sid,
                                sittings=[{"id": s["sittings"][0]["id"], "title": "Phiên thứ nhất"}],
                                agenda=[{"id": items["Khai mạc"]["id"], "title": "Khai mạc"},
                                        {"id": items["Nghị quyết B"]["id"], "title": "Nghị quyết B"},
                                        {"id": items["Thảo luận"]["id"], "title": "Thảo luận",
                                         "children": [{"title": "Nghị quyết C"}]},
                                        {"id": items["Bế mạc"]["id"], "title": "Bế mạc"}])
            self.assertEqual(st, 200, out)
            seq = out["seq"]
            self.assertEqual(seq, snap["seq"] + 1)
            await chair.wait_seq(seq)
            self.assertEqual(chair.events[-1]["name"], "session.edited")
            snap = (await chair.ok("join", session_id=sid))["snapshot"]
            self.assertEqual([(i["title"], i["depth"]) for i in snap["agenda"]],
                             [("Khai mạc", 0), ("Nghị quyết B", 0), ("Thảo luận", 0),
                              ("Nghị quyết C", 1), ("Bế mạc", 0)])
            self.assertEqual(q(f"SELECT string_agg(title, ',' ORDER BY ordinal) FROM sitting "
                               f"WHERE session_id = {sid}"), "Phiên thứ nhất")
            # The hub's sequence goes on after the edit, gap-free.
            opened = await chair.ok("session.open")
            self.assertEqual(opened["seq"], seq + 1)
            st, out = self.save(self.sec, council_id=self.council, id=sid, title="Muộn")
            self.assertEqual((st, out["error"], out["reason"]),
                             (409, "invalid_state", "session_not_planned"))
            await chair.close()
            self.assertEqual(q(f"SELECT string_agg(seq::text, ',' ORDER BY seq) FROM "
                               f"session_event WHERE session_id = {sid}"), f"{seq},{seq + 1}")

        run(go())

    def test_session_refusals(self):
        base = {"council_id": self.council, "title": "T"}
        deep = [{"title": "1", "children": [{"title": "2", "children": [
            {"title": "3", "children": [{"title": "4"}]}]}]}]
        for extra, code, field in (
                ({"agenda": deep}, "bad_field", "agenda"),
                ({"agenda": [{"presenter": "x"}]}, "missing_field", "agenda.title"),
                ({"agenda": [{"id": 5, "title": "a"}, {"id": 5, "title": "b"}]},
                 "bad_field", "agenda.id"),
                ({"planned_start": "15/12/2026"}, "bad_field", "planned_start"),
                ({"planned_start": "2026-12-15T08:00:00"}, "bad_field", "planned_start"),
                ({"sittings": [{"title": ""}]}, "bad_field", "sittings.title"),
                ({"kind": "special"}, "bad_field", "kind"),
                ({"agenda": [{"title": "x" * 501}]}, "bad_field", "agenda.title"),
                ({"media_source": "rtmp://example.org/live"}, "bad_field", "media_source"),
                ({"media_source": "srt://:99999"}, "bad_field", "media_source"),
                ({"media_source": "rtsp://"}, "bad_field", "media_source"),
                ({"media_source": "rtsp://cam 1/x"}, "bad_field", "media_source"),
                ({"media_source": "v4l2:/dev/sda"}, "bad_field", "media_source"),
                ({"media_source": "v4l2:/dev/video0 ! filesink"}, "bad_field", "media_source"),
                ({"media_source": "v4l2:/dev/video0?audio=default"}, "bad_field",
                 "media_source"),
                ({"media_restream": "http://example.org/live"}, "bad_field", "media_restream"),
                ({"media_restream": "rtmp:///live/key"}, "bad_field", "media_restream"),
                ({"media_restream": "rtmp://x/live/a key"}, "bad_field", "media_restream"),
                ({"mood": 1}, "unknown_field", "mood")):
            st, out = self.save(self.sec, **base, **extra)
            self.assertEqual((st, out["error"], out.get("field")), (400, code, field), extra)
        # Every source form the server accepts, the record accepts too.
        demo = q("SELECT id FROM session WHERE number = 5")
        for source in ("rtsp://admin:p%40ss@192.168.1.64:554/Streaming/Channels/101",
                       "v4l2:/dev/video0", "v4l2:/dev/video2?audio=hw:1,0", "test"):
            self.assertEqual(q(f"UPDATE session SET media_source = '{source}' WHERE id = {demo} "
                               f"RETURNING media_source"), source)
        for url in ("rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl",
                    "rtmps://live-api-s.facebook.com:443/rtmp/FB-1?s_bl=1&a=x"):
            self.assertEqual(q(f"UPDATE session SET media_restream = '{url}' WHERE id = {demo} "
                               f"RETURNING media_restream"), url)
        q(f"UPDATE session SET media_source = NULL, media_restream = NULL WHERE id = {demo}")
        st, out = self.save(self.sec, council_id=self.council)
        self.assertEqual((st, out["field"]), (400, "title"))
        st, out = self.save(self.sec, **base, number=5)  # the demo session's
        self.assertEqual((st, out["error"], out["field"]), (409, "duplicate", "number"))
        other = int(q("SELECT min(id) FROM agenda_item"))
        st, out = self.save(self.sec, council_id=self.council, id=99999, title="x")
        self.assertEqual((st, out["field"]), (404, "id"))
        st, out = self.save(self.sec, council_id=self.other, title="x")
        self.assertEqual((st, out["reason"]), (403, "not_a_manager"))
        st, out = self.save(self.d.login("daibieu05", "plenum-demo"), **base)
        self.assertEqual(st, 403)
        # An item of another session cannot be pulled in.
        st, out = self.save(self.sec, **base, agenda=[{"id": other, "title": "x"}])
        self.assertEqual((st, out["error"], out["field"]), (404, "not_found", "agenda"))
        self.assertEqual(q("SELECT count(*) FROM session WHERE title = 'T'"), "0")


if __name__ == "__main__":
    unittest.main()

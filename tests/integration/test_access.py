"""Who may act on whom (issue 20): one-time sign-in codes only for people of
lower standing, in every council they sit in, who have no password and never
signed in (else an administrator's reset first); the person and the minutes
see every code and reset; a secretary cannot change someone who also sits in
another council. Real plenumd, real PostgreSQL, the demo council plus a
second council sharing people with it."""

import json
import unittest

import council_fixture
from plenum_testlib import PgCluster, Plenumd

pg = None


def setUpModule():
    global pg
    pg = PgCluster()


def tearDownModule():
    pg.destroy()


class AccessTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = "access"
        cls.url = council_fixture.demo_db(pg, cls.db)
        # Council B: daibieu10 of the demo council is its chair; "chung" sits
        # in both as a delegate and has never signed in; "moi" is a new
        # delegate of the demo council only, without a password.
        cls.q("""
            INSERT INTO council (slug, name, level, total_seats)
                VALUES ('ben-canh', 'HĐND phường Bên Cạnh', 'commune', 15);
            INSERT INTO person (login, display_name) VALUES ('chung', 'Người Hai Nơi'),
                ('moi', 'Đại biểu Mới'), ('moi2', 'Đại biểu Mới Hai');
            INSERT INTO membership (council_id, person_id, role, is_delegate, seat_no)
                SELECT c.id, p.id, 'chair', true, 1 FROM council c, person p
                WHERE c.slug = 'ben-canh' AND p.login = 'daibieu10';
            INSERT INTO membership (council_id, person_id, role, is_delegate, seat_no)
                SELECT c.id, p.id, 'delegate', true, 2 FROM council c, person p
                WHERE c.slug = 'ben-canh' AND p.login = 'chung';
            INSERT INTO membership (council_id, person_id, role, is_delegate, seat_no)
                SELECT c.id, p.id, 'delegate', true, 40 + row_number() OVER (ORDER BY p.login)
                FROM council c, person p
                WHERE c.slug = 'nhi-chieu' AND p.login IN ('chung', 'moi', 'moi2');
        """)
        cls.d = Plenumd(cls.url)
        cls.person = council_fixture.person_ids(pg, cls.db)
        cls.council = int(cls.q("SELECT id FROM council WHERE slug = 'nhi-chieu'"))

    @classmethod
    def tearDownClass(cls):
        cls.d.finish()

    @classmethod
    def q(cls, sql):
        return pg.psql(sql, cls.db)

    def codes(self, token, ids):
        st, _, body = self.d.post_json("/api/admin/codes", {"person_ids": ids},
                                       headers={"Authorization": f"Bearer {token}"})
        return st, body

    def refused(self, token, login, error):
        st, body = self.codes(token, [self.person[login]])
        self.assertEqual((st, body.get("error") if isinstance(body, dict) else body),
                         (403, error), login)
        self.assertEqual(body.get("person_id"), self.person[login])

    def test_staff_cannot_sign_in_as_the_chair_or_a_delegate_with_a_password(self):
        sec = self.d.login("thuky", "plenum-demo")
        vice = self.d.login("phochutich", "plenum-demo")
        admin = self.d.login("quantri", "plenum-demo")
        before = self.q("SELECT count(*) FROM signin_code")
        # Equal or higher standing: never.
        self.refused(sec, "chutich", "standing_too_high")
        self.refused(sec, "phochutich", "standing_too_high")
        self.refused(vice, "chutich", "standing_too_high")
        self.refused(admin, "quantri", "standing_too_high")
        # Lower standing, but they have a password (and signed in): reset first.
        self.refused(sec, "daibieu05", "needs_reset")
        self.refused(admin, "chutich", "needs_reset")
        # Shared with another council the secretary does not manage.
        self.refused(sec, "chung", "other_council")
        # A list with one refused person makes no code at all.
        st, body = self.codes(sec, [self.person["moi"], self.person["chutich"]])
        self.assertEqual((st, body["error"]), (403, "standing_too_high"))
        self.assertEqual(self.q("SELECT count(*) FROM signin_code"), before)
        # Messages in both languages.
        st, _, raw = self.d.post_json("/api/admin/codes", {"person_ids": [self.person["chutich"]]},
                                      headers={"Authorization": f"Bearer {sec}",
                                               "Accept-Language": "vi"})
        self.assertIn("cấp bậc", raw["message"])

    def test_code_for_a_new_delegate_replaces_older_ones_and_is_seen(self):
        sec = self.d.login("thuky", "plenum-demo")
        st, first = self.codes(sec, [self.person["moi2"]])
        self.assertEqual(st, 200, first)
        st, second = self.codes(sec, [self.person["moi2"]])
        self.assertEqual(st, 200, second)
        # The older unused code no longer signs in; the new one does.
        st, _, body = self.d.post_json("/api/login", {"code": first[0]["code"]})
        self.assertEqual(st, 401, body)
        st, _, body = self.d.post_json("/api/login", {"code": second[0]["code"]})
        self.assertEqual(st, 200, body)
        token = body["token"]
        # The person sees who issued codes for them.
        st, _, raw = self.d.http("GET", "/api/account/notices",
                                 headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(st, 200, raw)
        notices = json.loads(raw)["notices"]
        self.assertEqual([n["kind"] for n in notices], ["code_issued", "code_issued"])
        self.assertEqual(notices[0]["by"], "Phạm Thu Hà")
        # Signed in once: the next code needs an administrator's reset first.
        self.refused(sec, "moi2", "needs_reset")
        st, _, r = self.d.post_json("/api/admin/reset", {"person_id": self.person["moi2"]},
                                    headers={"Authorization": f"Bearer {sec}"})
        self.assertEqual((st, r["error"]), (403, "forbidden"))
        admin = self.d.login("quantri", "plenum-demo")
        st, _, r = self.d.post_json("/api/admin/reset", {"person_id": self.person["moi2"]},
                                    headers={"Authorization": f"Bearer {admin}"})
        self.assertEqual(st, 200, r)
        # The reset ended their sign-in, and is audited and shown to them.
        st, _, _ = self.d.http("GET", "/api/account/notices",
                               headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(st, 401)
        self.assertEqual(self.q("SELECT count(*) FROM security_event WHERE event = "
                                f"'person_reset' AND detail LIKE '%person={self.person['moi2']}%'"),
                         "1")
        st, third = self.codes(sec, [self.person["moi2"]])
        self.assertEqual(st, 200, third)
        st, _, body = self.d.post_json("/api/login", {"code": third[0]["code"]})
        st, _, raw = self.d.http("GET", "/api/account/notices",
                                 headers={"Authorization": f"Bearer {body['token']}"})
        kinds = [n["kind"] for n in json.loads(raw)["notices"]]
        self.assertEqual(kinds[:2], ["code_issued", "reset"])
        self.assertIn(f"person={self.person['moi2']}", self.q(
            "SELECT string_agg(detail, ' ') FROM security_event WHERE event = 'codes_issued'"))

    def test_codes_issued_during_a_session_are_in_its_minutes(self):
        sid = int(self.q("SELECT id FROM session"))
        self.q(f"UPDATE session SET state = 'open', opened_at = now() - interval '1 hour' "
               f"WHERE id = {sid}")
        try:
            sec = self.d.login("thuky", "plenum-demo")
            st, out = self.codes(sec, [self.person["moi"]])
            self.assertEqual(st, 200, out)
            st, _, raw = self.d.http("GET", f"/api/minutes?session_id={sid}",
                                     headers={"Authorization": f"Bearer {sec}"})
            self.assertEqual(st, 200, raw)
            access = json.loads(raw)["access"]
            self.assertIn({"kind": "code_issued", "person": "Đại biểu Mới", "by": "Phạm Thu Hà"},
                          [{k: a[k] for k in ("kind", "person", "by")} for a in access])
            st, _, html = self.d.http("GET", f"/api/minutes?session_id={sid}&format=html",
                                      headers={"Authorization": f"Bearer {sec}"})
            self.assertIn("Cấp mã đăng nhập một lần", html.decode())
        finally:
            self.q(f"UPDATE session SET state = 'planned', opened_at = NULL WHERE id = {sid}")

    def test_secretary_cannot_change_a_person_shared_with_another_council(self):
        sec = self.d.login("thuky", "plenum-demo")
        h = {"Authorization": f"Bearer {sec}"}
        for change in ({"name": "Tên mới"}, {"disabled": True}, {"login": "chung2"}):
            doc = dict(council_id=self.council, person_id=self.person["chung"], **change)
            st, _, r = self.d.post_json("/api/admin/person", doc, headers=h)
            self.assertEqual((st, r.get("error")), (403, "other_council"), change)
        self.assertEqual(self.q(f"SELECT display_name || login || disabled FROM person "
                                f"WHERE id = {self.person['chung']}"), "Người Hai Nơichungfalse")
        # daibieu10 chairs council B: the secretary of A cannot lock them either.
        doc = {"council_id": self.council, "person_id": self.person["daibieu10"], "disabled": True}
        st, _, r = self.d.post_json("/api/admin/person", doc, headers=h)
        self.assertEqual((st, r.get("error")), (403, "other_council"))
        # One's own council's delegate only: still allowed.
        doc = {"council_id": self.council, "person_id": self.person["daibieu11"],
               "title": "Đại biểu"}
        st, _, r = self.d.post_json("/api/admin/person", doc, headers=h)
        self.assertEqual(st, 200, r)
        # An administrator manages every council.
        admin = self.d.login("quantri", "plenum-demo")
        doc = {"council_id": self.council, "person_id": self.person["chung"], "name": "Người Hai Nơi"}
        st, _, r = self.d.post_json("/api/admin/person", doc,
                                    headers={"Authorization": f"Bearer {admin}"})
        self.assertEqual(st, 200, r)


if __name__ == "__main__":
    unittest.main()

"""A people import as the secretary's spreadsheet saves it, through the real
server and database: a CSV from Excel on a Vietnamese Windows (CP1258, tone
marks as separate bytes) arrives as the file's bytes and is stored as NFC
UTF-8, up to the finalised minutes; UTF-16 with a BOM is read too; text
already damaged (U+FFFD) is refused with nothing stored. And every problem
of every row, the values, the file's own duplicates and the ones taken in
the database, comes back in one answer (docs/operations.md)."""

import base64
import json
import unittest

import council_fixture
from live_client import LiveClient, run
from plenum_testlib import PgCluster, Plenumd

pg = None
DB = "importenc"

# "Đỗ Quang Hùng" in CP1258: Đ D0, ô F4 + combining tilde DE, u + combining grave CC.
CP1258_NAME = b"\xD0\xF4\xDE Quang Hu\xCCng"
NAME = "Đỗ Quang Hùng"  # precomposed (NFC)


def setUpModule():
    global pg
    pg = PgCluster()


def tearDownModule():
    pg.destroy()


def q(sql):
    return pg.psql(sql, DB)


class ImportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = council_fixture.demo_db(pg, DB)
        cls.d = Plenumd(cls.url)
        cls.council = int(q("SELECT id FROM council WHERE slug = 'nhi-chieu'"))
        cls.session = int(q("SELECT id FROM session"))
        cls.sittings = [int(x) for x in q("SELECT id FROM sitting ORDER BY ordinal").split()]
        cls.sec = cls.d.login("thuky", "plenum-demo")

    @classmethod
    def tearDownClass(cls):
        cls.d.finish()

    def post(self, path, body, token=None):
        h = {"Authorization": f"Bearer {token or self.sec}"}
        st, _, out = self.d.post_json(path, body, headers=h)
        return st, out

    def imp_bytes(self, data):
        return self.post("/api/admin/import", {"council_id": self.council,
                                               "csv_base64": base64.b64encode(data).decode()})

    def test_cp1258_name_reaches_the_final_minutes(self):
        # daibieu03 renamed by a file saved by Excel (CP1258, CRLF).
        data = b"login,display_name,role,seat_no\r\ndaibieu03," + CP1258_NAME + b",delegate,3\r\n"
        st, out = self.imp_bytes(data)
        self.assertEqual((st, out), (200, {"created": 0, "updated": 1}))
        self.assertEqual(q("SELECT display_name FROM person WHERE login = 'daibieu03'"), NAME)
        self.assertEqual(q("SELECT display_name = normalize(display_name, NFC) "
                           "FROM person WHERE login = 'daibieu03'"), "t")

        async def sitting():
            chair = await LiveClient.connect(self.d, self.d.login("chutich", "plenum-demo"),
                                             name="chair")
            await chair.ok("join", session_id=self.session)
            await chair.ok("session.open")
            await chair.ok("sitting.open", sitting_id=self.sittings[0])
            d3 = await LiveClient.connect(self.d, self.d.login("daibieu03", "plenum-demo"),
                                          name="d3")
            await d3.ok("join", session_id=self.session)
            await d3.ok("attendance.check_in")
            await chair.ok("sitting.close")
            await chair.ok("session.close")
            await d3.close()
            await chair.close()

        run(sitting())
        st, fin = self.post("/api/minutes/finalise", {"session_id": self.session})
        self.assertEqual(st, 200, fin)
        st, _, body = self.d.http("GET", f"/api/minutes?session_id={self.session}")
        self.assertEqual(st, 200)
        text = body.decode()
        self.assertIn(NAME, json.dumps(json.loads(text)["sittings"][0], ensure_ascii=False))
        self.assertNotIn("\ufffd", text)
        st, _, html = self.d.http("GET", f"/api/minutes?session_id={self.session}&format=html")
        self.assertEqual(st, 200)
        self.assertIn(NAME, html.decode())

    def test_utf16_and_refusals(self):
        text = "login,display_name,role\r\nnhapmuoi,Trần Thị Mười,staff\r\n"
        st, out = self.imp_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
        self.assertEqual((st, out), (200, {"created": 1, "updated": 0}))
        self.assertEqual(q("SELECT display_name FROM person WHERE login = 'nhapmuoi'"),
                         "Trần Thị Mười")
        before = q("SELECT count(*) FROM person")
        # A file the browser already decoded wrongly (what the page used to send).
        mangled = "login,display_name,role\nnhapsai,\ufffd\ufffd\ufffd Quang H\ufffdng,staff\n"
        for st, out in (self.post("/api/admin/import", {"council_id": self.council,
                                                        "csv": mangled}),
                        self.imp_bytes(mangled.encode())):
            self.assertEqual((st, out["error"], out["field"], out["reason"]),
                             (400, "bad_field", "csv", "replacement_character"), out)
            self.assertEqual(out["rows"][0]["row"], 2)
            self.assertTrue(out["message"])
        st, out = self.imp_bytes(b"login,display_name,role\n\x00x,y,staff\n")
        self.assertEqual((st, out["reason"]), (400, "not_text"), out)
        st, out = self.post("/api/admin/import", {"council_id": self.council,
                                                  "csv_base64": "not base64!"})
        self.assertEqual((st, out["error"], out["field"]), (400, "bad_field", "csv_base64"))
        self.assertEqual(q("SELECT count(*) FROM person"), before)
        self.assertEqual(q("SELECT count(*) FROM person WHERE display_name LIKE '%\ufffd%'"), "0")

    def test_every_problem_of_every_row_at_once(self):
        before = q("SELECT count(*) FROM person")
        bad = ("login,display_name,role,seat_no,email,phone\n"
               "motloi,Một Lỗi,delegate,51,khong-phai-thu,\n"          # 2: email
               "hailoi,Hai Lỗi,delegate,52,sai,abc\n"                  # 3: email and phone
               "ghetrung,Ghế Trùng,delegate,2,,\n"                     # 4: seat 2 is daibieu02's
               "lap,Lặp Một,delegate,53,,\n"
               "lap,Lặp Hai,delegate,54,,\n"                           # 6: login twice in the file
               "nguoingoai,Người Ngoài,staff,,,\n"                     # 7: fine
               "ghesai,Ghế Sai,delegate,55,sai,\n"                     # 8: email, and
               "ghetrung2,Ghế Trùng Hai,delegate,1,,\n"                # 9: seat 1 taken
               "ngan,Số Ngắn,staff,,a@b,0912\n")                    # 10: neither is a contact
        st, out = self.post("/api/admin/import", {"council_id": self.council, "csv": bad})
        self.assertEqual(st, 400, out)
        got = [(r["row"], r["field"], r["error"]) for r in out["rows"]]
        self.assertEqual(got, [(2, "email", "bad_email"),
                               (3, "email", "bad_email"), (3, "phone", "bad_phone"),
                               (4, "seat_no", "duplicate"),
                               (6, "login", "duplicate"),
                               (8, "email", "bad_email"),
                               (9, "seat_no", "duplicate"),
                               (10, "email", "bad_email"), (10, "phone", "bad_phone")])
        self.assertEqual((out["row"], out["field"], out["error"]), (2, "email", "bad_email"))
        self.assertEqual(q("SELECT count(*) FROM person"), before)
        # Fixed, the same file goes in at once: no second round of refusals.
        good = bad.replace("khong-phai-thu", "").replace(",sai,abc", ",,") \
            .replace("Ghế Trùng,delegate,2", "Ghế Trùng,delegate,56") \
            .replace("lap,Lặp Hai", "lap2,Lặp Hai").replace("55,sai", "55,") \
            .replace("Trùng Hai,delegate,1", "Trùng Hai,delegate,57") \
            .replace(",a@b,0912", ",ngan@example.vn,0912 345 678")
        st, out = self.post("/api/admin/import", {"council_id": self.council, "csv": good})
        self.assertEqual((st, out), (200, {"created": 9, "updated": 0}))


if __name__ == "__main__":
    unittest.main()

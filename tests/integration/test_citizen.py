"""The citizens' side of the records (issue 22) against a real plenumd and
PostgreSQL: contacts checked as Vietnamese phone numbers or e-mail
addresses, over-long text refused (never cut), both with stable codes and
messages in the page's language; a petition's lookup code with a secret
part, its public status (status, dates, the published answer; nobody's
details), the same answer for an unknown code and a wrong secret, misses
throttled per address; search that finds petitions by code; the public
sittings' planned times."""

import csv
import io
import json
import re
import unittest

import test_records
from plenum_testlib import PgCluster

Council = test_records.Council


def setUpModule():
    test_records.pg = PgCluster()


def tearDownModule():
    test_records.pg.destroy()


def citizen(**over):
    p = {"council": "nhi-chieu", "name": "Trần Văn Bình", "contact": "0912 345 678",
         "content": "Đề nghị sửa chữa đường ngõ 5 tổ dân phố 3, mặt đường xuống cấp.",
         "area": "transport", "locality": "Tổ dân phố 3"}
    p.update(over)
    return p


class CitizenTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Council("citizen")

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()

    def count(self):
        return int(self.c.q("SELECT count(*) FROM petition"))

    def post(self, path, obj, lang=None, accept=None, login=None):
        h = self.c.auth(login)
        if accept:
            h["Accept-Language"] = accept
        if lang:
            path += ("&" if "?" in path else "?") + "lang=" + lang
        st, _, body = self.c.d.post_json(path, obj, headers=h)
        return st, body

    def test_contact_must_be_a_phone_or_an_email(self):
        before = self.count()
        for contact, code in (("abc", "bad_phone"), ("12345", "bad_phone"),
                              ("0912 345 67", "bad_phone"), ("0012345678", "bad_phone"),
                              ("+1 912 345 678", "bad_phone"), ("091234567a", "bad_phone"),
                              ("abc@x", "bad_email"), ("a b@example.vn", "bad_email"),
                              ("an@@example.vn", "bad_email"), ("an@-x.vn", "bad_email")):
            st, r = self.post("/api/public/petitions", citizen(contact=contact))
            self.assertEqual(st, 400, (contact, r))
            self.assertEqual((r["error"], r["field"]), (code, "contact"), contact)
            self.assertEqual(r["fields"], [{"field": "contact", "error": code}], contact)
        self.assertEqual(self.count(), before, "nothing recorded")
        # The page's language wins over the browser's, both ways.
        st, r = self.post("/api/public/petitions", citizen(contact="abc"), lang="en", accept="vi")
        self.assertEqual(r["message"], "Not a valid phone number: 10 digits starting with 0 "
                                       "(or +84 and 9 digits).")
        st, r = self.post("/api/public/petitions", citizen(contact="abc@x"), lang="vi",
                          accept="en-US,en")
        self.assertEqual(r["message"], "Địa chỉ e-mail không hợp lệ (ví dụ: ten@example.vn).")
        # Staff entering a petition are held to the same rule.
        st, r = self.post("/api/petitions", {
            "council_id": self.c.council, "name": "Nguyễn Thị Lan", "contact": "abc",
            "content": "Đường ngõ 5 tổ 3 hư hỏng nặng, đề nghị sửa.", "area": "transport",
            "locality": "Tổ 3"}, login="thuky")
        self.assertEqual((st, r["error"], r["field"]), (400, "bad_phone", "contact"))
        for contact in ("0912345678", "0912.345.678", "0912-345-678", "+84 912 345 678",
                        "+84912345678", "84912345678", "ten.ho+kn@example.com.vn"):
            st, r = self.post("/api/public/petitions", citizen(contact=contact))
            self.assertEqual(st, 201, (contact, r))
            self.assertEqual(self.c.q(f"SELECT contact FROM petition WHERE id = {r['id']}"),
                             contact)

    def test_too_long_is_refused_not_cut(self):
        before = self.count()
        st, r = self.post("/api/public/petitions", citizen(content="đ" * 5001), lang="en")
        self.assertEqual(st, 400, r)
        self.assertEqual((r["error"], r["field"]), ("too_long", "content"))
        self.assertEqual(r["fields"], [{"field": "content", "error": "too_long", "max": 5000}])
        self.assertIn("longer than the field allows", r["message"])
        st, r = self.post("/api/public/petitions", citizen(name="A" * 201, locality="x" * 201))
        self.assertEqual({(f["field"], f["error"], f.get("max")) for f in r["fields"]},
                         {("name", "too_long", 200), ("locality", "too_long", 200)})
        self.assertEqual(self.count(), before)
        st, r = self.post("/api/public/petitions", citizen(content="đ" * 5000))
        self.assertEqual(st, 201, r)
        self.assertEqual(self.c.q(f"SELECT length(content) FROM petition WHERE id = {r['id']}"),
                         "5000")

    def status(self, code, lang=None):
        return self.post("/api/public/petitions/status", {"code": code}, lang=lang)

    def test_lookup_code_and_public_status(self):
        st, p = self.post("/api/public/petitions", citizen(name="Phạm Thị Hoa",
                                                           contact="hoa@example.vn"))
        self.assertEqual(st, 201, p)
        code = p["lookup_code"]
        self.assertRegex(code, r"^KN-\d{6}-[0-9A-HJKMNP-TV-Z]{8}$")
        self.assertTrue(code.startswith(p["code"] + "-"))
        secret = code.split("-")[2]
        # Only a hash is kept: the secret is nowhere in the petition's row.
        row = self.c.q(f"SELECT p::text FROM petition p WHERE id = {p['id']}")
        self.assertNotIn(secret, row)
        self.assertEqual(self.c.q(f"SELECT length(lookup_hash) FROM petition WHERE id = {p['id']}"),
                         "32")
        # The staff's answer never carries the lookup code.
        st, staff = self.c.get_json(f"/api/petitions?council_id={self.c.council}", "thuky")
        self.assertNotIn(secret, json.dumps(staff))

        st, s = self.status(code)
        self.assertEqual(st, 200, s)
        self.assertEqual((s["code"], s["status"], s["merged"]), (p["code"], "received", False))
        self.assertIsNone(s["answer"])
        text = json.dumps(s, ensure_ascii=False)
        for private in ("Phạm Thị Hoa", "hoa@example.vn", "ngõ 5", "Tổ dân phố 3"):
            self.assertNotIn(private, text)
        # Written by hand: lower case, spaces, O for 0, I or L for 1.
        loose = code.lower().replace("-", " - ")
        loose = loose[:loose.rindex(" - ") + 3] + loose[loose.rindex(" - ") + 3:].replace(
            "0", "o").replace("1", "l")
        self.assertEqual(self.status(loose)[0], 200, loose)

        # Through the workflow: the answer shows once published.
        st, _ = self.post("/api/petitions/action", {"id": p["id"], "action": "assign",
                          "agency": "UBND phường", "due_on": "2099-01-31"}, login="thuky")
        self.assertEqual(st, 200)
        st, s = self.status(code)
        self.assertEqual((s["status"], s["agency"], s["due_on"]),
                         ("assigned", "UBND phường", "2099-01-31"))
        self.post("/api/petitions/action", {"id": p["id"], "action": "answer",
                  "answer": "Đã đưa vào kế hoạch sửa chữa quý III."}, login="thuky")
        st, s = self.status(code)
        self.assertEqual((s["status"], s["answer"]), ("answered", None))
        self.post("/api/petitions/action", {"id": p["id"], "action": "publish"}, login="thuky")
        st, s = self.status(code)
        self.assertEqual((s["status"], s["answer"]),
                         ("published", "Đã đưa vào kế hoạch sửa chữa quý III."))
        self.assertIsNotNone(s["published_at"])

        # Unknown and wrong codes: one and the same answer.
        other = (("A" if secret[0] != "A" else "B") + secret[1:])
        misses = [f"{p['code']}-{other}", f"KN-999999-{secret}", p["code"] + "-", "KN-000001-ABCDEFGH"]
        bodies = set()
        for wrong in misses[:1] + misses[1:2] + misses[3:]:
            st, r = self.status(wrong, lang="en")
            self.assertEqual(st, 404, (wrong, r))
            bodies.add(json.dumps(r, sort_keys=True))
        self.assertEqual(len(bodies), 1, bodies)
        self.assertEqual(json.loads(bodies.pop())["field"], "code")
        # A staff code alone is no lookup code; bad shapes say so.
        for bad, err in ((p["code"], 404), ("<script>", 400), ("x" * 80, 400)):
            self.assertEqual(self.status(bad)[0], err, bad)
        st, r = self.post("/api/public/petitions/status", {})
        self.assertEqual((st, r["error"], r["field"]), (400, "missing_field", "code"))
        st, r = self.post("/api/public/petitions/status", {"code": code, "id": 1})
        self.assertEqual((st, r["error"], r["field"]), (400, "unknown_field", "id"))
        st, r = self.post("/api/public/petitions/status", {"code": 12})
        self.assertEqual((st, r["error"], r["field"]), (400, "bad_field", "code"))
        st, r = self.post("/api/public/petitions/status", [code])
        self.assertEqual((st, r["error"]), (400, "not_object"))
        # Misses are counted per address: the tenth locks it out, for the
        # right code too.
        n = 4  # the misses so far (3 wrong, 1 staff code)
        while n < 10:
            self.assertEqual(self.status(f"KN-{n:06d}-ZZZZZZZZ")[0], 404)
            n += 1
        st, r = self.status(code)
        self.assertEqual((st, r["error"]), (429, "rate_limited"))
        self.assertGreater(r["retry_after"], 0)
        # How long, for the page to say so: the header and the body agree.
        st, headers, _ = self.c.d.post_json("/api/public/petitions/status", {"code": code},
                                            headers=self.c.auth(None))
        wait = int({k.lower(): v for k, v in headers.items()}["retry-after"])
        self.assertEqual(st, 429)
        self.assertTrue(800 < wait <= 900, wait)
        self.assertEqual(self.c.q("SELECT count(*) FROM security_event "
                                  "WHERE event = 'petition_lookup_locked'"), "1")

    def test_archive_as_csv(self):
        """The archive's open data as CSV: the published votes, the petitions
        whose answer is published (nobody's name or contact; a cell that a
        spreadsheet would run as a formula is defused); bad asks refused."""
        ids = []
        for content in ("=HYPERLINK(\"http://x\") đề nghị sửa cống thoát nước, ngập khi mưa.",
                        "Đề nghị lắp biển báo, trường học, giờ tan trường đông xe."):
            st, p = self.post("/api/public/petitions", citizen(
                name="Võ Thị Lan", contact="lan@example.vn", content=content))
            self.assertEqual(st, 201, p)
            ids.append(p)
        pub = ids[0]
        self.post("/api/petitions/action", {"id": pub["id"], "action": "assign",
                  "agency": "UBND phường", "due_on": "2099-01-31"}, login="thuky")
        self.post("/api/petitions/action", {"id": pub["id"], "action": "answer",
                  "answer": "Sẽ nạo vét, \"trong\" tháng 7."}, login="thuky")
        st, _ = self.post("/api/petitions/action", {"id": pub["id"], "action": "publish"},
                          login="thuky")
        self.assertEqual(st, 200)
        base = "/api/public/archive?council=nhi-chieu"
        st, h, body = self.c.get(base + "&format=csv&table=petitions")
        self.assertEqual(st, 200, body)
        self.assertTrue(h["content-type"].startswith("text/csv"), h)
        self.assertIn('filename="luu-tru-nhi-chieu-kien-nghi.csv"', h["content-disposition"])
        text = body.decode()
        rows = list(csv.reader(io.StringIO(text)))
        self.assertEqual(rows[0][:5], ["code", "received_on", "area", "locality", "content"])
        mine = [r for r in rows[1:] if r[0] == pub["code"]]
        self.assertEqual(len(mine), 1, rows)
        self.assertTrue(mine[0][4].startswith("'=HYPERLINK"), mine[0][4])
        self.assertEqual(mine[0][6], 'Sẽ nạo vét, "trong" tháng 7.')
        self.assertNotIn(ids[1]["code"], text)  # not published: not there
        for private in ("Võ Thị Lan", "lan@example.vn", ids[0]["lookup_code"][10:]):
            self.assertNotIn(private, text)
        # The same petitions as the JSON the page reads.
        st, a = self.c.get_json(base)
        self.assertEqual([r[0] for r in rows[1:]], [x["code"] for x in a["petitions"]])
        st, h, body = self.c.get(base + "&format=csv&table=votes")
        self.assertEqual(st, 200, body)
        rows = list(csv.reader(io.StringIO(body.decode())))
        self.assertEqual(rows[0][:3], ["session_number", "session_title", "question"])
        self.assertEqual([r[2] for r in rows[1:]],
                         [v["question"] for s in a["sessions"] for v in s["votes"]])
        for ask, err in (("&format=csv", ("missing_field", "table")),
                         ("&format=csv&table=people", ("bad_field", "table")),
                         ("&format=xml", ("bad_field", "format"))):
            st, r = self.c.get_json(base + ask)
            self.assertEqual((st, r["error"], r["field"]), (400,) + err, ask)

    def test_search_finds_codes(self):
        st, p = self.post("/api/public/petitions", citizen(
            content="Đề nghị lắp đèn chiếu sáng ở hẻm 12, buổi tối rất tối."))
        self.assertEqual(st, 201, p)
        digits = p["code"][3:]
        for q in (p["code"], p["code"].lower(), digits, p["lookup_code"]):
            st, r = self.c.get_json("/api/search?council=nhi-chieu&q=" + q, "thuky")
            self.assertEqual(st, 200, r)
            self.assertIn(p["id"], [x["id"] for x in r["petitions"]], q)
            st, r = self.c.get_json(f"/api/petitions?council_id={self.c.council}&q={q}", "thuky")
            self.assertEqual([x["id"] for x in r["petitions"]], [p["id"]], q)
            self.assertEqual(r["total"], 1)
        # Not published: the public search does not find it by its code.
        st, r = self.c.get_json("/api/search?council=nhi-chieu&q=" + p["code"])
        self.assertNotIn(p["id"], [x["id"] for x in r["petitions"]])
        # A short number is a number, not a code.
        st, r = self.c.get_json(f"/api/petitions?council_id={self.c.council}&q=12", "thuky")
        self.assertEqual(st, 200)

    def test_public_schedule(self):
        st, r = self.c.get_json(f"/api/public/schedule?session_id={self.c.session}")
        self.assertEqual(st, 200, r)
        self.assertEqual([s["id"] for s in r["sittings"]], self.c.sittings)
        for s in r["sittings"]:
            self.assertTrue(re.match(r"^\d{4}-\d\d-\d\dT", s["planned_start"]), s)
        self.assertEqual(self.c.get_json("/api/public/schedule?session_id=x")[0], 400)
        self.assertEqual(self.c.get_json("/api/public/schedule?session_id=999999")[0], 404)


if __name__ == "__main__":
    unittest.main()

"""The admin API for the secretary's pages: the people of the councils one
manages, and printed one-time sign-in codes whose QR codes really decode
(rendered with rsvg-convert, read with zbarimg) and sign their person in."""

import json
import os
import subprocess
import tempfile
import unittest

import council_fixture
from plenum_testlib import PgCluster, Plenumd

pg = None


def setUpModule():
    global pg
    pg = PgCluster()


def tearDownModule():
    pg.destroy()


class AdminApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = council_fixture.demo_db(pg, "adminapi")
        cls.d = Plenumd(cls.url)
        cls.person = council_fixture.person_ids(pg, "adminapi")

    @classmethod
    def tearDownClass(cls):
        cls.d.finish()

    def get(self, path, token=None):
        h = {"Authorization": f"Bearer {token}"} if token else {}
        status, _, body = self.d.http("GET", path, headers=h)
        return status, json.loads(body)

    def codes(self, token, body):
        h = {"Authorization": f"Bearer {token}"} if token else {}
        return self.d.post_json("/api/admin/codes", body, headers=h)

    def decode_qr(self, svg):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "q.svg"), "w") as f:
                f.write(svg)
            subprocess.run(["rsvg-convert", "-w", "400", "-o", os.path.join(d, "q.png"),
                            os.path.join(d, "q.svg")], check=True)
            r = subprocess.run(["zbarimg", "--raw", "-q", os.path.join(d, "q.png")],
                               stdout=subprocess.PIPE, text=True)
            return r.stdout.strip()

    def test_people_of_the_council(self):
        sec = self.d.login("thuky", "plenum-demo")
        status, councils = self.get("/api/admin/people", sec)
        self.assertEqual(status, 200)
        self.assertEqual(len(councils), 1)
        people = councils[0]["people"]
        self.assertEqual(len(people), 31)  # 30 delegates and the secretary
        self.assertEqual(people[0]["role"], "chair")
        self.assertEqual(people[0]["name"], "Nguyễn Văn Thành")
        dele = self.d.login("daibieu05", "plenum-demo")
        self.assertEqual(self.get("/api/admin/people", dele), (200, []))
        self.assertEqual(self.get("/api/admin/people")[0], 401)
        admin = self.d.login("quantri", "plenum-demo")
        self.assertEqual(len(self.get("/api/admin/people", admin)[1]), 1)

    def test_printed_codes_with_qr(self):
        sec = self.d.login("thuky", "plenum-demo")
        ids = [self.person["daibieu03"], self.person["daibieu04"]]
        # Codes are for people without a password who never signed in
        # (test_access covers the refusals).
        pg.psql("UPDATE person SET password_hash = NULL WHERE login IN "
                "('daibieu03', 'daibieu04')", "adminapi")
        status, _, out = self.codes(sec, {"person_ids": ids, "ttl_minutes": 30})
        self.assertEqual(status, 200, out)
        self.assertEqual(sorted(c["person_id"] for c in out), sorted(ids))
        for c in out:
            self.assertRegex(c["code"], r"^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$")
            self.assertTrue(c["expires_at"].endswith("Z"))
            # The QR holds a link to the delegate page with the code (the
            # request's Host: no --allowed-origins here).
            self.assertRegex(c["signin_url"], r"^http://(127\.0\.0\.1|localhost):\d+/delegate/\?code=")
            self.assertEqual(c["signin_url"].split("?code=")[1], c["code"])
            self.assertEqual(self.decode_qr(c["qr_svg"]), c["signin_url"])
            st, _, body = self.d.post_json("/api/login", {"code": c["code"]})
            self.assertEqual((st, body["person"]["id"]), (200, c["person_id"]))
        # Only hashes are stored; issuing is in the security log.
        self.assertEqual(pg.psql("SELECT count(*) FROM signin_code WHERE created_by = "
                                 f"'person:{self.person['thuky']}'", "adminapi"), "2")
        self.assertEqual(pg.psql("SELECT count(*) FROM security_event WHERE event = "
                                 "'codes_issued'", "adminapi"), "1")

    def test_refusals(self):
        dele = self.d.login("daibieu06", "plenum-demo")
        st, _, body = self.codes(dele, {"person_ids": [self.person["daibieu07"]]})
        self.assertEqual((st, body["error"]), (403, "forbidden"))
        st, _, body = self.codes(None, {"person_ids": [self.person["daibieu07"]]})
        self.assertEqual(st, 401)
        sec = self.d.login("thuky", "plenum-demo")
        for bad, field in (({"person_ids": []}, "person_ids"), ({"person_ids": ["x"]}, "person_ids"),
                           ({"person_ids": [3, 3]}, "person_ids"),
                           ({"person_ids": [1], "ttl_minutes": 0}, "ttl_minutes")):
            st, _, body = self.codes(sec, bad)
            self.assertEqual((st, body.get("field")), (400, field), bad)
        st, _, body = self.codes(sec, {"person_ids": [1], "extra": 1})
        self.assertEqual((st, body["error"]), (400, "unknown_field"))
        st, _, body = self.codes(sec, {"person_ids": [999999]})
        self.assertEqual(st, 403)


if __name__ == "__main__":
    unittest.main()

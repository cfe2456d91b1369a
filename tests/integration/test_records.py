"""The council's records (issue 9) against a real plenumd and PostgreSQL:
documents uploaded, read back byte for byte with their hash and every open
recorded, new versions, uploads refused by size and by content; the minutes
of a scripted sitting with every turn and vote and their figures, notes,
finalisation that freezes them; petitions through their workflow with
overdue flagging and duplicate merges; search with and without Vietnamese
diacritics; the public archive showing only public material.

About 900 lines, one file on purpose: its classes share one cluster and
fixture, and a records test is read by the route it covers."""

import asyncio
import hashlib
import io
import json
import os
import shutil
import tempfile
import unittest
import urllib.parse
import uuid
import zipfile

import council_fixture
from live_client import FAST_LIMITS, LiveClient, run
from plenum_testlib import PgCluster, Plenumd

pg = None


def setUpModule():
    global pg
    pg = PgCluster()


def tearDownModule():
    pg.destroy()


PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
       b"trailer << /Root 1 0 R >>\n%%EOF\n")


def office_zip(main_part):
    """A minimal OOXML package whose main part lives under main_part/."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        z.writestr(f"{main_part}/document.xml", '<?xml version="1.0"?><doc>Tờ trình</doc>')
    return buf.getvalue()


def multipart(fields, file_name=None, content=None):
    """A multipart/form-data body: (content type, bytes)."""
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for k, v in fields.items():
        out.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n".encode())
        out.write(str(v).encode() + b"\r\n")
    if file_name is not None:
        out.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                  f"filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                  .encode())
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", out.getvalue()


class Council:
    """The demo council in its own database, plenumd with its own data dir."""

    def __init__(self, db, extra=()):
        self.db = db
        self.url = council_fixture.demo_db(pg, db)
        self.data = tempfile.mkdtemp(prefix="pltest-records-")
        self.d = Plenumd(self.url, extra_args=FAST_LIMITS + ["--data-dir", self.data] + list(extra))
        self.session = int(self.q("SELECT id FROM session"))
        self.council = int(self.q("SELECT id FROM council"))
        self.sittings = [int(x) for x in self.q("SELECT id FROM sitting ORDER BY ordinal").split()]
        self.items = [int(x) for x in self.q(
            "SELECT id FROM agenda_item WHERE parent_id IS NULL ORDER BY position").split()]
        self.person = council_fixture.person_ids(pg, self.db)
        self.tokens = {}

    def q(self, sql):
        return pg.psql(sql, self.db)

    def token(self, login):
        if login not in self.tokens:
            self.tokens[login] = self.d.login(login, "plenum-demo")
        return self.tokens[login]

    def auth(self, login):
        return {"Authorization": f"Bearer {self.token(login)}"} if login else {}

    def get(self, path, login=None):
        """(status, headers with lower-case names, body)."""
        status, headers, body = self.d.http("GET", path, headers=self.auth(login))
        return status, {k.lower(): v for k, v in headers.items()}, body

    def get_json(self, path, login=None):
        status, _, body = self.get(path, login)
        return status, json.loads(body) if body else None

    def post(self, path, obj, login=None):
        status, _, body = self.d.post_json(path, obj, headers=self.auth(login))
        return status, body

    def upload(self, login, fields, file_name, content):
        ctype, body = multipart(fields, file_name, content)
        h = {"Content-Type": ctype, "Content-Length": str(len(body))}
        h.update(self.auth(login))
        status, _, data = self.d.http("POST", "/api/documents", headers=h, body=body)
        return status, json.loads(data) if data else None

    async def client(self, login=None):
        c = await LiveClient.connect(self.d, self.token(login) if login else None,
                                     name=login or "observer")
        await c.ok("join", session_id=self.session)
        return c

    def stored_files(self):
        root = os.path.join(self.data, "documents")
        found = []
        for dirpath, _, files in os.walk(root):
            found += [os.path.join(dirpath, f) for f in files]
        return sorted(found)

    def stop(self):
        self.d.stop()
        if os.environ.get("PL_TEST_LOG"):
            print(self.d.log())
        try:
            self.d.finish()
        finally:
            shutil.rmtree(self.data, ignore_errors=True)


class DocumentsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Council("records_docs", extra=["--max-upload-mb", "1"])

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()

    def test_round_trip_hash_and_opens(self):
        c = self.c
        st, doc = c.upload("thuky", {"session_id": c.session, "agenda_item_id": c.items[0],
                                     "title": "Tờ trình dự toán ngân sách năm 2027",
                                     "kind": "draft", "visibility": "delegates"},
                           "tờ trình dự toán.pdf", PDF)
        self.assertEqual(st, 201, doc)
        sha = hashlib.sha256(PDF).hexdigest()
        self.assertEqual(doc["sha256"], sha)
        self.assertEqual((doc["version"], doc["media_type"], doc["bytes"]),
                         (1, "application/pdf", len(PDF)))
        self.assertEqual(doc["file_name"], "tờ trình dự toán.pdf")
        # Kept under the data dir by its hash, and nothing left in tmp.
        self.assertIn(os.path.join(c.data, "documents", sha[:2], sha), c.stored_files())
        self.assertFalse(os.listdir(os.path.join(c.data, "documents", "tmp")))
        self.assertEqual(c.q(f"SELECT sha256 FROM document WHERE id = {doc['id']}"), sha)

        # A delegate reads it: the same bytes, the hash in a header.
        st, h, body = c.get(doc["url"], "daibieu03")
        self.assertEqual(st, 200)
        self.assertEqual(hashlib.sha256(body).hexdigest(), sha)
        self.assertEqual(h["x-content-sha256"],
                         sha)
        self.assertTrue(h["content-type"].startswith("application/pdf"))
        self.assertIn("filename*=UTF-8''t%E1%BB%9D", h["content-disposition"])
        c.get(doc["url"], "daibieu04")
        c.get(doc["url"], "daibieu03")
        # Nobody signed in may not read a delegates' document; a stranger neither.
        self.assertEqual(c.get(doc["url"])[0], 401)

        st, opens = c.get_json(f"/api/documents/opens?id={doc['id']}", "thuky")
        self.assertEqual(st, 200, opens)
        names = [o["person_id"] for o in opens["opens"]]
        self.assertEqual(names, [c.person["daibieu03"], c.person["daibieu04"],
                                 c.person["daibieu03"]])
        unread = {u["person_id"] for u in opens["unread"]}
        self.assertNotIn(c.person["daibieu03"], unread)
        self.assertIn(c.person["daibieu05"], unread)
        # Only staff see who read what.
        self.assertEqual(c.get_json(f"/api/documents/opens?id={doc['id']}", "daibieu03")[0], 403)

        # A new version replaces the old one visibly; the old is still served.
        v2 = PDF.replace(b"/Count 0", b"/Count 0 /V 2")
        st, doc2 = c.upload("thuky", {"replaces": doc["id"]}, "du-toan-v2.pdf", v2)
        self.assertEqual(st, 201, doc2)
        self.assertEqual((doc2["version"], doc2["series_id"], doc2["title"]),
                         (2, doc["id"], "Tờ trình dự toán ngân sách năm 2027"))
        st, listing = c.get_json(f"/api/documents?session_id={c.session}", "daibieu03")
        mine = [d for d in listing["documents"] if d["series_id"] == doc["id"]]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["id"], doc2["id"])
        self.assertEqual([v["version"] for v in mine[0]["versions"]], [2, 1])
        self.assertNotIn("opens", mine[0])  # a delegate does not see the counts
        st, staff_listing = c.get_json(f"/api/documents?session_id={c.session}", "thuky")
        self.assertEqual([d["opens"] for d in staff_listing["documents"]
                          if d["series_id"] == doc["id"]], [3])
        st, h, body = c.get(doc["url"], "daibieu03")
        self.assertEqual((st, body), (200, PDF))
        # A version of a replaced version is refused: the series has moved on.
        st, err = c.upload("thuky", {"replaces": doc["id"]}, "x.pdf", PDF + b"%v3")
        self.assertEqual((st, err["error"], err["reason"]), (409, "invalid_state", "superseded"))

    def test_public_document_for_everyone_and_office_formats(self):
        c = self.c
        docx = office_zip("word")
        st, doc = c.upload("thuky", {"session_id": c.session, "title": "Nghị quyết số 12",
                                     "kind": "resolution", "visibility": "public"},
                           "nghi-quyet-12.docx", docx)
        self.assertEqual(st, 201, doc)
        self.assertEqual(doc["media_type"],
                         "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        before = c.q("SELECT count(*) FROM document_open")
        st, _, body = c.get(doc["url"])
        self.assertEqual((st, body), (200, docx))
        # Nobody to record for an anonymous reader.
        self.assertEqual(c.q("SELECT count(*) FROM document_open"), before)
        st, doc = c.upload("thuky", {"session_id": c.session, "title": "Bảng số liệu"},
                           "so-lieu.xlsx", office_zip("xl"))
        self.assertEqual((st, doc["media_type"].endswith("spreadsheetml.sheet")), (201, True))
        st, doc = c.upload("thuky", {"session_id": c.session, "title": "Ghi chú"},
                           "ghi-chu.txt", "Ghi chú về kỳ họp\n".encode())
        self.assertEqual((st, doc["media_type"]), (201, "text/plain; charset=utf-8"))

    def test_bad_uploads_store_nothing(self):
        c = self.c
        files_before = c.stored_files()
        rows_before = c.q("SELECT count(*) FROM document")
        base = {"session_id": c.session, "title": "Tài liệu"}
        cases = [
            # Over the limit (1 MiB here).
            (base, "lon.pdf", PDF + b"0" * (1024 * 1024 + 10), 413, "file_too_large", None),
            # Not what it claims: a PDF named .docx, a spreadsheet named .docx.
            (base, "gia-mao.docx", PDF, 415, "bad_file_type", "mismatch"),
            (base, "gia-mao.docx", office_zip("xl"), 415, "bad_file_type", "mismatch"),
            # A program named .pdf.
            (base, "chuong-trinh.pdf", b"\x7fELF\x02\x01\x01" + bytes(200), 415, "bad_file_type",
             "mismatch"),
            # A type not accepted at all.
            (base, "script.exe", b"MZ\x90\x00" + bytes(100), 415, "bad_file_type", "unsupported"),
            ({"session_id": c.session}, "a.pdf", PDF, 400, "missing_field", None),
            ({"session_id": c.session, "title": "x", "visibility": "everyone"}, "a.pdf", PDF, 400,
             "bad_field", None),
            ({"session_id": 999999, "title": "x"}, "a.pdf", PDF, 404, "not_found", None),
            (base, "empty.pdf", b"", 400, "bad_field", None),
        ]
        for fields, name, content, status, code, reason in cases:
            st, err = c.upload("thuky", fields, name, content)
            self.assertEqual((st, err["error"]), (status, code), (name, err))
            self.assertTrue(err["message"])
            if reason:
                self.assertEqual(err["reason"], reason)
        # A file field missing.
        ctype, body = multipart({"session_id": c.session, "title": "x"})
        h = {"Content-Type": ctype, "Content-Length": str(len(body))}
        h.update(c.auth("thuky"))
        st, _, data = c.d.http("POST", "/api/documents", headers=h, body=body)
        self.assertEqual((st, json.loads(data)["field"]), (400, "file"))
        # A delegate may not upload; nobody signed in neither.
        st, err = c.upload("daibieu03", base, "a.pdf", PDF + b"%d")
        self.assertEqual((st, err["error"]), (403, "forbidden"))
        st, err = c.upload(None, base, "a.pdf", PDF + b"%d")
        self.assertEqual(st, 401)
        # Nothing stored by any of them, not even a temporary file.
        self.assertEqual(c.q("SELECT count(*) FROM document"), rows_before)
        self.assertEqual(c.stored_files(), files_before)
        self.assertEqual(c.d.proc.poll(), None)


def script_sitting(c):
    """A short sitting: 5 delegates check in and the secretary checks in 15
    more (the quorum, 20 of 30), two speaking turns, a named vote (3 for,
    1 against, 1 abstain) and a secret ballot (2 for, 3 against) counted by
    the demo board (confirm_secret publishes it)."""

    async def go():
        chair = await c.client("chutich")
        await chair.ok("session.open")
        await chair.ok("sitting.open", sitting_id=c.sittings[0])
        await chair.ok("agenda.next")
        ds = [await c.client(f"daibieu{n:02d}") for n in range(3, 8)]
        for d in ds:
            await d.ok("attendance.check_in")
        sec = await c.client("thuky")
        await council_fixture.fill_quorum(sec, c.person, len(ds),
                                          skip=[f"daibieu{n:02d}" for n in range(3, 8)])
        await sec.close()
        await ds[0].ok("speaker.request", kind="speech")
        await chair.ok("speaker.grant")
        await asyncio.sleep(1.2)
        await chair.ok("speaker.end")
        await chair.ok("speaker.give_floor", person_id=c.person["daibieu04"], kind="question")
        await asyncio.sleep(0.3)
        await chair.ok("speaker.end")
        vid = (await chair.ok("vote.prepare", kind="named",
                              question="Thông qua Nghị quyết về dự toán ngân sách năm 2027"))["seq"]
        await chair.ok("vote.open", vote_id=vid)
        for d, choice in zip(ds, ["for", "for", "for", "against", "abstain"]):
            await d.ok("vote.cast", vote_id=vid, choice=choice)
        await chair.ok("vote.close", vote_id=vid)
        await chair.ok("vote.publish", vote_id=vid)
        sid = (await chair.ok("vote.prepare", kind="secret", rule="cast_majority",
                              question="Bãi nhiệm đại biểu A",
                              board=[c.person[l] for l in council_fixture.DEMO_BOARD]))["seq"]
        await chair.ok("vote.open", vote_id=sid)
        for i, (d, choice) in enumerate(zip(ds, ["for", "for", "against", "against", "against"])):
            await d.ok("vote.cast", vote_id=sid, choice=choice, nonce=f"n{i}" + "x" * 30)
        await chair.ok("vote.close", vote_id=sid)
        return chair, ds, vid, sid

    return go()


async def confirm_secret(c, vote_id):
    """Two of the demo board's three confirm the counted secret ballot: it
    is published (the chair cannot publish a secret ballot)."""
    for login in council_fixture.DEMO_BOARD[:2]:
        b = await c.client(login)
        await b.ok("vote.confirm", vote_id=vote_id)
        await b.close()


class MinutesTest(unittest.TestCase):
    def test_minutes_of_a_scripted_sitting_and_finalisation(self):
        c = Council("records_minutes")
        try:
            self._run(c)
        finally:
            c.stop()

    def _run(self, c):
        async def sitting():
            chair, ds, vid, sid = await script_sitting(c)
            # A secret ballot is published by its counting board.
            await confirm_secret(c, sid)
            return vid, sid

        vid, sid = run(sitting())
        st, m = c.get_json(f"/api/minutes?session_id={c.session}", "thuky")
        self.assertEqual(st, 200, m)
        self.assertIsNone(m["finalised_at"])
        sit = m["sittings"][0]
        self.assertEqual((sit["present_count"], sit["total_seats"]), (20, 30))
        self.assertEqual(len(sit["absent"]), 30 - 20)
        self.assertEqual(len(m["sittings"]), 2)
        self.assertIsNotNone(m["agenda"][0]["first_active_at"])
        self.assertEqual(m["agenda"][0]["number"], "1")
        turns = m["turns"]
        self.assertEqual([(t["name"], t["kind"]) for t in turns],
                         [("Lê Minh Tuấn", "speech"), ("Hoàng Thị Mai", "question")])
        self.assertGreaterEqual(turns[0]["duration_s"], 1)
        self.assertEqual(turns[0]["agenda_item_id"], c.items[0])
        votes = {v["id"]: v for v in m["votes"]}
        named = votes[vid]
        self.assertEqual((named["result"]["for"], named["result"]["against"],
                          named["result"]["abstain"], named["result"]["threshold"],
                          named["result"]["passed"], named["eligible_count"]),
                         (3, 1, 1, 16, False, 20))
        self.assertEqual(sorted(n["choice"] for n in named["named"]),
                         ["abstain", "against", "for", "for", "for"])
        secret = votes[sid]
        self.assertEqual((secret["result"]["for"], secret["result"]["against"],
                          secret["result"]["passed"]), (2, 3, False))
        self.assertIsNone(secret["named"])
        self.assertTrue(secret["ballot_digest"])
        # Nothing in the secret vote's entry names a voter.
        text = json.dumps(secret, ensure_ascii=False)
        self.assertNotIn("person_id", text)
        for name in ("Lê Minh Tuấn", "Hoàng Thị Mai"):
            self.assertNotIn(name, text)

        # Printable HTML (Vietnamese, the council's header) and CSV.
        st, h, html = c.get(f"/api/minutes?session_id={c.session}&format=html", "thuky")
        html = html.decode()
        self.assertEqual(st, 200)
        self.assertTrue(h["content-type"].startswith("text/html"))
        self.assertIn("default-src 'none'", h["content-security-policy"])
        for s in ("Cộng hòa xã hội chủ nghĩa Việt Nam", "Độc lập - Tự do - Hạnh phúc",
                  "BIÊN BẢN", "Hội đồng nhân dân phường Nhị Chiểu", "Lê Minh Tuấn",
                  "Chất vấn", "Không được thông qua", "BẢN DỰ THẢO", "Có mặt 20/30"):
            self.assertIn(s, html)
        st, h, csv = c.get(f"/api/minutes?session_id={c.session}&format=csv", "thuky")
        lines = csv.decode().strip().split("\r\n")
        self.assertEqual(len(lines), 1 + 2 + 2)
        self.assertTrue(lines[3].startswith("vote,1,") and ",3,1,1,5,not_passed," in lines[3],
                        lines[3])

        # Notes; finalising needs the session closed.
        st, r = c.post("/api/minutes/notes", {"session_id": c.session,
                                              "notes": "Kỳ họp diễn ra đúng chương trình."},
                       "thuky")
        self.assertEqual(st, 200, r)
        st, r = c.post("/api/minutes/finalise", {"session_id": c.session}, "thuky")
        self.assertEqual((st, r["reason"]), (409, "session_not_closed"))

        async def close():
            # A new client: the first one belonged to the last event loop.
            chair = await c.client("chutich")
            await chair.ok("sitting.close")
            await chair.ok("session.close")

        run(close())
        # Drafts are for members; the public waits for the final record.
        self.assertEqual(c.get(f"/api/minutes?session_id={c.session}")[0], 401)
        self.assertEqual(c.post("/api/minutes/finalise", {"session_id": c.session},
                                "daibieu03")[0], 403)
        st, fin = c.post("/api/minutes/finalise", {"session_id": c.session}, "thuky")
        self.assertEqual(st, 200, fin)
        st, h, body = c.get(f"/api/minutes?session_id={c.session}")
        self.assertEqual(st, 200)
        self.assertEqual(hashlib.sha256(body).hexdigest(), fin["sha256"])
        self.assertEqual(h["x-content-sha256"], fin["sha256"])
        frozen = json.loads(body)
        self.assertEqual(frozen["notes"], "Kỳ họp diễn ra đúng chương trình.")
        self.assertEqual(frozen["finalised_by"], "Phạm Thu Hà")
        self.assertEqual(len(frozen["turns"]), 2)

        # Frozen: no notes, no second finalisation, not even by SQL.
        st, r = c.post("/api/minutes/notes", {"session_id": c.session, "notes": "sửa"}, "thuky")
        self.assertEqual((st, r["error"], r["reason"]), (409, "invalid_state", "minutes_finalised"))
        st, r = c.post("/api/minutes/finalise", {"session_id": c.session}, "chutich")
        self.assertEqual((st, r["reason"]), (409, "minutes_finalised"))
        with self.assertRaises(Exception):
            c.q(f"UPDATE minutes SET notes = 'x' WHERE session_id = {c.session}")
        with self.assertRaises(Exception):
            c.q(f"DELETE FROM minutes WHERE session_id = {c.session}")
        # What happens after does not change the record: it is the stored text.
        c.q("UPDATE person SET display_name = 'Tên khác' WHERE login = 'daibieu03'")
        st, _, again = c.get(f"/api/minutes?session_id={c.session}&format=json", "thuky")
        self.assertEqual(again, body)
        st, _, html = c.get(f"/api/minutes?session_id={c.session}&format=html")
        self.assertIn(fin["sha256"], html.decode())
        self.assertNotIn("BẢN DỰ THẢO", html.decode())

        # Bad input.
        for body_, code in (({"session_id": "x"}, "bad_field"), ({}, "missing_field"),
                            ({"session_id": c.session, "extra": 1}, "unknown_field")):
            st, r = c.post("/api/minutes/finalise", body_, "thuky")
            self.assertEqual((st, r["error"]), (400, code))
        self.assertEqual(c.get(f"/api/minutes?session_id={c.session}&format=pdf", "thuky")[0], 400)
        self.assertEqual(c.get("/api/minutes?session_id=999999", "thuky")[0], 404)


def wait_vote_state(c, vote_id, state, timeout=10):
    import time
    end = time.time() + timeout
    while time.time() < end:
        if c.q(f"SELECT state FROM vote WHERE session_id = {c.session} AND id = {vote_id}") == state:
            return
        time.sleep(0.05)
    raise AssertionError(f"vote {vote_id} never became {state}")


class AccessToRecordsTest(unittest.TestCase):
    """Issue 20 items 2 and 3: public output shows only what was public when
    it happened, and a vote's tally and named choices follow one rule."""

    def test_closed_sitting_stays_closed_in_final_minutes_and_search(self):
        c = Council("records_closed_sitting")
        try:
            self._closed(c)
        finally:
            c.stop()

    def _closed(self, c):
        # The second sitting is closed to the public (through the admin API,
        # so the running server knows).
        titles = c.q("SELECT title FROM sitting ORDER BY ordinal").splitlines()
        st, r = c.post("/api/admin/session", {
            "council_id": c.council, "id": c.session, "sittings": [
                {"id": c.sittings[0], "title": titles[0], "visibility": "public"},
                {"id": c.sittings[1], "title": titles[1], "visibility": "closed"}]}, "thuky")
        self.assertEqual(st, 200, r)

        async def sitting():
            chair, ds, vid, sid = await script_sitting(c)
            await confirm_secret(c, sid)  # published by its counting board
            await chair.ok("sitting.close")
            await chair.ok("sitting.open", sitting_id=c.sittings[1])
            await chair.ok("agenda.next")  # an item first taken up behind closed doors
            for d in ds:
                await d.ask("attendance.check_in")
            sec = await c.client("thuky")  # the quorum of this sitting too
            await council_fixture.fill_quorum(sec, c.person, len(ds),
                                              skip=[f"daibieu{n:02d}" for n in range(3, 8)])
            await sec.close()
            await ds[3].ok("speaker.request", kind="speech")
            await chair.ok("speaker.grant")
            await asyncio.sleep(0.3)
            await chair.ok("speaker.end")
            kv = (await chair.ok("vote.prepare", kind="named",
                                 question="Phương án nhân sự Xuânhòa"))["seq"]
            await chair.ok("vote.open", vote_id=kv)
            for d, choice in zip(ds, ["for", "against", "for", "for", "for"]):
                await d.ok("vote.cast", vote_id=kv, choice=choice)
            await chair.ok("vote.close", vote_id=kv)
            await chair.ok("vote.publish", vote_id=kv)
            ks = (await chair.ok("vote.prepare", kind="secret", question="Bỏ phiếu kín Thuậnphong",
                                 board=[c.person[l] for l in council_fixture.DEMO_BOARD]))["seq"]
            await chair.ok("vote.open", vote_id=ks)
            for i, d in enumerate(ds):
                await d.ok("vote.cast", vote_id=ks, choice="against", nonce=f"k{i}" + "y" * 30)
            await chair.ok("vote.close", vote_id=ks)
            return chair, vid, sid, kv, ks

        chair, vid, sid, kv, ks = run(sitting())
        wait_vote_state(c, ks, "counted")

        async def finish():
            chair = await c.client("chutich")
            await chair.ok("vote.cancel", vote_id=ks)
            await chair.ok("sitting.close")
            await chair.ok("session.close")

        run(finish())
        st, fin = c.post("/api/minutes/finalise", {"session_id": c.session}, "thuky")
        self.assertEqual(st, 200, fin)
        # Members keep the whole record.
        st, full = c.get_json(f"/api/minutes?session_id={c.session}", "daibieu05")
        self.assertEqual(st, 200, full)
        self.assertIn(kv, [v["id"] for v in full["votes"]])
        self.assertEqual(len(full["turns"]), 3)
        # The public sees the public sitting only.
        st, h, body = c.get(f"/api/minutes?session_id={c.session}")
        self.assertEqual(st, 200)
        self.assertEqual(h["x-content-sha256"], hashlib.sha256(body).hexdigest())
        pub = json.loads(body)
        text = body.decode()
        closed = [s for s in pub["sittings"] if s["id"] == c.sittings[1]][0]
        self.assertEqual((closed["present"], closed["absent"]), ([], []))
        self.assertIsNone(closed["present_count"])
        self.assertEqual([t["sitting_id"] for t in pub["turns"]], [c.sittings[0]] * 2)
        taken_up = lambda m: {a["id"] for a in m["agenda"] if a["first_active_at"]}
        self.assertEqual(len(taken_up(full)), 2)
        self.assertEqual(len(taken_up(pub)), 1)
        self.assertNotIn("Xuânhòa", text)
        self.assertNotIn(str(kv), [str(v["id"]) for v in pub["votes"]])
        cancelled = [v for v in pub["votes"] if v["id"] == ks]
        self.assertTrue(all(v["result"] is None for v in cancelled), cancelled)
        self.assertEqual(sorted(v["id"] for v in pub["votes"] if v["result"]), sorted([vid, sid]))
        # CSV and HTML come from the same view.
        st, _, html = c.get(f"/api/minutes?session_id={c.session}&format=html")
        self.assertNotIn("Xuânhòa", html.decode())
        self.assertIn("Phiên họp kín: diễn biến chỉ dành cho đại biểu", html.decode())
        # Search: no hit, no snippet, for the public; members find it.
        st, r = c.get_json("/api/search?council=nhi-chieu&q=" + urllib.parse.quote("Xuânhòa"))
        self.assertEqual((st, r["minutes"]), (200, []))
        st, r = c.get_json("/api/search?council=nhi-chieu&q=Thuanphong")
        self.assertEqual(r["minutes"], [])
        st, r = c.get_json("/api/search?council=nhi-chieu&q=ngan%20sach")
        self.assertEqual(len(r["minutes"]), 1)
        self.assertNotIn("Xuânhòa", json.dumps(r, ensure_ascii=False))
        st, r = c.get_json("/api/search?council=nhi-chieu&q=Xuanhoa", "daibieu05")
        self.assertEqual(len(r["minutes"]), 1)
        # Open data: the closed sitting's vote is not in the archive either.
        st, a = c.get_json("/api/public/archive?council=nhi-chieu")
        self.assertNotIn("Xuânhòa", json.dumps(a, ensure_ascii=False))
        self.assertEqual(a["sessions"][0]["minutes"]["sha256"], h["x-content-sha256"])

    def test_draft_minutes_follow_the_tally_rule(self):
        c = Council("records_draft_rule")
        try:
            self._draft(c)
        finally:
            c.stop()

    def _draft(self, c):
        async def sitting():
            chair, ds, vid, sid = await script_sitting(c)
            return chair, ds, vid, sid

        chair, ds, vid, sid = run(sitting())
        wait_vote_state(c, sid, "counted")

        async def named_open():
            chair = await c.client("chutich")
            dele = await c.client("daibieu05")
            nv = (await chair.ok("vote.prepare", kind="named", question="Biểu quyết đang mở"))["seq"]
            await chair.ok("vote.open", vote_id=nv)
            await dele.ok("vote.cast", vote_id=nv, choice="against")
            r = await dele.ask("vote.tally", vote_id=sid)
            t = await chair.ok("vote.tally", vote_id=sid)
            return nv, r, t

        nv, refused, tally = run(named_open())
        self.assertEqual(refused["type"], "error")
        self.assertEqual(refused["code"], "forbidden")
        self.assertEqual((tally["result"]["for"], tally["result"]["against"]), (2, 3))
        st, m = c.get_json(f"/api/minutes?session_id={c.session}", "daibieu05")
        self.assertEqual(st, 200, m)
        votes = {v["id"]: v for v in m["votes"]}
        # What vote.tally refuses a delegate, the minutes refuse too.
        self.assertIsNone(votes[sid]["result"])
        self.assertIsNone(votes[sid]["ballot_digest"])
        self.assertIsNone(votes[nv]["named"])
        self.assertIsNone(votes[nv]["result"])
        self.assertEqual(votes[vid]["result"]["for"], 3)  # published: for everyone
        st, m = c.get_json(f"/api/minutes?session_id={c.session}", "chutich")
        votes = {v["id"]: v for v in m["votes"]}
        self.assertEqual(votes[sid]["result"], tally["result"])
        self.assertIsNone(votes[nv]["named"])


class PetitionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Council("records_petitions")

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()

    def citizen(self, **over):
        p = {"council": "nhi-chieu", "name": "Trần Văn Bình", "contact": "0912 345 678",
             "content": "Đề nghị sửa chữa đường ngõ 5 tổ dân phố 3, mặt đường xuống cấp.",
             "area": "transport", "locality": "Tổ dân phố 3"}
        p.update(over)
        return p

    def test_citizen_form_refused_field_by_field(self):
        c = self.c
        st, r = c.post("/api/public/petitions", {})
        self.assertEqual(st, 400)
        self.assertEqual([(f["field"], f["error"]) for f in r["fields"]],
                         [("council", "missing_field"), ("name", "missing_field"),
                          ("contact", "missing_field"), ("content", "missing_field"),
                          ("area", "missing_field"), ("locality", "missing_field")])
        self.assertEqual(r["error"], "missing_field")
        st, r = c.post("/api/public/petitions",
                       self.citizen(name="   ", content="ngắn", area="weather", extra=1))
        self.assertEqual(st, 400)
        self.assertEqual({(f["field"], f["error"]) for f in r["fields"]},
                         {("name", "missing_field"), ("content", "bad_field"),
                          ("area", "bad_field"), ("extra", "unknown_field")})
        st, r = c.post("/api/public/petitions", self.citizen(council="khong-co"))
        self.assertEqual((st, r["field"]), (404, "council"))
        self.assertEqual(c.q("SELECT count(*) FROM petition WHERE name = '   '"), "0")

    def test_workflow_overdue_and_merge(self):
        c = self.c
        st, a = c.post("/api/public/petitions", self.citizen())
        self.assertEqual(st, 201, a)
        self.assertTrue(a["code"].startswith("KN-"))
        self.assertEqual(a["status"], "received")
        self.assertNotIn("contact", a)  # a citizen gets no one's details back
        # The same request from an in-person meeting, entered by staff.
        st, b = c.post("/api/petitions", {
            "council_id": c.council, "source": "meeting", "meeting": "Tiếp xúc cử tri tổ 3",
            "received_on": "2026-01-05", "name": "Nguyễn Thị Lan", "area": "transport",
            "content": "Đường ngõ 5 tổ 3 hư hỏng nặng, đề nghị sửa.", "locality": "Tổ 3"},
            "thuky")
        self.assertEqual(st, 201, b)
        self.assertEqual(b["received_on"], "2026-01-05")
        st, r = c.post("/api/petitions", {"council_id": c.council, "received_on": "2999-01-01",
                                          "name": "X", "area": "other", "locality": "Tổ 1",
                                          "content": "Nội dung đủ dài để kiểm tra."}, "thuky")
        self.assertEqual((st, r["field"]), (400, "received_on"))
        # Only staff enter or handle petitions.
        self.assertEqual(c.post("/api/petitions/action", {"id": a["id"], "action": "publish"},
                                "daibieu03")[0], 403)
        self.assertEqual(c.post("/api/petitions/action", {"id": a["id"], "action": "publish"})[0],
                         401)

        # Duplicates merged into one with a count.
        st, m = c.post("/api/petitions/action", {"id": a["id"], "action": "merge",
                                                 "into": b["id"]}, "thuky")
        self.assertEqual((st, m["status"], m["merged_into"]), (200, "merged", b["id"]))
        st, lst = c.get_json(f"/api/petitions?council_id={c.council}", "thuky")
        byid = {p["id"]: p for p in lst["petitions"]}
        self.assertEqual(byid[b["id"]]["count"], 2)
        st, r = c.post("/api/petitions/action", {"id": a["id"], "action": "assign",
                                                 "agency": "UBND phường", "due_on": "2026-12-01"},
                       "thuky")
        self.assertEqual((st, r["reason"]), (409, "wrong_status"))
        st, r = c.post("/api/petitions/action", {"id": b["id"], "action": "merge",
                                                 "into": a["id"]}, "thuky")
        self.assertEqual((st, r["reason"]), (409, "wrong_status"))

        # Steps out of order are refused.
        st, r = c.post("/api/petitions/action", {"id": b["id"], "action": "answer",
                                                 "answer": "Đã sửa."}, "thuky")
        self.assertEqual((st, r["reason"]), (409, "wrong_status"))
        st, r = c.post("/api/petitions/action", {"id": b["id"], "action": "assign"}, "thuky")
        self.assertEqual({f["field"] for f in r["fields"]}, {"agency", "due_on"})

        # Assigned with a due date already past: overdue, and the filter finds it.
        st, p = c.post("/api/petitions/action", {"id": b["id"], "action": "assign",
                                                 "agency": "UBND phường Nhị Chiểu",
                                                 "due_on": "2026-01-10"}, "thuky")
        self.assertEqual((st, p["status"], p["overdue"]), (200, "assigned", True), p)
        st, lst = c.get_json(f"/api/petitions?council_id={c.council}&overdue=1", "thuky")
        self.assertEqual([x["id"] for x in lst["petitions"]], [b["id"]])
        st, dash = c.get_json(f"/api/dashboard?council_id={c.council}", "thuky")
        self.assertEqual(dash["petitions"]["overdue"], 1)
        self.assertEqual(dash["petitions"]["by_agency"], {"UBND phường Nhị Chiểu": 1})
        # Reassigned with time left: no longer overdue.
        st, p = c.post("/api/petitions/action", {"id": b["id"], "action": "assign",
                                                 "agency": "UBND phường Nhị Chiểu",
                                                 "due_on": "2999-12-31"}, "thuky")
        self.assertFalse(p["overdue"])
        st, p = c.post("/api/petitions/action", {"id": b["id"], "action": "answer",
                                                 "answer": "UBND phường đã sửa xong đường ngõ 5."},
                       "thuky")
        self.assertEqual(p["status"], "answered")
        st, p = c.post("/api/petitions/action", {"id": b["id"], "action": "publish"}, "thuky")
        self.assertEqual(p["status"], "published")
        self.assertEqual([h["action"] for h in p["history"]],
                         ["received", "merged_in", "assign", "assign", "answer", "publish"])
        st, p = c.post("/api/petitions/action", {"id": b["id"], "action": "close"}, "thuky")
        self.assertEqual(p["status"], "closed")
        # The security log names the records changed, never the citizen.
        self.assertGreaterEqual(int(c.q("SELECT count(*) FROM security_event WHERE event IN "
                                        "('petition_received', 'petition_changed')")), 8)
        self.assertEqual(c.q("SELECT count(*) FROM security_event WHERE detail LIKE '%0912%' "
                             "OR detail LIKE '%Bình%' OR detail LIKE '%Lan%'"), "0")
        st, r = c.post("/api/petitions/action", {"id": b["id"], "action": "reopen"}, "thuky")
        self.assertEqual((st, r["field"]), (400, "action"))

    def test_throttled_per_address(self):
        # A second plenumd on the same database, with a low limit.
        c = self.c
        d = Plenumd(c.url, extra_args=["--petitions-per-hour", "3", "--data-dir", c.data])
        try:
            seen = []
            for i in range(6):
                body = self.citizen(content=f"Kiến nghị số {i} về vệ sinh môi trường.")
                seen.append(d.post_json("/api/public/petitions", body)[0])
                if i == 1:  # a form's mistakes do not count
                    seen.append(d.post_json("/api/public/petitions", {})[0])
            self.assertEqual(seen, [201, 201, 400, 201, 429, 429, 429])
        finally:
            d.stop()
            d.cleanup()


class SearchAndArchiveTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Council("records_search")

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()

    def publish_petition(self, content, publish=True):
        c = self.c
        st, p = c.post("/api/petitions", {"council_id": c.council, "name": "Cử tri",
                                          "contact": "0900000000", "area": "land",
                                          "content": content, "locality": "Tổ 7"}, "thuky")
        self.assertEqual(st, 201, p)
        if publish:
            for step in ({"action": "assign", "agency": "Phòng Tài nguyên",
                          "due_on": "2999-01-01"},
                         {"action": "answer", "answer": "Đã trả lời cử tri."},
                         {"action": "publish"}):
                st, r = c.post("/api/petitions/action", dict(id=p["id"], **step), "thuky")
                self.assertEqual(st, 200, r)
        return p

    def test_search_with_and_without_diacritics(self):
        c = self.c
        pub = self.publish_petition("Cử tri phản ánh việc cấp giấy chứng nhận quyền sử dụng "
                                    "đất đai còn chậm.")
        hidden = self.publish_petition("Đề nghị giải quyết tranh chấp đất đai ở tổ 9.",
                                       publish=False)
        other = self.publish_petition("Đề nghị lắp đèn chiếu sáng đường Trần Hưng Đạo.")
        st, d = c.upload("thuky", {"session_id": c.session, "title": "Tờ trình về quy hoạch "
                                   "sử dụng đất", "visibility": "public"}, "quy-hoach.pdf", PDF)
        self.assertEqual(st, 201, d)
        st, d2 = c.upload("thuky", {"session_id": c.session, "title": "Báo cáo mật về đất",
                                    "visibility": "delegates"}, "mat.pdf", PDF + b"%x")
        self.assertEqual(st, 201, d2)

        def ids(res, key):
            return {x["id"] for x in res[key]}

        for q in ("đất đai", "dat dai", "DAT DAI", "Đất Đai"):
            st, r = c.get_json("/api/search?council=nhi-chieu&q=" + urllib.parse.quote(q))
            self.assertEqual(st, 200, r)
            self.assertEqual(ids(r, "petitions"), {pub["id"]}, q)  # public: published only
            st, r = c.get_json("/api/search?council=nhi-chieu&q=" + urllib.parse.quote(q),
                               "thuky")
            self.assertEqual(ids(r, "petitions"), {pub["id"], hidden["id"]}, q)
        self.assertNotIn(other["id"], ids(r, "petitions"))
        st, r = c.get_json("/api/search?council=nhi-chieu&q=quy+hoach+dat")
        self.assertEqual(ids(r, "documents"), {d["id"]})
        st, r = c.get_json("/api/search?council=nhi-chieu&q=dat")
        self.assertEqual(ids(r, "documents"), {d["id"]})  # not the delegates' report
        st, r = c.get_json("/api/search?council=nhi-chieu&q=dat", "daibieu03")
        self.assertEqual(ids(r, "documents"), {d["id"], d2["id"]})
        # Minutes notes are searched too (members see drafts). A session of
        # its own: the archive test finalises the demo session's minutes.
        c.q(f"INSERT INTO session (council_id, number, title) VALUES ({c.council}, 7, "
            "'Kỳ họp thứ Bảy')")
        seventh = int(c.q("SELECT id FROM session WHERE number = 7"))
        st, r = c.post("/api/minutes/notes", {"session_id": seventh,
                                              "notes": "Đại biểu kiến nghị làm rõ nguồn vốn."},
                       "thuky")
        self.assertEqual(st, 200, r)
        st, r = c.get_json("/api/search?council=nhi-chieu&q=kien+nghi+nguon+von", "daibieu03")
        self.assertEqual([m["session_id"] for m in r["minutes"]], [seventh])
        self.assertIn("nguồn", r["minutes"][0]["snippet"])
        st, r = c.get_json("/api/search?council=nhi-chieu&q=kien+nghi+nguon+von")
        self.assertEqual(r["minutes"], [])  # a draft is not public
        # Bad queries.
        self.assertEqual(c.get_json("/api/search?council=nhi-chieu")[0], 400)
        self.assertEqual(c.get_json("/api/search?council=nhi-chieu&q=" + "a" * 201)[0], 400)
        self.assertEqual(c.get_json("/api/search?council=khong-co&q=dat")[0], 404)
        # Punctuation and operators are words, not syntax errors.
        for q in ("!!! & | :*", "\"đất", "-", "'; DROP TABLE petition; --"):
            st, r = c.get_json("/api/search?council=nhi-chieu&q=" + urllib.parse.quote(q))
            self.assertEqual(st, 200, (q, r))

    def test_archive_shows_only_public_material(self):
        c = self.c

        async def sitting():
            chair, ds, vid, sid = await script_sitting(c)
            await confirm_secret(c, sid)
            # A vote left counted, not published: not in the archive.
            uid = (await chair.ok("vote.prepare", kind="open", question="Biểu quyết nội bộ"))["seq"]
            await chair.ok("vote.open", vote_id=uid)
            await chair.ok("vote.close", vote_id=uid)
            await chair.ok("sitting.close")
            await chair.ok("session.close")
            return vid, sid

        vid, sid = run(sitting())
        st, pubdoc = c.upload("thuky", {"session_id": c.session, "title": "Nghị quyết công khai",
                                        "kind": "resolution", "visibility": "public"},
                              "nq.pdf", PDF + b"%nq")
        st, privdoc = c.upload("thuky", {"session_id": c.session, "title": "Dự thảo nội bộ",
                                         "visibility": "delegates"}, "dt.pdf", PDF + b"%dt")
        pub = self.publish_petition("Kiến nghị công khai về cấp nước sạch cho tổ 7.")
        self.publish_petition("Kiến nghị chưa công bố về thoát nước.", publish=False)
        # Another session, closed to the public, with a public document.
        c.q("INSERT INTO session (council_id, number, title, visibility, state, opened_at) "
            f"VALUES ({c.council}, 9, 'Kỳ họp kín', 'closed', 'closed', now())")
        closed_sid = int(c.q("SELECT id FROM session WHERE number = 9"))
        st, secret_doc = c.upload("thuky", {"session_id": closed_sid, "title": "Tài liệu kỳ họp kín",
                                            "visibility": "public"}, "kin.pdf", PDF + b"%k")
        self.assertEqual(st, 201, secret_doc)

        st, r = c.post("/api/minutes/finalise", {"session_id": c.session}, "thuky")
        self.assertEqual(st, 200, r)
        st, a = c.get_json("/api/public/archive?council=nhi-chieu")
        self.assertEqual(st, 200, a)
        text = json.dumps(a, ensure_ascii=False)
        self.assertEqual([s["id"] for s in a["sessions"]], [c.session])
        s = a["sessions"][0]
        self.assertEqual(sorted(v["id"] for v in s["votes"]), sorted([vid, sid]))
        self.assertEqual([d["id"] for d in s["resolutions"]], [pubdoc["id"]])
        self.assertNotIn("Dự thảo nội bộ", text)
        self.assertNotIn("Tài liệu kỳ họp kín", text)
        self.assertNotIn("Biểu quyết nội bộ", text)
        self.assertEqual(s["minutes"]["sha256"], r["sha256"])
        self.assertEqual([p["id"] for p in a["petitions"]], [pub["id"]])
        self.assertNotIn("0900000000", text)  # no citizen's contact
        self.assertNotIn("Cử tri\"", text)
        self.assertNotIn("thoát nước", text)
        # What is listed can be fetched by anyone; what is not cannot.
        self.assertEqual(c.get(pubdoc["url"])[0], 200)
        self.assertEqual(c.get(privdoc["url"])[0], 401)
        self.assertEqual(c.get(secret_doc["url"])[0], 401)
        self.assertEqual(c.get(s["minutes"]["url"])[0], 200)
        st, councils = c.get_json("/api/public/councils")
        self.assertEqual(councils, [{"slug": "nhi-chieu",
                                     "name": "Hội đồng nhân dân phường Nhị Chiểu"}])
        st, dash = c.get_json(f"/api/dashboard?council_id={c.council}", "chutich")
        self.assertEqual(st, 200, dash)
        self.assertEqual((dash["votes"]["held"], dash["votes"]["published"]), (3, 2))
        self.assertEqual(dash["sessions"]["minutes_finalised"], 1)
        self.assertEqual(dash["ward_plan"]["petitions_digital"], 1.0)
        self.assertEqual(c.get_json(f"/api/dashboard?council_id={c.council}")[0], 401)


if __name__ == "__main__":
    unittest.main()

"""plenumctl, the command-line client, driving a real plenumd: sign in,
script a sitting with `run`, act as a delegate with `send`, follow the
events with `watch`, send arrays with key:=JSON, and exit codes for refused
requests and failed connections."""

import json
import os
import subprocess
import unittest

import council_fixture
from plenum_testlib import PgCluster, Plenumd

pg = None


def setUpModule():
    global pg
    pg = PgCluster()


def tearDownModule():
    pg.destroy()


class PlenumctlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = council_fixture.demo_db(pg, "ctl")
        cls.d = Plenumd(cls.url)
        cls.sid = pg.psql("SELECT id FROM session", "ctl")
        cls.sitting = pg.psql("SELECT id FROM sitting ORDER BY ordinal LIMIT 1", "ctl")

    @classmethod
    def tearDownClass(cls):
        cls.d.finish()

    def ctl(self, *args, stdin=None, env=None, timeout=60):
        e = dict(os.environ, PLENUM_URL=f"ws://127.0.0.1:{self.d.port}")
        e.update(env or {})
        return subprocess.run([os.environ["PLENUMCTL"], *args], input=stdin, env=e,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=timeout)

    def token(self, login):
        r = self.ctl("--login", login, "login", env={"PLENUM_PASSWORD": "plenum-demo"})
        self.assertEqual(r.returncode, 0, r.stderr)
        t = r.stdout.strip()
        self.assertEqual(len(t), 43)
        return t

    def test_script_a_sitting(self):
        chair = self.token("chutich")
        watcher = subprocess.Popen(
            [os.environ["PLENUMCTL"], "--url", f"ws://127.0.0.1:{self.d.port}", "--count", "6",
             "--timeout", "60", "watch", self.sid], stdout=subprocess.PIPE, text=True)
        import time
        time.sleep(1.0)
        script = (f"# a morning sitting\nsession.open\nsitting.open sitting_id={self.sitting}\n\n"
                  "agenda.next\ndisplay.set mode=message message='Nghỉ giải lao 15 phút'\n")
        r = self.ctl("--token", chair, "run", self.sid, "-", stdin=script)
        self.assertEqual(r.returncode, 0, r.stderr)
        replies = [json.loads(l) for l in r.stdout.splitlines()]
        self.assertEqual([x["type"] for x in replies], ["ok"] * 4)
        # A delegate checks in and asks to speak, signing in on the way.
        r = self.ctl("--login", "daibieu03", "send", self.sid, "attendance.check_in",
                     env={"PLENUM_PASSWORD": "plenum-demo"})
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.ctl("--login", "daibieu03", "send", self.sid, "speaker.request", "kind=speech",
                     env={"PLENUM_PASSWORD": "plenum-demo"})
        self.assertEqual(r.returncode, 0, r.stderr)
        out, _ = watcher.communicate(timeout=60)
        self.assertEqual(watcher.returncode, 0)
        events = [json.loads(l) for l in out.splitlines() if '"event"' in l]
        self.assertEqual([e["name"] for e in events][:6],
                         ["session.opened", "sitting.opened", "agenda.activated",
                          "display.changed", "attendance.changed", "queue.changed"])
        self.assertEqual(events[3]["data"]["message"], "Nghỉ giải lao 15 phút")
        # Arrays with key:=JSON: an election with candidates and its
        # counting board (the demo ward's: 3).
        board = pg.psql("SELECT json_agg(id ORDER BY id) FROM person WHERE login IN "
                        "('daibieu25', 'daibieu26', 'daibieu27')", "ctl")
        r = self.ctl("--token", chair, "send", self.sid, "vote.prepare", "kind=election",
                     "question=Bầu thử", "seats=1",
                     'candidates:=[{"id":1,"name":"A"},{"id":2,"name":"B"}]', f"board:={board}")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # A refused request: exit 3 with the error on stdout.
        r = self.ctl("--token", chair, "send", self.sid, "sitting.open",
                     f"sitting_id={self.sitting}")
        self.assertEqual(r.returncode, 3)
        self.assertEqual(json.loads(r.stdout)["reason"], "sitting_already_open")
        r = self.ctl("send", self.sid, "session.close")  # anonymous
        self.assertEqual(r.returncode, 3)
        self.assertEqual(json.loads(r.stdout)["code"], "unauthenticated")

    def test_failures(self):
        r = self.ctl("--url", "ws://127.0.0.1:1", "whoami", "--timeout", "5")
        self.assertEqual(r.returncode, 1)
        self.assertIn("plenumctl:", r.stderr)
        r = self.ctl("--token", "A" * 43, "whoami")
        self.assertEqual(r.returncode, 1)
        self.assertIn("401", r.stderr)
        r = self.ctl("frobnicate")
        self.assertEqual(r.returncode, 2)
        r = self.ctl("--login", "chutich", "login", env={"PLENUM_PASSWORD": "wrong-password"})
        self.assertEqual(r.returncode, 3)
        r = self.ctl("whoami")
        self.assertEqual(json.loads(r.stdout)["role"], "observer")

    def test_logout_without_body(self):
        # A bodiless POST (no Content-Length) used to wait forever.
        t = self.token("thuky")
        r = subprocess.run(["curl", "-s", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}",
                            "-X", "POST", "-H", f"Authorization: Bearer {t}",
                            f"http://127.0.0.1:{self.d.port}/api/logout"],
                           stdout=subprocess.PIPE, text=True)
        self.assertEqual(r.stdout, "200")


if __name__ == "__main__":
    unittest.main()

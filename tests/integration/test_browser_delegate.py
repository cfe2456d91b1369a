"""The delegate page on a phone (390×844) in real Chromium
(tests/browser/delegate.test.mjs, issue 22): an opening vote takes the
screen and is announced; the focus stays put after check-in and agenda
moves; a late arrival sees why they may not vote, in the card; an election
ballot counts the choices against the seats and refuses one more. Real
plenumd and PostgreSQL; the chair's commands go over a WebSocket from a
signed-in browser page. The sitting and the quorum (the secretary checks in
twenty, not the two delegates on phones) are set up here first."""

import json
import unittest

import council_fixture
from live_client import LiveClient, run
from plenum_testlib import Stack, run_browser_script, screenshots_dir


class DelegateBrowserTest(unittest.TestCase):
    def test_delegate_phone(self):
        with Stack() as s:
            pg = s.pg
            db = "browser_delegate"
            url = council_fixture.demo_db(pg, db)
            q = lambda sql: pg.psql(sql, db)
            sid = int(q("SELECT id FROM session"))
            sitting = int(q("SELECT id FROM sitting ORDER BY ordinal LIMIT 1"))
            items = [int(x) for x in q("SELECT id FROM agenda_item WHERE parent_id IS NULL "
                                       "ORDER BY position").split()]
            person = council_fixture.person_ids(pg, db)
            d = s.start(url)

            async def setup():
                chair = await LiveClient.connect(d, d.login("chutich", "plenum-demo"), "chair")
                await chair.ok("join", session_id=sid)
                await chair.ok("session.open")
                await chair.ok("sitting.open", sitting_id=sitting)
                await chair.ok("agenda.activate", item_id=items[0])
                sec = await LiveClient.connect(d, d.login("thuky", "plenum-demo"), "secretary")
                await sec.ok("join", session_id=sid)
                await council_fixture.fill_quorum(sec, person, 0,
                                                  skip=("daibieu03", "daibieu04"))
                await chair.close()
                await sec.close()
            run(setup())
            facts = {"session": sid, "items": items,
                     "board": [person[x] for x in council_fixture.DEMO_BOARD]}
            r = run_browser_script("delegate.test.mjs", f"http://127.0.0.1:{d.port}",
                                   screenshots_dir(), json.dumps(facts), timeout=300)
            self.assertEqual(r.returncode, 0, r.stdout)


if __name__ == "__main__":
    unittest.main()

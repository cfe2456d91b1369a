"""Databases for session and vote tests: the demo council (cloned from a
template seeded once), and a large council of N delegates whose members get
sign-in tokens directly in auth_session (only their SHA-256, as plenumd
stores them) so tests and benchmarks need not run N scrypt logins."""

import hashlib
import secrets

from plenum_testlib import run_plenumd


def demo_db(pg, name):
    """A new database holding the demo council."""
    if pg.psql("SELECT count(*) FROM pg_database WHERE datname = 'demo_template'") == "0":
        r = run_plenumd(["seed-demo", "--database-url", pg.create_db("demo_template")])
        assert r.returncode == 0, r.stderr
    pg.psql(f'CREATE DATABASE "{name}" TEMPLATE demo_template')
    return pg.url(name)


def person_ids(pg, db):
    """Every person of database db: {login: person id}."""
    rows = pg.psql("SELECT login, id FROM person", db).splitlines()
    return {login: int(pid) for login, pid in (r.split("|") for r in rows)}


def big_council(pg, db, delegates):
    """Adds a council of `delegates` seats (big001 is the chair, all hold a
    seat), a secretary, one open session with an open sitting and an active
    agenda item. Its counting board has 3 members (big_board(): big002 to
    big004), not a province's 7, so that small councils can hold a secret
    ballot too. Returns (session_id, {login: token}, {login: person_id})."""
    pg.psql(f"""
        INSERT INTO council (slug, name, level, total_seats, counting_board_size)
            VALUES ('big', 'HĐND thành phố Thử', 'province', {delegates}, 3);
        INSERT INTO person (login, display_name)
            SELECT 'big' || lpad(n::text, 3, '0'), 'Đại biểu số ' || n
            FROM generate_series(1, {delegates}) n;
        INSERT INTO person (login, display_name) VALUES ('bigsec', 'Thư ký Thử');
        INSERT INTO membership (council_id, person_id, role, is_delegate, seat_no)
            SELECT c.id, p.id, CASE WHEN p.login = 'big001' THEN 'chair' ELSE 'delegate' END,
                   true, substr(p.login, 4)::int
            FROM council c, person p WHERE c.slug = 'big' AND p.login ~ '^big[0-9]+$';
        INSERT INTO membership (council_id, person_id, role, is_delegate)
            SELECT c.id, p.id, 'secretary', false FROM council c, person p
            WHERE c.slug = 'big' AND p.login = 'bigsec';
        INSERT INTO session (council_id, number, title, state)
            SELECT id, 1, 'Kỳ họp thử tải', 'open' FROM council WHERE slug = 'big';
        INSERT INTO sitting (session_id, ordinal, title, state)
            SELECT id, 1, 'Phiên biểu quyết', 'open' FROM session WHERE title = 'Kỳ họp thử tải';
        INSERT INTO agenda_item (session_id, position, title, state)
            SELECT id, 1, 'Biểu quyết nghị quyết', 'active' FROM session
            WHERE title = 'Kỳ họp thử tải';
    """, db)
    sid = int(pg.psql("SELECT id FROM session WHERE title = 'Kỳ họp thử tải'", db))
    people = dict(line.split("|") for line in pg.psql(
        "SELECT login, id FROM person WHERE login LIKE 'big%'", db).splitlines())
    people = {k: int(v) for k, v in people.items()}
    tokens = {login: secrets.token_urlsafe(32) for login in people}
    rows = ",".join(
        f"('\\x{hashlib.sha256(t.encode()).hexdigest()}', {people[l]}, 'password', "
        f"now() + interval '1 day')" for l, t in tokens.items())
    pg.psql(f"INSERT INTO auth_session (token_sha256, person_id, method, expires_at) "
            f"VALUES {rows}", db)
    return sid, tokens, people


def big_board(people):
    """The person ids of big_council's counting board (big002 to big004)."""
    return [people[f"big{n:03d}"] for n in range(2, 5)]


# The demo council's quorum: two-thirds of 30 seats. No vote opens below it.
DEMO_QUORUM = 20
# Who the secretary checks in to make up the quorum, in this order: seats
# from the top, so tests that use daibieu03.. as their voters keep them.
QUORUM_FILL = ["chutich", "phochutich"] + [f"daibieu{n:02d}" for n in range(30, 2, -1)]
# A counting board of the demo council's size (3, a ward's), for secret
# ballots, elections and confidence votes.
DEMO_BOARD = ["daibieu25", "daibieu26", "daibieu27"]


async def fill_quorum(secretary, person, present, needed=DEMO_QUORUM, skip=()):
    """Has the secretary check in (attendance.set) demo delegates not in
    `skip` until `needed` are present, `present` being there already.
    Returns the logins checked in."""
    added = []
    for login in QUORUM_FILL:
        if present + len(added) >= needed:
            break
        if login in skip:
            continue
        await secretary.ok("attendance.set", person_id=person[login], present=True)
        added.append(login)
    return added

"""SQL functions live in schema/functions/*.sql and are re-applied by the
migration runner when their text changes (server/store/migrate.c). Against a real
PostgreSQL and the real plenumd: a database migrated by the code before the
function files existed upgrades to exactly what a fresh database gets; a
changed file is re-applied on the next start and unchanged ones are skipped;
a file that fails stops the start with one clear line; every function of the
database is defined in exactly one function file."""

import glob
import hashlib
import os
import re
import subprocess
import unittest

from plenum_testlib import PgCluster, migration_count, run_plenumd, source_dir

pg = None

# The migrations as released before the function files (commit 3d4fb0f):
# databases in service have run them and recorded these checksums, which
# plenumd compares on every start. They stay byte-identical, as history.
RELEASED = {
    "001_init.sql": "2558d8b67ed3e051257d3ecf9046ba4319f0c1476070f065cc6e28960335c81a",
    "002_accounts.sql": "8a4098bbd9a277747ec1282803e0f34c7dad231186d4c160c3e336d525b91ebe",
    "003_live.sql": "20664242bbab23083ee43f96a8595d8682e443226268bb1a336098eead1eecc7",
    "004_votes.sql": "40b597974a1ae5287019e2103a38496b3adb1f6ebbf11e91487182adf331fe95",
    "005_admin.sql": "120f56eb3cb725fe368d5c34da1adda1efec75b7d110555102317320d48fe849",
    "006_media.sql": "5db9764b7ec219dee75ccbf1add8c07111629717ff56525be151dd668d70b6f7",
    "007_session_media.sql": "f4ed70990a196cb4550e903486956e582d41b26f8297ae270b299c38e1dc40a1",
    "008_media_slate.sql": "846d91aad35f9e91ee466b88725919546f1a80524091099f1c6f3a9b8cf52498",
    "009_records.sql": "021241a6f05ff9b5eda8a1babec9438cdfd4dc2d376431fd68cf63498a0cc7ce",
    "010_nodes.sql": "cdc95530510eb01d6dd77de24a35eed7343c80424e0aa9fd1b8270e244e46c27",
    "011_meetings.sql": "c1d994b45cfd8be562be23a428fc186f14bbb1dfdef07e434fbd9b5f787747c7",
    "012_ballot_secrecy.sql": "5483afe6d666ef53bb01776f987527ed8743c9435f28e15f45e7e5ebb1e7d56b",
    "013_council_rules.sql": "dd035d4b73f8e7b17f0b8b40b4c519fa705906b40fa4f8b8d2505d9ace3b58b6",
    "014_idempotency.sql": "0108e2f6afc28ee7f0034c125f1bd0e274a352a25cc1a9c4b6b5f0564f56439f",
    "015_access.sql": "639b0ade37a1b429e4c85334906c70f5f4374a730f89a282d08f78bcd09a2451",
    "016_citizen_lookup.sql": "1c9ca9b8a24708bd450c4b399a4654a4b6a4d6b3730b58edf541984781e1f4de",
    "017_import_all_errors.sql": "f8ae4dd2e2675305d1c27bfc76f1952696e6cef0ce4fc25181a8868e2a41d1e4",
    "018_meeting_petition_lookup.sql":
        "c0cbeedf329812268ac2596b3b328edf278d0a4e5b39eb9cdd1454b1ed1d7c0f",
}

# Every function of the database but the extensions' (unaccent), with its
# whole definition as PostgreSQL prints it back.
FUNCTIONS = (
    "SELECT string_agg(p.oid::regprocedure::text || E'\\n' || pg_get_functiondef(p.oid), "
    "E'\\n' ORDER BY p.oid::regprocedure::text) "
    "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE n.nspname = 'public' AND NOT EXISTS "
    "(SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')")
FUNCTION_NAMES = (
    "SELECT string_agg(DISTINCT p.proname, ',') "
    "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE n.nspname = 'public' AND NOT EXISTS "
    "(SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')")


def setUpModule():
    global pg
    pg = PgCluster()


def tearDownModule():
    pg.destroy()


def migrations():
    return sorted(glob.glob(os.path.join(source_dir(), "schema", "[0-9][0-9][0-9]_*.sql")))


def function_files():
    return sorted(glob.glob(os.path.join(source_dir(), "schema", "functions", "*.sql")))


def migrate_like_before(pg, db):
    """What plenumd did before schema/functions existed: each migration in
    its own transaction, recorded in schema_migrations with its SHA-256, and
    nothing else (no schema_functions)."""
    url = pg.create_db(db)
    pg.psql("CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, "
            "sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())", db)
    for path in migrations():
        name = os.path.basename(path)
        if name not in RELEASED:
            continue  # written after the function files: not the old code's
        subprocess.run(["psql", "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", path],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        with open(path, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        pg.psql(f"INSERT INTO schema_migrations (version, name, sha256) "
                f"VALUES ({int(name[:3])}, '{name}', '{sha}')", db)


class SchemaFunctionsTest(unittest.TestCase):
    def test_released_migrations_unchanged(self):
        for name, sha in RELEASED.items():
            with open(os.path.join(source_dir(), "schema", name), "rb") as f:
                self.assertEqual(hashlib.sha256(f.read()).hexdigest(), sha,
                                 f"{name} was edited: databases that ran it refuse to start")

    def test_functions_only_in_function_files(self):
        defined = {}
        create = re.compile(r"^CREATE OR REPLACE FUNCTION (\w+)\(", re.M)
        for path in function_files():
            with open(path, encoding="utf-8") as f:
                for name in create.findall(f.read()):
                    self.assertNotIn(name, defined, f"{name} defined twice")
                    defined[name] = os.path.basename(path)
        # Migrations written after the function files define none.
        for path in migrations():
            if os.path.basename(path) in RELEASED:
                continue
            with open(path, encoding="utf-8") as f:
                self.assertNotRegex(f.read(), r"(?i)CREATE\s+(OR\s+REPLACE\s+)?FUNCTION",
                                    f"{path}: put functions in schema/functions/")
        url = pg.create_db("names")
        r = run_plenumd(["migrate", "--database-url", url])
        self.assertEqual(r.returncode, 0, r.stderr)
        in_db = set(pg.psql(FUNCTION_NAMES, "names").split(","))
        self.assertEqual(in_db, set(defined))

    def test_database_of_the_old_code_upgrades(self):
        migrate_like_before(pg, "old")
        url = pg.url("old")
        r = run_plenumd(["migrate", "--database-url", url])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("(0 migration(s) applied now)", r.stdout)
        names = [f"functions/{os.path.basename(p)}" for p in function_files()]
        self.assertEqual(pg.psql("SELECT string_agg(name, ',' ORDER BY name) "
                                 "FROM schema_functions", "old"), ",".join(names))
        fresh = pg.create_db("fresh_ref")
        r = run_plenumd(["migrate", "--database-url", fresh])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"({migration_count()} migration(s) applied now)", r.stdout)
        # The upgraded database has exactly the functions a fresh one has.
        self.assertEqual(pg.psql(FUNCTIONS, "old"), pg.psql(FUNCTIONS, "fresh_ref"))
        # And a second start sends nothing.
        before = pg.psql("SELECT string_agg(applied_at::text, ',' ORDER BY name) "
                         "FROM schema_functions", "old")
        r = run_plenumd(["migrate", "--database-url", url])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("applying function file", r.stderr)
        self.assertEqual(pg.psql("SELECT string_agg(applied_at::text, ',' ORDER BY name) "
                                 "FROM schema_functions", "old"), before)

    def test_changed_file_is_reapplied_on_next_start(self):
        url = pg.create_db("changed")
        self.assertEqual(run_plenumd(["migrate", "--database-url", url]).returncode, 0)
        want = pg.psql(FUNCTIONS, "changed")
        pg.psql("UPDATE schema_functions SET applied_at = '2000-01-01Z'", "changed")
        # The database holds another text of votes.sql than this plenumd:
        # its function differs and so does the recorded checksum.
        pg.psql("CREATE OR REPLACE FUNCTION vote_tally_for(requester bigint, is_admin boolean, "
                "sid bigint, vid bigint) RETURNS jsonb LANGUAGE sql AS $$ SELECT NULL::jsonb $$",
                "changed")
        pg.psql("UPDATE schema_functions SET sha256 = repeat('0', 64) "
                "WHERE name = 'functions/votes.sql'", "changed")
        self.assertNotEqual(pg.psql(FUNCTIONS, "changed"), want)
        r = run_plenumd(["migrate", "--database-url", url])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("applying function file functions/votes.sql", r.stderr)
        self.assertEqual(r.stderr.count("applying function file"), 1, r.stderr)
        self.assertEqual(pg.psql(FUNCTIONS, "changed"), want)
        self.assertEqual(pg.psql("SELECT string_agg(name, ',') FROM schema_functions "
                                 "WHERE applied_at > '2000-01-01Z'", "changed"),
                         "functions/votes.sql")
        with open(os.path.join(source_dir(), "schema", "functions", "votes.sql"), "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        self.assertEqual(pg.psql("SELECT sha256 FROM schema_functions "
                                 "WHERE name = 'functions/votes.sql'", "changed"), sha)

    def test_failing_file_stops_the_start(self):
        url = pg.create_db("failing")
        self.assertEqual(run_plenumd(["migrate", "--database-url", url]).returncode, 0)
        # A function of the same arguments but another result type: CREATE OR
        # REPLACE cannot change it, so votes.sql fails to apply.
        pg.psql("DROP FUNCTION vote_tally_for(bigint, boolean, bigint, bigint); "
                "CREATE FUNCTION vote_tally_for(requester bigint, is_admin boolean, sid bigint, "
                "vid bigint) RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$; "
                "UPDATE schema_functions SET sha256 = repeat('0', 64) "
                "WHERE name IN ('functions/access.sql', 'functions/votes.sql')", "failing")
        for cmd in (["migrate"], ["serve", "--port", "1"]):
            r = run_plenumd(cmd + ["--database-url", url])
            self.assertNotEqual(r.returncode, 0)
            errs = [l for l in r.stderr.splitlines() if "ERROR:" in l]
            self.assertEqual(len(errs), 1, r.stderr)
            self.assertIn("function file functions/votes.sql failed: ERROR:  cannot change "
                          "return type", errs[0])
        # Nothing of the run was kept: access.sql, applied before votes.sql in
        # the same transaction, is still recorded as not applied.
        self.assertEqual(pg.psql("SELECT count(*) FROM schema_functions "
                                 "WHERE sha256 = repeat('0', 64)", "failing"), "2")


if __name__ == "__main__":
    unittest.main()

"""The migration runner through `plenumd migrate` and `plenumd serve`,
against a real PostgreSQL: fresh database, re-run is a no-op, a newer or
altered schema is refused with one clear line and nothing started."""

import unittest

from plenum_testlib import PgCluster, Plenumd, latest_schema, migration_count, run_plenumd

pg = None


def setUpModule():
    global pg
    pg = PgCluster()


def tearDownModule():
    pg.destroy()


def error_lines(stderr):
    return [l for l in stderr.splitlines() if "ERROR:" in l]


class MigrateTest(unittest.TestCase):
    def test_fresh_database_then_rerun_is_noop(self):
        url = pg.create_db("fresh")
        r = run_plenumd(["migrate", "--database-url", url])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"database schema at version {latest_schema()} "
                      f"({migration_count()} migration(s) applied now)", r.stdout)
        rows = pg.psql("SELECT version, name, length(sha256) FROM schema_migrations "
                       "ORDER BY version LIMIT 1", "fresh")
        self.assertEqual(rows, "1|001_init.sql|64")
        tables = pg.psql("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
                         "WHERE schemaname = 'public'", "fresh")
        for t in ("council", "person", "membership", "session", "sitting", "agenda_item"):
            self.assertIn(t, tables.split(","))
        applied_at = pg.psql("SELECT applied_at FROM schema_migrations", "fresh")

        r = run_plenumd(["migrate", "--database-url", url])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("(0 migration(s) applied now)", r.stdout)
        self.assertEqual(pg.psql("SELECT count(*) FROM schema_migrations", "fresh"),
                         str(migration_count()))
        self.assertEqual(pg.psql("SELECT applied_at FROM schema_migrations", "fresh"), applied_at)

    def test_serve_migrates_automatically(self):
        url = pg.create_db("auto")
        d = Plenumd(url)
        try:
            self.assertEqual(pg.psql("SELECT max(version) FROM schema_migrations", "auto"),
                             str(latest_schema()))
        finally:
            d.finish()

    def test_newer_schema_is_refused(self):
        url = pg.create_db("newer")
        self.assertEqual(run_plenumd(["migrate", "--database-url", url]).returncode, 0)
        pg.psql("INSERT INTO schema_migrations (version, name, sha256) "
                "VALUES (999, '999_future.sql', 'x')", "newer")
        for cmd in (["migrate"], ["serve", "--port", "1"]):
            r = run_plenumd(cmd + ["--database-url", url])
            self.assertNotEqual(r.returncode, 0)
            errs = error_lines(r.stderr)
            self.assertEqual(len(errs), 1, r.stderr)
            self.assertIn("database schema version 999 (999_future.sql) is newer than this "
                          f"plenumd knows ({latest_schema()})", errs[0])
            self.assertIn("upgrade plenumd", errs[0])
        # Nothing was changed by the refused runs.
        self.assertEqual(pg.psql("SELECT count(*) FROM schema_migrations", "newer"),
                         str(migration_count() + 1))

    def test_altered_migration_is_refused(self):
        url = pg.create_db("altered")
        self.assertEqual(run_plenumd(["migrate", "--database-url", url]).returncode, 0)
        pg.psql("UPDATE schema_migrations SET sha256 = repeat('0', 64) WHERE version = 1",
                "altered")
        r = run_plenumd(["migrate", "--database-url", url])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("differs from the one built into plenumd", r.stderr)

    def test_concurrent_runners_apply_once(self):
        import subprocess
        import os
        url = pg.create_db("race")
        env = dict(os.environ)
        procs = [subprocess.Popen([os.environ["PLENUMD"], "migrate", "--database-url", url],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env=env) for _ in range(4)]
        outs = [p.communicate(timeout=60) for p in procs]
        self.assertTrue(all(p.returncode == 0 for p in procs), outs)
        applied = f"({migration_count()} migration(s) applied now)"
        self.assertEqual(sum(applied in o for o, _ in outs), 1)
        self.assertEqual(pg.psql("SELECT count(*) FROM schema_migrations", "race"),
                         str(migration_count()))

    def test_demo_seed_once(self):
        url = pg.create_db("demo")
        r = run_plenumd(["seed-demo", "--database-url", url])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("demo data loaded", r.stdout)
        q = ("SELECT c.total_seats, count(*) FILTER (WHERE m.is_delegate), "
             "count(*) FILTER (WHERE m.role = 'chair'), "
             "count(*) FILTER (WHERE m.role = 'secretary') "
             "FROM council c JOIN membership m ON m.council_id = c.id GROUP BY c.total_seats")
        self.assertEqual(pg.psql(q, "demo"), "30|30|1|1")
        self.assertEqual(pg.psql("SELECT count(*) FROM session WHERE planned_start > now()",
                                 "demo"), "1")
        self.assertEqual(pg.psql("SELECT count(*) FROM agenda_item WHERE parent_id IS NOT NULL",
                                 "demo"), "6")
        self.assertEqual(pg.psql("SELECT count(*) FROM person WHERE password_hash LIKE "
                                 "'$scrypt$ln=15,r=8,p=1$%'", "demo"), "32")
        self.assertIn("Nhị Chiểu", pg.psql("SELECT name FROM council", "demo"))
        r = run_plenumd(["seed-demo", "--database-url", url])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("demo data already present", r.stdout)
        self.assertEqual(pg.psql("SELECT count(*) FROM person", "demo"), "32")


if __name__ == "__main__":
    unittest.main()

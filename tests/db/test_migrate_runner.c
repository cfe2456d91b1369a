/*
 * The migration runner against a real PostgreSQL (DATABASE_URL from
 * with_pg.py): migrations with a failing statement roll back whole, later
 * migrations are not attempted, and a fixed migration then applies. SQL
 * function files are applied after the migrations, re-applied only when their
 * text changed, and a failing one rolls back every function file of its run.
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "check.h"
#include "migrate.h"

static const char *scalar(PGconn *c, const char *sql, char *buf, size_t len)
{
    PGresult *r = PQexec(c, sql);
    snprintf(buf, len, "%s",
             PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) ? PQgetvalue(r, 0, 0) : "?");
    PQclear(r);
    return buf;
}

static void set_sql(struct pl_sql_file *f, const char *sql)
{
    f->sql = sql;
    f->len = strlen(sql);
}

/* files: the three migrations above, all applied. */
static void test_functions(PGconn *c, struct pl_sql_file *files)
{
    char buf[128], err[512]; /* room for a SHA-256 in hex */
    struct pl_migrate_result res;
    struct pl_sql_file fns[] = {
        {0, "functions/a.sql", NULL, 0},
        {0, "functions/b.sql", NULL, 0},
    };
    set_sql(&fns[0], "CREATE OR REPLACE FUNCTION fa() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$");
    /* b uses a: files apply in the order given. */
    set_sql(&fns[1], "CREATE OR REPLACE FUNCTION fb() RETURNS int LANGUAGE sql "
                     "AS $$ SELECT fa() + 10 $$");

    /* A failing migration stops the run before any function file. */
    struct pl_sql_file bad4[4] = {files[0], files[1], files[2], {4, "004_d.sql", "SELECT 1/0", 10}};
    CHECK(pl_migrate_run(c, bad4, 4, fns, 2, &res, err, sizeof err) == PL_MIGRATE_DB_ERROR);
    CHECK(strstr(err, "004_d.sql") != NULL);
    CHECK_STR(scalar(c, "SELECT to_regproc('fa') IS NULL", buf, sizeof buf), "t");

    /* First run: both applied and recorded with their checksums. */
    CHECK(pl_migrate_run(c, files, 3, fns, 2, &res, err, sizeof err) == PL_MIGRATE_OK);
    CHECK(res.applied == 0 && res.functions_applied == 2);
    CHECK_STR(scalar(c, "SELECT fb()", buf, sizeof buf), "11");
    CHECK_STR(scalar(c,
                     "SELECT string_agg(name || ':' || length(sha256), ',' ORDER BY name) "
                     "FROM schema_functions",
                     buf, sizeof buf),
              "functions/a.sql:64,functions/b.sql:64");
    /* Tell a re-application apart: applied_at is set to a past time. */
    PQclear(PQexec(c, "UPDATE schema_functions SET applied_at = '2000-01-01Z'"));

    /* Unchanged: nothing sent. fa is dropped behind the runner's back to show
     * it (a re-applied a.sql would create it again). */
    PQclear(PQexec(c, "DROP FUNCTION fb(); DROP FUNCTION fa()"));
    CHECK(pl_migrate_run(c, files, 3, fns, 2, &res, err, sizeof err) == PL_MIGRATE_OK);
    CHECK(res.functions_applied == 0);
    CHECK_STR(scalar(c, "SELECT to_regproc('fa') IS NULL", buf, sizeof buf), "t");
    PQclear(PQexec(c, "DELETE FROM schema_functions"));
    CHECK(pl_migrate_run(c, files, 3, fns, 2, &res, err, sizeof err) == PL_MIGRATE_OK);
    CHECK(res.functions_applied == 2);
    PQclear(PQexec(c, "UPDATE schema_functions SET applied_at = '2000-01-01Z'"));

    /* b edited: only b is re-applied, and its new body is live. */
    set_sql(&fns[1], "CREATE OR REPLACE FUNCTION fb() RETURNS int LANGUAGE sql "
                     "AS $$ SELECT fa() + 20 $$");
    CHECK(pl_migrate_run(c, files, 3, fns, 2, &res, err, sizeof err) == PL_MIGRATE_OK);
    CHECK(res.functions_applied == 1);
    CHECK_STR(scalar(c, "SELECT fb()", buf, sizeof buf), "21");
    CHECK_STR(scalar(c,
                     "SELECT string_agg(name, ',' ORDER BY name) FROM schema_functions "
                     "WHERE applied_at > '2000-01-01Z'",
                     buf, sizeof buf),
              "functions/b.sql");
    char sha_b[128];
    snprintf(sha_b, sizeof sha_b, "%s",
             scalar(c, "SELECT sha256 FROM schema_functions WHERE name = 'functions/b.sql'", buf,
                    sizeof buf));

    /* a edited and b broken in one run: both roll back, the error names b,
     * and the recorded checksums are the old ones. */
    set_sql(&fns[0], "CREATE OR REPLACE FUNCTION fa() RETURNS int LANGUAGE sql AS $$ SELECT 5 $$");
    set_sql(&fns[1], "CREATE OR REPLACE FUNCTION fb() RETURNS int LANGUAGE sql "
                     "AS $$ SELECT no_such_function() $$");
    CHECK(pl_migrate_run(c, files, 3, fns, 2, &res, err, sizeof err) == PL_MIGRATE_DB_ERROR);
    CHECK(strstr(err, "function file functions/b.sql failed") != NULL);
    CHECK(strstr(err, "no_such_function") != NULL);
    CHECK(res.functions_applied == 0);
    CHECK_STR(scalar(c, "SELECT fb()", buf, sizeof buf), "21");
    CHECK_STR(scalar(c, "SELECT sha256 FROM schema_functions WHERE name = 'functions/b.sql'", buf,
                     sizeof buf),
              sha_b);
    CHECK_STR(scalar(c, "SELECT count(*) FROM schema_functions WHERE applied_at > '2000-01-01Z'",
                     buf, sizeof buf),
              "1");

    /* b fixed: both now apply. */
    set_sql(&fns[1], "CREATE OR REPLACE FUNCTION fb() RETURNS int LANGUAGE sql "
                     "AS $$ SELECT fa() + 30 $$");
    CHECK(pl_migrate_run(c, files, 3, fns, 2, &res, err, sizeof err) == PL_MIGRATE_OK);
    CHECK(res.functions_applied == 2);
    CHECK_STR(scalar(c, "SELECT fb()", buf, sizeof buf), "35");
}

int main(void)
{
    const char *url = getenv("DATABASE_URL");
    if (!url) {
        fprintf(stderr, "DATABASE_URL not set: run under tests/integration/with_pg.py\n");
        return 1;
    }
    PGconn *c = PQconnectdb(url);
    CHECK(PQstatus(c) == CONNECTION_OK);
    char buf[64], err[512];
    struct pl_migrate_result res;

    static const char ok1[] = "CREATE TABLE t1 (x int)";
    static const char bad2[] = "CREATE TABLE t2 (x int); INSERT INTO t1 VALUES (1); SELECT 1/0";
    static const char ok3[] = "CREATE TABLE t3 (x int)";
    struct pl_sql_file files[] = {
        {1, "001_a.sql", ok1, sizeof ok1 - 1},
        {2, "002_b.sql", bad2, sizeof bad2 - 1},
        {3, "003_c.sql", ok3, sizeof ok3 - 1},
    };
    CHECK(pl_migrate_run(c, files, 3, NULL, 0, &res, err, sizeof err) == PL_MIGRATE_DB_ERROR);
    CHECK(strstr(err, "002_b.sql") != NULL && strstr(err, "division by zero") != NULL);
    CHECK(res.applied == 1 && res.to_version == 1);
    CHECK_STR(scalar(c, "SELECT count(*) FROM schema_migrations", buf, sizeof buf), "1");
    /* Nothing of 002 survived: no t2, no row in t1; 003 was not attempted. */
    CHECK_STR(scalar(c, "SELECT to_regclass('t2') IS NULL", buf, sizeof buf), "t");
    CHECK_STR(scalar(c, "SELECT count(*) FROM t1", buf, sizeof buf), "0");
    CHECK_STR(scalar(c, "SELECT to_regclass('t3') IS NULL", buf, sizeof buf), "t");

    /* Fix 002 and run again: 002 and 003 apply, 001 is left alone. */
    static const char fixed2[] = "CREATE TABLE t2 (x int)";
    files[1].sql = fixed2;
    files[1].len = sizeof fixed2 - 1;
    CHECK(pl_migrate_run(c, files, 3, NULL, 0, &res, err, sizeof err) == PL_MIGRATE_OK);
    CHECK(res.from_version == 1 && res.to_version == 3 && res.applied == 2);
    CHECK(pl_migrate_run(c, files, 3, NULL, 0, &res, err, sizeof err) == PL_MIGRATE_OK);
    CHECK(res.applied == 0 && res.to_version == 3);

    /* A binary that knows only up to 002 refuses the database. */
    CHECK(pl_migrate_run(c, files, 2, NULL, 0, &res, err, sizeof err) == PL_MIGRATE_NEWER);
    CHECK(strstr(err, "newer than this plenumd knows (2)") != NULL);
    /* An edited migration text is detected. */
    static const char edited1[] = "CREATE TABLE t1 (x bigint)";
    files[0].sql = edited1;
    files[0].len = sizeof edited1 - 1;
    CHECK(pl_migrate_run(c, files, 3, NULL, 0, &res, err, sizeof err) == PL_MIGRATE_CHANGED);
    CHECK(strstr(err, "001_a.sql") != NULL);
    files[0].sql = ok1;
    files[0].len = sizeof ok1 - 1;
    test_functions(c, files);

    /* The connection is left usable and unlocked. */
    CHECK_STR(
        scalar(c, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'", buf, sizeof buf),
        "0");
    CHECK(pl_migrate_latest(files, 3) == 3 && pl_migrate_latest(files, 0) == 0);
    PQfinish(c);
    return check_report("test_migrate_runner");
}

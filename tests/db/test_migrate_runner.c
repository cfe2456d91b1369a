/*
 * The migration runner against a real PostgreSQL (DATABASE_URL from
 * with_pg.py): migrations with a failing statement roll back whole, later
 * migrations are not attempted, and a fixed migration then applies.
 */
#include <stdlib.h>

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
    CHECK(pl_migrate_run(c, files, 3, &res, err, sizeof err) == PL_MIGRATE_DB_ERROR);
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
    CHECK(pl_migrate_run(c, files, 3, &res, err, sizeof err) == PL_MIGRATE_OK);
    CHECK(res.from_version == 1 && res.to_version == 3 && res.applied == 2);
    CHECK(pl_migrate_run(c, files, 3, &res, err, sizeof err) == PL_MIGRATE_OK);
    CHECK(res.applied == 0 && res.to_version == 3);

    /* A binary that knows only up to 002 refuses the database. */
    CHECK(pl_migrate_run(c, files, 2, &res, err, sizeof err) == PL_MIGRATE_NEWER);
    CHECK(strstr(err, "newer than this plenumd knows (2)") != NULL);
    /* An edited migration text is detected. */
    static const char edited1[] = "CREATE TABLE t1 (x bigint)";
    files[0].sql = edited1;
    files[0].len = sizeof edited1 - 1;
    CHECK(pl_migrate_run(c, files, 3, &res, err, sizeof err) == PL_MIGRATE_CHANGED);
    CHECK(strstr(err, "001_a.sql") != NULL);
    /* The connection is left usable and unlocked. */
    CHECK_STR(
        scalar(c, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'", buf, sizeof buf),
        "0");
    CHECK(pl_migrate_latest(files, 3) == 3 && pl_migrate_latest(files, 0) == 0);
    PQfinish(c);
    return check_report("test_migrate_runner");
}

/* Demo data; see demo.h. */
#include "demo.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "password.h"
#include "schema.h"

static int exec_ok(PGconn *conn, const char *sql, char *err, size_t errlen)
{
    PGresult *r = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(r);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok)
        snprintf(err, errlen, "loading demo data failed: %.*s",
                 (int)strcspn(PQresultErrorMessage(r), "\n"), PQresultErrorMessage(r));
    PQclear(r);
    return ok ? 0 : -1;
}

int pl_demo_seed(PGconn *conn, char *err, size_t errlen)
{
    PGresult *r = NULL;
    if (exec_ok(conn, "BEGIN", err, errlen) != 0)
        return -1;
    /* Serialise with another seeder; the count below then sees its commit. */
    if (exec_ok(conn, "LOCK TABLE council IN EXCLUSIVE MODE", err, errlen) != 0)
        goto fail;
    r = PQexec(conn, "SELECT count(*) FROM council");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "loading demo data failed: %s", PQresultErrorMessage(r));
        goto fail;
    }
    if (strcmp(PQgetvalue(r, 0, 0), "0") != 0) {
        PQclear(r);
        PQclear(PQexec(conn, "ROLLBACK"));
        return 0;
    }
    PQclear(r);
    r = NULL;
    if (exec_ok(conn, pl_demo_seed_sql.sql, err, errlen) != 0)
        goto fail;

    r = PQexec(conn, "SELECT id FROM person WHERE login IS NOT NULL ORDER BY id");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "loading demo data failed: %s", PQresultErrorMessage(r));
        goto fail;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        char hash[PL_PASSWORD_ENCODED_MAX];
        if (pl_password_hash(PL_DEMO_PASSWORD, PL_PASSWORD_DEFAULT_LN, hash, sizeof hash) != 0) {
            snprintf(err, errlen, "loading demo data failed: could not hash a password");
            goto fail;
        }
        const char *params[2] = {hash, PQgetvalue(r, i, 0)};
        PGresult *u = PQexecParams(conn, "UPDATE person SET password_hash = $1 WHERE id = $2", 2,
                                   NULL, params, NULL, NULL, 0);
        int ok = PQresultStatus(u) == PGRES_COMMAND_OK;
        if (!ok)
            snprintf(err, errlen, "loading demo data failed: %s", PQresultErrorMessage(u));
        PQclear(u);
        if (!ok)
            goto fail;
    }
    PQclear(r);
    r = NULL;
    if (exec_ok(conn, "COMMIT", err, errlen) != 0)
        return -1;
    pl_log_info("loaded demo data");
    return 1;
fail:
    PQclear(r);
    PQclear(PQexec(conn, "ROLLBACK"));
    return -1;
}

/* Schema migrations; see migrate.h. */
#include "migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "log.h"

/* Advisory lock key shared by every plenumd running migrations ("PLNM"). */
#define PL_MIGRATE_LOCK_KEY "1347178061"

static void sha256_hex(const char *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Runs a statement without results; returns 0 or -1 with err filled. */
static int exec_ok(PGconn *conn, const char *sql, const char *what, char *err, size_t errlen)
{
    PGresult *r = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(r);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok) {
        /* PQerrorMessage ends in a newline; keep the line single. */
        const char *m = PQresultErrorMessage(r);
        int n = (int)strcspn(m, "\n");
        snprintf(err, errlen, "%s failed: %.*s", what, n, m);
    }
    PQclear(r);
    return ok ? 0 : -1;
}

int pl_migrate_latest(const struct pl_sql_file *files, size_t n)
{
    return n ? files[n - 1].version : 0;
}

static enum pl_migrate_status apply_one(PGconn *conn, const struct pl_sql_file *f, char *err,
                                        size_t errlen)
{
    char what[128], hex[65], version[16];
    sha256_hex(f->sql, f->len, hex);
    snprintf(what, sizeof what, "migration %s", f->name);
    snprintf(version, sizeof version, "%d", f->version);

    if (exec_ok(conn, "BEGIN", what, err, errlen) != 0)
        return PL_MIGRATE_DB_ERROR;
    if (exec_ok(conn, f->sql, what, err, errlen) != 0)
        goto rollback;
    const char *params[3] = {version, f->name, hex};
    PGresult *r = PQexecParams(conn,
                               "INSERT INTO schema_migrations (version, name, sha256) "
                               "VALUES ($1, $2, $3)",
                               3, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        snprintf(err, errlen, "recording %s failed: %s", what, PQresultErrorMessage(r));
    PQclear(r);
    if (!ok)
        goto rollback;
    if (exec_ok(conn, "COMMIT", what, err, errlen) != 0)
        return PL_MIGRATE_DB_ERROR;
    pl_log_info("applied migration %s", f->name);
    return PL_MIGRATE_OK;
rollback:
    PQclear(PQexec(conn, "ROLLBACK"));
    return PL_MIGRATE_DB_ERROR;
}

/*
 * Re-applies the function files whose SHA-256 differs from schema_functions'
 * row (or that have none), in one transaction: either every changed file and
 * its new checksum is committed, or nothing. An unchanged file is not sent,
 * so a start with nothing changed costs one SELECT. Called with the migration
 * lock held; *applied counts the files sent.
 */
static enum pl_migrate_status apply_functions(PGconn *conn, const struct pl_sql_file *fns,
                                              size_t nfns, int *applied, char *err, size_t errlen)
{
    enum pl_migrate_status st = PL_MIGRATE_OK;
    int in_tx = 0;
    *applied = 0;
    if (exec_ok(conn,
                "SET client_min_messages = warning; "
                "CREATE TABLE IF NOT EXISTS schema_functions ("
                " name text PRIMARY KEY,"
                " sha256 text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now()); "
                "RESET client_min_messages",
                "creating schema_functions", err, errlen) != 0)
        return PL_MIGRATE_DB_ERROR;
    PGresult *r = PQexec(conn, "SELECT name, sha256 FROM schema_functions");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "reading schema_functions failed: %s", PQresultErrorMessage(r));
        PQclear(r);
        return PL_MIGRATE_DB_ERROR;
    }
    for (size_t k = 0; k < nfns; k++) {
        const struct pl_sql_file *f = &fns[k];
        char hex[65], what[128];
        sha256_hex(f->sql, f->len, hex);
        int same = 0;
        for (int i = 0; i < PQntuples(r); i++) {
            if (strcmp(PQgetvalue(r, i, 0), f->name) == 0)
                same = strcmp(PQgetvalue(r, i, 1), hex) == 0;
        }
        if (same)
            continue;
        snprintf(what, sizeof what, "function file %s", f->name);
        if (!in_tx) {
            if (exec_ok(conn, "BEGIN", what, err, errlen) != 0) {
                st = PL_MIGRATE_DB_ERROR;
                goto done;
            }
            in_tx = 1;
        }
        pl_log_info("applying %s", what);
        if (exec_ok(conn, f->sql, what, err, errlen) != 0) {
            st = PL_MIGRATE_DB_ERROR;
            goto done;
        }
        const char *params[2] = {f->name, hex};
        PGresult *w = PQexecParams(conn,
                                   "INSERT INTO schema_functions (name, sha256) VALUES ($1, $2) "
                                   "ON CONFLICT (name) DO UPDATE "
                                   "SET sha256 = excluded.sha256, applied_at = now()",
                                   2, NULL, params, NULL, NULL, 0);
        int ok = PQresultStatus(w) == PGRES_COMMAND_OK;
        if (!ok)
            snprintf(err, errlen, "recording %s failed: %s", what, PQresultErrorMessage(w));
        PQclear(w);
        if (!ok) {
            st = PL_MIGRATE_DB_ERROR;
            goto done;
        }
        (*applied)++;
    }
    if (in_tx && exec_ok(conn, "COMMIT", "committing the function files", err, errlen) != 0) {
        in_tx = 0; /* a failed COMMIT has ended the transaction already */
        *applied = 0;
        st = PL_MIGRATE_DB_ERROR;
        goto done;
    }
    in_tx = 0;
    if (*applied)
        pl_log_info("applied %d changed SQL function file(s)", *applied);
done:
    if (in_tx) {
        PQclear(PQexec(conn, "ROLLBACK"));
        *applied = 0;
    }
    PQclear(r);
    return st;
}

enum pl_migrate_status pl_migrate_run(PGconn *conn, const struct pl_sql_file *files, size_t n,
                                      const struct pl_sql_file *fns, size_t nfns,
                                      struct pl_migrate_result *res, char *err, size_t errlen)
{
    enum pl_migrate_status st = PL_MIGRATE_OK;
    PGresult *r = NULL;
    memset(res, 0, sizeof *res);

    if (exec_ok(conn, "SELECT pg_advisory_lock(" PL_MIGRATE_LOCK_KEY ")",
                "taking the migration lock", err, errlen) != 0)
        return PL_MIGRATE_DB_ERROR;
    /* Quiet the NOTICE that IF NOT EXISTS raises on every start. */
    if (exec_ok(conn,
                "SET client_min_messages = warning; "
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY,"
                " name text NOT NULL,"
                " sha256 text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now()); "
                "RESET client_min_messages",
                "creating schema_migrations", err, errlen) != 0) {
        st = PL_MIGRATE_DB_ERROR;
        goto done;
    }

    r = PQexec(conn, "SELECT version, name, sha256 FROM schema_migrations ORDER BY version");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "reading schema_migrations failed: %s", PQresultErrorMessage(r));
        st = PL_MIGRATE_DB_ERROR;
        goto done;
    }
    int latest = pl_migrate_latest(files, n);
    int rows = PQntuples(r);
    for (int i = 0; i < rows; i++) {
        int v = atoi(PQgetvalue(r, i, 0));
        if (v > res->from_version)
            res->from_version = v;
        if (v > latest) {
            snprintf(err, errlen,
                     "database schema version %d (%s) is newer than this plenumd knows (%d); "
                     "upgrade plenumd or point it at another database",
                     v, PQgetvalue(r, i, 1), latest);
            st = PL_MIGRATE_NEWER;
            goto done;
        }
        const struct pl_sql_file *f = NULL;
        for (size_t k = 0; k < n; k++) {
            if (files[k].version == v)
                f = &files[k];
        }
        char hex[65];
        if (f)
            sha256_hex(f->sql, f->len, hex);
        if (!f || strcmp(hex, PQgetvalue(r, i, 2)) != 0) {
            snprintf(err, errlen,
                     "migration %d (%s) in the database differs from the one built into plenumd; "
                     "never edit an applied migration, add a new one",
                     v, PQgetvalue(r, i, 1));
            st = PL_MIGRATE_CHANGED;
            goto done;
        }
    }
    res->to_version = res->from_version;
    for (size_t k = 0; k < n; k++) {
        int applied = 0;
        for (int i = 0; i < rows; i++) {
            if (atoi(PQgetvalue(r, i, 0)) == files[k].version)
                applied = 1;
        }
        if (applied)
            continue;
        st = apply_one(conn, &files[k], err, errlen);
        if (st != PL_MIGRATE_OK)
            goto done;
        res->applied++;
        if (files[k].version > res->to_version)
            res->to_version = files[k].version;
    }
    st = apply_functions(conn, fns, nfns, &res->functions_applied, err, errlen);
done:
    PQclear(r);
    PQclear(PQexec(conn, "SELECT pg_advisory_unlock(" PL_MIGRATE_LOCK_KEY ")"));
    return st;
}

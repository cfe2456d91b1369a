/*
 * The migration runner: applies numbered SQL migrations to a PostgreSQL
 * database, each in its own transaction, recorded in schema_migrations with
 * a SHA-256 of its text; then re-applies every SQL function file
 * (schema/functions/, CREATE OR REPLACE) whose SHA-256 differs from the one
 * recorded in schema_functions, all in one transaction. Runs synchronously at
 * start-up, before the loop. Concurrent runners (several nodes starting at
 * once) serialise on an advisory lock held over both steps.
 */
#ifndef PL_MIGRATE_H
#define PL_MIGRATE_H

#include <stddef.h>

#include <libpq-fe.h>

#include "schema.h"

enum pl_migrate_status {
    PL_MIGRATE_OK = 0,
    PL_MIGRATE_DB_ERROR = -1, /* a statement failed; that migration (or every function
                                 file of this run) rolled back */
    PL_MIGRATE_NEWER = -2,    /* the database has a version this binary does not know */
    PL_MIGRATE_CHANGED = -3,  /* an applied migration's text differs from ours */
};

struct pl_migrate_result {
    int from_version;      /* highest version before the run (0: fresh database) */
    int to_version;        /* highest version after the run */
    int applied;           /* how many migrations this run applied */
    int functions_applied; /* how many function files this run (re-)applied */
};

/*
 * Brings conn's database up to the newest of files[0..n-1] (sorted by
 * version), then applies those of fns[0..nfns-1] (in that order) whose text
 * is not the one last applied. Function files are not attempted when a
 * migration fails. On failure writes one sentence saying what and how to fix
 * it into err. The connection and all files are borrowed.
 */
enum pl_migrate_status pl_migrate_run(PGconn *conn, const struct pl_sql_file *files, size_t n,
                                      const struct pl_sql_file *fns, size_t nfns,
                                      struct pl_migrate_result *res, char *err, size_t errlen);

/* The newest version in files[0..n-1], 0 if none. */
int pl_migrate_latest(const struct pl_sql_file *files, size_t n);

#endif

/*
 * SQL embedded at build time from schema/ (see tools/embed_sql.c): the
 * numbered migrations, in version order, the function files of
 * schema/functions/ in the order they are applied, and the demo seed.
 */
#ifndef PL_SCHEMA_H
#define PL_SCHEMA_H

#include <stddef.h>

struct pl_sql_file {
    int version;      /* the NNN prefix; 0 for the demo seed and function files */
    const char *name; /* file name, e.g. "001_init.sql", "functions/votes.sql" */
    const char *sql;  /* the whole file, NUL-terminated */
    size_t len;       /* bytes, without the NUL */
};

extern const struct pl_sql_file pl_migrations[];
extern const size_t pl_migrations_count;
extern const struct pl_sql_file pl_sql_functions[];
extern const size_t pl_sql_functions_count;
extern const struct pl_sql_file pl_demo_seed_sql;

#endif

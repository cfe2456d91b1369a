/*
 * Demo data for `make run`: loads schema/demo/seed.sql into an empty database
 * and gives every demo account the demo password. Never used by tests of
 * production paths and never run by `plenumd serve`.
 */
#ifndef PL_DEMO_H
#define PL_DEMO_H

#include <stddef.h>

#include <libpq-fe.h>

/* The password of every demo account; printed by `make run`. */
#define PL_DEMO_PASSWORD "plenum-demo"

/* Loads the demo data if the database has no council yet. Returns 1 if it
 * loaded, 0 if data was already there, -1 on error (err filled; nothing
 * written: it all runs in one transaction). conn is borrowed. */
int pl_demo_seed(PGconn *conn, char *err, size_t errlen);

#endif

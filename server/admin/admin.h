/*
 * `plenumd admin ...`: people, councils, roles, passwords, CSV import and
 * sign-in codes, run synchronously against the database (no server needed).
 * Every change is one transaction and a row in security_event; changes that
 * end sign-ins (disable, set-password) NOTIFY running servers.
 */
#ifndef PL_ADMIN_H
#define PL_ADMIN_H

#include <stdio.h>

#include "config.h"

/* Runs the admin command in cfg->admin_argv. Reads a password from in,
 * prints results to out and one error line to stderr. Returns the exit code. */
int pl_admin_main(struct pl_config *cfg, FILE *in, FILE *out);

#endif

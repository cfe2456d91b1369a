/*
 * The security log: sign-ins, failures, lockouts, sign-outs, refused
 * handshakes and actions, admin changes. Each event is one LOG line on
 * stderr and, when the database is up, a row in security_event (written
 * asynchronously; an outage loses only the row, never the line). Callers pass
 * no secrets: never passwords, tokens, codes or ballot contents.
 */
#ifndef PL_SECLOG_H
#define PL_SECLOG_H

#include <stdint.h>

struct pl_store;

/* event: [a-z_]+ ("login_failed"); person_id 0 if unknown; login, address
 * and detail may be NULL. All strings are copied. store may be NULL (the
 * admin CLI logs through its own connection). */
void pl_seclog(struct pl_store *store, const char *event, int64_t person_id, const char *login,
               const char *address, const char *detail);

#endif

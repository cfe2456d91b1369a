/*
 * Sign-in sessions, cached in memory so a WebSocket handshake is accepted or
 * refused at once. PostgreSQL stays the record: the cache is loaded at start,
 * reloaded after every reconnection, and kept in step with other nodes and
 * with `plenumd admin` through NOTIFY on the channel plenum_auth:
 *   "new <session id>"       a session was created (load it)
 *   "revoke <session id>"    a session was revoked (drop it)
 *   "person <person id>"     all of a person's sessions were revoked
 * Loop thread only.
 */
#ifndef PL_AUTH_H
#define PL_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "config.h"
#include "identity.h"
#include "store.h"

#define PL_AUTH_CHANNEL "plenum_auth"

/* Whether person p holds a records-keeping role in some council (the roles
 * of rec_is_staff, schema/009_records.sql): struct pl_identity's is_staff. */
#define PL_AUTH_STAFF_SQL                                                                          \
    "EXISTS (SELECT 1 FROM membership m WHERE m.person_id = p.id "                                 \
    "AND m.role IN ('chair', 'vice_chair', 'secretary', 'staff'))"

enum pl_auth_end_reason { PL_AUTH_SIGNED_OUT, PL_AUTH_EXPIRED, PL_AUTH_REVOKED };

/* Told when a session ends, so its sockets can be closed (1008). */
typedef void (*pl_auth_ended_cb)(void *user, int64_t signin_id, enum pl_auth_end_reason why);

struct pl_auth;

/* store and cfg are borrowed and outlive the cache. */
struct pl_auth *pl_auth_new(struct pl_store *store, const struct pl_config *cfg,
                            pl_auth_ended_cb on_end, void *user);
void pl_auth_free(struct pl_auth *a);

/* Loads the live sessions synchronously (start-up, before the loop).
 * Returns 0, or -1 with err filled. */
int pl_auth_load(struct pl_auth *a, PGconn *conn, char *err, size_t errlen);

/* Starts the sweep timer and the NOTIFY listener. */
void pl_auth_start(struct pl_auth *a);

/* Looks a token up. Returns 0 and fills who (a copy the caller frees with
 * pl_identity_clear) if the session is live; -1 if unknown, malformed,
 * expired or revoked. Counts as use of the session. */
int pl_auth_check(struct pl_auth *a, const char *token, struct pl_identity *who);

/* Marks a session used now (an authenticated message arrived). */
void pl_auth_touch(struct pl_auth *a, int64_t signin_id);

/* Adds a session this node has just committed. Copies everything. */
void pl_auth_add(struct pl_auth *a, int64_t signin_id, const unsigned char hash[32],
                 const struct pl_identity *who, int64_t created_us, int64_t expires_us);

/* Drops a session (its revocation is committed) and reports it ended. */
void pl_auth_end(struct pl_auth *a, int64_t signin_id, enum pl_auth_end_reason why);

/* Whether a session is live now (false once ended or expired). */
bool pl_auth_live(struct pl_auth *a, int64_t signin_id);

unsigned pl_auth_count(const struct pl_auth *a);

#endif

/*
 * The store: one asynchronous libpq connection driven by the GLib main loop
 * (the same loop as libwebsockets), with a FIFO of queries, a timeout per
 * query and automatic reconnection with backoff. Loop thread only.
 *
 * Failure model: while the database is unreachable, queries fail at once with
 * PL_ERR_DB_UNAVAILABLE (retryable) instead of waiting; the store keeps
 * trying to reconnect in the background. Nothing is ever reported as done
 * unless PostgreSQL answered it. A statement that was sent and got no answer
 * (the connection dropped, the server hung, its timeout passed) is reported
 * as PL_ERR_OUTCOME_UNKNOWN: it may have committed, or may still commit when
 * a hung server resumes. A hung server is detected by a liveness probe on a
 * second connection (SELECT 1, 1.25 s at most) within 1.5 s, with no
 * statement of the caller's needed. PostgreSQL's statement_timeout is kept
 * 1 s below each statement's own timeout, so a slow statement is cancelled
 * by the server (PL_ERR_DB_UNAVAILABLE: rolled back) rather than abandoned.
 */
#ifndef PL_STORE_H
#define PL_STORE_H

#include <stdint.h>

#include <libpq-fe.h>

#include "errors.h"

struct pl_store;

/*
 * Completion callback. err is PL_OK when the statement succeeded (res is its
 * result); PL_ERR_DB_UNAVAILABLE when it is known not to have been done: the
 * connection was down before it was sent, or the server cancelled it at its
 * statement_timeout (res NULL, or the error result); PL_ERR_OUTCOME_UNKNOWN
 * when it was sent and no answer came (connection lost, server hung, timed
 * out; res NULL): a write may or may not have committed; PL_ERR_INTERNAL
 * when PostgreSQL refused the statement (res is the error result, for
 * PQresultErrorField). res is owned by the store and valid only during the
 * call. Called on the loop, never from inside pl_store_query() itself.
 */
typedef void (*pl_store_cb)(void *user, const PGresult *res, enum pl_err err);

/* Creates a store and starts connecting in the background (two
 * connections: the store's and its liveness probe's). conninfo is copied.
 * Returns NULL only on allocation failure. */
struct pl_store *pl_store_new(const char *conninfo);

/* Closes the connection and frees the store. Pending callbacks are dropped
 * without being called. NULL is fine. */
void pl_store_free(struct pl_store *st);

/*
 * Queues one statement with text parameters (copied). The callback runs
 * exactly once unless cancelled, at the latest timeout_ms after this call;
 * at once (PL_ERR_DB_UNAVAILABLE) during an announced outage. Returns a
 * non-zero handle for pl_store_cancel().
 */
uint64_t pl_store_query(struct pl_store *st, const char *sql, int nparams,
                        const char *const *params, int timeout_ms, pl_store_cb cb, void *user);

/* Guarantees the callback of handle will not run (e.g. its client left).
 * Unknown or finished handles are ignored. */
void pl_store_cancel(struct pl_store *st, uint64_t handle);

/* Called for each NOTIFY on a channel the store listens on. */
typedef void (*pl_store_notify_cb)(void *user, const char *channel, const char *payload);
/* Called each time a connection is (re)established, after LISTEN: anything
 * notified while the connection was down was missed, so reload state. */
typedef void (*pl_store_connected_cb)(void *user);

/* Listens on channel on every connection from now on. Up to
 * PL_STORE_MAX_LISTENERS channels per store, one callback each; channel is
 * copied (an SQL identifier: [a-z_]+). */
#define PL_STORE_MAX_LISTENERS 4
void pl_store_listen(struct pl_store *st, const char *channel, pl_store_notify_cb on_notify,
                     pl_store_connected_cb on_connected, void *user);

/* Called when the database becomes unreachable (up 0: the first failure
 * after being up, or at start) and when the connection is back after that
 * (up 1), not on every retry, nor when the first connection at start
 * simply succeeds. One callback per store; user is borrowed. */
typedef void (*pl_store_state_cb)(void *user, int up);
void pl_store_on_state(struct pl_store *st, pl_store_state_cb cb, void *user);

/* 1 if the connection is established now, else 0. */
int pl_store_connected(const struct pl_store *st);
/* 1 during an outage that was announced (up 0 above): the database was
 * found unreachable and is not back yet. 0 while the first connection at
 * start is still being made. */
int pl_store_in_outage(const struct pl_store *st);

#endif

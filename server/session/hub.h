/*
 * The hub: live sessions in memory and the clients watching them.
 *
 * Every command on a session goes through that session's pipeline, one at a
 * time: decide against memory (live.c) -> write the change and its event in
 * one statement (live_sql.c, store.c) -> on commit only: apply to memory,
 * encode the event once, send it to every client of the session, reply ok.
 * A failed write changes nothing in memory; a write whose outcome is unknown
 * (the connection dropped or the database hung after it was sent: answered
 * outcome_unknown, never db_unavailable) makes the session reload from the
 * database before its next command, and events committed meanwhile are
 * broadcast then. A command carrying an idempotency key ("key") whose key
 * already committed is answered with the first attempt's seq and not done
 * again (schema/014_idempotency.sql).
 *
 * The transport (net_ws.c) embeds a struct pl_client per connection. Loop
 * thread only. Implemented by hub.c and the files hub_priv.h lists (the
 * pipeline and its commit-first written() are in hub_commit.c).
 */
#ifndef PL_HUB_H
#define PL_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "errors.h"
#include "frame.h"
#include "identity.h"
#include "live.h"
#include "store.h"

struct pl_hub;
struct pl_entry;
struct pl_rtc;
struct pl_rtc_peer;
struct pl_meetings;
struct pl_mseat;

struct pl_client_ref;

struct pl_client {
    /* Set by the transport. */
    const struct pl_identity *who; /* NULL: anonymous observer; owned by the transport */
    enum pl_lang lang;
    /* The peer's address (after a trusted proxy's X-Forwarded-For), for
     * per-address limits and the security log; owned by the transport. */
    const char *address;
    /* Queues a frame to this client, taking a new reference. */
    void (*send)(struct pl_client *c, struct pl_frame *f);
    /* Managed by the hub. */
    struct pl_entry *joined; /* the session watched, NULL if none */
    struct pl_client *prev, *next;
    enum pl_role role;
    bool full_view;             /* a council member: sees closed sittings */
    int64_t loading;            /* session id whose load this client waits for, 0 if none */
    struct pl_rtc_peer *rtc;    /* its remote media connection, NULL if none; owned */
    struct pl_mseat *meeting;   /* its place in a voter meeting, NULL if none; meeting.c's */
    struct pl_client_ref *self; /* the client's own reference, made on first hold; owned */
};

/*
 * A counted handle on a client, for whoever answers it later: a command
 * waiting for its turn or for the database, a ballot in a group commit, a
 * join waiting for a session to load, a meeting statement. A client can go
 * away (a clean close, a TCP drop) at any moment between a request and its
 * answer, and the transport frees it then; so nothing that outlives the
 * current loop turn keeps a struct pl_client *, only a reference, and asks
 * pl_client_get() for the client when it answers: NULL once it has gone.
 *
 * The client holds one reference while it lives (c->self) and
 * pl_hub_client_gone() clears it; each holder holds one more. Loop thread
 * only, like everything of the hub.
 */
struct pl_client_ref {
    struct pl_client *client; /* NULL once gone; borrowed */
    unsigned refs;
};

/* A new reference to c (never NULL). */
struct pl_client_ref *pl_client_hold(struct pl_client *c);
/* Drops one reference (r may be NULL). */
void pl_client_release(struct pl_client_ref *r);
/* The client, or NULL once it has gone (r may be NULL). */
struct pl_client *pl_client_get(const struct pl_client_ref *r);
/* How many requests of c are still to be answered (references held on it). */
unsigned pl_client_pending(const struct pl_client *c);
/* The transport's client is going: every reference now answers NULL. Called
 * by pl_hub_client_gone; the transport must call that before freeing c. */
void pl_client_forget(struct pl_client *c);

/* Replies to c, which may be NULL (gone: nothing is sent). send_text takes
 * text (malloc'd, freed here); reply sends {"type":"ok","re","data"} taking
 * the reference to data (NULL: none); refuse sends an error with the field
 * at fault and a stable reason (either may be NULL). */
void pl_client_send_text(struct pl_client *c, char *text);
void pl_client_reply(struct pl_client *c, const json_t *re, json_t *data);
void pl_client_refuse(struct pl_client *c, const json_t *re, enum pl_err err, const char *field,
                      const char *reason);

/* A client's media room sends it text through this (user: the client;
 * text NULL: the room dropped its media connection). */
void pl_client_rtc_send(void *user, char *text);

/* The channel on which PostgreSQL announces each committed session event,
 * payload "<session id> <seq>" (schema/010_nodes.sql): several plenumd
 * nodes on one database stay in step through it. */
#define PL_EVENT_CHANNEL "plenum_session_event"

/* store is borrowed and outlives the hub. */
struct pl_hub *pl_hub_new(struct pl_store *store);
void pl_hub_free(struct pl_hub *hub);

/* Called on the loop after an event of session_id has committed (and been
 * broadcast), including events another writer committed that a reload
 * found. data is borrowed for the call. */
typedef void (*pl_hub_observer)(void *user, int64_t session_id, const char *name,
                                const json_t *data);
void pl_hub_observe(struct pl_hub *hub, pl_hub_observer fn, void *user);

/* The remote participants' rooms (borrowed; outlives the hub's clients):
 * rtc.* requests go there. NULL: refused as unavailable. */
void pl_hub_set_rtc(struct pl_hub *hub, struct pl_rtc *rtc);

/* The voter meetings (borrowed; outlives the hub's clients): meeting.*
 * requests go there. */
void pl_hub_set_meetings(struct pl_hub *hub, struct pl_meetings *meetings);

/* Loads every session from the database (start-up, synchronous): the state
 * before any restart comes back exactly. Returns 0, or -1 with err filled. */
int pl_hub_load(struct pl_hub *hub, PGconn *conn, char *err, size_t errlen);

/* Handles one text message from c; every message gets exactly one reply. */
void pl_hub_message(struct pl_hub *hub, struct pl_client *c, const char *buf, size_t len);

/* The client is going away: unsubscribe it, drop its queued commands. */
void pl_hub_client_gone(struct pl_hub *hub, struct pl_client *c);

/* The database changed behind the hub (the admin page edited a session or
 * a council's people): reload session_id and every session of council_id
 * that is in memory now, and send their clients the events committed
 * meanwhile. 0 matches nothing; a session_id below 0 matches every session. */
void pl_hub_refresh(struct pl_hub *hub, int64_t session_id, int64_t council_id);

/* Sessions in memory (for health and tests). */
unsigned pl_hub_sessions(const struct pl_hub *hub);

#endif

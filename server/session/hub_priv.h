/*
 * The hub's private parts, shared by its files and by nobody else:
 *
 *   hub.c        clients and their references, event frames and the ring,
 *                sessions in memory (load, join, resume, leave), the routing
 *                of each message (pl_hub_message), lifetime
 *   hub_commit.c a session's pipeline: kick() runs the next command, the
 *                group commit of ballots, write, written() (commit first,
 *                then apply and broadcast), reload, the floor and vote timers
 *   hub_count.c  counting a closed vote: compaction steps, the read, orphans
 *   hub_notice.c notices that are not events: vote progress, vote.entered
 *   hub_rtc.c    rtc.* requests of a session's clients
 *
 * Loop thread only, like all of the hub.
 */
#ifndef PL_HUB_PRIV_H
#define PL_HUB_PRIV_H

#include <glib.h>
#include <jansson.h>

#include "hub.h"
#include "proto.h"
#include "vote.h"

/* Recent events kept per session for resume; older resumes get a snapshot. */
#define RING_SIZE        1024
#define WRITE_TIMEOUT_MS 10000

struct ring_event {
    int64_t seq;
    bool public;
    struct pl_frame *full;   /* the event; a reference owned here */
    struct pl_frame *hidden; /* what observers get while it is not public; owned */
};

/* A command waiting for its turn in a session's pipeline. */
struct op {
    struct pl_client_ref *from;     /* who asked: a reference (NULL: the system); see op_client */
    json_t *root;                   /* the request; owned */
    json_t *id;                     /* borrowed from root */
    const char *type;               /* static storage; for logs (the hub's own ops name theirs) */
    const struct pl_req_spec *spec; /* the client's request (static); NULL for the hub's own */
    bool system_overrun;            /* the overrun timer, not a client */
    bool system_vote_close;         /* a vote's countdown, not a client */
    int64_t count_vote;             /* a system op counting this closed vote */
    int compact_step;               /* counting: the next of pl_vote_compact to run */
    struct pl_change ch;            /* decided, being written */
    GPtrArray *batch;               /* a group commit: the ballot ops it answers */
    char receipt[24];               /* a ballot's receipt, for its reply */
    int outcome;                    /* a ballot's enum pl_cast outcome */
    gint64 t0;                      /* when the request arrived (monotonic µs), for /metrics */
    bool key_retried;               /* its key was found taken once: decided again after a reload */
};

/* A session in memory; owned by hub->entries (freed by entry_free). */
struct pl_entry {
    struct pl_hub *hub; /* borrowed: the hub that holds it */
    int64_t id;
    struct pl_live *live;      /* owned */
    struct pl_client *clients; /* borrowed: the transport's, linked by prev/next */
    GQueue pending;            /* struct op *, owned: waiting for their turn */
    struct op *busy;           /* owned: being written (or counted) */
    GQueue ring;               /* struct ring_event *, owned, oldest first */
    guint overrun_timer;
    guint vote_timer;   /* the open vote's countdown */
    guint notice_timer; /* a progress notice is due */
    guint orphan_timer; /* a vote closed elsewhere, not yet counted: see count_orphans */
    json_t *notice;     /* the latest progress of the open vote, not yet sent; owned */
    bool notice_public;
    bool stale;             /* memory may lag the database: reload first */
    bool reload_now;        /* stale, and reload even with no command waiting */
    uint64_t store_request; /* the write or reload in flight */
    int64_t notified_seq;   /* the newest seq PostgreSQL said was committed (any node) */
};

/* A session being loaded for clients that asked to join it; owned by
 * hub->loading (freed by loading_free). */
struct loading {
    struct pl_hub *hub;
    int64_t id;
    GPtrArray *waiters; /* struct op *, owned (type join/resume) */
    uint64_t store_request;
};

struct pl_hub {
    struct pl_store *store;
    pl_hub_observer observer; /* told of every committed event; may be NULL */
    void *observer_user;
    GHashTable *entries;          /* int64 id -> struct pl_entry * */
    GHashTable *loading;          /* int64 id -> struct loading * */
    struct pl_rtc *rtc;           /* remote participants' rooms; borrowed, may be NULL */
    struct pl_meetings *meetings; /* voter meetings; borrowed, may be NULL */
};

/* The client that asked op, if it is still there. */
static inline struct pl_client *op_client(const struct op *op)
{
    return pl_client_get(op->from);
}

static inline int64_t now_ms(void)
{
    return g_get_real_time() / 1000;
}

static inline void reply_ok(struct pl_client *c, const json_t *re, json_t *data)
{
    pl_client_reply(c, re, data);
}

static inline void refuse(struct pl_client *c, const json_t *re, enum pl_err err,
                          const char *reason)
{
    if (!c) /* gone: nobody to tell */
        return;
    pl_client_send_text(c, pl_proto_encode_refusal(re, err, reason, c->lang));
}

/* hub.c */
/* Frees op (NULL: nothing) with its request, reference, change and batch. */
void pl_hub_op_free(struct op *op);
/* Appends an event to e's ring (dropping the oldest beyond RING_SIZE) and
 * returns it; the ring owns it, data is borrowed. */
struct ring_event *pl_hub_ring_push(struct pl_entry *e, int64_t seq, int64_t at_ms,
                                    const char *name, bool public, const json_t *data);
/* Sends r to every client of e (each gets the full or the hidden frame). */
void pl_hub_broadcast(struct pl_entry *e, const struct ring_event *r);
/* Tells the hub's observer of a committed event (data borrowed). */
void pl_hub_tell_observer(struct pl_entry *e, const char *name, const json_t *data);
/* Fills the ring from the events of doc (borrowed) newer than after_seq;
 * broadcast_them: also sends them to e's clients and the observer. */
void pl_hub_ring_from_doc(struct pl_entry *e, const json_t *doc, int64_t after_seq,
                          bool broadcast_them);

/* hub_commit.c */
/* Runs e's next pending command if nothing is being written or read. */
void pl_hub_commit_kick(struct pl_entry *e);
/* Writes op's decided change; op is e's busy op until written() frees it. */
void pl_hub_commit_write(struct pl_entry *e, struct op *op);
/* (Re)arms e's floor-overrun and vote-close timers from memory. */
void pl_hub_commit_schedule(struct pl_entry *e);

/* hub_count.c */
/* Queues a count (a system op) for every closed, uncounted vote of e. */
void pl_hub_count_queue(struct pl_entry *e);
/* After a reload: gives a closed, uncounted vote time to be counted
 * elsewhere, then counts it here. */
void pl_hub_count_watch_orphans(struct pl_entry *e);
/* Starts counting op->count_vote; op becomes e's busy op (owned). */
void pl_hub_count_start(struct pl_entry *e, struct op *op);

/* hub_notice.c */
/* Sends the pending vote progress now (a GSourceFunc: data is the entry). */
gboolean pl_hub_notice_send(gpointer data);
/* Keeps data (borrowed; a reference is taken) as the latest progress, sent
 * within NOTICE_INTERVAL_MS (hub_notice.c). */
void pl_hub_notice_queue(struct pl_entry *e, const json_t *data, bool public);
/* Tells each delegate whose ballot the secretary entered in ch (vote.enter). */
void pl_hub_notice_entered(struct pl_entry *e, const struct pl_change *ch);

/* hub_rtc.c */
/* Answers an rtc.* request of c (req borrowed). */
void pl_hub_rtc_request(struct pl_hub *hub, struct pl_client *c, const struct pl_request *req);

#endif

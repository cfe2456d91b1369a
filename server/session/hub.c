/* The hub; see hub.h. */
#include "hub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live_sql.h"
#include "log.h"
#include "meeting.h"
#include "metrics.h"
#include "proto.h"
#include "rtc.h"
#include "vote.h"
#include "vote_sql.h"

/* Recent events kept per session for resume; older resumes get a snapshot. */
#define RING_SIZE        1024
#define WRITE_TIMEOUT_MS 10000
/* The most ballots written in one statement (group commit). */
#define MAX_BATCH 2000

struct ring_event {
    int64_t seq;
    bool public;
    struct pl_frame *full;   /* the event */
    struct pl_frame *hidden; /* what observers get while it is not public */
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

struct pl_entry {
    struct pl_hub *hub;
    int64_t id;
    struct pl_live *live; /* owned */
    struct pl_client *clients;
    GQueue pending;  /* struct op * */
    struct op *busy; /* being written */
    GQueue ring;     /* struct ring_event *, oldest first */
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

/* A session being loaded for clients that asked to join it. */
struct loading {
    struct pl_hub *hub;
    int64_t id;
    GPtrArray *waiters; /* struct op * (type join/resume) */
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

static void kick(struct pl_entry *e);

/* --- client references ------------------------------------------------------------ */

struct pl_client_ref *pl_client_hold(struct pl_client *c)
{
    if (!c->self) {
        c->self = g_new0(struct pl_client_ref, 1);
        c->self->client = c;
        c->self->refs = 1; /* the client's own */
    }
    c->self->refs++;
    return c->self;
}

void pl_client_release(struct pl_client_ref *r)
{
    if (r && --r->refs == 0)
        g_free(r);
}

struct pl_client *pl_client_get(const struct pl_client_ref *r)
{
    return r ? r->client : NULL;
}

unsigned pl_client_pending(const struct pl_client *c)
{
    return c->self ? c->self->refs - 1 : 0;
}

void pl_client_forget(struct pl_client *c)
{
    if (!c->self)
        return;
    c->self->client = NULL;
    pl_client_release(c->self);
    c->self = NULL;
}

/* The client that asked op, if it is still there. */
static struct pl_client *op_client(const struct op *op)
{
    return pl_client_get(op->from);
}

static int64_t now_ms(void)
{
    return g_get_real_time() / 1000;
}

void pl_client_send_text(struct pl_client *c, char *text)
{
    if (!text || !c) {
        free(text);
        return;
    }
    struct pl_frame *f = pl_frame_new(text, strlen(text));
    free(text);
    if (f) {
        c->send(c, f);
        pl_frame_unref(f);
    }
}

void pl_client_reply(struct pl_client *c, const json_t *re, json_t *data)
{
    if (!c) {
        json_decref(data);
        return;
    }
    pl_client_send_text(c, pl_proto_encode_ok(re, data));
}

void pl_client_refuse(struct pl_client *c, const json_t *re, enum pl_err err, const char *field,
                      const char *reason)
{
    if (!c)
        return;
    char *text = pl_proto_encode_error(re, err, field, c->lang);
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    if (!o)
        return;
    if (reason && *reason)
        json_object_set_new(o, "reason", json_string(reason));
    pl_client_send_text(c, json_dumps(o, JSON_COMPACT));
    json_decref(o);
}

static void op_free(struct op *op)
{
    if (!op)
        return;
    json_decref(op->root);
    pl_client_release(op->from);
    pl_change_clear(&op->ch);
    if (op->batch)
        g_ptr_array_free(op->batch, TRUE);
    g_free(op);
}

static void cast_free(gpointer p)
{
    pl_cast_clear(p);
    g_free(p);
}

static bool is_ballot(const struct op *op)
{
    return op->spec && op->spec->kind == PL_REQ_BALLOT;
}

/* --- event frames and the ring ------------------------------------------------ */

static struct pl_frame *frame_of(json_t *obj)
{
    char *text = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    if (!text)
        return NULL;
    struct pl_frame *f = pl_frame_new(text, strlen(text));
    free(text);
    return f;
}

static struct ring_event *ring_push(struct pl_entry *e, int64_t seq, int64_t at_ms,
                                    const char *name, bool public, const json_t *data)
{
    struct ring_event *r = g_new0(struct ring_event, 1);
    r->seq = seq;
    r->public = public;
    r->full = frame_of(json_pack("{s:s, s:I, s:I, s:I, s:s, s:O}", "type", "event", "session_id",
                                 (json_int_t)e->id, "seq", (json_int_t)seq, "at_ms",
                                 (json_int_t)at_ms, "name", name, "data", (json_t *)data));
    /* Observers keep a gap-free seq but learn nothing of a closed sitting. */
    r->hidden = public ? pl_frame_ref(r->full)
                       : frame_of(json_pack("{s:s, s:I, s:I, s:I, s:s}", "type", "event",
                                            "session_id", (json_int_t)e->id, "seq", (json_int_t)seq,
                                            "at_ms", (json_int_t)at_ms, "name", "hidden"));
    g_queue_push_tail(&e->ring, r);
    while (g_queue_get_length(&e->ring) > RING_SIZE) {
        struct ring_event *old = g_queue_pop_head(&e->ring);
        pl_frame_unref(old->full);
        pl_frame_unref(old->hidden);
        g_free(old);
    }
    return r;
}

static void send_event(struct pl_client *c, const struct ring_event *r)
{
    struct pl_frame *f = c->full_view ? r->full : r->hidden;
    if (f)
        c->send(c, f);
}

/* Tells the observer (media: recording follows the sittings) of a
 * committed event. */
static void observe(struct pl_entry *e, const char *name, const json_t *data)
{
    if (e->hub->observer && name)
        e->hub->observer(e->hub->observer_user, e->id, name, data);
}

static void broadcast(struct pl_entry *e, const struct ring_event *r)
{
    for (struct pl_client *c = e->clients; c; c = c->next)
        send_event(c, r);
}

/* --- entries -------------------------------------------------------------------- */

static void unsubscribe(struct pl_client *c)
{
    struct pl_entry *e = c->joined;
    if (c->rtc) { /* its place in the room goes with the session it leaves */
        pl_rtc_leave(c->rtc);
        c->rtc = NULL;
    }
    if (!e)
        return;
    if (c->prev)
        c->prev->next = c->next;
    else
        e->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    c->joined = NULL;
}

static void subscribe(struct pl_entry *e, struct pl_client *c)
{
    unsubscribe(c);
    c->joined = e;
    c->next = e->clients;
    c->prev = NULL;
    if (e->clients)
        e->clients->prev = c;
    e->clients = c;
    bool delegate;
    c->role = pl_live_role(e->live, c->who, &delegate);
    c->full_view = c->role != PL_ROLE_NONE;
}

static void entry_free(gpointer p)
{
    struct pl_entry *e = p;
    if (e->overrun_timer)
        g_source_remove(e->overrun_timer);
    if (e->vote_timer)
        g_source_remove(e->vote_timer);
    if (e->notice_timer)
        g_source_remove(e->notice_timer);
    if (e->orphan_timer)
        g_source_remove(e->orphan_timer);
    json_decref(e->notice);
    if (e->store_request)
        pl_store_cancel(e->hub->store, e->store_request);
    while (e->clients)
        unsubscribe(e->clients);
    struct op *op;
    while ((op = g_queue_pop_head(&e->pending)) != NULL)
        op_free(op);
    op_free(e->busy);
    struct ring_event *r;
    while ((r = g_queue_pop_head(&e->ring)) != NULL) {
        pl_frame_unref(r->full);
        pl_frame_unref(r->hidden);
        g_free(r);
    }
    pl_live_free(e->live);
    g_free(e);
}

static void loading_free(gpointer p)
{
    struct loading *ld = p;
    if (ld->store_request)
        pl_store_cancel(ld->hub->store, ld->store_request);
    for (guint i = 0; i < ld->waiters->len; i++) {
        struct op *op = g_ptr_array_index(ld->waiters, i);
        if (op_client(op))
            op_client(op)->loading = 0;
        op_free(op);
    }
    g_ptr_array_free(ld->waiters, TRUE);
    g_free(ld);
}

/* Another node (or this one) committed event seq of a session: a node
 * that holds the session and is behind reloads it, which sends its clients
 * the events they missed (schema/010_nodes.sql notifies every commit). */
static void on_event_notify(void *user, const char *channel, const char *payload)
{
    (void)channel;
    struct pl_hub *hub = user;
    long long sid = 0, seq = 0;
    if (!payload || sscanf(payload, "%lld %lld", &sid, &seq) != 2)
        return;
    int64_t key = sid;
    struct pl_entry *e = g_hash_table_lookup(hub->entries, &key);
    if (!e || seq <= e->notified_seq)
        return;
    e->notified_seq = seq;
    kick(e);
}

/* After a reconnect, anything notified meanwhile was missed. */
static void on_store_connected(void *user)
{
    pl_hub_refresh(user, -1, -1);
}

struct pl_hub *pl_hub_new(struct pl_store *store)
{
    struct pl_hub *hub = g_new0(struct pl_hub, 1);
    hub->store = store;
    hub->entries = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, entry_free);
    hub->loading = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, loading_free);
    pl_store_listen(store, PL_EVENT_CHANNEL, on_event_notify, on_store_connected, hub);
    return hub;
}

void pl_hub_observe(struct pl_hub *hub, pl_hub_observer fn, void *user)
{
    hub->observer = fn;
    hub->observer_user = user;
}

void pl_hub_set_meetings(struct pl_hub *hub, struct pl_meetings *meetings)
{
    hub->meetings = meetings;
}

void pl_hub_set_rtc(struct pl_hub *hub, struct pl_rtc *rtc)
{
    hub->rtc = rtc;
}

void pl_hub_free(struct pl_hub *hub)
{
    if (!hub)
        return;
    g_hash_table_destroy(hub->loading);
    g_hash_table_destroy(hub->entries);
    g_free(hub);
}

unsigned pl_hub_sessions(const struct pl_hub *hub)
{
    return g_hash_table_size(hub->entries);
}

void pl_hub_refresh(struct pl_hub *hub, int64_t session_id, int64_t council_id)
{
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, hub->entries);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        struct pl_entry *e = value;
        /* session_id < 0: every session (after a reconnect). */
        if (session_id >= 0 && e->id != session_id && e->live->council_id != council_id)
            continue;
        e->stale = true;
        e->reload_now = true;
        kick(e);
    }
}

/* Fills the ring from the document's recent events. */
static void ring_from_doc(struct pl_entry *e, const json_t *doc, int64_t after_seq,
                          bool broadcast_them)
{
    size_t i;
    const json_t *ev;
    json_array_foreach(json_object_get(doc, "events"), i, ev)
    {
        int64_t seq = json_integer_value(json_object_get(ev, "seq"));
        if (seq <= after_seq)
            continue;
        struct ring_event *r =
            ring_push(e, seq, json_integer_value(json_object_get(ev, "at_ms")),
                      json_string_value(json_object_get(ev, "name")),
                      json_is_true(json_object_get(ev, "public")), json_object_get(ev, "data"));
        if (broadcast_them) {
            broadcast(e, r);
            observe(e, json_string_value(json_object_get(ev, "name")), json_object_get(ev, "data"));
        }
    }
}

static void schedule_overrun(struct pl_entry *e);

/* Queues a count for every vote that is closed and not counted. A count of
 * a vote counted meanwhile (by this node or another) does nothing:
 * pl_vote_check_counted() wants it closed. */
static void queue_counts(struct pl_entry *e)
{
    for (guint i = 0; i < e->live->votes->len; i++) {
        const struct pl_vote *v = g_ptr_array_index(e->live->votes, i);
        if (v->state != PL_VS_CLOSED)
            continue;
        struct op *count = g_new0(struct op, 1);
        count->count_vote = v->id;
        count->type = "vote.count";
        g_queue_push_tail(&e->pending, count);
    }
}

/* How long a vote another node closed may stay uncounted before this node
 * counts it. The closing node counts at once (milliseconds); this is for
 * when it died in between and no node restarts to load the session. */
#define ORPHAN_COUNT_MS 5000

static gboolean on_orphan_count(gpointer data)
{
    struct pl_entry *e = data;
    e->orphan_timer = 0;
    queue_counts(e);
    kick(e);
    return G_SOURCE_REMOVE;
}

/* After a reload: a closed, uncounted vote is given ORPHAN_COUNT_MS to be
 * counted by whoever closed it (its vote.counted reloads this node again,
 * and the timer then finds nothing to do). */
static void watch_orphans(struct pl_entry *e)
{
    if (e->orphan_timer)
        return;
    for (guint i = 0; i < e->live->votes->len; i++) {
        const struct pl_vote *v = g_ptr_array_index(e->live->votes, i);
        if (v->state == PL_VS_CLOSED) {
            e->orphan_timer = g_timeout_add(ORPHAN_COUNT_MS, on_orphan_count, e);
            return;
        }
    }
}

static struct pl_entry *entry_from_doc(struct pl_hub *hub, const json_t *doc, char *err,
                                       size_t errlen)
{
    struct pl_live *live = pl_live_from_json(doc, err, errlen);
    if (!live)
        return NULL;
    struct pl_entry *e = g_new0(struct pl_entry, 1);
    e->hub = hub;
    e->id = live->id;
    e->live = live;
    g_queue_init(&e->pending);
    g_queue_init(&e->ring);
    ring_from_doc(e, doc, 0, false);
    g_hash_table_insert(hub->entries, &e->id, e);
    schedule_overrun(e);
    /* A vote whose close was committed but whose count was not (the process
     * died in between: found by the kill -9 test, and
     * test_reliability's test_kill_between_close_and_count) is counted now;
     * otherwise it would stay closed, uncounted, for good. Another node
     * counting it at the same moment is harmless: one count commits, the
     * other's write meets the event log's guard and reloads. */
    queue_counts(e);
    kick(e);
    return e;
}

int pl_hub_load(struct pl_hub *hub, PGconn *conn, char *err, size_t errlen)
{
    PGresult *ids = PQexec(conn, "SELECT id FROM session ORDER BY id");
    if (PQresultStatus(ids) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "could not list sessions: %s", PQresultErrorMessage(ids));
        PQclear(ids);
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < PQntuples(ids) && rc == 0; i++) {
        const char *p[1] = {PQgetvalue(ids, i, 0)};
        PGresult *r = PQexecParams(conn, pl_live_load_sql, 1, NULL, p, NULL, NULL, 0);
        json_t *doc = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1
                          ? json_loads(PQgetvalue(r, 0, 0), 0, NULL)
                          : NULL;
        if (!doc || !entry_from_doc(hub, doc, err, errlen)) {
            if (!doc)
                snprintf(err, errlen, "could not load session %s: %s", p[0],
                         PQresultErrorMessage(r));
            rc = -1;
        }
        json_decref(doc);
        PQclear(r);
    }
    PQclear(ids);
    if (rc == 0)
        pl_log_debug("loaded %u session(s)", g_hash_table_size(hub->entries));
    return rc;
}

/* --- joining --------------------------------------------------------------------- */

static void reply_ok(struct pl_client *c, const json_t *re, json_t *data)
{
    pl_client_reply(c, re, data);
}

static void refuse(struct pl_client *c, const json_t *re, enum pl_err err, const char *reason)
{
    if (!c) /* gone: nobody to tell */
        return;
    pl_client_send_text(c, pl_proto_encode_refusal(re, err, reason, c->lang));
}

/* refuse(), with the numbers behind the reason as "detail" (taken; NULL:
 * none), so a client can say "19 present, 20 needed". */
static void refuse_detail(struct pl_client *c, const json_t *re, enum pl_err err,
                          const char *reason, json_t *detail)
{
    if (!c) { /* gone: nobody to tell */
        json_decref(detail);
        return;
    }
    char *text = pl_proto_encode_refusal(re, err, reason, c->lang);
    json_t *o = text && detail ? json_loads(text, 0, NULL) : NULL;
    if (o) {
        free(text);
        json_object_set_new(o, "detail", detail);
        text = json_dumps(o, JSON_COMPACT);
        json_decref(o);
    } else {
        json_decref(detail);
    }
    pl_client_send_text(c, text);
}

/* --- vote.tally ------------------------------------------------------------------ */

/* A vote.tally waiting for the database. */
struct tally_ask {
    struct pl_client_ref *from; /* who asked: a reference */
    json_t *re;                 /* the request's id; owned */
};

static void tally_answered(void *user, const PGresult *res, enum pl_err err)
{
    struct tally_ask *t = user;
    struct pl_client *c = pl_client_get(t->from);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (c && err == PL_OK) {
        pl_client_reply(c, t->re, json_loads(PQgetvalue(res, 0, 0), 0, NULL));
    } else if (c && state && strcmp(state, "P0001") == 0) {
        /* vote_tally_for's refusal: its code and reason (005_admin style). */
        const char *code = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        enum pl_err refusal = PL_ERR_FORBIDDEN;
        for (int k = 0; k < PL_ERR__COUNT; k++)
            if (code && strcmp(pl_err_code((enum pl_err)k), code) == 0)
                refusal = (enum pl_err)k;
        refuse(c, t->re, refusal, PQresultErrorField(res, PG_DIAG_MESSAGE_HINT));
    } else if (c) {
        refuse(c, t->re, err == PL_OK ? PL_ERR_INTERNAL : err, NULL);
    }
    pl_client_release(t->from);
    json_decref(t->re);
    g_free(t);
}

/* Answers vote.tally with what vote_tally_for (schema/015_access.sql) lets
 * the asker see. The vote's row is written in the transaction of each of
 * its events, so the database is never behind memory. */
static void ask_tally(struct pl_entry *e, struct pl_client *from, const struct op *op)
{
    struct tally_ask *t = g_new0(struct tally_ask, 1);
    t->from = pl_client_hold(from);
    t->re = json_incref(op->id);
    char person[24], session[24], vote[24];
    snprintf(person, sizeof person, "%lld", (long long)(from->who ? from->who->person_id : 0));
    snprintf(session, sizeof session, "%lld", (long long)e->id);
    snprintf(vote, sizeof vote, "%lld", (long long)op->ch.vote_id);
    const char *p[4] = {person, from->who && from->who->is_admin ? "t" : "f", session, vote};
    pl_store_query(e->hub->store, "SELECT vote_tally_for($1, $2, $3, $4)::text", 4, p,
                   WRITE_TIMEOUT_MS, tally_answered, t);
}

/* Completes a join or resume on a loaded session. */
static void join_now(struct pl_entry *e, struct pl_client *c, const json_t *req, const json_t *re,
                     bool resume)
{
    bool delegate;
    enum pl_role role = pl_live_role(e->live, c->who, &delegate);
    /* A session closed to the public is for its council's members only. */
    if (e->live->closed && role == PL_ROLE_NONE) {
        refuse(c, re, c->who ? PL_ERR_FORBIDDEN : PL_ERR_UNAUTHENTICATED, "closed_session");
        return;
    }
    int64_t from = json_integer_value(json_object_get(req, "seq"));
    if (resume && (from < 0 || from > e->live->seq)) {
        /* Refused before anything changes: a client joined to a session
         * stays joined to it as it was. */
        refuse(c, re, PL_ERR_BAD_FIELD, "seq");
        return;
    }
    subscribe(e, c);
    int64_t now = now_ms();
    json_t *who = json_pack("{s:s, s:b}", "role", pl_role_name(c->role), "is_delegate", delegate);
    if (!resume) {
        reply_ok(c, re,
                 json_pack("{s:o, s:o}", "you", who, "snapshot",
                           pl_live_snapshot(e->live, c->full_view, now)));
        return;
    }
    struct ring_event *first = g_queue_peek_head(&e->ring);
    bool covered = from == e->live->seq || (first && first->seq <= from + 1);
    if (!covered) {
        /* Too far behind the events kept: start again from a snapshot. */
        reply_ok(c, re,
                 json_pack("{s:o, s:I, s:n, s:o}", "you", who, "seq", (json_int_t)e->live->seq,
                           "replayed", "snapshot", pl_live_snapshot(e->live, c->full_view, now)));
        return;
    }
    /* The missed events go out before the reply and before anything newer:
     * all of it happens in this one loop turn. */
    int n = 0;
    for (GList *l = e->ring.head; l; l = l->next) {
        struct ring_event *r = l->data;
        if (r->seq > from) {
            send_event(c, r);
            n++;
        }
    }
    reply_ok(
        c, re,
        json_pack("{s:o, s:I, s:i}", "you", who, "seq", (json_int_t)e->live->seq, "replayed", n));
}

static void loaded(void *user, const PGresult *res, enum pl_err err)
{
    struct loading *ld = user;
    struct pl_hub *hub = ld->hub;
    ld->store_request = 0;
    json_t *doc =
        err == PL_OK && PQntuples(res) == 1 ? json_loads(PQgetvalue(res, 0, 0), 0, NULL) : NULL;
    struct pl_entry *e = NULL;
    char msg[256] = "";
    if (doc && json_is_object(json_object_get(doc, "session")))
        e = entry_from_doc(hub, doc, msg, sizeof msg);
    json_decref(doc);
    for (guint i = 0; i < ld->waiters->len; i++) {
        struct op *op = g_ptr_array_index(ld->waiters, i);
        struct pl_client *c = op_client(op);
        if (!c)
            continue;
        c->loading = 0;
        if (e)
            join_now(e, c, op->root, op->id, op->spec->id == PL_RQ_RESUME);
        else if (err != PL_OK) /* a read: whether it "committed" means nothing */
            refuse(c, op->id, pl_err_database(err) ? PL_ERR_DB_UNAVAILABLE : err, NULL);
        else
            refuse(c, op->id, PL_ERR_NOT_FOUND, "session_id");
    }
    g_hash_table_remove(hub->loading, &ld->id); /* frees ld and the ops */
}

static void join(struct pl_hub *hub, struct pl_client *c, json_t *root, json_t *re,
                 const struct pl_req_spec *spec)
{
    int64_t id = json_integer_value(json_object_get(root, "session_id"));
    struct pl_entry *e = g_hash_table_lookup(hub->entries, &id);
    if (e) {
        join_now(e, c, root, re, spec->id == PL_RQ_RESUME);
        json_decref(root);
        return;
    }
    if (id <= 0) {
        refuse(c, re, PL_ERR_NOT_FOUND, "session_id");
        json_decref(root);
        return;
    }
    /* Not in memory (created after start): load it, then join. */
    struct loading *ld = g_hash_table_lookup(hub->loading, &id);
    if (!ld) {
        ld = g_new0(struct loading, 1);
        ld->hub = hub;
        ld->id = id;
        ld->waiters = g_ptr_array_new();
        g_hash_table_insert(hub->loading, &ld->id, ld);
        char param[24];
        snprintf(param, sizeof param, "%lld", (long long)id);
        const char *p[1] = {param};
        ld->store_request =
            pl_store_query(hub->store, pl_live_load_sql, 1, p, WRITE_TIMEOUT_MS, loaded, ld);
    }
    struct op *op = g_new0(struct op, 1);
    op->from = pl_client_hold(c);
    op->root = root;
    op->id = re;
    op->type = spec->type;
    op->spec = spec;
    c->loading = id;
    g_ptr_array_add(ld->waiters, op);
}

/* --- the command pipeline ---------------------------------------------------------- */

static gboolean on_overrun(gpointer data)
{
    struct pl_entry *e = data;
    e->overrun_timer = 0;
    struct op *op = g_new0(struct op, 1);
    op->system_overrun = true;
    op->type = "floor.overrun";
    g_queue_push_tail(&e->pending, op);
    kick(e);
    return G_SOURCE_REMOVE;
}

static gboolean on_vote_close(gpointer data)
{
    struct pl_entry *e = data;
    e->vote_timer = 0;
    struct op *op = g_new0(struct op, 1);
    op->system_vote_close = true;
    op->type = "vote.close";
    g_queue_push_tail(&e->pending, op);
    kick(e);
    return G_SOURCE_REMOVE;
}

static void schedule_overrun(struct pl_entry *e)
{
    if (e->vote_timer) {
        g_source_remove(e->vote_timer);
        e->vote_timer = 0;
    }
    int64_t closes = pl_vote_next_close(e->live);
    if (closes) {
        int64_t wait = closes - now_ms();
        e->vote_timer = g_timeout_add((guint)(wait > 0 ? wait + 5 : 0), on_vote_close, e);
    }
    if (e->overrun_timer) {
        g_source_remove(e->overrun_timer);
        e->overrun_timer = 0;
    }
    int64_t deadline = pl_live_deadline(e->live);
    if (deadline) {
        int64_t wait = deadline - now_ms();
        e->overrun_timer = g_timeout_add((guint)(wait > 0 ? wait + 5 : 0), on_overrun, e);
    }
}

static void reloaded(void *user, const PGresult *res, enum pl_err err)
{
    struct pl_entry *e = user;
    e->store_request = 0;
    json_t *doc =
        err == PL_OK && PQntuples(res) == 1 ? json_loads(PQgetvalue(res, 0, 0), 0, NULL) : NULL;
    char msg[256];
    struct pl_live *live = doc ? pl_live_from_json(doc, msg, sizeof msg) : NULL;
    if (!live) {
        json_decref(doc);
        /* Still unreachable: try again when the next command comes (or
         * the database is back: pl_hub_refresh). A count is kept: nobody
         * would send it again, and the vote would stay uncounted. */
        GQueue keep = G_QUEUE_INIT;
        struct op *op;
        while ((op = g_queue_pop_head(&e->pending)) != NULL) {
            if (op->count_vote) {
                g_queue_push_tail(&keep, op);
                continue;
            }
            if (op_client(op))
                refuse(op_client(op), op->id, PL_ERR_DB_UNAVAILABLE, NULL);
            op_free(op);
        }
        e->pending = keep;
        return;
    }
    int64_t old = e->live->seq;
    pl_log_info("session %lld reloaded at seq %lld (was %lld)", (long long)e->id,
                (long long)live->seq, (long long)old);
    pl_live_free(e->live);
    e->live = live;
    e->stale = false;
    e->reload_now = false;
    /* Events that committed while we could not tell: send them now. */
    ring_from_doc(e, doc, old, true);
    json_decref(doc);
    for (struct pl_client *c = e->clients; c; c = c->next) {
        bool delegate;
        c->role = pl_live_role(live, c->who, &delegate);
    }
    schedule_overrun(e);
    watch_orphans(e);
    kick(e);
}

static void reply_ballot(struct op *b, int64_t seq)
{
    static const char *const outcomes[] = {"recorded", "changed", "duplicate"};
    (void)seq;
    json_t *data = json_pack("{s:I, s:s}", "vote_id",
                             (json_int_t)json_integer_value(json_object_get(b->root, "vote_id")),
                             "outcome", outcomes[b->outcome]);
    if (b->receipt[0])
        json_object_set_new(data, "receipt", json_string(b->receipt));
    pl_hist_observe(&pl_metrics.vote_ack, g_get_monotonic_time() - b->t0);
    reply_ok(op_client(b), b->id, data);
}

/* Progress of a vote is broadcast at most this often, however many groups
 * of ballots commit in between: one notice per interval, not per ballot. */
#define NOTICE_INTERVAL_MS 100

static gboolean send_notice(gpointer data)
{
    struct pl_entry *e = data;
    e->notice_timer = 0;
    if (!e->notice)
        return G_SOURCE_REMOVE;
    json_t *n = json_pack("{s:s, s:I, s:s, s:O}", "type", "notice", "session_id", (json_int_t)e->id,
                          "name", "vote.progress", "data", e->notice);
    char *text = json_dumps(n, JSON_COMPACT);
    json_decref(n);
    json_decref(e->notice);
    e->notice = NULL;
    struct pl_frame *f = text ? pl_frame_new(text, strlen(text)) : NULL;
    free(text);
    for (struct pl_client *c = e->clients; f && c; c = c->next) {
        if (e->notice_public || c->full_view)
            c->send(c, f);
    }
    pl_frame_unref(f);
    return G_SOURCE_REMOVE;
}

static void queue_notice(struct pl_entry *e, const json_t *data, bool public)
{
    json_decref(e->notice);
    e->notice = json_incref((json_t *)data);
    e->notice_public = public;
    if (!e->notice_timer)
        e->notice_timer = g_timeout_add(NOTICE_INTERVAL_MS, send_notice, e);
}

/* Tells a delegate, on each of their connections, that the secretary has
 * entered a ballot for them (vote.enter): nobody votes in someone's name
 * unseen. Open kinds only, so the choice is no secret from its voter. */
static void tell_entered(struct pl_entry *e, const struct pl_change *ch)
{
    for (guint i = 0; ch->casts && i < ch->casts->len; i++) {
        const struct pl_cast *cs = g_ptr_array_index(ch->casts, i);
        if (!cs->entered_by || cs->outcome == PL_CAST_DUPLICATE)
            continue;
        const char *by = "";
        for (guint m = 0; m < e->live->members->len; m++) {
            const struct pl_member *mb = &g_array_index(e->live->members, struct pl_member, m);
            if (mb->person_id == cs->entered_by)
                by = mb->name;
        }
        json_t *n =
            json_pack("{s:s, s:I, s:s, s:{s:I, s:I, s:o, s:I, s:s}}", "type", "notice",
                      "session_id", (json_int_t)e->id, "name", "vote.entered", "data", "vote_id",
                      (json_int_t)ch->vote_id, "person_id", (json_int_t)cs->person_id, "choice",
                      json_loads(cs->choice, JSON_DECODE_ANY, NULL), "entered_by",
                      (json_int_t)cs->entered_by, "entered_by_name", by);
        char *text = n ? json_dumps(n, JSON_COMPACT) : NULL;
        json_decref(n);
        struct pl_frame *f = text ? pl_frame_new(text, strlen(text)) : NULL;
        free(text);
        for (struct pl_client *c = e->clients; f && c; c = c->next) {
            if (c->who && c->who->person_id == cs->person_id)
                c->send(c, f);
        }
        pl_frame_unref(f);
    }
}

static void written(void *user, const PGresult *res, enum pl_err err)
{
    struct pl_entry *e = user;
    struct op *op = e->busy;
    e->busy = NULL;
    e->store_request = 0;
    if (err != PL_OK) {
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
        /* 40001: the event log's guard saw a newer event; 23505 on its key:
         * a concurrent writer (an edit from the admin page) took the seq; on
         * a ballot's or receipt's key: another node recorded a ballot with
         * the same nonce, which memory, once reloaded, will refuse. */
        bool raced = state && (strcmp(state, "40001") == 0 ||
                               (strcmp(state, "23505") == 0 && constraint &&
                                (strcmp(constraint, "session_event_pkey") == 0 ||
                                 strcmp(constraint, "ballot_pkey") == 0 ||
                                 strcmp(constraint, "ballot_receipt_pkey") == 0)));
        if (state && strcmp(state, "23505") == 0 && constraint &&
            strcmp(constraint, "command_key_pkey") == 0 && op_client(op) && !op->key_retried) {
            /* Its key committed meanwhile: an earlier attempt that was
             * answered outcome_unknown and went through when the database
             * resumed. Reload, then the retry is answered as a repeat. */
            e->stale = true;
            op->key_retried = true;
            pl_change_clear(&op->ch);
            g_queue_push_head(&e->pending, op);
            kick(e);
            return;
        }
        if (pl_err_database(err) || raced) {
            /* Not written (db_unavailable), unknown outcome, or another
             * writer got there first: memory may be behind the database.
             * Reload before the next command; a retry with the same
             * idempotency key (or nonce) is then answered from what did
             * commit. */
            e->stale = true;
            err = pl_err_database(err) ? err : PL_ERR_CONFLICT;
        } else {
            pl_log_error("could not write %s for session %lld: %s", op->type, (long long)e->id,
                         res ? PQresultErrorMessage(res) : "no result");
        }
        if (op_client(op))
            refuse(op_client(op), op->id, err, NULL);
        for (guint i = 0; op->batch && i < op->batch->len; i++) {
            /* Not acknowledged (outcome_unknown: perhaps written): the voter
             * retries with the same nonce, and if this write did commit,
             * the retry is answered as a repeat. */
            struct op *b = g_ptr_array_index(op->batch, i);
            if (op_client(b))
                refuse(op_client(b), b->id, err, NULL);
        }
        op_free(op);
        kick(e);
        return;
    }
    /* Committed: now, and only now, memory changes and the world hears. */
    if (op->ch.op == PL_OP_VOTE_CLOSE && e->notice) {
        /* The last progress goes out before the close is heard. */
        if (e->notice_timer)
            g_source_remove(e->notice_timer);
        e->notice_timer = 0;
        send_notice(e);
    }
    pl_live_apply(e->live, &op->ch);
    if (op->ch.event) {
        struct ring_event *r =
            ring_push(e, op->ch.seq, op->ch.now_ms, op->ch.event, op->ch.public, op->ch.data);
        broadcast(e, r);
        observe(e, op->ch.event, op->ch.data);
    } else if (op->ch.op == PL_OP_VOTE_CASTS) {
        queue_notice(e, op->ch.data, op->ch.public);
        tell_entered(e, &op->ch);
    }
    if (op->batch) {
        for (guint i = 0; i < op->batch->len; i++) {
            struct op *b = g_ptr_array_index(op->batch, i);
            if (op_client(b))
                reply_ballot(b, op->ch.seq);
        }
    } else if (op_client(op)) {
        pl_hist_observe(&pl_metrics.event_commit, g_get_monotonic_time() - op->t0);
        reply_ok(op_client(op), op->id, json_pack("{s:I}", "seq", (json_int_t)op->ch.seq));
    }
    const struct pl_vote *ended = pl_vote_find(e->live, op->ch.vote_id);
    if (op->ch.op == PL_OP_VOTE_CLOSE ||
        (op->ch.op == PL_OP_VOTE_CANCEL && ended && pl_vote_is_secret(ended->kind))) {
        /* Count at once, before anything queued after the close; a secret
         * vote cancelled is not counted, but its rows are compacted the
         * same way (start_count). */
        struct op *count = g_new0(struct op, 1);
        count->count_vote = op->ch.vote_id;
        count->type = "vote.count";
        g_queue_push_head(&e->pending, count);
    }
    op_free(op);
    schedule_overrun(e);
    kick(e);
}

/* Writes op's decided change; written() finishes it. */
static void write_change(struct pl_entry *e, struct op *op)
{
    GPtrArray *params = g_ptr_array_new_with_free_func(g_free);
    char *sql = pl_live_change_sql(e->live, &op->ch, params);
    e->busy = op;
    e->store_request =
        pl_store_query(e->hub->store, sql, (int)params->len, (const char *const *)params->pdata,
                       WRITE_TIMEOUT_MS, written, e);
    g_free(sql);
    g_ptr_array_free(params, TRUE);
}

/* Decides the consecutive ballots at the head of the queue together and
 * writes them in one statement (group commit): a burst of hundreds costs one
 * commit. Ballots refused are answered at once. */
static void start_batch(struct pl_entry *e)
{
    GHashTable *in_batch = g_hash_table_new(g_int64_hash, g_int64_equal);
    struct op *batch = g_new0(struct op, 1);
    batch->type = "vote.cast";
    batch->batch = g_ptr_array_new_with_free_func((GDestroyNotify)op_free);
    batch->ch.casts = g_ptr_array_new_with_free_func(cast_free);
    int64_t vote_id = 0;
    while (!g_queue_is_empty(&e->pending) && batch->ch.casts->len < MAX_BATCH) {
        struct op *op = g_queue_peek_head(&e->pending);
        if (!is_ballot(op))
            break;
        g_queue_pop_head(&e->pending);
        struct pl_client *from = op_client(op);
        if (!from) { /* its client left before its turn: nothing was acknowledged */
            op_free(op);
            continue;
        }
        struct pl_cast *c = g_new0(struct pl_cast, 1);
        const char *reason = NULL;
        enum pl_err err = pl_vote_check_cast(e->live, from->who, op->spec->id, op->root, in_batch,
                                             vote_id, c, &reason);
        if (err != PL_OK) {
            refuse(from, op->id, err, reason);
            op_free(op);
            g_free(c);
            continue;
        }
        vote_id = json_integer_value(json_object_get(op->root, "vote_id"));
        g_strlcpy(op->receipt, c->receipt, sizeof op->receipt);
        op->outcome = (int)c->outcome;
        bool again = g_hash_table_contains(in_batch, &c->person_id);
        if (c->outcome == PL_CAST_DUPLICATE && !again) {
            /* A retry of a ballot committed earlier: the same answer now. */
            reply_ballot(op, e->live->seq);
            cast_free(c);
            op_free(op);
            continue;
        }
        g_ptr_array_add(batch->batch, op);
        if (c->outcome == PL_CAST_DUPLICATE) {
            cast_free(c); /* a repeat within the batch: answered with it */
            continue;
        }
        struct pl_cast *first = again ? g_hash_table_lookup(in_batch, &c->person_id) : NULL;
        if (first) {
            /* A change of a ballot decided in this batch: one row per voter
             * is written, with the latest choice (first keeps its outcome,
             * which says whether the row is inserted or updated). */
            g_free(first->choice);
            first->choice = c->choice;
            c->choice = NULL;
            memcpy(first->commit, c->commit, sizeof first->commit);
            cast_free(c);
            continue;
        }
        g_ptr_array_add(batch->ch.casts, c);
        g_hash_table_insert(in_batch, &c->person_id, c);
    }
    g_hash_table_destroy(in_batch);
    if (batch->ch.casts->len == 0) {
        op_free(batch);
        return;
    }
    batch->ch.seq = 0; /* no event, no seq */
    batch->ch.now_ms = now_ms();
    batch->ch.vote_id = vote_id;
    batch->ch.public = pl_live_public_now(e->live);
    pl_vote_batch_event(e->live, &batch->ch);
    write_change(e, batch);
}

static void count_read(void *user, const PGresult *res, enum pl_err err)
{
    struct pl_entry *e = user;
    struct op *op = e->busy;
    e->busy = NULL;
    e->store_request = 0;
    json_t *stored =
        err == PL_OK && PQntuples(res) == 1 ? json_loads(PQgetvalue(res, 0, 0), 0, NULL) : NULL;
    if (!stored || !pl_vote_check_counted(e->live, op->count_vote, stored, now_ms(), &op->ch)) {
        /* The database went away: the vote stays closed and is counted when
         * the session has reloaded (the next command retries). */
        json_decref(stored);
        if (err != PL_OK) {
            e->stale = true;
            struct op *again = g_new0(struct op, 1);
            again->count_vote = op->count_vote;
            again->type = "vote.count";
            g_queue_push_head(&e->pending, again);
        }
        op_free(op);
        kick(e);
        return;
    }
    json_decref(stored);
    write_change(e, op);
}

static void count_compacted(void *user, const PGresult *res, enum pl_err err);

/* Runs op's next step: a step of pl_vote_compact, then the read of what is
 * stored (count_read), unless the vote was cancelled (nothing to count). */
static void count_next(struct pl_entry *e, struct op *op)
{
    char sid[24], vid[24];
    snprintf(sid, sizeof sid, "%lld", (long long)e->id);
    snprintf(vid, sizeof vid, "%lld", (long long)op->count_vote);
    const char *p[2] = {sid, vid};
    if (op->compact_step < PL_VOTE_COMPACT_STEPS) {
        const struct pl_vote_compact_step *st = &pl_vote_compact[op->compact_step];
        e->store_request = pl_store_query(e->hub->store, st->sql, st->nparams, p,
                                          WRITE_TIMEOUT_MS * 3, count_compacted, e);
        return;
    }
    const struct pl_vote *v = pl_vote_find(e->live, op->count_vote);
    if (!v || v->state != PL_VS_CLOSED) {
        e->busy = NULL;
        op_free(op);
        kick(e);
        return;
    }
    e->store_request =
        pl_store_query(e->hub->store, pl_vote_stored_sql, 2, p, WRITE_TIMEOUT_MS, count_read, e);
}

static void count_compacted(void *user, const PGresult *res, enum pl_err err)
{
    struct pl_entry *e = user;
    struct op *op = e->busy;
    (void)res;
    e->store_request = 0;
    /* Not fatal to the count: the dead versions stay in the pages until
     * the next secret vote's compaction (or a VACUUM FULL) drops them. */
    if (err != PL_OK)
        pl_log_warn("could not %s: %s", pl_vote_compact[op->compact_step].what, pl_err_code(err));
    op->compact_step++;
    count_next(e, op);
}

/* Counts a closed vote: for secret kinds first drop every trace of when each
 * ballot arrived (pl_vote_compact; the close already rewrote the ballots),
 * then read what is stored, count, and write the result like any change. */
static void start_count(struct pl_entry *e, struct op *op)
{
    struct pl_vote *v = pl_vote_find(e->live, op->count_vote);
    e->busy = op;
    op->compact_step = v && pl_vote_is_secret(v->kind) ? 0 : PL_VOTE_COMPACT_STEPS;
    count_next(e, op);
}

/* A command sent again with the idempotency key of one that committed (the
 * first attempt's answer was lost, or was outcome_unknown): answers as the
 * first was answered, with its seq, and does nothing. A key used before
 * for another request type is refused. Returns false if the key is new or
 * absent: the command is decided as usual. */
static bool repeated(struct pl_entry *e, struct op *op)
{
    struct pl_client *from = op_client(op); /* here for its turn: not gone */
    const char *key = json_string_value(json_object_get(op->root, "key"));
    const char *type = NULL;
    int64_t seq =
        key && from && from->who ? pl_live_key_seq(e->live, from->who->person_id, key, &type) : 0;
    if (!seq)
        return false;
    if (pl_proto_find(type) != op->spec) /* the type recorded with the key */
        pl_client_refuse(from, op->id, PL_ERR_DUPLICATE, "key", "key_used");
    else
        reply_ok(from, op->id, json_pack("{s:I, s:b}", "seq", (json_int_t)seq, "repeated", 1));
    return true;
}

/* Runs the next pending command if none is being written. */
static void kick(struct pl_entry *e)
{
    /* Behind what the database committed (another node wrote): reload,
     * between writes, even with nothing waiting. */
    if (!e->busy && !e->store_request && e->notified_seq > e->live->seq) {
        e->stale = true;
        e->reload_now = true;
    }
    while (!e->busy && !e->store_request) {
        if (e->stale) {
            char param[24];
            snprintf(param, sizeof param, "%lld", (long long)e->id);
            const char *p[1] = {param};
            if (g_queue_is_empty(&e->pending) && !e->reload_now)
                return; /* reload lazily, when there is work */
            e->store_request = pl_store_query(e->hub->store, pl_live_load_sql, 1, p,
                                              WRITE_TIMEOUT_MS, reloaded, e);
            return;
        }
        struct op *head = g_queue_peek_head(&e->pending);
        if (!head)
            return;
        if (is_ballot(head)) {
            start_batch(e);
            continue;
        }
        struct op *op = g_queue_pop_head(&e->pending);
        if (op->count_vote) {
            start_count(e, op);
            return;
        }
        if (op->system_vote_close) {
            if (!pl_vote_check_autoclose(e->live, now_ms(), &op->ch)) {
                op_free(op);
                continue;
            }
            write_change(e, op);
            return;
        }
        struct pl_client *from = op_client(op);
        if (!from && !op->system_overrun) {
            op_free(op); /* its client left before its turn */
            continue;
        }
        if (!op->system_overrun && repeated(e, op)) {
            op_free(op);
            continue;
        }
        const char *reason = NULL;
        enum pl_err err = PL_OK;
        if (op->system_overrun) {
            if (!pl_live_check_overrun(e->live, now_ms(), &op->ch)) {
                op_free(op);
                continue;
            }
        } else {
            err = pl_live_check(e->live, from->who, op->spec->id, op->root, now_ms(), &op->ch,
                                &reason);
        }
        if (err != PL_OK) {
            refuse_detail(from, op->id, err, reason,
                          pl_live_refusal_detail(e->live, op->spec->id, op->root, reason));
            op_free(op);
            continue;
        }
        if (!op->ch.event) {
            /* A read-only request (vote.tally): answered by the database. */
            ask_tally(e, from, op);
            op_free(op);
            continue;
        }
        const char *key = json_string_value(json_object_get(op->root, "key"));
        if (key && from) {
            op->ch.key = g_strdup(key);
            op->ch.key_type = op->spec->type;
        }
        write_change(e, op);
        return;
    }
}

/* --- messages ------------------------------------------------------------------------ */

/* --- remote participation (rtc.*) ----------------------------------------------- */

void pl_client_rtc_send(void *user, char *text)
{
    struct pl_client *c = user;
    if (!text) {
        c->rtc = NULL;
        return;
    }
    pl_client_send_text(c, text);
}

static const struct pl_member *live_member(const struct pl_live *l, int64_t person)
{
    for (guint i = 0; i < l->members->len; i++) {
        const struct pl_member *m = &g_array_index(l->members, struct pl_member, i);
        if (m->person_id == person)
            return m;
    }
    return NULL;
}

/*
 * rtc.join / offer / ice / leave: a delegate (or the chair) of the joined
 * session, while a sitting is open, takes part from afar; rtc.mute: the
 * chair. No database write: the media follow the committed floor.
 */
static void rtc_request(struct pl_hub *hub, struct pl_client *c, const struct pl_request *req)
{
    enum pl_rq rq = req->rq;
    if (!hub->rtc) {
        refuse(c, req->id, PL_ERR_INVALID_STATE, "media_unavailable");
        return;
    }
    enum pl_err err = PL_OK;
    const char *reason = NULL;
    bool media = req->spec->who == PL_WHO_IN_ROOM; /* rtc.offer, rtc.ice, rtc.leave */
    if (media && c->rtc) {
        /* The same for every participant, in a session or a meeting. */
        if (rq == PL_RQ_RTC_LEAVE) {
            pl_rtc_leave(c->rtc);
            c->rtc = NULL;
            reply_ok(c, req->id, NULL);
            return;
        }
        if (rq == PL_RQ_RTC_OFFER) {
            const json_t *sdp = json_object_get(req->root, "sdp");
            err = pl_rtc_offer(c->rtc, json_string_value(sdp), json_string_length(sdp), &reason);
        } else {
            const json_t *cand = json_object_get(req->root, "candidate");
            err = pl_rtc_candidate(
                c->rtc, json_string_value(cand), json_string_length(cand),
                json_string_value(json_object_get(req->root, "sdp_mid")),
                (int)json_integer_value(json_object_get(req->root, "sdp_mline_index")), &reason);
        }
        if (err == PL_ERR_BAD_FIELD)
            pl_client_refuse(c, req->id, err, rq == PL_RQ_RTC_OFFER ? "sdp" : "candidate", reason);
        else if (err != PL_OK)
            refuse(c, req->id, err, reason);
        else
            reply_ok(c, req->id, NULL);
        return;
    }
    if (media) {
        refuse(c, req->id, PL_ERR_INVALID_STATE, "not_in_room");
        return;
    }
    if (hub->meetings && pl_meetings_has(c)) {
        pl_meetings_rtc(hub->meetings, c, req);
        return;
    }
    if (!c->who) {
        refuse(c, req->id, PL_ERR_UNAUTHENTICATED, NULL);
        return;
    }
    if (!c->joined) {
        refuse(c, req->id, PL_ERR_NOT_JOINED, NULL);
        return;
    }
    const struct pl_live *l = c->joined->live;
    const struct pl_member *m = live_member(l, c->who->person_id);
    bool chair = m && (m->role == PL_ROLE_CHAIR || m->role == PL_ROLE_VICE_CHAIR);
    if (rq == PL_RQ_RTC_STATUS) {
        /* The chair's console: who is connected, how well, muted or not. */
        if (!chair && !(m && m->role == PL_ROLE_SECRETARY)) {
            refuse(c, req->id, PL_ERR_FORBIDDEN, "chair_only");
            return;
        }
        reply_ok(c, req->id, pl_rtc_room_status(hub->rtc, l->id));
        return;
    }
    if (rq == PL_RQ_RTC_MUTE) {
        if (!chair) {
            refuse(c, req->id, PL_ERR_FORBIDDEN, "chair_only");
            return;
        }
        int64_t person = json_integer_value(json_object_get(req->root, "person_id"));
        bool muted = json_is_true(json_object_get(req->root, "muted"));
        if (pl_rtc_mute(hub->rtc, l->id, person, muted) != PL_OK)
            refuse(c, req->id, PL_ERR_NOT_FOUND, "person_id");
        else
            reply_ok(c, req->id, NULL);
        return;
    }
    if (rq == PL_RQ_RTC_JOIN) {
        if (!m || !(m->is_delegate || chair)) {
            refuse(c, req->id, PL_ERR_FORBIDDEN, "delegates_only");
            return;
        }
        if (!l->open_sitting) {
            refuse(c, req->id, PL_ERR_INVALID_STATE, "no_open_sitting");
            return;
        }
        if (c->rtc) {
            refuse(c, req->id, PL_ERR_INVALID_STATE, "already_joined");
            return;
        }
        bool floor = l->turn.id && l->turn.person_id == m->person_id;
        c->rtc = pl_rtc_join(hub->rtc, l->id, m->person_id, m->name, floor, pl_client_rtc_send, c,
                             &err, &reason);
        if (!c->rtc) {
            refuse(c, req->id, err, reason);
            return;
        }
        reply_ok(c, req->id,
                 json_pack("{s:o, s:i}", "ice_servers", pl_rtc_ice_servers(hub->rtc), "timeout_s",
                           pl_rtc_timeout_s(hub->rtc)));
        return;
    }
}

void pl_hub_message(struct pl_hub *hub, struct pl_client *c, const char *buf, size_t len)
{
    struct pl_client_view view = {c->lang, c->who};
    struct pl_request req;
    char field[64];
    enum pl_err err = pl_proto_decode(buf, len, &req, field, sizeof field);
    if (err == PL_OK)
        err = pl_proto_allowed(&view, req.need);
    if (err != PL_OK) {
        pl_client_send_text(c, pl_proto_encode_error(req.id, err, field, c->lang));
        pl_request_clear(&req);
        return;
    }
    switch (req.type) {
    case PL_REQ_PING:
    case PL_REQ_WHOAMI:
        pl_client_send_text(c, pl_proto_dispatch(&view, buf, len));
        break;
    case PL_REQ_JOIN:
    case PL_REQ_RESUME:
        if (c->loading) {
            refuse(c, req.id, PL_ERR_INVALID_STATE, "join_in_progress");
            break;
        }
        if (c->meeting) { /* one at a time: a session or a voter meeting */
            refuse(c, req.id, PL_ERR_INVALID_STATE, "in_meeting");
            break;
        }
        join(hub, c, json_incref(req.root), req.id, req.spec);
        break;
    case PL_REQ_LEAVE:
        unsubscribe(c);
        reply_ok(c, req.id, NULL);
        break;
    case PL_REQ_SESSION_CMD:
    case PL_REQ_BALLOT: {
        if (!c->joined) {
            refuse(c, req.id, PL_ERR_NOT_JOINED, NULL);
            break;
        }
        struct op *op = g_new0(struct op, 1);
        op->from = pl_client_hold(c);
        op->root = json_incref(req.root);
        op->id = req.id;
        op->type = req.spec->type;
        op->spec = req.spec; /* kick() decides it by its id; ballots go in a group commit */
        op->t0 = g_get_monotonic_time();
        g_queue_push_tail(&c->joined->pending, op);
        kick(c->joined);
        break;
    }
    case PL_REQ_RTC:
        rtc_request(hub, c, &req);
        break;
    case PL_REQ_MEETING:
        if (!hub->meetings)
            refuse(c, req.id, PL_ERR_INVALID_STATE, "meetings_unavailable");
        else
            pl_meetings_request(hub->meetings, c, &req);
        break;
    case PL_REQ__COUNT:
        break;
    }
    pl_request_clear(&req);
}

void pl_hub_client_gone(struct pl_hub *hub, struct pl_client *c)
{
    if (c->rtc) { /* its media go with its connection */
        pl_rtc_leave(c->rtc);
        c->rtc = NULL;
    }
    if (hub->meetings)
        pl_meetings_client_gone(hub->meetings, c);
    /* Its commands, wherever they are (queued, in a group commit being
     * written, waiting for a session to load), hold references that now
     * answer no one: a queued one is skipped when its turn comes, one being
     * written completes. */
    pl_client_forget(c);
    c->loading = 0;
    unsubscribe(c);
}

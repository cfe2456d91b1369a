/* The hub: clients, sessions in memory, joining, routing; see hub.h, and
 * hub_priv.h for how its files share the work. */
#include "hub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub_priv.h"
#include "live_sql.h"
#include "log.h"
#include "meeting.h"
#include "rtc.h"

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
    pl_client_send_text(c, pl_proto_encode_refusal_full(re, err, field, reason, NULL, c->lang));
}

void pl_hub_op_free(struct op *op)
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

struct ring_event *pl_hub_ring_push(struct pl_entry *e, int64_t seq, int64_t at_ms,
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
void pl_hub_tell_observer(struct pl_entry *e, const char *name, const json_t *data)
{
    if (e->hub->observer && name)
        e->hub->observer(e->hub->observer_user, e->id, name, data);
}

void pl_hub_broadcast(struct pl_entry *e, const struct ring_event *r)
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
        pl_hub_op_free(op);
    pl_hub_op_free(e->busy);
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
        pl_hub_op_free(op);
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
    pl_hub_commit_kick(e);
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
        pl_hub_commit_kick(e);
    }
}

/* Fills the ring from the document's recent events. */
void pl_hub_ring_from_doc(struct pl_entry *e, const json_t *doc, int64_t after_seq,
                          bool broadcast_them)
{
    size_t i;
    const json_t *ev;
    json_array_foreach(json_object_get(doc, "events"), i, ev)
    {
        int64_t seq = json_integer_value(json_object_get(ev, "seq"));
        if (seq <= after_seq)
            continue;
        struct ring_event *r = pl_hub_ring_push(
            e, seq, json_integer_value(json_object_get(ev, "at_ms")),
            json_string_value(json_object_get(ev, "name")),
            json_is_true(json_object_get(ev, "public")), json_object_get(ev, "data"));
        if (broadcast_them) {
            pl_hub_broadcast(e, r);
            pl_hub_tell_observer(e, json_string_value(json_object_get(ev, "name")),
                                 json_object_get(ev, "data"));
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
    pl_hub_ring_from_doc(e, doc, 0, false);
    g_hash_table_insert(hub->entries, &e->id, e);
    pl_hub_commit_schedule(e);
    /* A vote whose close was committed but whose count was not (the process
     * died in between: found by the kill -9 test, and
     * test_reliability's test_kill_between_close_and_count) is counted now;
     * otherwise it would stay closed, uncounted, for good. Another node
     * counting it at the same moment is harmless: one count commits, the
     * other's write meets the event log's guard and reloads. */
    pl_hub_count_queue(e);
    pl_hub_commit_kick(e);
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

/* --- messages ------------------------------------------------------------------------ */

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
        op->spec =
            req.spec; /* pl_hub_commit_kick() decides it by its id; ballots go in a group commit */
        op->t0 = g_get_monotonic_time();
        g_queue_push_tail(&c->joined->pending, op);
        pl_hub_commit_kick(c->joined);
        break;
    }
    case PL_REQ_RTC:
        pl_hub_rtc_request(hub, c, &req);
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

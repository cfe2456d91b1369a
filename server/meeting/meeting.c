/* Voter-contact meetings; see meeting.h and schema/011_meetings.sql.
 *
 * About 900 lines, kept as one file on purpose: a meeting's rules are SQL
 * functions, and this file is the one adapter between them and the sockets
 * (a request to one statement, a committed event to its clients); split, each
 * half would only make sense read with the other. */
#include "meeting.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "hub.h"
#include "log.h"
#include "proto.h"
#include "rate_limit.h"
#include "records_input.h"
#include "rtc.h"
#include "seclog.h"

#define DB_TIMEOUT_MS 10000

/* A meeting some client of this node is in. */
struct room {
    struct pl_meetings *m;
    int64_t id;
    int64_t seq;      /* the last event sent to this node's clients */
    GPtrArray *seats; /* struct pl_mseat *; each owned by its client's place */
    int64_t on_air;   /* the admitted citizen's guest id; 0: none */
    bool open;        /* meeting.opened seen and not closed */
    bool closed;      /* the meeting is over */
    uint64_t catchup; /* the catch-up query in flight; 0: none */
    bool again;       /* another catch-up is due when it returns */
};

/* A client's place in a meeting (pl_client.meeting). */
struct pl_mseat {
    struct room *room;
    struct pl_client *c;
    bool staff;          /* the council's chair, secretary or staff: moderates */
    int64_t guest_id;    /* a signed-in citizen; 0: watching only (or removed) */
    char state[12];      /* the citizen's: present, hand, admitted */
    char *name;          /* the citizen's, or the staff member's display name */
    char token_hash[65]; /* the citizen's */
    int64_t seq;         /* the events up to this were in what the client got */
};

/* A statement in flight for a client. */
struct pending {
    struct pl_meetings *m;
    struct pl_client_ref *from; /* who asked (NULL: nobody); see pl_client_get */
    json_t *re;                 /* the request's id; owned, may be NULL */
    enum pl_rq rq;              /* the request it answers */
    int64_t meeting_id;
    bool sign_in;        /* a citizen's meeting.join */
    char token[65];      /* a sign-in: the token given back to the citizen */
    char token_hash[65]; /* a sign-in: its hash */
    uint64_t handle;     /* the statement's, for pl_store_cancel */
    char address[64];    /* a petition: its sender's, counted against it; "" otherwise */
};

struct pl_meetings {
    struct pl_store *store;
    struct pl_rtc *rtc;
    struct pl_throttle *petitions; /* borrowed: petitions per address (public form too) */
    GHashTable *rooms;             /* int64 id -> struct room * */
    GList *pending;                /* struct pending * */
};

static void catch_up(struct room *room);

/* --- replies ------------------------------------------------------------------------ */

/* A statement that failed: a refusal raised by meeting_do (admin_refuse:
 * SQLSTATE P0001, the code as message, the field and the reason), or the
 * database's failure. */
static void refuse_db(struct pl_client *c, const json_t *re, const PGresult *res, enum pl_err err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *code = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (state && code && strcmp(state, "P0001") == 0) {
        for (int e = 1; e < PL_ERR__COUNT; e++) {
            if (strcmp(pl_err_code(e), code) == 0) {
                pl_client_refuse(c, re, e, PQresultErrorField(res, PG_DIAG_COLUMN_NAME),
                                 PQresultErrorField(res, PG_DIAG_MESSAGE_HINT));
                return;
            }
        }
    }
    if (res)
        pl_log_error("meeting statement failed: %s", PQresultErrorMessage(res));
    pl_client_refuse(c, re, err == PL_OK ? PL_ERR_INTERNAL : err, NULL, NULL);
}

/* --- tokens -------------------------------------------------------------------------- */

static void hex(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static void token_hash(const char *token, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL);
    hex(md, 32, out);
}

static bool token_ok(const char *t)
{
    if (strlen(t) != 64)
        return false;
    for (const char *p = t; *p; p++)
        if (!g_ascii_isxdigit(*p) || g_ascii_isupper(*p))
            return false;
    return true;
}

/* --- rooms --------------------------------------------------------------------------- */

static void room_free(gpointer p)
{
    struct room *room = p;
    if (room->catchup)
        pl_store_cancel(room->m->store, room->catchup);
    g_ptr_array_free(room->seats, TRUE);
    g_free(room);
}

static struct room *room_get(struct pl_meetings *m, int64_t id, const json_t *state)
{
    int64_t seq = json_integer_value(json_object_get(state, "seq"));
    struct room *room = g_hash_table_lookup(m->rooms, &id);
    if (room) {
        /* The snapshot is newer than what this node sent: others here
         * must hear of what came between. */
        if (seq > room->seq)
            catch_up(room);
        return room;
    }
    room = g_new0(struct room, 1);
    room->m = m;
    room->id = id;
    room->seq = seq;
    room->seats = g_ptr_array_new();
    const char *st = json_string_value(json_object_get(state, "state"));
    room->open = st && strcmp(st, "open") == 0;
    room->closed = st && strcmp(st, "closed") == 0;
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(state, "guests"), i, g)
    {
        const char *gs = json_string_value(json_object_get(g, "state"));
        if (gs && strcmp(gs, "admitted") == 0)
            room->on_air = json_integer_value(json_object_get(g, "guest_id"));
    }
    g_hash_table_insert(m->rooms, &room->id, room);
    return room;
}

/* The room's WebRTC participant id of a citizen. */
static int64_t guest_pid(int64_t guest_id)
{
    return -guest_id;
}

/* Puts the admitted citizen (0: nobody) on air in the meeting's media room. */
static void set_floor(struct room *room)
{
    if (!room->m->rtc)
        return;
    json_t *d = room->on_air ? json_pack("{s:{s:I}}", "turn", "person_id",
                                         (json_int_t)guest_pid(room->on_air))
                             : json_pack("{s:n}", "turn");
    pl_rtc_event(room->m->rtc, -room->id, "floor.changed", d);
    json_decref(d);
}

static void seat_leave_media(struct pl_mseat *s)
{
    if (s->c && s->c->rtc) {
        pl_rtc_leave(s->c->rtc);
        s->c->rtc = NULL;
    }
}

/* What an event changes in this node's own view of the meeting: who is on
 * air in the media, a citizen's state, a removed citizen's place. */
static void apply_event(struct room *room, const char *name, const json_t *data)
{
    int64_t gid = json_integer_value(json_object_get(data, "guest_id"));
    const char *to = NULL;
    if (strcmp(name, "meeting.opened") == 0) {
        room->open = true;
        return;
    }
    if (strcmp(name, "meeting.closed") == 0) {
        room->open = false;
        room->closed = true;
        room->on_air = 0;
        for (guint i = 0; i < room->seats->len; i++) {
            struct pl_mseat *s = g_ptr_array_index(room->seats, i);
            if (s->guest_id)
                g_strlcpy(s->state, "present", sizeof s->state);
        }
        /* The media room ends with the meeting (each participant's
         * connection is told and dropped). */
        if (room->m->rtc)
            pl_rtc_event(room->m->rtc, -room->id, "session.closed", NULL);
        return;
    }
    if (strcmp(name, "hand.raised") == 0)
        to = "hand";
    else if (strcmp(name, "hand.lowered") == 0 || strcmp(name, "guest.released") == 0)
        to = "present";
    else if (strcmp(name, "guest.admitted") == 0)
        to = "admitted";
    if (strcmp(name, "guest.admitted") == 0) {
        int64_t before = json_integer_value(json_object_get(data, "released"));
        for (guint i = 0; before && i < room->seats->len; i++) {
            struct pl_mseat *s = g_ptr_array_index(room->seats, i);
            if (s->guest_id == before)
                g_strlcpy(s->state, "present", sizeof s->state);
        }
        room->on_air = gid;
        set_floor(room);
    } else if ((strcmp(name, "guest.released") == 0 || strcmp(name, "guest.left") == 0 ||
                strcmp(name, "guest.removed") == 0) &&
               gid == room->on_air) {
        room->on_air = 0;
        set_floor(room);
    }
    for (guint i = 0; gid && i < room->seats->len; i++) {
        struct pl_mseat *s = g_ptr_array_index(room->seats, i);
        if (s->guest_id != gid)
            continue;
        if (to)
            g_strlcpy(s->state, to, sizeof s->state);
        if (strcmp(name, "guest.removed") == 0) {
            /* Sent away: the connection may still watch, as anyone may,
             * but is no longer a citizen in the meeting. */
            seat_leave_media(s);
            s->guest_id = 0;
            s->state[0] = '\0';
        }
    }
}

/* Sends one committed event to this node's clients of the meeting, in seq
 * order and once: an event past the next one makes the node fetch what
 * came between first. */
static void deliver(struct room *room, const json_t *ev)
{
    int64_t seq = json_integer_value(json_object_get(ev, "seq"));
    if (seq <= room->seq)
        return;
    if (seq > room->seq + 1) {
        catch_up(room);
        return;
    }
    room->seq = seq;
    const char *name = json_string_value(json_object_get(ev, "name"));
    apply_event(room, name ? name : "", json_object_get(ev, "data"));
    /* A citizen's phone (in guest.joined) is for staff alone. */
    json_t *pub = json_deep_copy(ev);
    json_object_del(json_object_get(pub, "data"), "phone");
    struct pl_frame *frames[2] = {NULL, NULL}; /* staff's, everyone else's */
    const json_t *src[2] = {ev, pub};
    for (int k = 0; k < 2; k++) {
        char *text = json_dumps(src[k], JSON_COMPACT);
        frames[k] = text ? pl_frame_new(text, strlen(text)) : NULL;
        free(text);
    }
    json_decref(pub);
    for (guint i = 0; i < room->seats->len; i++) {
        struct pl_mseat *s = g_ptr_array_index(room->seats, i);
        struct pl_frame *f = frames[s->staff ? 0 : 1];
        if (seq > s->seq && f) {
            s->c->send(s->c, f);
            s->seq = seq;
        }
    }
    for (int k = 0; k < 2; k++)
        if (frames[k])
            pl_frame_unref(frames[k]);
}

static void caught_up(void *user, const PGresult *res, enum pl_err err)
{
    struct room *room = user;
    room->catchup = 0;
    json_t *evs =
        err == PL_OK && PQntuples(res) == 1 ? json_loads(PQgetvalue(res, 0, 0), 0, NULL) : NULL;
    size_t i;
    json_t *ev;
    json_array_foreach(evs, i, ev) deliver(room, ev);
    json_decref(evs);
    if (err != PL_OK)
        pl_log_warn("meeting %lld: could not fetch its events (%s); retried on the next notice",
                    (long long)room->id, pl_err_code(err));
    if (room->again) {
        room->again = false;
        catch_up(room);
    }
}

static void catch_up(struct room *room)
{
    if (room->catchup) {
        room->again = true;
        return;
    }
    char id[24], seq[24];
    snprintf(id, sizeof id, "%lld", (long long)room->id);
    snprintf(seq, sizeof seq, "%lld", (long long)room->seq);
    const char *p[2] = {id, seq};
    room->catchup =
        pl_store_query(room->m->store, "SELECT meeting_events_since($1::bigint, $2::bigint)::text",
                       2, p, DB_TIMEOUT_MS, caught_up, room);
}

/* Another node (or this one) committed event seq of a meeting. */
static void on_notify(void *user, const char *channel, const char *payload)
{
    (void)channel;
    struct pl_meetings *m = user;
    long long id = 0, seq = 0;
    if (!payload || sscanf(payload, "%lld %lld", &id, &seq) != 2)
        return;
    int64_t key = id;
    struct room *room = g_hash_table_lookup(m->rooms, &key);
    if (room && seq > room->seq)
        catch_up(room);
}

/* After a reconnect anything notified meanwhile was missed. */
static void on_connected(void *user)
{
    struct pl_meetings *m = user;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, m->rooms);
    while (g_hash_table_iter_next(&it, &k, &v))
        catch_up(v);
}

/* --- places -------------------------------------------------------------------------- */

static void pending_free(struct pending *p)
{
    json_decref(p->re);
    pl_client_release(p->from);
    g_free(p);
}

static struct pending *pending_new(struct pl_meetings *m, struct pl_client *c, const json_t *re,
                                   enum pl_rq rq, int64_t meeting_id)
{
    struct pending *p = g_new0(struct pending, 1);
    p->m = m;
    p->from = c ? pl_client_hold(c) : NULL;
    p->re = json_incref((json_t *)re);
    p->rq = rq;
    p->meeting_id = meeting_id;
    m->pending = g_list_prepend(m->pending, p);
    return p;
}

/* Runs meeting_do for p (which the callback frees). requester 0: none. */
/* query: meeting_do's call, or a wrapper of it taking the same parameters. */
static void run_sql(struct pending *p, const char *query, int64_t requester, bool admin,
                    const char *hash, json_t *doc, pl_store_cb cb)
{
    char who[24];
    snprintf(who, sizeof who, "%lld", (long long)requester);
    char *d = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    const char *params[4] = {requester ? who : NULL, admin ? "t" : "f", hash, d};
    p->handle = pl_store_query(p->m->store, query, 4, params, DB_TIMEOUT_MS, cb, p);
    free(d);
}

static void run_do(struct pending *p, int64_t requester, bool admin, const char *hash, json_t *doc,
                   pl_store_cb cb)
{
    run_sql(p, "SELECT meeting_do($1::bigint, $2::boolean, $3, $4::jsonb)::text", requester, admin,
            hash, doc, cb);
}

/* A citizen's place is given up in the record (guest.left); nobody waits
 * for the answer, but the event still goes to the others. */
static void left_done(void *user, const PGresult *res, enum pl_err err)
{
    struct pending *p = user;
    struct pl_meetings *m = p->m;
    m->pending = g_list_remove(m->pending, p);
    json_t *o =
        err == PL_OK && PQntuples(res) == 1 ? json_loads(PQgetvalue(res, 0, 0), 0, NULL) : NULL;
    struct room *room = g_hash_table_lookup(m->rooms, &p->meeting_id);
    if (room && json_is_object(json_object_get(o, "event")))
        deliver(room, json_object_get(o, "event"));
    if (err != PL_OK && !(res && PQresultErrorField(res, PG_DIAG_SQLSTATE) &&
                          strcmp(PQresultErrorField(res, PG_DIAG_SQLSTATE), "P0001") == 0))
        pl_log_warn("meeting %lld: a citizen's leaving was not recorded (%s)",
                    (long long)p->meeting_id, pl_err_code(err));
    json_decref(o);
    pending_free(p);
}

static void sign_out(struct pl_meetings *m, int64_t meeting_id, const char *hash)
{
    struct pending *p = pending_new(m, NULL, NULL, PL_RQ_MEETING_LEAVE, meeting_id);
    run_do(p, 0, false, hash,
           json_pack("{s:s, s:I}", "action", "leave", "meeting_id", (json_int_t)meeting_id),
           left_done);
}

/* c leaves its meeting: its media leave the room, a citizen's place is
 * given up, the room goes when its last client does. */
static void seat_drop(struct pl_meetings *m, struct pl_client *c)
{
    struct pl_mseat *s = c->meeting;
    if (!s)
        return;
    struct room *room = s->room;
    seat_leave_media(s);
    if (s->guest_id)
        sign_out(m, room->id, s->token_hash);
    g_ptr_array_remove(room->seats, s);
    c->meeting = NULL;
    g_free(s->name);
    g_free(s);
    if (room->seats->len == 0)
        g_hash_table_remove(m->rooms, &room->id);
}

bool pl_meetings_has(const struct pl_client *c)
{
    return c->meeting != NULL;
}

void pl_meetings_client_gone(struct pl_meetings *m, struct pl_client *c)
{
    /* Its statements in flight answer no one: their references to it now
     * say it has gone (pl_client_forget, right after this). */
    seat_drop(m, c);
}

/* --- joining ------------------------------------------------------------------------- */

static void joined(void *user, const PGresult *res, enum pl_err err)
{
    struct pending *p = user;
    struct pl_meetings *m = p->m;
    m->pending = g_list_remove(m->pending, p);
    struct pl_client *c = pl_client_get(p->from);
    json_t *o =
        err == PL_OK && PQntuples(res) == 1 ? json_loads(PQgetvalue(res, 0, 0), 0, NULL) : NULL;
    json_t *state = NULL, *guest = NULL;
    bool staff = false;
    if (p->sign_in) {
        json_t *reply = json_object_get(o, "reply");
        state = json_object_get(reply, "meeting");
        guest = json_object_get(reply, "guest");
    } else if (o) {
        state = json_object_get(o, "state");
        staff = json_is_true(json_object_get(o, "staff"));
    }
    if (err != PL_OK || (err == PL_OK && PQntuples(res) == 0)) {
        if (err == PL_OK)
            pl_client_refuse(c, p->re, PL_ERR_NOT_FOUND, "meeting_id", NULL);
        else
            refuse_db(c, p->re, res, err);
        goto out;
    }
    if (!json_is_object(state)) {
        pl_client_refuse(c, p->re, PL_ERR_INTERNAL, NULL, NULL);
        goto out;
    }
    if (!c || c->meeting || c->joined) {
        /* Gone (or elsewhere) meanwhile: a citizen just signed in is signed
         * out again, so the place is not held by nobody. */
        if (p->sign_in && json_is_object(json_object_get(o, "event")))
            sign_out(m, p->meeting_id, p->token_hash);
        if (c)
            pl_client_refuse(c, p->re, PL_ERR_INVALID_STATE, NULL, "already_in_meeting");
        goto out;
    }
    struct room *room = room_get(m, p->meeting_id, state);
    struct pl_mseat *s = g_new0(struct pl_mseat, 1);
    s->room = room;
    s->c = c;
    s->staff = staff;
    s->seq = json_integer_value(json_object_get(state, "seq"));
    if (guest) {
        s->guest_id = json_integer_value(json_object_get(guest, "guest_id"));
        g_strlcpy(s->state, json_string_value(json_object_get(guest, "state")) ?: "present",
                  sizeof s->state);
        s->name = g_strdup(json_string_value(json_object_get(guest, "name")));
        memcpy(s->token_hash, p->token_hash, sizeof s->token_hash);
    } else if (c->who) {
        s->name = g_strdup(c->who->display_name ? c->who->display_name : c->who->login);
    }
    g_ptr_array_add(room->seats, s);
    c->meeting = s;
    if (json_is_object(json_object_get(o, "event")))
        deliver(room, json_object_get(o, "event"));
    json_t *data = json_pack("{s:s, s:O}", "role",
                             guest   ? "guest"
                             : staff ? "moderator"
                                     : "observer",
                             "meeting", state);
    if (guest) {
        json_object_set(data, "guest", guest);
        json_object_set_new(data, "token", json_string(p->token));
    }
    pl_client_reply(c, p->re, data);
out:
    json_decref(o);
    pending_free(p);
}

static bool text_ok(const char *s, long min, long max)
{
    char *t = g_strstrip(g_strdup(s));
    long n = (long)g_utf8_strlen(t, -1);
    bool ok = n >= min && n <= max && strcmp(t, s) == 0;
    for (const char *q = t; ok && *q; q++)
        if ((unsigned char)*q < 0x20 || *q == 0x7f)
            ok = false;
    g_free(t);
    return ok;
}

static bool any_pending_join(const struct pl_meetings *m, const struct pl_client *c)
{
    for (GList *l = m->pending; l; l = l->next) {
        const struct pending *p = l->data;
        if (pl_client_get(p->from) == c && p->rq == PL_RQ_MEETING_JOIN)
            return true;
    }
    return false;
}

static void join(struct pl_meetings *m, struct pl_client *c, const struct pl_request *req)
{
    const json_t *root = req->root;
    int64_t id = json_integer_value(json_object_get(root, "meeting_id"));
    const char *name = json_string_value(json_object_get(root, "name"));
    const char *phone = json_string_value(json_object_get(root, "phone"));
    const char *token = json_string_value(json_object_get(root, "token"));
    if (c->joined) {
        pl_client_refuse(c, req->id, PL_ERR_INVALID_STATE, NULL, "in_session");
        return;
    }
    if (c->meeting || any_pending_join(m, c)) {
        pl_client_refuse(c, req->id, PL_ERR_INVALID_STATE, NULL, "already_in_meeting");
        return;
    }
    if (id <= 0) {
        pl_client_refuse(c, req->id, PL_ERR_BAD_FIELD, "meeting_id", NULL);
        return;
    }
    if (name && !text_ok(name, 1, 100)) {
        pl_client_refuse(c, req->id, PL_ERR_BAD_FIELD, "name", NULL);
        return;
    }
    /* The archive's rule (a Vietnamese number), so a phone taken here is
     * one the council can call back and one a petition's contact accepts. */
    if (phone && *phone && !pl_rec_phone_ok(phone)) {
        pl_client_refuse(c, req->id, PL_ERR_BAD_PHONE, "phone", NULL);
        return;
    }
    if (token && !token_ok(token)) {
        pl_client_refuse(c, req->id, PL_ERR_BAD_FIELD, "token", NULL);
        return;
    }
    if (phone && !name && !token) {
        pl_client_refuse(c, req->id, PL_ERR_MISSING_FIELD, "name", NULL);
        return;
    }
    struct pending *p = pending_new(m, c, req->id, PL_RQ_MEETING_JOIN, id);
    if (name || token) {
        /* A citizen: a new token, or the one kept from before (a dropped
         * connection, a reload of the page). Only its hash is stored. */
        p->sign_in = true;
        if (token) {
            g_strlcpy(p->token, token, sizeof p->token);
        } else {
            unsigned char raw[32];
            if (RAND_bytes(raw, sizeof raw) != 1) {
                m->pending = g_list_remove(m->pending, p);
                pending_free(p);
                pl_client_refuse(c, req->id, PL_ERR_INTERNAL, NULL, NULL);
                return;
            }
            hex(raw, sizeof raw, p->token);
        }
        token_hash(p->token, p->token_hash);
        json_t *doc = json_pack("{s:s, s:I}", "action", "sign_in", "meeting_id", (json_int_t)id);
        if (name)
            json_object_set_new(doc, "name", json_string(name));
        if (phone && *phone)
            json_object_set_new(doc, "phone", json_string(phone));
        run_do(p, 0, false, p->token_hash, doc, joined);
        return;
    }
    char mid[24], who[24];
    snprintf(mid, sizeof mid, "%lld", (long long)id);
    snprintf(who, sizeof who, "%lld", (long long)(c->who ? c->who->person_id : 0));
    const char *params[3] = {mid, c->who ? who : NULL, c->who && c->who->is_admin ? "t" : "f"};
    p->handle =
        pl_store_query(m->store,
                       "SELECT jsonb_build_object('staff', s, 'state', meeting_state(id, s))::text "
                       "FROM (SELECT m.id, coalesce(rec_is_staff($2::bigint, $3::boolean, "
                       "m.council_id), false) AS s FROM voter_meeting m WHERE m.id = $1::bigint) q",
                       3, params, DB_TIMEOUT_MS, joined, p);
}

/* --- changes ------------------------------------------------------------------------- */

static void done(void *user, const PGresult *res, enum pl_err err)
{
    struct pending *p = user;
    struct pl_meetings *m = p->m;
    m->pending = g_list_remove(m->pending, p);
    struct pl_client *c = pl_client_get(p->from); /* NULL: gone, answer no one */
    json_t *o =
        err == PL_OK && PQntuples(res) == 1 ? json_loads(PQgetvalue(res, 0, 0), 0, NULL) : NULL;
    if ((err != PL_OK || !o) && p->address[0])
        pl_throttle_forgive(m->petitions, p->address); /* refused: it does not count */
    if (err != PL_OK) {
        refuse_db(c, p->re, res, err);
    } else if (!o) {
        pl_client_refuse(c, p->re, PL_ERR_INTERNAL, NULL, NULL);
    } else {
        /* The event first: the one who asked sees it like everyone, then
         * the answer. */
        struct room *room = g_hash_table_lookup(m->rooms, &p->meeting_id);
        if (room && json_is_object(json_object_get(o, "event")))
            deliver(room, json_object_get(o, "event"));
        if (p->address[0]) {
            /* Ids only: the petition's text and the citizen's contact stay
             * in the records. */
            char detail[96];
            snprintf(detail, sizeof detail, "id=%lld meeting_id=%lld",
                     (long long)json_integer_value(
                         json_object_get(json_object_get(o, "reply"), "petition_id")),
                     (long long)p->meeting_id);
            pl_seclog(m->store, "petition_received", 0, NULL, p->address, detail);
        }
        json_t *reply = json_object_get(o, "reply");
        pl_client_reply(c, p->re, json_is_null(reply) ? NULL : json_incref(reply));
    }
    json_decref(o);
    pending_free(p);
}

static void create(struct pl_meetings *m, struct pl_client *c, const struct pl_request *req)
{
    const json_t *root = req->root;
    const char *title = json_string_value(json_object_get(root, "title"));
    const char *location = json_string_value(json_object_get(root, "location"));
    const char *start = json_string_value(json_object_get(root, "planned_start"));
    const json_t *cap = json_object_get(root, "capacity");
    if (!text_ok(title, 1, 300)) {
        pl_client_refuse(c, req->id, PL_ERR_BAD_FIELD, "title", NULL);
        return;
    }
    if (location && *location && !text_ok(location, 1, 300)) {
        pl_client_refuse(c, req->id, PL_ERR_BAD_FIELD, "location", NULL);
        return;
    }
    GDateTime *t = start ? g_date_time_new_from_iso8601(start, NULL) : NULL;
    if (start && !t) {
        pl_client_refuse(c, req->id, PL_ERR_BAD_FIELD, "planned_start", NULL);
        return;
    }
    if (t)
        g_date_time_unref(t);
    if (cap && (json_integer_value(cap) < 1 || json_integer_value(cap) > 10000)) {
        pl_client_refuse(c, req->id, PL_ERR_BAD_FIELD, "capacity", NULL);
        return;
    }
    json_t *doc = json_deep_copy(root);
    json_object_del(doc, "type");
    json_object_del(doc, "id");
    json_object_set_new(doc, "action", json_string("create"));
    struct pending *p = pending_new(m, c, req->id, req->rq, 0);
    run_do(p, c->who->person_id, c->who->is_admin, NULL, doc, done);
}

/* The first problem pl_rec_check found, with its own code (too_long with
 * the limit, bad_phone, bad_email) so the page says it beside the field. */
static void refuse_problem(struct pl_client *c, const json_t *re, const json_t *first)
{
    const char *e = json_string_value(json_object_get(first, "error"));
    const char *field = json_string_value(json_object_get(first, "field"));
    enum pl_err err = PL_ERR_BAD_FIELD;
    if (e && strcmp(e, "missing_field") == 0)
        err = PL_ERR_MISSING_FIELD;
    else if (e && strcmp(e, "too_long") == 0)
        err = PL_ERR_TOO_LONG;
    else if (e && strcmp(e, "bad_phone") == 0)
        err = PL_ERR_BAD_PHONE;
    else if (e && strcmp(e, "bad_email") == 0)
        err = PL_ERR_BAD_EMAIL;
    const json_t *max = json_object_get(first, "max");
    if (!c || !json_is_integer(max)) {
        pl_client_refuse(c, re, err, field, NULL);
        return;
    }
    pl_client_send_text(
        c, pl_proto_encode_refusal_max(re, err, field, json_integer_value(max), c->lang));
}

static void petition(struct pl_meetings *m, struct pl_client *c, const struct pl_request *req)
{
    struct pl_mseat *s = c->meeting;
    json_t *doc = json_deep_copy(req->root);
    json_object_del(doc, "type");
    json_object_del(doc, "id");
    json_t *problems = pl_rec_check(PL_REC_PETITION_MEETING, doc);
    if (problems) {
        refuse_problem(c, req->id, json_array_get(problems, 0));
        json_decref(problems);
        json_decref(doc);
        return;
    }
    /* The shape first, then the state: a petition waits for the meeting. */
    if (s->room->closed || !s->room->open) {
        pl_client_refuse(c, req->id, PL_ERR_INVALID_STATE, "meeting_id",
                         s->room->closed ? "meeting_closed" : "meeting_not_open");
        json_decref(doc);
        return;
    }
    /* The public form's limit, per address whatever the connection; counted
     * now so petitions sent at once cannot outrun it, taken back if refused. */
    const char *address = c->address ? c->address : "";
    int delay = 0, retry = 0;
    if (pl_throttle_check(m->petitions, address, g_get_monotonic_time(), &delay, &retry) != 0) {
        pl_seclog(m->store, "petition_refused_limit", 0, NULL, address, "source=meeting");
        pl_client_refuse(c, req->id, PL_ERR_RATE_LIMITED, NULL, "too_many_petitions");
        json_decref(doc);
        return;
    }
    pl_throttle_fail(m->petitions, address, g_get_monotonic_time());
    json_object_set_new(doc, "action", json_string("petition"));
    json_object_set_new(doc, "meeting_id", json_integer(s->room->id));
    struct pending *p = pending_new(m, c, req->id, req->rq, s->room->id);
    g_strlcpy(p->address, address, sizeof p->address);
    /* The citizen's lookup code comes with the answer, as on the public form. */
    run_sql(
        p,
        "SELECT meeting_petition_lookup(meeting_do($1::bigint, $2::boolean, $3, $4::jsonb))::text",
        0, false, s->token_hash, doc, done);
}

void pl_meetings_request(struct pl_meetings *m, struct pl_client *c, const struct pl_request *req)
{
    enum pl_rq rq = req->rq;
    if (rq == PL_RQ_MEETING_JOIN) {
        join(m, c, req);
        return;
    }
    if (rq == PL_RQ_MEETING_CREATE) {
        create(m, c, req);
        return;
    }
    struct pl_mseat *s = c->meeting;
    if (!s) {
        pl_client_refuse(c, req->id, PL_ERR_NOT_JOINED, NULL, "not_in_meeting");
        return;
    }
    if (rq == PL_RQ_MEETING_LEAVE) {
        seat_drop(m, c);
        pl_client_reply(c, req->id, NULL);
        return;
    }
    int64_t mid = s->room->id;
    if (rq == PL_RQ_MEETING_HAND || rq == PL_RQ_MEETING_PETITION) {
        if (!s->guest_id) {
            pl_client_refuse(c, req->id, PL_ERR_FORBIDDEN, NULL, "guests_only");
            return;
        }
        if (rq == PL_RQ_MEETING_PETITION) {
            petition(m, c, req);
            return;
        }
        struct pending *p = pending_new(m, c, req->id, rq, mid);
        run_do(p, 0, false, s->token_hash,
               json_pack("{s:s, s:I, s:b}", "action", "hand", "meeting_id", (json_int_t)mid,
                         "raised", json_is_true(json_object_get(req->root, "raised"))),
               done);
        return;
    }
    /* The moderator's: meeting.open, close, admit, release, remove. The
     * database checks the person is the council's staff. */
    json_t *doc = json_pack("{s:s, s:I}", "action", req->spec->type + strlen("meeting."),
                            "meeting_id", (json_int_t)mid);
    const json_t *gid = json_object_get(req->root, "guest_id");
    if (gid)
        json_object_set(doc, "guest_id", (json_t *)gid);
    struct pending *p = pending_new(m, c, req->id, rq, mid);
    run_do(p, c->who->person_id, c->who->is_admin, NULL, doc, done);
}

/* --- media --------------------------------------------------------------------------- */

void pl_meetings_rtc(struct pl_meetings *m, struct pl_client *c, const struct pl_request *req)
{
    enum pl_rq rq = req->rq;
    struct pl_mseat *s = c->meeting;
    struct room *room = s->room;
    if (!m->rtc) {
        pl_client_refuse(c, req->id, PL_ERR_INVALID_STATE, NULL, "media_unavailable");
        return;
    }
    if (rq == PL_RQ_RTC_STATUS || rq == PL_RQ_RTC_MUTE) {
        if (!s->staff) {
            pl_client_refuse(c, req->id, PL_ERR_FORBIDDEN, NULL, "moderator_only");
            return;
        }
        if (rq == PL_RQ_RTC_STATUS) {
            pl_client_reply(c, req->id, pl_rtc_room_status(m->rtc, -room->id));
            return;
        }
        int64_t pid = json_integer_value(json_object_get(req->root, "person_id"));
        bool muted = json_is_true(json_object_get(req->root, "muted"));
        if (pl_rtc_mute(m->rtc, -room->id, pid, muted) != PL_OK)
            pl_client_refuse(c, req->id, PL_ERR_NOT_FOUND, "person_id", NULL);
        else
            pl_client_reply(c, req->id, NULL);
        return;
    }
    /* rtc.join (the rest is the hub's, for any participant). */
    if (room->closed) {
        pl_client_refuse(c, req->id, PL_ERR_INVALID_STATE, NULL, "meeting_closed");
        return;
    }
    /* Anyone watches the open meeting's picture and sound (receive-only:
     * no camera asked for); a citizen connects their camera and microphone
     * once they ask to speak, so they are ready when admitted. */
    bool watch_only = false;
    if (!s->staff) {
        if (!room->open) {
            pl_client_refuse(c, req->id, PL_ERR_INVALID_STATE, NULL, "meeting_not_open");
            return;
        }
        watch_only =
            !s->guest_id || (strcmp(s->state, "hand") != 0 && strcmp(s->state, "admitted") != 0);
    }
    if (c->rtc) {
        pl_client_refuse(c, req->id, PL_ERR_INVALID_STATE, NULL, "already_joined");
        return;
    }
    /* The audience is person 0 in the room: never on air, nothing to mute. */
    int64_t pid = s->staff ? c->who->person_id : s->guest_id ? guest_pid(s->guest_id) : 0;
    bool on_air = s->staff || (s->guest_id && s->guest_id == room->on_air);
    enum pl_err err = PL_OK;
    const char *reason = NULL;
    c->rtc = pl_rtc_join(m->rtc, -room->id, pid, s->name ? s->name : "?", on_air,
                         pl_client_rtc_send, c, &err, &reason);
    if (!c->rtc) {
        pl_client_refuse(c, req->id, err, NULL, reason);
        return;
    }
    if (s->staff)
        pl_rtc_set_host(c->rtc);
    if (watch_only)
        pl_rtc_set_watch_only(c->rtc);
    pl_client_reply(c, req->id,
                    json_pack("{s:o, s:i}", "ice_servers", pl_rtc_ice_servers(m->rtc), "timeout_s",
                              pl_rtc_timeout_s(m->rtc)));
}

/* --- life ---------------------------------------------------------------------------- */

struct pl_meetings *pl_meetings_new(struct pl_store *store, struct pl_rtc *rtc,
                                    struct pl_throttle *petitions)
{
    struct pl_meetings *m = g_new0(struct pl_meetings, 1);
    m->store = store;
    m->rtc = rtc;
    m->petitions = petitions;
    m->rooms = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, room_free);
    pl_store_listen(store, PL_MEETING_CHANNEL, on_notify, on_connected, m);
    return m;
}

void pl_meetings_free(struct pl_meetings *m)
{
    if (!m)
        return;
    /* The store goes after us and drops its callbacks unrun; what they
     * would have freed is freed here. */
    for (GList *l = m->pending; l; l = l->next) {
        struct pending *p = l->data;
        pl_store_cancel(m->store, p->handle);
        pending_free(p);
    }
    g_list_free(m->pending);
    g_hash_table_destroy(m->rooms);
    g_free(m);
}

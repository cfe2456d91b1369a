/* The live session domain: its state, loading, JSON views, pl_live_check's
 * switch and applying; see live.h. The decisions of each area are in
 * live_agenda.c and live_floor.c (live_priv.h). */
#include "live.h"
#include "live_priv.h"

#include "vote.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[PL_KIND__COUNT] = {"speech", "question", "answer", "reply",
                                                       "order"};
static const char *const role_names[] = {"observer",  "staff",      "delegate",
                                         "secretary", "vice_chair", "chair"};

const char *pl_kind_name(enum pl_kind k)
{
    return (unsigned)k < PL_KIND__COUNT ? kind_names[k] : "speech";
}

bool pl_role_runs_sitting(enum pl_role r)
{
    return r == PL_ROLE_CHAIR || r == PL_ROLE_VICE_CHAIR;
}

const char *pl_role_name(enum pl_role r)
{
    return (unsigned)r <= PL_ROLE_CHAIR ? role_names[r] : "observer";
}

int pl_live_kind_parse(const char *s)
{
    for (int i = 0; i < PL_KIND__COUNT; i++) {
        if (strcmp(s, kind_names[i]) == 0)
            return i;
    }
    return -1;
}

/* --- lifetime ------------------------------------------------------------------ */

static void member_clear(gpointer p)
{
    g_free(((struct pl_member *)p)->name);
}

static void sitting_clear(gpointer p)
{
    g_free(((struct pl_sitting *)p)->title);
}

static void item_clear(gpointer p)
{
    struct pl_item *it = p;
    g_free(it->title);
    g_free(it->presenter);
    json_decref(it->documents);
}

struct pl_live *pl_live_new(void)
{
    struct pl_live *l = g_new0(struct pl_live, 1);
    l->members = g_array_new(FALSE, TRUE, sizeof(struct pl_member));
    g_array_set_clear_func(l->members, member_clear);
    l->sittings = g_array_new(FALSE, TRUE, sizeof(struct pl_sitting));
    g_array_set_clear_func(l->sittings, sitting_clear);
    l->items = g_array_new(FALSE, TRUE, sizeof(struct pl_item));
    g_array_set_clear_func(l->items, item_clear);
    l->queue = g_array_new(FALSE, TRUE, sizeof(struct pl_speaker_request));
    l->present = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    l->speeches = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    l->votes = g_ptr_array_new_with_free_func((GDestroyNotify)pl_vote_free);
    l->keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_strlcpy(l->display_mode, "agenda", sizeof l->display_mode);
    return l;
}

void pl_live_free(struct pl_live *l)
{
    if (!l)
        return;
    g_free(l->council_name);
    g_free(l->title);
    g_array_free(l->members, TRUE);
    g_array_free(l->sittings, TRUE);
    g_array_free(l->items, TRUE);
    g_array_free(l->queue, TRUE);
    g_hash_table_destroy(l->present);
    g_hash_table_destroy(l->speeches);
    g_free(l->display_message);
    g_ptr_array_free(l->votes, TRUE);
    g_hash_table_destroy(l->keys);
    g_free(l);
}

void pl_change_clear(struct pl_change *ch)
{
    json_decref(ch->data);
    g_free(ch->message);
    pl_vote_free(ch->new_vote);
    if (ch->casts)
        g_ptr_array_free(ch->casts, TRUE);
    json_decref(ch->result);
    json_decref(ch->eligible);
    g_free(ch->key);
    memset(ch, 0, sizeof *ch);
}

/* A command done with an idempotency key: what a retry is answered with. */
struct pl_key_done {
    int64_t seq;
    char type[32];
};

static void key_record(struct pl_live *l, int64_t person, const char *key, const char *type,
                       int64_t seq)
{
    struct pl_key_done *k = g_new0(struct pl_key_done, 1);
    k->seq = seq;
    g_strlcpy(k->type, type, sizeof k->type);
    g_hash_table_replace(l->keys, g_strdup_printf("%lld %s", (long long)person, key), k);
}

int64_t pl_live_key_seq(const struct pl_live *l, int64_t person, const char *key, const char **type)
{
    char *name = g_strdup_printf("%lld %s", (long long)person, key);
    const struct pl_key_done *k = g_hash_table_lookup(l->keys, name);
    g_free(name);
    if (!k)
        return 0;
    *type = k->type;
    return k->seq;
}

/* --- lookups ------------------------------------------------------------------- */

const struct pl_member *pl_live_member(const struct pl_live *l, int64_t person)
{
    for (guint i = 0; i < l->members->len; i++) {
        const struct pl_member *m = &g_array_index(l->members, struct pl_member, i);
        if (m->person_id == person)
            return m;
    }
    return NULL;
}

struct pl_sitting *pl_live_sitting(const struct pl_live *l, int64_t id)
{
    for (guint i = 0; i < l->sittings->len; i++) {
        struct pl_sitting *s = &g_array_index(l->sittings, struct pl_sitting, i);
        if (s->id == id)
            return s;
    }
    return NULL;
}

int pl_live_item_index(const struct pl_live *l, int64_t id)
{
    for (guint i = 0; i < l->items->len; i++) {
        if (g_array_index(l->items, struct pl_item, i).id == id)
            return (int)i;
    }
    return -1;
}

struct pl_item *pl_live_item(const struct pl_live *l, int64_t id)
{
    int i = pl_live_item_index(l, id);
    return i < 0 ? NULL : &g_array_index(l->items, struct pl_item, i);
}

int pl_live_request_index(const struct pl_live *l, int64_t id)
{
    for (guint i = 0; i < l->queue->len; i++) {
        if (g_array_index(l->queue, struct pl_speaker_request, i).id == id)
            return (int)i;
    }
    return -1;
}

enum pl_role pl_live_role(const struct pl_live *l, const struct pl_identity *who, bool *is_delegate)
{
    const struct pl_member *m = who ? pl_live_member(l, who->person_id) : NULL;
    if (is_delegate)
        *is_delegate = m && m->is_delegate;
    return m ? m->role : PL_ROLE_NONE;
}

bool pl_live_public_now(const struct pl_live *l)
{
    if (l->closed)
        return false;
    const struct pl_sitting *s = l->open_sitting ? pl_live_sitting(l, l->open_sitting) : NULL;
    return !(s && s->closed);
}

int pl_live_quorum(const struct pl_live *l)
{
    /* At least num/den of the total: ceil(total * num / den). */
    return (l->total_seats * l->quorum_num + l->quorum_den - 1) / l->quorum_den;
}

static int quorum(const struct pl_live *l)
{
    return pl_live_quorum(l);
}

json_t *pl_live_refusal_detail(const struct pl_live *l, enum pl_rq rq, const json_t *req,
                               const char *reason)
{
    if (!reason)
        return NULL;
    if (strcmp(reason, "no_quorum") == 0)
        return json_pack("{s:i, s:i, s:i}", "present", (int)g_hash_table_size(l->present), "needed",
                         quorum(l), "total_seats", l->total_seats);
    if (strcmp(reason, "counting_board_required") == 0) {
        size_t given = json_array_size(json_object_get(req, "board"));
        if (rq != PL_RQ_VOTE_PREPARE) {
            const struct pl_vote *v =
                pl_vote_find(l, json_integer_value(json_object_get(req, "vote_id")));
            given = v ? v->board->len : 0;
        }
        return json_pack("{s:i, s:i}", "board_size", l->board_size, "given", (int)given);
    }
    return NULL;
}

int64_t pl_live_opt_int(const json_t *req, const char *k, int64_t dflt)
{
    json_t *v = json_object_get(req, k);
    return json_is_integer(v) ? json_integer_value(v) : dflt;
}

/* --- building from the database's document -------------------------------------- */

static const char *jstr(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static int64_t jint(const json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_real(v))
        return (int64_t)json_real_value(v);
    return 0;
}

static enum pl_state state_parse(const char *s)
{
    return strcmp(s, "open") == 0 ? PL_OPEN : strcmp(s, "closed") == 0 ? PL_CLOSED : PL_PLANNED;
}

static enum pl_role role_parse(const char *s)
{
    for (int r = PL_ROLE_STAFF; r <= PL_ROLE_CHAIR; r++) {
        if (strcmp(s, role_names[r]) == 0)
            return (enum pl_role)r;
    }
    return PL_ROLE_NONE;
}

/* Appends the children of parent (sorted by position) depth first. */
static void order_items(GArray *out, GArray *all, int64_t parent, int depth)
{
    GArray *kids = g_array_new(FALSE, FALSE, sizeof(guint));
    for (guint i = 0; i < all->len; i++) {
        if (g_array_index(all, struct pl_item, i).parent_id == parent)
            g_array_append_val(kids, i);
    }
    for (guint a = 1; a < kids->len; a++) { /* insertion sort: agendas are short */
        guint v = g_array_index(kids, guint, a);
        int p = g_array_index(all, struct pl_item, v).position;
        int b = (int)a - 1;
        while (b >= 0 &&
               g_array_index(all, struct pl_item, g_array_index(kids, guint, b)).position > p) {
            g_array_index(kids, guint, b + 1) = g_array_index(kids, guint, b);
            b--;
        }
        g_array_index(kids, guint, b + 1) = v;
    }
    for (guint k = 0; k < kids->len && depth < 16; k++) {
        struct pl_item it = g_array_index(all, struct pl_item, g_array_index(kids, guint, k));
        it.depth = depth;
        g_array_append_val(out, it);
        order_items(out, all, it.id, depth + 1);
    }
    g_array_free(kids, TRUE);
}

struct pl_live *pl_live_from_json(const json_t *doc, char *err, size_t errlen)
{
    const json_t *s = json_object_get(doc, "session");
    if (!json_is_object(s)) {
        snprintf(err, errlen, "session document has no session");
        return NULL;
    }
    struct pl_live *l = pl_live_new();
    l->id = jint(s, "id");
    l->council_id = jint(s, "council_id");
    l->council_name = g_strdup(jstr(s, "council_name"));
    l->title = g_strdup(jstr(s, "title"));
    l->number = (int)jint(s, "number");
    l->total_seats = (int)jint(s, "total_seats");
    l->quorum_num = (int)jint(s, "quorum_num");
    l->quorum_den = (int)jint(s, "quorum_den");
    l->board_size = (int)jint(s, "counting_board_size");
    if (l->board_size <= 0)
        l->board_size = 3; /* a commune's board: the smallest the law knows */
    if (l->quorum_den <= 0 || l->total_seats <= 0) {
        snprintf(err, errlen, "session %lld has a bad council size or quorum", (long long)l->id);
        pl_live_free(l);
        return NULL;
    }
    l->extraordinary = strcmp(jstr(s, "kind"), "extraordinary") == 0;
    l->closed = strcmp(jstr(s, "visibility"), "closed") == 0;
    l->state = state_parse(jstr(s, "state"));
    static const char *const limit_keys[] = {"speech", "question", "answer",
                                             "reply",  "order",    "second_speech"};
    static const int limit_defaults[] = {420, 180, 300, 180, 120, 180};
    const json_t *lim = json_object_get(s, "limits");
    for (int i = 0; i <= PL_KIND__COUNT; i++) {
        int64_t v = jint(lim, limit_keys[i]);
        l->limits[i] = v > 0 && v <= 36000 ? (int)v : limit_defaults[i];
    }
    const json_t *disp = json_object_get(s, "display");
    const char *mode = jstr(disp, "mode");
    g_strlcpy(l->display_mode, *mode ? mode : "agenda", sizeof l->display_mode);
    if (json_is_string(json_object_get(disp, "message")))
        l->display_message = g_strdup(jstr(disp, "message"));

    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(doc, "members"), i, v)
    {
        struct pl_member m = {
            jint(v, "person_id"), g_strdup(jstr(v, "name")), role_parse(jstr(v, "role")),
            json_is_true(json_object_get(v, "is_delegate")), (int)jint(v, "seat_no")};
        g_array_append_val(l->members, m);
    }
    json_array_foreach(json_object_get(doc, "sittings"), i, v)
    {
        struct pl_sitting st = {jint(v, "id"), (int)jint(v, "ordinal"), g_strdup(jstr(v, "title")),
                                strcmp(jstr(v, "visibility"), "closed") == 0,
                                state_parse(jstr(v, "state"))};
        if (st.state == PL_OPEN)
            l->open_sitting = st.id;
        g_array_append_val(l->sittings, st);
    }
    GArray *all = g_array_new(FALSE, TRUE, sizeof(struct pl_item));
    json_array_foreach(json_object_get(doc, "items"), i, v)
    {
        const char *st = jstr(v, "state");
        struct pl_item it = {
            jint(v, "id"),
            jint(v, "parent_id"),
            (int)jint(v, "position"),
            0,
            g_strdup(jstr(v, "title")),
            json_is_string(json_object_get(v, "presenter")) ? g_strdup(jstr(v, "presenter")) : NULL,
            json_incref(json_is_array(json_object_get(v, "documents"))
                            ? json_object_get(v, "documents")
                            : json_array()),
            strcmp(st, "active") == 0 ? PL_ITEM_ACTIVE
            : strcmp(st, "done") == 0 ? PL_ITEM_DONE
                                      : PL_ITEM_PENDING};
        if (!json_is_array(json_object_get(v, "documents")))
            json_decref(it.documents); /* drop the extra reference on the new array */
        if (it.state == PL_ITEM_ACTIVE)
            l->active_item = it.id;
        g_array_append_val(all, it);
    }
    order_items(l->items, all, 0, 0);
    /* Items whose parent is missing would be lost: keep them at the end. */
    for (guint k = 0; k < all->len; k++) {
        struct pl_item *it = &g_array_index(all, struct pl_item, k);
        if (pl_live_item_index(l, it->id) < 0)
            g_array_append_val(l->items, *it);
    }
    g_array_free(all, TRUE); /* no clear func: the items moved into l->items */
    /* [person id, key, request type, seq] of each keyed command. */
    json_array_foreach(json_object_get(doc, "keys"), i, v)
    {
        const char *key = json_string_value(json_array_get(v, 1));
        const char *type = json_string_value(json_array_get(v, 2));
        if (key && type)
            key_record(l, json_integer_value(json_array_get(v, 0)), key, type,
                       json_integer_value(json_array_get(v, 3)));
    }

    json_array_foreach(json_object_get(doc, "present"), i, v)
    {
        int64_t *p = g_new(int64_t, 1);
        *p = json_integer_value(v);
        g_hash_table_add(l->present, p);
    }
    json_array_foreach(json_object_get(doc, "queue"), i, v)
    {
        int k = pl_live_kind_parse(jstr(v, "kind"));
        struct pl_speaker_request r = {jint(v, "id"), jint(v, "item_id"), jint(v, "person_id"),
                                       k < 0 ? PL_KIND_SPEECH : (enum pl_kind)k,
                                       json_number_value(json_object_get(v, "position"))};
        g_array_append_val(l->queue, r);
    }
    json_array_foreach(json_object_get(doc, "speeches"), i, v)
    {
        g_hash_table_insert(l->speeches,
                            g_strdup_printf("%lld:%lld", (long long)jint(v, "item_id"),
                                            (long long)jint(v, "person_id")),
                            GINT_TO_POINTER((int)jint(v, "n")));
    }
    const json_t *t = json_object_get(doc, "turn");
    if (json_is_object(t)) {
        int k = pl_live_kind_parse(jstr(t, "kind"));
        l->turn =
            (struct pl_turn){jint(t, "id"),           jint(t, "person_id"),
                             jint(t, "item_id"),      jint(t, "request_id"),
                             jint(t, "sitting_id"),   k < 0 ? PL_KIND_SPEECH : (enum pl_kind)k,
                             (int)jint(t, "limit_s"), (int)jint(t, "extended_s"),
                             jint(t, "started_ms"),   jint(t, "paused_at_ms"),
                             jint(t, "paused_ms"),    json_is_true(json_object_get(t, "overran"))};
    }
    json_array_foreach(json_object_get(doc, "votes"), i, v)
    {
        struct pl_vote *vote = pl_vote_from_json(v);
        if (vote)
            g_ptr_array_add(l->votes, vote);
    }
    l->seq = jint(doc, "seq");
    return l;
}

/* --- JSON views ------------------------------------------------------------------ */

int64_t pl_live_deadline(const struct pl_live *l)
{
    const struct pl_turn *t = &l->turn;
    if (!t->id || t->paused_at_ms || t->overran)
        return 0;
    return t->started_ms + t->paused_ms + (int64_t)(t->limit_s + t->extended_s) * 1000;
}

json_t *pl_live_turn_to_json(const struct pl_live *l, const struct pl_turn *t, int64_t now_ms)
{
    if (!t->id)
        return json_null();
    int64_t allowed = (int64_t)(t->limit_s + t->extended_s) * 1000;
    int64_t paused = t->paused_ms + (t->paused_at_ms ? now_ms - t->paused_at_ms : 0);
    int64_t elapsed = now_ms - t->started_ms - paused;
    const struct pl_member *m = pl_live_member(l, t->person_id);
    json_t *o = json_pack(
        "{s:I, s:I, s:s, s:s, s:I, s:i, s:i, s:I, s:I, s:b, s:b, s:I}", "id", (json_int_t)t->id,
        "person_id", (json_int_t)t->person_id, "name", m ? m->name : "", "kind",
        pl_kind_name(t->kind), "item_id", (json_int_t)t->item_id, "limit_s", t->limit_s,
        "extended_s", t->extended_s, "started_ms", (json_int_t)t->started_ms, "remaining_ms",
        (json_int_t)(allowed - elapsed), "paused", t->paused_at_ms != 0, "overran",
        t->overran || elapsed > allowed, "elapsed_ms", (json_int_t)elapsed);
    /* Clients count down to the deadline (corrected by server_ms), so every
     * screen shows the same time without a tick per second. */
    if (!t->paused_at_ms)
        json_object_set_new(o, "deadline_ms", json_integer(t->started_ms + t->paused_ms + allowed));
    return o;
}

json_t *pl_live_turn_json(const struct pl_live *l, int64_t now_ms)
{
    return pl_live_turn_to_json(l, &l->turn, now_ms);
}

static gint by_position(gconstpointer a, gconstpointer b)
{
    double pa = ((const struct pl_speaker_request *)a)->position;
    double pb = ((const struct pl_speaker_request *)b)->position;
    return pa < pb ? -1 : pa > pb;
}

/* The queued requests of item_id, in queue order. */
json_t *pl_live_queue_json(const struct pl_live *l, const GArray *unsorted, int64_t item_id)
{
    json_t *a = json_array();
    GArray *queue = g_array_copy((GArray *)unsorted);
    g_array_sort(queue, by_position);
    for (guint i = 0; i < queue->len; i++) {
        const struct pl_speaker_request *r = &g_array_index(queue, struct pl_speaker_request, i);
        if (r->item_id != item_id)
            continue;
        const struct pl_member *m = pl_live_member(l, r->person_id);
        json_array_append_new(a, json_pack("{s:I, s:I, s:s, s:s}", "request_id", (json_int_t)r->id,
                                           "person_id", (json_int_t)r->person_id, "name",
                                           m ? m->name : "", "kind", pl_kind_name(r->kind)));
    }
    g_array_free(queue, TRUE);
    return a;
}

static json_t *attendance_json(const struct pl_live *l)
{
    json_t *ids = json_array();
    GHashTableIter it;
    gpointer k;
    g_hash_table_iter_init(&it, l->present);
    while (g_hash_table_iter_next(&it, &k, NULL))
        json_array_append_new(ids, json_integer(*(int64_t *)k));
    int present = (int)g_hash_table_size(l->present);
    return json_pack("{s:o, s:i, s:i, s:i, s:b}", "present", ids, "present_count", present,
                     "total_seats", l->total_seats, "quorum", quorum(l), "quorum_met",
                     present >= quorum(l));
}

static const char *state_name(enum pl_state s)
{
    return s == PL_OPEN ? "open" : s == PL_CLOSED ? "closed" : "planned";
}

json_t *pl_live_snapshot(const struct pl_live *l, bool full, int64_t now_ms)
{
    static const char *const item_states[] = {"pending", "active", "done"};
    json_t *sittings = json_array(), *items = json_array(), *members = json_array();
    for (guint i = 0; i < l->sittings->len; i++) {
        const struct pl_sitting *s = &g_array_index(l->sittings, struct pl_sitting, i);
        json_array_append_new(sittings,
                              json_pack("{s:I, s:i, s:s, s:b, s:s}", "id", (json_int_t)s->id,
                                        "ordinal", s->ordinal, "title", s->title, "closed",
                                        s->closed, "state", state_name(s->state)));
    }
    for (guint i = 0; i < l->items->len; i++) {
        const struct pl_item *it = &g_array_index(l->items, struct pl_item, i);
        json_array_append_new(
            items, json_pack("{s:I, s:I, s:i, s:i, s:s, s:s?, s:O, s:s}", "id", (json_int_t)it->id,
                             "parent_id", (json_int_t)it->parent_id, "position", it->position,
                             "depth", it->depth, "title", it->title, "presenter", it->presenter,
                             "documents", it->documents, "state", item_states[it->state]));
    }
    for (guint i = 0; i < l->members->len; i++) {
        const struct pl_member *m = &g_array_index(l->members, struct pl_member, i);
        json_t *o =
            json_pack("{s:I, s:s, s:s, s:b}", "person_id", (json_int_t)m->person_id, "name",
                      m->name, "role", pl_role_name(m->role), "is_delegate", m->is_delegate);
        if (m->seat_no)
            json_object_set_new(o, "seat_no", json_integer(m->seat_no));
        json_array_append_new(members, o);
    }
    json_t *limits = json_object();
    for (int k = 0; k < PL_KIND__COUNT; k++)
        json_object_set_new(limits, kind_names[k], json_integer(l->limits[k]));
    json_object_set_new(limits, "second_speech", json_integer(l->limits[PL_LIMIT_SECOND_SPEECH]));

    json_t *snap = json_pack(
        "{s:I, s:I, s:s, s:s, s:i, s:s, s:b, s:s, s:i, s:i, s:i, s:o, s:o, s:o, s:o, s:I, s:I}",
        "session_id", (json_int_t)l->id, "council_id", (json_int_t)l->council_id, "council_name",
        l->council_name, "title", l->title, "number", l->number, "kind",
        l->extraordinary ? "extraordinary" : "regular", "closed", l->closed, "state",
        state_name(l->state), "total_seats", l->total_seats, "quorum_num", l->quorum_num,
        "quorum_den", l->quorum_den, "limits", limits, "sittings", sittings, "agenda", items,
        "members", members, "seq", (json_int_t)l->seq, "server_ms", (json_int_t)now_ms);
    json_object_set_new(snap, "counting_board_size", json_integer(l->board_size));
    json_object_set_new(snap, "open_sitting_id",
                        l->open_sitting ? json_integer(l->open_sitting) : json_null());
    json_t *votes = json_array();
    for (guint i = 0; i < l->votes->len; i++) {
        const struct pl_vote *vt = g_ptr_array_index(l->votes, i);
        json_array_append_new(votes, pl_vote_json(vt, true));
    }
    if (!full && !pl_live_public_now(l)) {
        /* A closed sitting is invisible to observers: they learn only that
         * one is in progress. */
        json_object_set_new(snap, "hidden", json_true());
        json_decref(votes);
        return snap;
    }
    json_object_set_new(snap, "votes", votes);
    json_object_set_new(snap, "active_item_id",
                        l->active_item ? json_integer(l->active_item) : json_null());
    json_object_set_new(snap, "attendance", attendance_json(l));
    json_object_set_new(snap, "queue", pl_live_queue_json(l, l->queue, l->active_item));
    json_object_set_new(snap, "turn", pl_live_turn_to_json(l, &l->turn, now_ms));
    json_object_set_new(
        snap, "display",
        json_pack("{s:s, s:s?}", "mode", l->display_mode, "message", l->display_message));
    return snap;
}

/* --- deciding: who may, then the command's decide function ------------------------ */

enum pl_err pl_live_check(const struct pl_live *l, const struct pl_identity *who, enum pl_rq rq,
                          const json_t *req, int64_t now_ms, struct pl_change *ch,
                          const char **reason)
{
    memset(ch, 0, sizeof *ch);
    *reason = NULL;
    ch->seq = l->seq + 1;
    ch->now_ms = now_ms;
    ch->actor_id = who ? who->person_id : 0;
    ch->public = pl_live_public_now(l);
    bool delegate = false;
    enum pl_role role = pl_live_role(l, who, &delegate);
    const struct pl_req_spec *spec = pl_proto_spec(rq);
    bool command = spec && spec->kind == PL_REQ_SESSION_CMD;
    /* Votes: vote.c decides each command; ballots (vote.cast, vote.enter)
     * are decided in a group commit by pl_vote_check_cast, never here. */
    switch (rq) {
    case PL_RQ_VOTE_PREPARE:
        return pl_vote_decide_prepare(l, who, req, ch, reason);
    case PL_RQ_VOTE_OPEN:
        return pl_vote_decide_open(l, who, req, ch, reason);
    case PL_RQ_VOTE_CLOSE:
        return pl_vote_decide_close(l, who, req, ch, reason);
    case PL_RQ_VOTE_CONFIRM:
        return pl_vote_decide_confirm(l, who, req, ch, reason);
    case PL_RQ_VOTE_PUBLISH:
        return pl_vote_decide_publish(l, who, req, ch, reason);
    case PL_RQ_VOTE_CANCEL:
        return pl_vote_decide_cancel(l, who, req, ch, reason);
    case PL_RQ_VOTE_TALLY:
        return pl_vote_decide_tally(l, who, req, ch, reason);
    default:
        break;
    }

    /* Who may do what (requests.def's who column): the chair (or a
     * vice-chair acting as chair) runs the sitting, the secretary keeps
     * attendance, delegates act for themselves. */
    bool chair_op = command && spec->who == PL_WHO_CHAIR;
    bool secretary_op = command && spec->who == PL_WHO_SECRETARY;
    bool self_op = command && spec->who == PL_WHO_DELEGATE;
    if (chair_op && !pl_role_runs_sitting(role))
        PL_REFUSE(PL_ERR_FORBIDDEN, "chair_only");
    if (secretary_op && !pl_role_runs_sitting(role) && role != PL_ROLE_SECRETARY)
        PL_REFUSE(PL_ERR_FORBIDDEN, "secretary_only");
    if (self_op && !delegate)
        PL_REFUSE(PL_ERR_FORBIDDEN, "delegates_only");
    if (!chair_op && !secretary_op && !self_op)
        PL_REFUSE(PL_ERR_UNKNOWN_TYPE, "not_a_session_command");

    /* Where the session and the sitting must be open, they are checked here
     * once, in this order, before the command's own decision. */
    if (rq != PL_RQ_SESSION_OPEN && l->state != PL_OPEN)
        PL_REFUSE(PL_ERR_INVALID_STATE, "session_not_open");
    if (rq != PL_RQ_SESSION_OPEN && rq != PL_RQ_SESSION_CLOSE && rq != PL_RQ_SITTING_OPEN &&
        !l->open_sitting)
        PL_REFUSE(PL_ERR_INVALID_STATE, "no_open_sitting");
    switch (rq) {
    case PL_RQ_SESSION_OPEN:
        return pl_live_agenda_decide_session_open(l, who, rq, req, now_ms, ch, reason);
    case PL_RQ_SESSION_CLOSE:
        return pl_live_agenda_decide_session_close(l, who, rq, req, now_ms, ch, reason);
    case PL_RQ_SITTING_OPEN:
        return pl_live_agenda_decide_sitting_open(l, who, rq, req, now_ms, ch, reason);
    case PL_RQ_SITTING_CLOSE:
        return pl_live_agenda_decide_sitting_close(l, who, rq, req, now_ms, ch, reason);
    case PL_RQ_AGENDA_ACTIVATE:
    case PL_RQ_AGENDA_NEXT:
    case PL_RQ_AGENDA_PREVIOUS:
        return pl_live_agenda_decide_move(l, who, rq, req, now_ms, ch, reason);
    case PL_RQ_AGENDA_DONE:
        return pl_live_agenda_decide_done(l, who, rq, req, now_ms, ch, reason);
    case PL_RQ_ATTENDANCE_CHECK_IN:
    case PL_RQ_ATTENDANCE_CHECK_OUT:
    case PL_RQ_ATTENDANCE_SET:
        return pl_live_floor_decide_attendance(l, who, rq, req, now_ms, ch, reason);
    case PL_RQ_SPEAKER_REQUEST:
        return pl_live_floor_decide_speaker_request(l, who, rq, req, now_ms, ch, reason);
    case PL_RQ_SPEAKER_WITHDRAW:
    case PL_RQ_SPEAKER_REMOVE:
        return pl_live_floor_decide_speaker_unqueue(l, who, rq, req, now_ms, ch, reason);
    case PL_RQ_SPEAKER_REORDER:
        return pl_live_floor_decide_speaker_reorder(l, who, rq, req, now_ms, ch, reason);
    case PL_RQ_SPEAKER_GRANT:
        return pl_live_floor_decide_speaker_grant(l, who, rq, req, now_ms, ch, reason);
    case PL_RQ_SPEAKER_GIVE_FLOOR:
        return pl_live_floor_decide_speaker_give_floor(l, who, rq, req, now_ms, ch, reason);
    case PL_RQ_SPEAKER_END:
        return pl_live_floor_decide_speaker_end(l, who, rq, req, now_ms, ch, reason);
    case PL_RQ_TIMER_PAUSE:
        return pl_live_floor_decide_timer_pause(l, who, rq, req, now_ms, ch, reason);
    case PL_RQ_TIMER_RESUME:
        return pl_live_floor_decide_timer_resume(l, who, rq, req, now_ms, ch, reason);
    case PL_RQ_TIMER_EXTEND:
        return pl_live_floor_decide_timer_extend(l, who, rq, req, now_ms, ch, reason);
    case PL_RQ_DISPLAY_SET:
        return pl_live_floor_decide_display_set(l, who, rq, req, now_ms, ch, reason);
    default:
        break;
    }
    PL_REFUSE(PL_ERR_UNKNOWN_TYPE, "not_a_session_command");
}

/* --- applying ----------------------------------------------------------------------- */

void pl_live_apply(struct pl_live *l, struct pl_change *ch)
{
    int idx;
    if (ch->key && ch->event)
        key_record(l, ch->actor_id, ch->key, ch->key_type, ch->seq);
    switch (ch->op) {
    case PL_OP_SESSION_OPEN:
        l->state = PL_OPEN;
        break;
    case PL_OP_SESSION_CLOSE:
        l->state = PL_CLOSED;
        break;
    case PL_OP_SITTING_OPEN:
        pl_live_sitting(l, ch->a)->state = PL_OPEN;
        l->open_sitting = ch->a;
        g_hash_table_remove_all(l->present);
        break;
    case PL_OP_SITTING_CLOSE:
        pl_live_sitting(l, ch->a)->state = PL_CLOSED;
        l->open_sitting = 0;
        g_hash_table_remove_all(l->present);
        memset(&l->turn, 0, sizeof l->turn);
        break;
    case PL_OP_AGENDA_ACTIVATE: {
        struct pl_item *prev = pl_live_item(l, ch->prev_item);
        if (prev && prev->state == PL_ITEM_ACTIVE)
            prev->state = PL_ITEM_PENDING;
        pl_live_item(l, ch->a)->state = PL_ITEM_ACTIVE;
        l->active_item = ch->a;
        break;
    }
    case PL_OP_AGENDA_DONE:
        pl_live_item(l, ch->a)->state = PL_ITEM_DONE;
        if (l->active_item == ch->a)
            l->active_item = 0;
        break;
    case PL_OP_ATTENDANCE:
        if (ch->flag) {
            int64_t *p = g_new(int64_t, 1);
            *p = ch->a;
            g_hash_table_add(l->present, p);
        } else {
            g_hash_table_remove(l->present, &ch->a);
        }
        break;
    case PL_OP_QUEUE_ADD: {
        struct pl_speaker_request r = {ch->seq, ch->b, ch->a, (enum pl_kind)ch->kind, ch->position};
        g_array_append_val(l->queue, r);
        break;
    }
    case PL_OP_QUEUE_CLOSE:
        if ((idx = pl_live_request_index(l, ch->a)) >= 0)
            g_array_remove_index(l->queue, (guint)idx);
        break;
    case PL_OP_QUEUE_MOVE:
        if ((idx = pl_live_request_index(l, ch->a)) >= 0)
            g_array_index(l->queue, struct pl_speaker_request, idx).position = ch->position;
        break;
    case PL_OP_TURN_START:
        if (ch->b && (idx = pl_live_request_index(l, ch->b)) >= 0)
            g_array_remove_index(l->queue, (guint)idx);
        l->turn = pl_live_floor_started_turn(l, ch);
        if (ch->kind == PL_KIND_SPEECH) {
            char *key = g_strdup_printf("%lld:%lld", (long long)l->active_item, (long long)ch->a);
            int n = GPOINTER_TO_INT(g_hash_table_lookup(l->speeches, key));
            g_hash_table_insert(l->speeches, key, GINT_TO_POINTER(n + 1));
        }
        break;
    case PL_OP_TURN_END:
        memset(&l->turn, 0, sizeof l->turn);
        break;
    case PL_OP_TURN_PAUSE:
    case PL_OP_TURN_RESUME:
    case PL_OP_TURN_EXTEND:
    case PL_OP_TURN_OVERRUN:
        l->turn = pl_live_floor_turn_after(l, ch);
        break;
    case PL_OP_DISPLAY:
        g_strlcpy(l->display_mode, ch->mode, sizeof l->display_mode);
        g_free(l->display_message);
        l->display_message = g_strdup(ch->message);
        break;
    default:
        pl_vote_apply(l, ch);
        break;
    }
    /* A batch of ballots has no event (its record is the vote's tables). */
    if (ch->event)
        l->seq = ch->seq;
}

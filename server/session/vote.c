/* Votes of a live session: loading, deciding (prepare, open, close, confirm,
 * publish, cancel, tally), counting and applying; see vote.h. Ballots are
 * checked in vote_ballot.c (vote_priv.h). */
#include "vote.h"
#include "vote_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live.h"
#include "signin_code.h"

static const char *const kind_names[] = {"open", "named", "secret", "election", "confidence"};
static const char *const state_names[] = {"prepared", "open",      "closed",
                                          "counted",  "published", "cancelled"};

bool pl_vote_is_secret(enum pl_vote_kind k)
{
    return k == PL_VOTE_SECRET || k == PL_VOTE_ELECTION || k == PL_VOTE_CONFIDENCE;
}

const char *pl_vote_kind_name(enum pl_vote_kind k)
{
    return (unsigned)k < PL_VOTE_KIND__COUNT ? kind_names[k] : "open";
}

const char *pl_vote_state_name(enum pl_vote_state s)
{
    return (unsigned)s <= PL_VS_CANCELLED ? state_names[s] : "prepared";
}

int pl_vote_name_index(const char *const *names, int n, const char *s)
{
    for (int i = 0; s && i < n; i++) {
        if (strcmp(names[i], s) == 0)
            return i;
    }
    return -1;
}

static void voted_free(gpointer p)
{
    struct pl_voted *v = p;
    g_free(v->choice);
    g_free(v);
}

static struct pl_vote *vote_new(void)
{
    struct pl_vote *v = g_new0(struct pl_vote, 1);
    v->board = g_array_new(FALSE, FALSE, sizeof(int64_t));
    v->confirmed = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    v->eligible = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    v->voted = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, voted_free);
    v->seats = 1;
    return v;
}

void pl_vote_free(struct pl_vote *v)
{
    if (!v)
        return;
    g_free(v->question);
    json_decref(v->candidates);
    g_array_free(v->board, TRUE);
    g_hash_table_destroy(v->confirmed);
    g_hash_table_destroy(v->eligible);
    g_hash_table_destroy(v->voted);
    json_decref(v->result);
    g_free(v);
}

static void add_id(GHashTable *set, int64_t id)
{
    int64_t *p = g_new(int64_t, 1);
    *p = id;
    g_hash_table_add(set, p);
}

int64_t pl_vote_jint(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

static int unhex(const char *hex, unsigned char out[32])
{
    if (!hex || strlen(hex) != 64)
        return -1;
    for (int i = 0; i < 32; i++) {
        unsigned x;
        if (sscanf(hex + 2 * i, "%2x", &x) != 1)
            return -1;
        out[i] = (unsigned char)x;
    }
    return 0;
}

struct pl_vote *pl_vote_from_json(const json_t *o)
{
    int kind = pl_vote_name_index(kind_names, PL_VOTE_KIND__COUNT,
                                  json_string_value(json_object_get(o, "kind")));
    int state = pl_vote_name_index(state_names, 6, json_string_value(json_object_get(o, "state")));
    int rule = pl_rule_parse(json_string_value(json_object_get(o, "rule")));
    if (kind < 0 || state < 0 || rule < 0)
        return NULL;
    struct pl_vote *v = vote_new();
    v->id = pl_vote_jint(o, "id");
    v->item_id = pl_vote_jint(o, "item_id");
    v->kind = (enum pl_vote_kind)kind;
    v->state = (enum pl_vote_state)state;
    v->rule = (enum pl_rule)rule;
    v->question = g_strdup(json_string_value(json_object_get(o, "question")));
    v->seats = (int)pl_vote_jint(o, "seats");
    v->mark_mode = json_is_string(json_object_get(o, "mode")) &&
                   strcmp(json_string_value(json_object_get(o, "mode")), "mark") == 0;
    v->candidates = json_incref(json_object_get(o, "candidates"));
    if (!json_is_array(v->candidates)) {
        json_decref(v->candidates);
        v->candidates = json_array();
    }
    const json_t *opt = json_object_get(o, "options");
    v->allow_change = json_is_true(json_object_get(opt, "allow_change"));
    v->live_named = json_is_true(json_object_get(opt, "live_named"));
    v->late_checkin = json_is_true(json_object_get(opt, "late_checkin"));
    v->duration_s = (int)pl_vote_jint(opt, "duration_s");
    v->opened_ms = pl_vote_jint(o, "opened_ms");
    v->closes_ms = pl_vote_jint(o, "closes_ms");
    size_t i;
    const json_t *x;
    json_array_foreach(json_object_get(o, "board"), i, x)
    {
        int64_t id = json_integer_value(x);
        g_array_append_val(v->board, id);
    }
    json_array_foreach(json_object_get(o, "confirmed"), i, x)
        add_id(v->confirmed, json_integer_value(x));
    json_array_foreach(json_object_get(o, "eligible"), i, x)
        add_id(v->eligible, json_integer_value(x));
    json_array_foreach(json_object_get(o, "voted"), i, x)
    {
        struct pl_voted *vd = g_new0(struct pl_voted, 1);
        const json_t *choice = json_object_get(x, "choice");
        if (choice)
            vd->choice = json_dumps(choice, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        unhex(json_string_value(json_object_get(x, "check")), vd->check);
        unhex(json_string_value(json_object_get(x, "commit")), vd->commit);
        vd->entered_by = pl_vote_jint(x, "entered_by");
        int64_t *k = g_new(int64_t, 1);
        *k = pl_vote_jint(x, "person_id");
        g_hash_table_insert(v->voted, k, vd);
    }
    if (json_is_object(json_object_get(o, "result")))
        v->result = json_incref(json_object_get(o, "result"));
    return v;
}

struct pl_vote *pl_vote_find(const struct pl_live *l, int64_t id)
{
    for (guint i = 0; i < l->votes->len; i++) {
        struct pl_vote *v = g_ptr_array_index(l->votes, i);
        if (v->id == id)
            return v;
    }
    return NULL;
}

/* The named choices of an open vote, by person. */
static json_t *named_json(const struct pl_vote *v)
{
    json_t *a = json_array();
    GHashTableIter it;
    gpointer k, val;
    g_hash_table_iter_init(&it, v->voted);
    while (g_hash_table_iter_next(&it, &k, &val)) {
        const struct pl_voted *vd = val;
        json_t *c = vd->choice ? json_loads(vd->choice, JSON_DECODE_ANY, NULL) : json_null();
        json_array_append_new(a, json_pack("{s:I, s:o}", "person_id", (json_int_t) * (int64_t *)k,
                                           "choice", c ? c : json_null()));
    }
    return a;
}

static gint cmp_id(gconstpointer a, gconstpointer b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The person ids of an open vote's eligible, in ascending order (a
 * snapshot then reads the same on every node). New reference. */
static json_t *eligible_json(const struct pl_vote *v)
{
    GArray *ids = g_array_sized_new(FALSE, FALSE, sizeof(int64_t), g_hash_table_size(v->eligible));
    GHashTableIter it;
    gpointer k;
    g_hash_table_iter_init(&it, v->eligible);
    while (g_hash_table_iter_next(&it, &k, NULL))
        g_array_append_val(ids, *(int64_t *)k);
    g_array_sort(ids, cmp_id);
    json_t *a = json_array();
    for (guint i = 0; i < ids->len; i++)
        json_array_append_new(a, json_integer(g_array_index(ids, int64_t, i)));
    g_array_free(ids, TRUE);
    return a;
}

json_t *pl_vote_json(const struct pl_vote *v, bool with_named)
{
    json_t *board = json_array();
    for (guint i = 0; i < v->board->len; i++)
        json_array_append_new(board, json_integer(g_array_index(v->board, int64_t, i)));
    json_t *o = json_pack(
        "{s:I, s:I, s:s, s:s, s:s, s:i, s:s, s:O, s:{s:b, s:b, s:b, s:i}, s:o, s:s, s:i, s:i}",
        "id", (json_int_t)v->id, "item_id", (json_int_t)v->item_id, "kind",
        pl_vote_kind_name(v->kind), "question", v->question ? v->question : "", "rule",
        pl_rule_name(v->rule), "seats", v->seats, "mode", v->mark_mode ? "mark" : "choose",
        "candidates", v->candidates, "options", "allow_change", v->allow_change, "live_named",
        v->live_named, "late_checkin", v->late_checkin, "duration_s", v->duration_s, "board", board,
        "state", pl_vote_state_name(v->state), "eligible_count",
        (int)g_hash_table_size(v->eligible), "cast_count", (int)g_hash_table_size(v->voted));
    if (v->closes_ms && v->state == PL_VS_OPEN)
        json_object_set_new(o, "closes_ms", json_integer(v->closes_ms));
    /* Who may vote (present at the opening) while it is open: a delegate's
     * page shows a late arrival why there is no ballot before they try. It
     * says no more than the attendance already public at that moment. */
    if (v->state == PL_VS_OPEN)
        json_object_set_new(o, "eligible", eligible_json(v));
    /* Who chose what is public for named votes: live if the chair chose so,
     * otherwise once published. Never for other kinds. */
    if (with_named && v->kind == PL_VOTE_NAMED &&
        ((v->live_named && v->state == PL_VS_OPEN) || v->state == PL_VS_PUBLISHED))
        json_object_set_new(o, "named", named_json(v));
    if (v->state == PL_VS_PUBLISHED && v->result)
        json_object_set_new(o, "result", json_incref(v->result));
    return o;
}

/* --- deciding -------------------------------------------------------------------- */

static bool on_board(const struct pl_vote *v, int64_t person)
{
    for (guint i = 0; i < v->board->len; i++) {
        if (g_array_index(v->board, int64_t, i) == person)
            return true;
    }
    return false;
}

/* Validates the prepare request into a new vote. */
static enum pl_err prepare(const struct pl_live *l, const json_t *req, struct pl_vote **out,
                           const char **reason)
{
    int kind = pl_vote_name_index(kind_names, PL_VOTE_KIND__COUNT,
                                  json_string_value(json_object_get(req, "kind")));
    if (kind < 0)
        PL_REFUSE(PL_ERR_BAD_FIELD, "kind");
    const char *q = json_string_value(json_object_get(req, "question"));
    if (!q || !*q || g_utf8_strlen(q, -1) > 2000)
        PL_REFUSE(PL_ERR_BAD_FIELD, "question");
    const json_t *rj = json_object_get(req, "rule");
    int rule = rj ? pl_rule_parse(json_string_value(rj)) : PL_RULE_TOTAL_MAJORITY;
    if (rule < 0)
        PL_REFUSE(PL_ERR_BAD_FIELD, "rule");
    int64_t item = json_integer_value(json_object_get(req, "item_id"));
    if (!json_object_get(req, "item_id")) {
        if (!l->active_item)
            PL_REFUSE(PL_ERR_INVALID_STATE, "no_active_item");
        item = l->active_item;
    }
    bool item_ok = false;
    for (guint i = 0; i < l->items->len; i++)
        item_ok |= g_array_index(l->items, struct pl_item, i).id == item;
    if (!item_ok)
        PL_REFUSE(PL_ERR_NOT_FOUND, "item_id");
    const json_t *cands = json_object_get(req, "candidates");
    bool needs_cands = kind == PL_VOTE_ELECTION || kind == PL_VOTE_CONFIDENCE;
    if (needs_cands != (cands != NULL))
        PL_REFUSE(PL_ERR_BAD_FIELD, "candidates");
    size_t i;
    const json_t *c;
    json_array_foreach(cands, i, c)
    {
        const json_t *id = json_object_get(c, "id");
        const char *name = json_string_value(json_object_get(c, "name"));
        if (!json_is_integer(id) || json_integer_value(id) <= 0 || !name || !*name ||
            json_object_size(c) != 2)
            PL_REFUSE(PL_ERR_BAD_FIELD, "candidates");
    }
    /* Distinct candidate ids (checked the simple way: lists are short). */
    for (size_t a = 0; a < json_array_size(cands); a++)
        for (size_t b = a + 1; b < json_array_size(cands); b++)
            if (pl_vote_jint(json_array_get(cands, a), "id") ==
                pl_vote_jint(json_array_get(cands, b), "id"))
                PL_REFUSE(PL_ERR_BAD_FIELD, "candidates");
    if (needs_cands && (json_array_size(cands) < 1 || json_array_size(cands) > 100))
        PL_REFUSE(PL_ERR_BAD_FIELD, "candidates");
    int64_t seats =
        json_object_get(req, "seats") ? json_integer_value(json_object_get(req, "seats")) : 1;
    if (kind == PL_VOTE_ELECTION && (seats < 1 || seats > (int64_t)json_array_size(cands)))
        PL_REFUSE(PL_ERR_BAD_FIELD, "seats");
    const char *mode = json_string_value(json_object_get(req, "mode"));
    if (mode && strcmp(mode, "choose") != 0 && strcmp(mode, "mark") != 0)
        PL_REFUSE(PL_ERR_BAD_FIELD, "mode");
    int64_t duration = json_integer_value(json_object_get(req, "duration_s"));
    if (duration < 0 || duration > 24 * 3600)
        PL_REFUSE(PL_ERR_BAD_FIELD, "duration_s");
    const json_t *board = json_object_get(req, "board");
    if (board && !pl_vote_is_secret((enum pl_vote_kind)kind))
        PL_REFUSE(PL_ERR_BAD_FIELD, "board"); /* a counting board is for secret ballots */
    struct pl_vote *v = vote_new();
    json_array_foreach(board, i, c)
    {
        int64_t p = json_integer_value(c);
        bool member = false;
        for (guint m = 0; m < l->members->len; m++)
            member |= g_array_index(l->members, struct pl_member, m).person_id == p;
        bool candidate = false;
        for (size_t k = 0; k < json_array_size(cands); k++)
            candidate |= pl_vote_jint(json_array_get(cands, k), "id") == p;
        /* No candidate may sit on the counting board. */
        if (!json_is_integer(c) || !member || candidate || on_board(v, p)) {
            pl_vote_free(v);
            PL_REFUSE(PL_ERR_BAD_FIELD, "board");
        }
        g_array_append_val(v->board, p);
    }
    /* A secret ballot is counted by the council's counting board, of the
     * size its rules set: not fewer, not more. */
    if (pl_vote_is_secret((enum pl_vote_kind)kind) && (int)v->board->len != l->board_size) {
        pl_vote_free(v);
        PL_REFUSE(PL_ERR_INVALID_STATE, "counting_board_required");
    }
    v->kind = (enum pl_vote_kind)kind;
    v->question = g_strdup(q);
    v->rule = kind == PL_VOTE_ELECTION || kind == PL_VOTE_CONFIDENCE ? PL_RULE_TOTAL_MAJORITY
                                                                     : (enum pl_rule)rule;
    v->item_id = item;
    v->seats = (int)seats;
    v->mark_mode = mode && strcmp(mode, "mark") == 0;
    v->candidates = cands ? json_deep_copy(cands) : json_array();
    v->allow_change = json_is_true(json_object_get(req, "allow_change"));
    v->live_named = json_is_true(json_object_get(req, "live_named"));
    v->late_checkin = json_is_true(json_object_get(req, "late_checkin"));
    v->duration_s = (int)duration;
    *out = v;
    return PL_OK;
}

/* The preconditions of every vote command but vote.prepare: the session
 * is open and req's vote_id names one of its votes (*out). */
static enum pl_err vote_of(const struct pl_live *l, const json_t *req, struct pl_change *ch,
                           struct pl_vote **out, const char **reason)
{
    if (l->state != PL_OPEN)
        PL_REFUSE(PL_ERR_INVALID_STATE, "session_not_open");
    int64_t id = json_integer_value(json_object_get(req, "vote_id"));
    struct pl_vote *v = pl_vote_find(l, id);
    if (!v)
        PL_REFUSE(PL_ERR_NOT_FOUND, "vote_id");
    ch->vote_id = v->id;
    *out = v;
    return PL_OK;
}

/* The chair's vote commands (open, close, publish, cancel): vote_of, then
 * the chair (or a vice-chair acting as chair). */
static enum pl_err chair_vote_of(const struct pl_live *l, const struct pl_identity *who,
                                 const json_t *req, struct pl_change *ch, struct pl_vote **out,
                                 const char **reason)
{
    enum pl_err err = vote_of(l, req, ch, out, reason);
    if (err != PL_OK)
        return err;
    bool delegate;
    if (!pl_role_runs_sitting(pl_live_role(l, who, &delegate)))
        PL_REFUSE(PL_ERR_FORBIDDEN, "chair_only");
    return PL_OK;
}

enum pl_err pl_vote_decide_prepare(const struct pl_live *l, const struct pl_identity *who,
                                   const json_t *req, struct pl_change *ch, const char **reason)
{
    bool delegate;
    enum pl_role role = pl_live_role(l, who, &delegate);
    if (l->state != PL_OPEN)
        PL_REFUSE(PL_ERR_INVALID_STATE, "session_not_open");
    if (!pl_role_runs_sitting(role))
        PL_REFUSE(PL_ERR_FORBIDDEN, "chair_only");
    struct pl_vote *v = NULL;
    enum pl_err err = prepare(l, req, &v, reason);
    if (err != PL_OK)
        return err;
    v->id = ch->seq; /* a vote's id is the seq of the event that prepared it */
    ch->op = PL_OP_VOTE_PREPARE;
    ch->vote_id = v->id;
    ch->new_vote = v;
    ch->event = "vote.prepared";
    ch->data = json_pack("{s:o}", "vote", pl_vote_json(v, false));
    return PL_OK;
}

enum pl_err pl_vote_decide_tally(const struct pl_live *l, const struct pl_identity *who,
                                 const json_t *req, struct pl_change *ch, const char **reason)
{
    struct pl_vote *v;
    enum pl_err err = vote_of(l, req, ch, &v, reason);
    if (err != PL_OK)
        return err;
    /* Read-only, never an event: the hub asks the database, whose
     * vote_visible_to (schema/015_access.sql) is the one rule on what a
     * reader may see of a vote, the same the minutes and search use. */
    PL_REFUSE(PL_OK, "read_only");
}

enum pl_err pl_vote_decide_confirm(const struct pl_live *l, const struct pl_identity *who,
                                   const json_t *req, struct pl_change *ch, const char **reason)
{
    struct pl_vote *v;
    enum pl_err err = vote_of(l, req, ch, &v, reason);
    if (err != PL_OK)
        return err;
    int64_t person = who ? who->person_id : 0;
    if (!on_board(v, person))
        PL_REFUSE(PL_ERR_FORBIDDEN, "board_only");
    if (v->state != PL_VS_COUNTED)
        PL_REFUSE(PL_ERR_INVALID_STATE, "not_counted");
    if (g_hash_table_contains(v->confirmed, &person))
        PL_REFUSE(PL_ERR_INVALID_STATE, "already_confirmed");
    int confirmations = (int)g_hash_table_size(v->confirmed) + 1;
    int needed = (int)v->board->len / 2 + 1; /* more than half of the board */
    ch->op = PL_OP_VOTE_CONFIRM;
    ch->a = person;
    ch->publish = confirmations >= needed;
    ch->event = ch->publish ? "vote.published" : "vote.confirmed";
    ch->data = json_pack("{s:I, s:I, s:i, s:i}", "vote_id", (json_int_t)v->id, "by",
                         (json_int_t)person, "confirmations", confirmations, "needed", needed);
    if (ch->publish)
        json_object_set_new(ch->data, "result", json_incref(v->result));
    return PL_OK;
}

enum pl_err pl_vote_decide_open(const struct pl_live *l, const struct pl_identity *who,
                                const json_t *req, struct pl_change *ch, const char **reason)
{
    struct pl_vote *v;
    enum pl_err err = chair_vote_of(l, who, req, ch, &v, reason);
    if (err != PL_OK)
        return err;
    if (v->state != PL_VS_PREPARED)
        PL_REFUSE(PL_ERR_INVALID_STATE, "vote_not_prepared");
    if (!l->open_sitting)
        PL_REFUSE(PL_ERR_INVALID_STATE, "no_open_sitting");
    for (guint i = 0; i < l->votes->len; i++) {
        if (((struct pl_vote *)g_ptr_array_index(l->votes, i))->state == PL_VS_OPEN)
            PL_REFUSE(PL_ERR_INVALID_STATE, "another_vote_open");
    }
    /* A vote prepared before the council's board size changed (or
     * written by an older version) is checked again here. */
    if (pl_vote_is_secret(v->kind) && (int)v->board->len != l->board_size)
        PL_REFUSE(PL_ERR_INVALID_STATE, "counting_board_required");
    /* No vote below the quorum (DOMAIN.md, Sessions). There is no chair
     * override: the rule is the council's, and a sitting without its
     * quorum does not decide. */
    if ((int)g_hash_table_size(l->present) < pl_live_quorum(l))
        PL_REFUSE(PL_ERR_INVALID_STATE, "no_quorum");
    /* Eligible: the delegates present when the vote opens. */
    ch->eligible = json_array();
    GHashTableIter it;
    gpointer k;
    g_hash_table_iter_init(&it, l->present);
    while (g_hash_table_iter_next(&it, &k, NULL))
        json_array_append_new(ch->eligible, json_integer(*(int64_t *)k));
    ch->op = PL_OP_VOTE_OPEN;
    ch->seconds = v->duration_s;
    ch->event = "vote.opened";
    ch->data =
        json_pack("{s:I, s:i, s:O, s:o}", "vote_id", (json_int_t)v->id, "eligible_count",
                  (int)json_array_size(ch->eligible), "eligible", ch->eligible, "closes_ms",
                  v->duration_s ? json_integer(ch->now_ms + v->duration_s * 1000LL) : json_null());
    return PL_OK;
}

enum pl_err pl_vote_decide_close(const struct pl_live *l, const struct pl_identity *who,
                                 const json_t *req, struct pl_change *ch, const char **reason)
{
    struct pl_vote *v;
    enum pl_err err = chair_vote_of(l, who, req, ch, &v, reason);
    if (err != PL_OK)
        return err;
    if (v->state != PL_VS_OPEN)
        PL_REFUSE(PL_ERR_INVALID_STATE, "vote_not_open");
    ch->op = PL_OP_VOTE_CLOSE;
    ch->event = "vote.closed";
    ch->data = json_pack("{s:I, s:i, s:i}", "vote_id", (json_int_t)v->id, "cast_count",
                         (int)g_hash_table_size(v->voted), "eligible_count",
                         (int)g_hash_table_size(v->eligible));
    return PL_OK;
}

enum pl_err pl_vote_decide_publish(const struct pl_live *l, const struct pl_identity *who,
                                   const json_t *req, struct pl_change *ch, const char **reason)
{
    struct pl_vote *v;
    enum pl_err err = chair_vote_of(l, who, req, ch, &v, reason);
    if (err != PL_OK)
        return err;
    if (v->state != PL_VS_COUNTED)
        PL_REFUSE(PL_ERR_INVALID_STATE, "not_counted");
    /* A secret-kind result is announced by its board's confirmations,
     * never by the chair alone, even if it somehow has no board. */
    if (v->board->len || pl_vote_is_secret(v->kind))
        PL_REFUSE(PL_ERR_INVALID_STATE, "board_must_confirm");
    ch->op = PL_OP_VOTE_PUBLISH;
    ch->event = "vote.published";
    ch->data = json_pack("{s:I, s:O}", "vote_id", (json_int_t)v->id, "result", v->result);
    if (v->kind == PL_VOTE_NAMED)
        json_object_set_new(ch->data, "named", named_json(v));
    return PL_OK;
}

enum pl_err pl_vote_decide_cancel(const struct pl_live *l, const struct pl_identity *who,
                                  const json_t *req, struct pl_change *ch, const char **reason)
{
    struct pl_vote *v;
    enum pl_err err = chair_vote_of(l, who, req, ch, &v, reason);
    if (err != PL_OK)
        return err;
    if (v->state == PL_VS_PUBLISHED || v->state == PL_VS_CANCELLED)
        PL_REFUSE(PL_ERR_INVALID_STATE, "vote_finished");
    ch->op = PL_OP_VOTE_CANCEL;
    ch->event = "vote.cancelled";
    ch->data =
        json_pack("{s:I, s:s}", "vote_id", (json_int_t)v->id, "was", pl_vote_state_name(v->state));
    return PL_OK;
}

const char *const pl_vote_motion_choices[3] = {"for", "against", "abstain"};
const char *const pl_vote_ratings[3] = {"high", "confidence", "low"};

/* --- counting --------------------------------------------------------------------- */

static int candidate_index(const struct pl_vote *v, long long id)
{
    for (size_t i = 0; i < json_array_size(v->candidates); i++) {
        if (pl_vote_jint(json_array_get(v->candidates, i), "id") == id)
            return (int)i;
    }
    return -1;
}

json_t *pl_vote_count(const struct pl_live *l, const struct pl_vote *v, const json_t *stored,
                      char digest[65])
{
    digest[0] = '\0';
    bool secret = pl_vote_is_secret(v->kind);
    const json_t *rows = json_object_get(stored, secret ? "ballots" : "records");
    int present = (int)g_hash_table_size(v->eligible);
    size_t n = json_array_size(v->candidates), i;
    int *a = calloc(n + 1, sizeof(int)), *b = calloc(n + 1, sizeof(int)),
        *c = calloc(n + 1, sizeof(int));
    int motion[3] = {0, 0, 0}, cast = 0;
    const json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *text = json_string_value(json_object_get(row, "choice"));
        json_t *choice = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
        cast++;
        if (v->kind == PL_VOTE_ELECTION && !v->mark_mode) {
            size_t k;
            const json_t *x;
            json_array_foreach(json_object_get(choice, "choose"), k, x)
            {
                int idx = candidate_index(v, json_integer_value(x));
                if (idx >= 0)
                    a[idx]++;
            }
        } else if (v->kind == PL_VOTE_ELECTION || v->kind == PL_VOTE_CONFIDENCE) {
            const char *key;
            const json_t *val;
            json_object_foreach(
                json_object_get(choice, v->kind == PL_VOTE_ELECTION ? "marks" : "ratings"), key,
                val)
            {
                int idx = candidate_index(v, strtoll(key, NULL, 10));
                int r = pl_vote_name_index(v->kind == PL_VOTE_ELECTION ? pl_vote_motion_choices
                                                                       : pl_vote_ratings,
                                           3, json_string_value(val));
                if (idx < 0 || r < 0)
                    continue;
                (r == 0 ? a : r == 1 ? b : c)[idx]++;
            }
        } else {
            int r = pl_vote_name_index(pl_vote_motion_choices, 3, json_string_value(choice));
            if (r >= 0)
                motion[r]++;
        }
        json_decref(choice);
    }
    json_t *result;
    if (v->kind == PL_VOTE_ELECTION)
        result = pl_tally_election(v->candidates, a, v->seats, l->total_seats, cast);
    else if (v->kind == PL_VOTE_CONFIDENCE)
        result = pl_tally_confidence(v->candidates, a, b, c, l->total_seats, cast);
    else
        result = pl_tally_motion(v->rule, l->total_seats, present, motion[0], motion[1], motion[2]);
    free(a);
    free(b);
    free(c);
    json_object_set_new(result, "eligible", json_integer(present));
    json_object_set_new(result, "total_seats", json_integer(l->total_seats));
    json_object_set_new(result, "kind", json_string(pl_vote_kind_name(v->kind)));
    if (secret) {
        pl_ballot_digest(rows, digest);
        json_object_set_new(result, "ballot_digest", json_string(digest));
        json_object_set_new(result, "receipts",
                            json_incref(json_object_get(stored, "receipts")
                                            ? json_object_get(stored, "receipts")
                                            : json_array()));
    }
    return result;
}

/* --- applying ---------------------------------------------------------------------- */

void pl_vote_apply(struct pl_live *l, struct pl_change *ch)
{
    struct pl_vote *v = ch->op == PL_OP_VOTE_PREPARE ? NULL : pl_vote_find(l, ch->vote_id);
    switch (ch->op) {
    case PL_OP_VOTE_PREPARE:
        g_ptr_array_add(l->votes, ch->new_vote);
        ch->new_vote = NULL; /* moved into the session */
        return;
    case PL_OP_VOTE_OPEN: {
        v->state = PL_VS_OPEN;
        v->opened_ms = ch->now_ms;
        v->closes_ms = v->duration_s ? ch->now_ms + v->duration_s * 1000LL : 0;
        size_t i;
        const json_t *x;
        json_array_foreach(ch->eligible, i, x) add_id(v->eligible, json_integer_value(x));
        return;
    }
    case PL_OP_VOTE_CASTS:
        for (guint i = 0; ch->casts && i < ch->casts->len; i++) {
            struct pl_cast *c = g_ptr_array_index(ch->casts, i);
            if (c->outcome == PL_CAST_DUPLICATE)
                continue;
            struct pl_voted *vd = g_new0(struct pl_voted, 1);
            if (c->secret) {
                /* Only the check and the commitment stay: not the choice. */
                memcpy(vd->check, c->check, 32);
                memcpy(vd->commit, c->commit, 32);
            } else {
                vd->choice = g_strdup(c->choice);
                vd->entered_by = c->entered_by;
            }
            int64_t *k = g_new(int64_t, 1);
            *k = c->person_id;
            g_hash_table_replace(v->voted, k, vd);
        }
        return;
    case PL_OP_VOTE_CLOSE:
        v->state = PL_VS_CLOSED;
        return;
    case PL_OP_VOTE_COUNTED:
        v->state = PL_VS_COUNTED;
        json_decref(v->result);
        v->result = json_incref(ch->result);
        return;
    case PL_OP_VOTE_CONFIRM:
        add_id(v->confirmed, ch->a);
        if (ch->publish)
            v->state = PL_VS_PUBLISHED;
        return;
    case PL_OP_VOTE_PUBLISH:
        v->state = PL_VS_PUBLISHED;
        return;
    case PL_OP_VOTE_CANCEL:
        v->state = PL_VS_CANCELLED;
        return;
    default:
        return;
    }
}

bool pl_vote_check_autoclose(const struct pl_live *l, int64_t now_ms, struct pl_change *ch)
{
    for (guint i = 0; i < l->votes->len; i++) {
        const struct pl_vote *v = g_ptr_array_index(l->votes, i);
        if (v->state != PL_VS_OPEN || !v->closes_ms || now_ms < v->closes_ms)
            continue;
        memset(ch, 0, sizeof *ch);
        ch->seq = l->seq + 1;
        ch->now_ms = now_ms;
        ch->public = pl_live_public_now(l);
        ch->op = PL_OP_VOTE_CLOSE;
        ch->vote_id = v->id;
        ch->event = "vote.closed";
        ch->data = json_pack("{s:I, s:i, s:i, s:b}", "vote_id", (json_int_t)v->id, "cast_count",
                             (int)g_hash_table_size(v->voted), "eligible_count",
                             (int)g_hash_table_size(v->eligible), "automatic", 1);
        return true;
    }
    return false;
}

int64_t pl_vote_next_close(const struct pl_live *l)
{
    for (guint i = 0; i < l->votes->len; i++) {
        const struct pl_vote *v = g_ptr_array_index(l->votes, i);
        if (v->state == PL_VS_OPEN && v->closes_ms)
            return v->closes_ms;
    }
    return 0;
}

bool pl_vote_check_counted(const struct pl_live *l, int64_t vote_id, const json_t *stored,
                           int64_t now_ms, struct pl_change *ch)
{
    const struct pl_vote *v = pl_vote_find(l, vote_id);
    if (!v || v->state != PL_VS_CLOSED)
        return false;
    memset(ch, 0, sizeof *ch);
    ch->seq = l->seq + 1;
    ch->now_ms = now_ms;
    ch->public = pl_live_public_now(l);
    ch->op = PL_OP_VOTE_COUNTED;
    ch->vote_id = vote_id;
    ch->result = pl_vote_count(l, v, stored, ch->digest);
    ch->event = "vote.counted";
    /* No tally before publication: only that counting is done. */
    ch->data =
        json_pack("{s:I, s:s, s:i}", "vote_id", (json_int_t)vote_id, "awaiting",
                  v->board->len || pl_vote_is_secret(v->kind) ? "board" : "chair", "cast_count",
                  (int)json_integer_value(json_object_get(ch->result, "cast")));
    return true;
}

/*
 * The floor of a live session: attendance and quorum, the speaker queue,
 * turns at the floor and their timers, the hall display. One decide function
 * per command (or family), called by pl_live_check in live.c once the role,
 * the session and the sitting are checked; see live_priv.h.
 */
#include "live.h"
#include "live_priv.h"

#include <stdio.h>
#include <string.h>

static const char *const display_modes[] = {"agenda", "speaker", "queue",
                                            "vote",   "message", "blank"};

static int speeches(const struct pl_live *l, int64_t item_id, int64_t person)
{
    char key[48];
    snprintf(key, sizeof key, "%lld:%lld", (long long)item_id, (long long)person);
    return GPOINTER_TO_INT(g_hash_table_lookup(l->speeches, key));
}

/* --- turns and the queue ------------------------------------------------------------ */

/* The turn as it ends at now_ms (for a change that ends it). */
void pl_live_floor_end_turn(const struct pl_live *l, int64_t now_ms, struct pl_change *ch)
{
    ch->ends_turn = true;
    ch->ended = l->turn;
    int64_t paused = l->turn.paused_ms + (l->turn.paused_at_ms ? now_ms - l->turn.paused_at_ms : 0);
    int64_t elapsed = now_ms - l->turn.started_ms - paused;
    if (elapsed > (int64_t)(l->turn.limit_s + l->turn.extended_s) * 1000)
        ch->ended.overran = true;
    ch->ended.paused_ms = paused;
    ch->ended.paused_at_ms = 0;
}

json_t *pl_live_floor_ended_json(const struct pl_change *ch)
{
    if (!ch->ends_turn)
        return json_null();
    const struct pl_turn *t = &ch->ended;
    return json_pack("{s:I, s:I, s:s, s:I, s:b}", "id", (json_int_t)t->id, "person_id",
                     (json_int_t)t->person_id, "kind", pl_kind_name(t->kind), "duration_ms",
                     (json_int_t)(ch->now_ms - t->started_ms - t->paused_ms), "overran",
                     t->overran);
}

/* The queue of item_id as it will be after ch. */
static json_t *queue_after(const struct pl_live *l, const struct pl_change *ch, int64_t item_id)
{
    GArray *q = g_array_copy(l->queue);
    int idx;
    switch (ch->op) {
    case PL_OP_QUEUE_ADD: {
        struct pl_speaker_request r = {ch->seq, ch->b, ch->a, (enum pl_kind)ch->kind, ch->position};
        g_array_append_val(q, r);
        break;
    }
    case PL_OP_QUEUE_CLOSE:
    case PL_OP_TURN_START:
        if ((idx = pl_live_request_index(l, ch->op == PL_OP_TURN_START ? ch->b : ch->a)) >= 0)
            g_array_remove_index(q, (guint)idx);
        break;
    case PL_OP_QUEUE_MOVE:
        if ((idx = pl_live_request_index(l, ch->a)) >= 0)
            g_array_index(q, struct pl_speaker_request, idx).position = ch->position;
        break;
    default:
        break;
    }
    json_t *out = pl_live_queue_json(l, q, item_id);
    g_array_free(q, TRUE);
    return out;
}

/* Sorted queued requests of the active item (indexes into l->queue). */
static GArray *item_queue(const struct pl_live *l)
{
    GArray *idx = g_array_new(FALSE, FALSE, sizeof(guint));
    for (guint i = 0; i < l->queue->len; i++) {
        if (g_array_index(l->queue, struct pl_speaker_request, i).item_id == l->active_item)
            g_array_append_val(idx, i);
    }
    for (guint i = 1; i < idx->len; i++) {
        guint v = g_array_index(idx, guint, i);
        double p = g_array_index(l->queue, struct pl_speaker_request, v).position;
        int j = (int)i - 1;
        while (j >= 0 &&
               g_array_index(l->queue, struct pl_speaker_request, g_array_index(idx, guint, j))
                       .position > p) {
            g_array_index(idx, guint, j + 1) = g_array_index(idx, guint, j);
            j--;
        }
        g_array_index(idx, guint, j + 1) = v;
    }
    return idx;
}

static double qpos(const struct pl_live *l, const GArray *idx, guint k)
{
    return g_array_index(l->queue, struct pl_speaker_request, g_array_index(idx, guint, k))
        .position;
}

/* Where a new request of kind goes: a point of order after earlier points
 * of order but before everything else; anything else at the end. */
static double new_position(const struct pl_live *l, enum pl_kind kind)
{
    GArray *idx = item_queue(l);
    double pos;
    if (idx->len == 0) {
        pos = 1.0;
    } else if (kind != PL_KIND_ORDER) {
        pos = qpos(l, idx, idx->len - 1) + 1.0;
    } else {
        guint k = 0;
        while (
            k < idx->len &&
            g_array_index(l->queue, struct pl_speaker_request, g_array_index(idx, guint, k)).kind ==
                PL_KIND_ORDER)
            k++;
        if (k == idx->len)
            pos = qpos(l, idx, k - 1) + 1.0;
        else if (k == 0)
            pos = qpos(l, idx, 0) - 1.0;
        else
            pos = (qpos(l, idx, k - 1) + qpos(l, idx, k)) / 2.0;
    }
    g_array_free(idx, TRUE);
    return pos;
}

static int limit_for(const struct pl_live *l, enum pl_kind kind, int64_t item_id, int64_t person)
{
    if (kind == PL_KIND_SPEECH && speeches(l, item_id, person) > 0)
        return l->limits[PL_LIMIT_SECOND_SPEECH];
    return l->limits[kind];
}

static void start_turn(const struct pl_live *l, struct pl_change *ch, int64_t person,
                       enum pl_kind kind, int64_t request_id)
{
    ch->op = PL_OP_TURN_START;
    ch->a = person;
    ch->b = request_id;
    ch->kind = kind;
    ch->seconds = limit_for(l, kind, l->active_item, person);
    if (l->turn.id)
        pl_live_floor_end_turn(l, ch->now_ms, ch);
}

/* The turn a PL_OP_TURN_START change starts. */
struct pl_turn pl_live_floor_started_turn(const struct pl_live *l, const struct pl_change *ch)
{
    return (struct pl_turn){.id = ch->seq,
                            .person_id = ch->a,
                            .item_id = l->active_item,
                            .request_id = ch->b,
                            .sitting_id = l->open_sitting,
                            .kind = (enum pl_kind)ch->kind,
                            .limit_s = ch->seconds,
                            .started_ms = ch->now_ms};
}

static json_t *new_turn_json(const struct pl_live *l, const struct pl_change *ch)
{
    struct pl_turn t = pl_live_floor_started_turn(l, ch);
    return pl_live_turn_to_json(l, &t, ch->now_ms);
}

/* The current turn after a pause, resume, extension or overrun. */
struct pl_turn pl_live_floor_turn_after(const struct pl_live *l, const struct pl_change *ch)
{
    struct pl_turn t = l->turn;
    switch (ch->op) {
    case PL_OP_TURN_PAUSE:
        t.paused_at_ms = ch->now_ms;
        break;
    case PL_OP_TURN_RESUME:
        t.paused_ms += ch->now_ms - t.paused_at_ms;
        t.paused_at_ms = 0;
        break;
    case PL_OP_TURN_EXTEND:
        t.extended_s += ch->seconds;
        t.overran = false; /* more time: no longer over it */
        break;
    case PL_OP_TURN_OVERRUN:
        t.overran = true;
        break;
    default:
        break;
    }
    return t;
}

static enum pl_err check_floor_op(const struct pl_live *l, struct pl_change *ch, const char *what,
                                  const char **reason)
{
    if (!l->turn.id)
        PL_REFUSE(PL_ERR_INVALID_STATE, "no_current_speaker");
    ch->event = "floor.changed";
    struct pl_turn t = pl_live_floor_turn_after(l, ch);
    ch->data = json_pack("{s:s, s:o, s:n}", "reason", what, "turn",
                         pl_live_turn_to_json(l, &t, ch->now_ms), "ended");
    return PL_OK;
}

enum pl_err pl_live_floor_decide_attendance(const struct pl_live *l, const struct pl_identity *who,
                                            enum pl_rq rq, const json_t *req, int64_t now_ms,
                                            struct pl_change *ch, const char **reason)
{
    int64_t person = who->person_id;
    bool present = rq == PL_RQ_ATTENDANCE_CHECK_IN;
    const char *method = "self";
    if (rq == PL_RQ_ATTENDANCE_SET) {
        person = pl_live_opt_int(req, "person_id", 0);
        present = json_is_true(json_object_get(req, "present"));
        method = "secretary";
        const struct pl_member *m = pl_live_member(l, person);
        if (!m)
            PL_REFUSE(PL_ERR_NOT_FOUND, "person_id");
        if (!m->is_delegate)
            PL_REFUSE(PL_ERR_INVALID_STATE, "not_a_delegate");
    }
    bool is_present = g_hash_table_contains(l->present, &person);
    if (present == is_present)
        PL_REFUSE(PL_ERR_INVALID_STATE, present ? "already_present" : "not_present");
    ch->op = PL_OP_ATTENDANCE;
    ch->a = person;
    ch->flag = present;
    g_strlcpy(ch->mode, method, sizeof ch->mode);
    int count = (int)g_hash_table_size(l->present) + (present ? 1 : -1);
    const struct pl_member *m = pl_live_member(l, person);
    ch->event = "attendance.changed";
    ch->data = json_pack("{s:I, s:s, s:b, s:s, s:i, s:i, s:i, s:b}", "person_id",
                         (json_int_t)person, "name", m ? m->name : "", "present", present, "method",
                         method, "present_count", count, "total_seats", l->total_seats, "quorum",
                         pl_live_quorum(l), "quorum_met", count >= pl_live_quorum(l));
    return PL_OK;
}

enum pl_err pl_live_floor_decide_speaker_request(const struct pl_live *l,
                                                 const struct pl_identity *who, enum pl_rq rq,
                                                 const json_t *req, int64_t now_ms,
                                                 struct pl_change *ch, const char **reason)
{
    int kind = pl_live_kind_parse(json_string_value(json_object_get(req, "kind")));
    if (kind < 0)
        PL_REFUSE(PL_ERR_BAD_FIELD, "kind");
    if (!l->active_item)
        PL_REFUSE(PL_ERR_INVALID_STATE, "no_active_item");
    /* Only a delegate checked in to this sitting may ask for the floor. */
    if (!g_hash_table_contains(l->present, &who->person_id))
        PL_REFUSE(PL_ERR_INVALID_STATE, "not_present");
    for (guint i = 0; i < l->queue->len; i++) {
        const struct pl_speaker_request *r = &g_array_index(l->queue, struct pl_speaker_request, i);
        if (r->item_id == l->active_item && r->person_id == who->person_id)
            PL_REFUSE(PL_ERR_INVALID_STATE, "already_queued");
    }
    ch->op = PL_OP_QUEUE_ADD;
    ch->a = who->person_id;
    ch->b = l->active_item;
    ch->kind = kind;
    ch->position = new_position(l, (enum pl_kind)kind);
    ch->event = "queue.changed";
    ch->data = json_pack("{s:s, s:I, s:I, s:o}", "reason", "requested", "request_id",
                         (json_int_t)ch->seq, "item_id", (json_int_t)l->active_item, "queue",
                         queue_after(l, ch, l->active_item));
    return PL_OK;
}

/* speaker.withdraw (one's own request) and speaker.remove (the chair). */
enum pl_err pl_live_floor_decide_speaker_unqueue(const struct pl_live *l,
                                                 const struct pl_identity *who, enum pl_rq rq,
                                                 const json_t *req, int64_t now_ms,
                                                 struct pl_change *ch, const char **reason)
{
    bool removed = rq == PL_RQ_SPEAKER_REMOVE;
    int idx = -1;
    if (removed) {
        idx = pl_live_request_index(l, pl_live_opt_int(req, "request_id", 0));
        if (idx < 0)
            PL_REFUSE(PL_ERR_NOT_FOUND, "request_id");
    } else {
        for (guint i = 0; i < l->queue->len && idx < 0; i++) {
            const struct pl_speaker_request *r =
                &g_array_index(l->queue, struct pl_speaker_request, i);
            if (r->item_id == l->active_item && r->person_id == who->person_id)
                idx = (int)i;
        }
        if (idx < 0)
            PL_REFUSE(PL_ERR_INVALID_STATE, "not_queued");
    }
    const struct pl_speaker_request *r = &g_array_index(l->queue, struct pl_speaker_request, idx);
    ch->op = PL_OP_QUEUE_CLOSE;
    ch->a = r->id;
    ch->flag = removed;
    ch->event = "queue.changed";
    ch->data = json_pack("{s:s, s:I, s:I, s:o}", "reason", removed ? "removed" : "withdrawn",
                         "request_id", (json_int_t)r->id, "item_id", (json_int_t)r->item_id,
                         "queue", queue_after(l, ch, r->item_id));
    return PL_OK;
}

enum pl_err pl_live_floor_decide_speaker_reorder(const struct pl_live *l,
                                                 const struct pl_identity *who, enum pl_rq rq,
                                                 const json_t *req, int64_t now_ms,
                                                 struct pl_change *ch, const char **reason)
{
    int idx = pl_live_request_index(l, pl_live_opt_int(req, "request_id", 0));
    if (idx < 0 ||
        g_array_index(l->queue, struct pl_speaker_request, idx).item_id != l->active_item)
        PL_REFUSE(PL_ERR_NOT_FOUND, "request_id");
    GArray *q = item_queue(l);
    int64_t to = pl_live_opt_int(req, "index", -1);
    if (to < 0 || to >= (int64_t)q->len) {
        g_array_free(q, TRUE);
        PL_REFUSE(PL_ERR_BAD_FIELD, "index");
    }
    /* The new position lies between the neighbours at the target index,
     * the moved request itself left out. */
    GArray *others = g_array_new(FALSE, FALSE, sizeof(double));
    for (guint k = 0; k < q->len; k++) {
        if ((int)g_array_index(q, guint, k) != idx) {
            double p = qpos(l, q, k);
            g_array_append_val(others, p);
        }
    }
    double pos;
    if (others->len == 0)
        pos = 1.0;
    else if (to == 0)
        pos = g_array_index(others, double, 0) - 1.0;
    else if (to >= (int64_t)others->len)
        pos = g_array_index(others, double, others->len - 1) + 1.0;
    else
        pos = (g_array_index(others, double, to - 1) + g_array_index(others, double, to)) / 2;
    g_array_free(others, TRUE);
    g_array_free(q, TRUE);
    ch->op = PL_OP_QUEUE_MOVE;
    ch->a = g_array_index(l->queue, struct pl_speaker_request, idx).id;
    ch->position = pos;
    ch->event = "queue.changed";
    ch->data = json_pack("{s:s, s:I, s:I, s:o}", "reason", "reordered", "request_id",
                         (json_int_t)ch->a, "item_id", (json_int_t)l->active_item, "queue",
                         queue_after(l, ch, l->active_item));
    return PL_OK;
}

enum pl_err pl_live_floor_decide_speaker_grant(const struct pl_live *l,
                                               const struct pl_identity *who, enum pl_rq rq,
                                               const json_t *req, int64_t now_ms,
                                               struct pl_change *ch, const char **reason)
{
    int idx;
    if (json_object_get(req, "request_id")) {
        idx = pl_live_request_index(l, pl_live_opt_int(req, "request_id", 0));
        if (idx < 0)
            PL_REFUSE(PL_ERR_NOT_FOUND, "request_id");
    } else {
        GArray *q = item_queue(l);
        idx = q->len ? (int)g_array_index(q, guint, 0) : -1;
        g_array_free(q, TRUE);
        if (idx < 0)
            PL_REFUSE(PL_ERR_INVALID_STATE, "queue_empty");
    }
    const struct pl_speaker_request *r = &g_array_index(l->queue, struct pl_speaker_request, idx);
    start_turn(l, ch, r->person_id, r->kind, r->id);
    ch->event = "floor.changed";
    ch->data = json_pack("{s:s, s:o, s:o, s:o}", "reason", "granted", "turn", new_turn_json(l, ch),
                         "ended", pl_live_floor_ended_json(ch), "queue",
                         queue_after(l, ch, l->active_item));
    return PL_OK;
}

enum pl_err pl_live_floor_decide_speaker_give_floor(const struct pl_live *l,
                                                    const struct pl_identity *who, enum pl_rq rq,
                                                    const json_t *req, int64_t now_ms,
                                                    struct pl_change *ch, const char **reason)
{
    int64_t person = pl_live_opt_int(req, "person_id", 0);
    const struct pl_member *m = pl_live_member(l, person);
    if (!m)
        PL_REFUSE(PL_ERR_NOT_FOUND, "person_id");
    /* The floor of the council is its delegates' (staff and the
     * secretary hold no seat). */
    if (!m->is_delegate)
        PL_REFUSE(PL_ERR_INVALID_STATE, "not_a_delegate");
    const char *k = json_string_value(json_object_get(req, "kind"));
    int kind = k ? pl_live_kind_parse(k) : PL_KIND_SPEECH;
    if (kind < 0)
        PL_REFUSE(PL_ERR_BAD_FIELD, "kind");
    start_turn(l, ch, person, (enum pl_kind)kind, 0);
    ch->event = "floor.changed";
    ch->data = json_pack("{s:s, s:o, s:o}", "reason", "given", "turn", new_turn_json(l, ch),
                         "ended", pl_live_floor_ended_json(ch));
    return PL_OK;
}

enum pl_err pl_live_floor_decide_speaker_end(const struct pl_live *l, const struct pl_identity *who,
                                             enum pl_rq rq, const json_t *req, int64_t now_ms,
                                             struct pl_change *ch, const char **reason)
{
    if (!l->turn.id)
        PL_REFUSE(PL_ERR_INVALID_STATE, "no_current_speaker");
    ch->op = PL_OP_TURN_END;
    pl_live_floor_end_turn(l, now_ms, ch);
    ch->event = "floor.changed";
    ch->data = json_pack("{s:s, s:n, s:o}", "reason", "ended", "turn", "ended",
                         pl_live_floor_ended_json(ch));
    return PL_OK;
}

enum pl_err pl_live_floor_decide_timer_pause(const struct pl_live *l, const struct pl_identity *who,
                                             enum pl_rq rq, const json_t *req, int64_t now_ms,
                                             struct pl_change *ch, const char **reason)
{
    ch->op = PL_OP_TURN_PAUSE;
    if (l->turn.id && l->turn.paused_at_ms)
        PL_REFUSE(PL_ERR_INVALID_STATE, "already_paused");
    return check_floor_op(l, ch, "paused", reason);
}

enum pl_err pl_live_floor_decide_timer_resume(const struct pl_live *l,
                                              const struct pl_identity *who, enum pl_rq rq,
                                              const json_t *req, int64_t now_ms,
                                              struct pl_change *ch, const char **reason)
{
    ch->op = PL_OP_TURN_RESUME;
    if (l->turn.id && !l->turn.paused_at_ms)
        PL_REFUSE(PL_ERR_INVALID_STATE, "not_paused");
    return check_floor_op(l, ch, "resumed", reason);
}

enum pl_err pl_live_floor_decide_timer_extend(const struct pl_live *l,
                                              const struct pl_identity *who, enum pl_rq rq,
                                              const json_t *req, int64_t now_ms,
                                              struct pl_change *ch, const char **reason)
{
    int64_t s = pl_live_opt_int(req, "seconds", 0);
    if (s < 1 || s > 3600)
        PL_REFUSE(PL_ERR_BAD_FIELD, "seconds");
    ch->op = PL_OP_TURN_EXTEND;
    ch->seconds = (int)s;
    return check_floor_op(l, ch, "extended", reason);
}

enum pl_err pl_live_floor_decide_display_set(const struct pl_live *l, const struct pl_identity *who,
                                             enum pl_rq rq, const json_t *req, int64_t now_ms,
                                             struct pl_change *ch, const char **reason)
{
    const char *mode = json_string_value(json_object_get(req, "mode"));
    const char *msg = json_string_value(json_object_get(req, "message"));
    size_t m = 0;
    while (m < G_N_ELEMENTS(display_modes) && strcmp(display_modes[m], mode) != 0)
        m++;
    if (m == G_N_ELEMENTS(display_modes))
        PL_REFUSE(PL_ERR_BAD_FIELD, "mode");
    if ((strcmp(mode, "message") == 0) != (msg != NULL) ||
        (msg && (g_utf8_strlen(msg, -1) > 500 || !*msg)))
        PL_REFUSE(PL_ERR_BAD_FIELD, "message");
    ch->op = PL_OP_DISPLAY;
    g_strlcpy(ch->mode, mode, sizeof ch->mode);
    ch->message = g_strdup(msg);
    ch->event = "display.changed";
    ch->data = json_pack("{s:s, s:s?}", "mode", mode, "message", msg);
    return PL_OK;
}

bool pl_live_check_overrun(const struct pl_live *l, int64_t now_ms, struct pl_change *ch)
{
    int64_t deadline = pl_live_deadline(l);
    if (!deadline || now_ms < deadline || l->state != PL_OPEN)
        return false;
    memset(ch, 0, sizeof *ch);
    ch->seq = l->seq + 1;
    ch->now_ms = now_ms;
    ch->op = PL_OP_TURN_OVERRUN;
    ch->public = pl_live_public_now(l);
    ch->event = "floor.overrun";
    struct pl_turn t = pl_live_floor_turn_after(l, ch);
    ch->data = json_pack("{s:I, s:o}", "turn_id", (json_int_t)l->turn.id, "turn",
                         pl_live_turn_to_json(l, &t, now_ms));
    return true;
}

/*
 * The sittings and the agenda of a live session: opening and closing the
 * session and its sittings, moving through the agenda tree. One decide
 * function per command (or family), called by pl_live_check in live.c once
 * the role, the session and the sitting are checked; see live_priv.h.
 */
#include "live.h"
#include "live_priv.h"

enum pl_err pl_live_agenda_decide_session_open(const struct pl_live *l,
                                               const struct pl_identity *who, enum pl_rq rq,
                                               const json_t *req, int64_t now_ms,
                                               struct pl_change *ch, const char **reason)
{
    if (l->state != PL_PLANNED)
        PL_REFUSE(PL_ERR_INVALID_STATE, "session_not_planned");
    ch->op = PL_OP_SESSION_OPEN;
    ch->event = "session.opened";
    ch->public = !l->closed;
    ch->data = json_pack("{s:s}", "state", "open");
    return PL_OK;
}

enum pl_err pl_live_agenda_decide_session_close(const struct pl_live *l,
                                                const struct pl_identity *who, enum pl_rq rq,
                                                const json_t *req, int64_t now_ms,
                                                struct pl_change *ch, const char **reason)
{
    if (l->open_sitting)
        PL_REFUSE(PL_ERR_INVALID_STATE, "sitting_open");
    ch->op = PL_OP_SESSION_CLOSE;
    ch->event = "session.closed";
    ch->data = json_pack("{s:s}", "state", "closed");
    return PL_OK;
}

enum pl_err pl_live_agenda_decide_sitting_open(const struct pl_live *l,
                                               const struct pl_identity *who, enum pl_rq rq,
                                               const json_t *req, int64_t now_ms,
                                               struct pl_change *ch, const char **reason)
{
    const struct pl_sitting *s = pl_live_sitting(l, pl_live_opt_int(req, "sitting_id", 0));
    if (!s)
        PL_REFUSE(PL_ERR_NOT_FOUND, "sitting_id");
    if (l->open_sitting)
        PL_REFUSE(PL_ERR_INVALID_STATE, "sitting_already_open");
    if (s->state != PL_PLANNED)
        PL_REFUSE(PL_ERR_INVALID_STATE, "sitting_not_planned");
    ch->op = PL_OP_SITTING_OPEN;
    ch->a = s->id;
    ch->event = "sitting.opened";
    /* Observers learn that a sitting began, and whether it is closed. */
    ch->public = !l->closed;
    ch->data = json_pack("{s:I, s:i, s:s, s:b}", "sitting_id", (json_int_t)s->id, "ordinal",
                         s->ordinal, "title", s->title, "closed", s->closed);
    return PL_OK;
}

enum pl_err pl_live_agenda_decide_sitting_close(const struct pl_live *l,
                                                const struct pl_identity *who, enum pl_rq rq,
                                                const json_t *req, int64_t now_ms,
                                                struct pl_change *ch, const char **reason)
{
    ch->op = PL_OP_SITTING_CLOSE;
    ch->a = l->open_sitting;
    if (l->turn.id)
        pl_live_floor_end_turn(l, now_ms, ch);
    ch->event = "sitting.closed";
    ch->public = !l->closed;
    ch->data = json_pack("{s:I, s:o}", "sitting_id", (json_int_t)l->open_sitting, "ended",
                         pl_live_floor_ended_json(ch));
    return PL_OK;
}

/* agenda.activate, agenda.next, agenda.previous: another item becomes the active one. */
enum pl_err pl_live_agenda_decide_move(const struct pl_live *l, const struct pl_identity *who,
                                       enum pl_rq rq, const json_t *req, int64_t now_ms,
                                       struct pl_change *ch, const char **reason)
{
    int cur = pl_live_item_index(l, l->active_item), target = -1;
    if (rq == PL_RQ_AGENDA_ACTIVATE) {
        target = pl_live_item_index(l, pl_live_opt_int(req, "item_id", 0));
        if (target < 0)
            PL_REFUSE(PL_ERR_NOT_FOUND, "item_id");
        if (target == cur)
            PL_REFUSE(PL_ERR_INVALID_STATE, "already_active");
    } else if (rq == PL_RQ_AGENDA_NEXT) {
        for (int k = cur + 1; k < (int)l->items->len && target < 0; k++) {
            if (g_array_index(l->items, struct pl_item, k).state != PL_ITEM_DONE)
                target = k;
        }
        if (target < 0)
            PL_REFUSE(PL_ERR_INVALID_STATE, "no_next_item");
    } else {
        target = cur > 0 ? cur - 1 : -1;
        if (target < 0)
            PL_REFUSE(PL_ERR_INVALID_STATE, "no_previous_item");
    }
    const struct pl_item *it = &g_array_index(l->items, struct pl_item, target);
    ch->op = PL_OP_AGENDA_ACTIVATE;
    ch->a = it->id;
    ch->prev_item = l->active_item;
    ch->event = "agenda.activated";
    ch->data =
        json_pack("{s:I, s:s, s:o, s:o}", "item_id", (json_int_t)it->id, "title", it->title,
                  "previous_item_id", l->active_item ? json_integer(l->active_item) : json_null(),
                  "queue", pl_live_queue_json(l, l->queue, it->id));
    return PL_OK;
}

enum pl_err pl_live_agenda_decide_done(const struct pl_live *l, const struct pl_identity *who,
                                       enum pl_rq rq, const json_t *req, int64_t now_ms,
                                       struct pl_change *ch, const char **reason)
{
    const struct pl_item *it = pl_live_item(l, pl_live_opt_int(req, "item_id", l->active_item));
    if (!it)
        PL_REFUSE(l->active_item || json_object_get(req, "item_id") ? PL_ERR_NOT_FOUND
                                                                    : PL_ERR_INVALID_STATE,
                  l->active_item || json_object_get(req, "item_id") ? "item_id" : "no_active_item");
    if (it->state == PL_ITEM_DONE)
        PL_REFUSE(PL_ERR_INVALID_STATE, "already_done");
    ch->op = PL_OP_AGENDA_DONE;
    ch->a = it->id;
    ch->event = "agenda.done";
    ch->data = json_pack("{s:I, s:o}", "item_id", (json_int_t)it->id, "active_item_id",
                         l->active_item && l->active_item != it->id ? json_integer(l->active_item)
                                                                    : json_null());
    return PL_OK;
}

/* attendance.check_in and check_out (oneself), attendance.set (the secretary). */

/*
 * Notices: what a session's clients are told that is not an event of the
 * record (no seq, not replayed on resume): the progress of the open vote,
 * at most once per NOTICE_INTERVAL_MS, and vote.entered to a delegate whose
 * ballot the secretary entered (hub_priv.h).
 */
#include <stdlib.h>
#include <string.h>

#include "hub_priv.h"

/* Progress of a vote is broadcast at most this often, however many groups
 * of ballots commit in between: one notice per interval, not per ballot. */
#define NOTICE_INTERVAL_MS 100

gboolean pl_hub_notice_send(gpointer data)
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

void pl_hub_notice_queue(struct pl_entry *e, const json_t *data, bool public)
{
    json_decref(e->notice);
    e->notice = json_incref((json_t *)data);
    e->notice_public = public;
    if (!e->notice_timer)
        e->notice_timer = g_timeout_add(NOTICE_INTERVAL_MS, pl_hub_notice_send, e);
}

/* Tells a delegate, on each of their connections, that the secretary has
 * entered a ballot for them (vote.enter): nobody votes in someone's name
 * unseen. Open kinds only, so the choice is no secret from its voter. */
void pl_hub_notice_entered(struct pl_entry *e, const struct pl_change *ch)
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

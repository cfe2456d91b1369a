/*
 * Remote participation (rtc.*) for a session's clients: join a sitting's
 * room from afar, the SDP offer and ICE, leave; the chair's status and mute.
 * A voter meeting's rtc.* requests go to meeting.c (hub_priv.h).
 */
#include "hub_priv.h"
#include "meeting.h"
#include "rtc.h"

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
void pl_hub_rtc_request(struct pl_hub *hub, struct pl_client *c, const struct pl_request *req)
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

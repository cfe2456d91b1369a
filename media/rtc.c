/*
 * Remote participants over WebRTC; see rtc.h.
 *
 * A room (one per live session with remote participants) is one pipeline:
 *
 *   hall sound ─► audiomixer "mix" ─► tee "atee" ─► level "program-level"
 *                   ▲   ▲                  └──────► opusenc ─► appsink "aenc"
 *   participant's   │   │
 *   sound (muted unless on the floor)
 *          └──────► audiomixer "rmix" ─► tee "rtee" ─► interaudiosink "pl-remote-a-SID"
 *                                                  └──► hall PA sink (option)
 *   hall picture ─► compositor "comp" ─► tee ─► vp8enc ─► appsink "venc"
 *                   ▲                      └──► intervideosink "pl-room-v-SID"
 *                   participant's picture (hidden unless on the floor)
 *
 * The hall is the session's recording (media.c, when it encodes): its raw
 * sound and picture arrive through interaudiosrc "pl-hall-a-SID" and
 * intervideosrc "pl-hall-v-SID", silence and black when nothing feeds them
 * (recording off, or a passed-through source). "rmix" mixes the
 * participants alone, through the same volume as "mix", for the recording
 * to mix with the hall and for the hall's PA (the hall itself must not go
 * back to either: an echo, or feedback through the hall's microphones); the
 * program picture goes back to the recording, which shows it while a
 * participant's picture is on air (pl_rtc_on_picture). SID: the session's
 * id; the two pipelines never link by pads, so neither waits on the other.
 *
 * and per participant a bin holding its webrtcbin, the decoders of what it
 * sends (plugged by decodebin as its streams appear), its branches into the
 * mixers (level "plevel-ID" ─► volume ─► tee, to "mix" and "rmix"), and its return branches from
 * the shared encodings (appsrc ─► leaky queue ─► RTP payloader ─► webrtcbin; the appsinks hand each
 * encoded buffer to every appsrc), so one slow or broken peer drops its own packets and never
 * stalls the room.
 *
 * Threads: webrtcbin answers promises and emits candidates and state on its
 * own thread, pads appear on streaming threads. Those callbacks only touch
 * GStreamer objects made before (the participant's bin) or marshal a
 * message to the main loop (struct note), where the participant is looked
 * up by id: it may have left meanwhile.
 *
 * This file: joining and leaving, floor and chair, the status, the
 * rtc's lifetime. A participant's bin, its signalling and the notes are
 * rtc_peer.c's, the room's pipeline rtc_room.c's (rtc_priv.h).
 */
#include "rtc.h"

#include <stdio.h>
#include <string.h>

#include <gst/app/app.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>

#include "log.h"
#include "rtc_check.h"
#include "rtc_priv.h"

/* --- the rtc's link to the notes still queued ------------------------------------ */

void pl_rtc_link_unref(struct link *l)
{
    if (g_atomic_int_dec_and_test(&l->ref))
        g_free(l);
}

/* --- messages to a participant ------------------------------------------------------- */

void pl_rtc_tell(struct pl_rtc_peer *p, json_t *msg)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (text)
        p->send(p->user, text);
}

void pl_rtc_tell_state(struct pl_rtc_peer *p, const char *reason)
{
    json_t *m = json_pack("{s:s, s:s, s:b, s:b}", "type", "rtc.state", "state", p->state, "on_air",
                          p->on_floor && !p->chair_muted, "muted", p->chair_muted);
    if (reason)
        json_object_set_new(m, "reason", json_string(reason));
    pl_rtc_tell(p, m);
}

static void peer_free(struct pl_rtc_peer *p);

/* The room drops p by itself (a timeout, a failure, the sitting closed):
 * tell it why, then tell its owner it is gone (send with NULL). */
void pl_rtc_drop(struct pl_rtc_peer *p, const char *state, const char *reason)
{
    p->state = state;
    pl_rtc_tell_state(p, reason);
    pl_log_info("remote participant %s left the room (%s)", p->name, reason);
    pl_rtc_send_fn send = p->send;
    void *user = p->user;
    struct room *room = p->room;
    struct pl_rtc *rtc = p->rtc;
    peer_free(p);
    send(user, NULL);
    /* The last one out closes the room (unless the room is what is
     * closing). */
    if (!room->peers && !room->closing)
        g_hash_table_remove(rtc->rooms, &room->session_id);
}
/* --- joining and leaving --------------------------------------------------------------- */

struct pl_rtc_peer *pl_rtc_join(struct pl_rtc *r, int64_t session_id, int64_t person_id,
                                const char *name, bool on_floor, pl_rtc_send_fn send, void *user,
                                enum pl_err *err, const char **reason)
{
    struct room *room = g_hash_table_lookup(r->rooms, &session_id);
    if (room && g_list_length(room->peers) >= (guint)r->cfg->rtc_max_participants) {
        *err = PL_ERR_SERVER_FULL;
        *reason = "room_full";
        return NULL;
    }
    if (!room) {
        room = pl_rtc_room_new(r, session_id, on_floor ? person_id : 0);
        if (!room) {
            *err = PL_ERR_INTERNAL;
            *reason = "media_unavailable";
            return NULL;
        }
        int64_t *key = g_new(int64_t, 1);
        *key = session_id;
        g_hash_table_insert(r->rooms, key, room);
    }
    struct pl_rtc_peer *p = g_new0(struct pl_rtc_peer, 1);
    p->rtc = r;
    p->room = room;
    p->id = ++r->next_id;
    p->person_id = person_id;
    p->name = g_strdup(name);
    p->send = send;
    p->user = user;
    p->state = "new";
    p->audio_db = -200.0;
    p->audio_mline = p->video_mline = -1;
    p->on_floor = on_floor;
    if (on_floor)
        room->floor_person = person_id;
    room->peers = g_list_append(room->peers, p);
    g_hash_table_insert(r->peers, &p->id, p);
    pl_log_info("remote participant %s joined the room of session %lld", p->name,
                (long long)session_id);
    return p;
}

void pl_rtc_set_watch_only(struct pl_rtc_peer *p)
{
    p->watch_only = true;
}

void pl_rtc_set_host(struct pl_rtc_peer *p)
{
    p->host = true;
    p->on_floor = true;
    if (p->bin)
        pl_rtc_peer_apply_floor(p);
}

static void release(GstElement *owner, GstPad **pad)
{
    if (!*pad)
        return;
    GstPad *peer = gst_pad_get_peer(*pad);
    if (peer) {
        if (GST_PAD_DIRECTION(*pad) == GST_PAD_SRC)
            gst_pad_unlink(*pad, peer);
        else
            gst_pad_unlink(peer, *pad);
        gst_object_unref(peer);
    }
    gst_element_release_request_pad(owner, *pad);
    gst_object_unref(*pad);
    *pad = NULL;
}

/* Out of the room: first off the tees and mixers (their other pads keep
 * flowing), then to NULL, then out of the pipeline. */
static void peer_free(struct pl_rtc_peer *p)
{
    struct room *room = p->room;
    g_hash_table_remove(p->rtc->peers, &p->id);
    room->peers = g_list_remove(room->peers, p);
    if (p->watchdog)
        g_source_remove(p->watchdog);
    if (p->stats_timer)
        g_source_remove(p->stats_timer);
    if (p->stats) {
        gst_promise_interrupt(p->stats);
        gst_promise_unref(p->stats);
    }
    if (p->bin) {
        /* Off the shared encodings first: no push into a stopping appsrc. */
        g_mutex_lock(&room->lock);
        if (p->asrc)
            g_ptr_array_remove(room->audio_out, p->asrc);
        if (p->vsrc)
            g_ptr_array_remove(room->video_out, p->vsrc);
        g_mutex_unlock(&room->lock);
        g_clear_object(&p->asrc);
        g_clear_object(&p->vsrc);
        release(room->mix, &p->mix_pad);
        release(room->rmix, &p->rmix_pad);
        release(room->comp, &p->comp_pad);
        g_signal_handlers_disconnect_by_data(p->webrtc, p);
        gst_element_set_state(p->bin, GST_STATE_NULL);
        gst_bin_remove(GST_BIN(room->pipe), p->bin);
        gst_object_unref(p->webrtc);
        if (p->volume)
            gst_object_unref(p->volume);
        gst_object_unref(p->bin);
    }
    g_free(p->name);
    g_free(p);
    pl_rtc_room_picture(room);
}

void pl_rtc_leave(struct pl_rtc_peer *p)
{
    struct pl_rtc *rtc = p->rtc;
    struct room *room = p->room;
    pl_log_info("remote participant %s left", p->name);
    peer_free(p);
    /* The last one out closes the room: no encoding for nobody. */
    if (!room->peers)
        g_hash_table_remove(rtc->rooms, &room->session_id);
}

/* --- floor and chair ------------------------------------------------------------------- */

void pl_rtc_event(struct pl_rtc *r, int64_t session_id, const char *name, const json_t *data)
{
    struct room *room = g_hash_table_lookup(r->rooms, &session_id);
    if (!room)
        return;
    if (strcmp(name, "sitting.closed") == 0 || strcmp(name, "session.closed") == 0) {
        g_hash_table_remove(r->rooms, &session_id);
        return;
    }
    if (strcmp(name, "floor.changed") != 0)
        return;
    const json_t *turn = json_object_get(data, "turn");
    int64_t who = json_is_object(turn) ? json_integer_value(json_object_get(turn, "person_id")) : 0;
    room->floor_person = who;
    for (GList *l = room->peers; l; l = l->next) {
        struct pl_rtc_peer *p = l->data;
        bool on = !p->viewer && (p->host || p->person_id == who); /* a viewer has nothing to air */
        if (on == p->on_floor)
            continue;
        p->on_floor = on;
        if (p->bin)
            pl_rtc_peer_apply_floor(p);
        pl_rtc_tell_state(p, NULL);
    }
}

enum pl_err pl_rtc_mute(struct pl_rtc *r, int64_t session_id, int64_t person_id, bool muted)
{
    struct room *room = g_hash_table_lookup(r->rooms, &session_id);
    bool found = false;
    for (GList *l = room ? room->peers : NULL; l; l = l->next) {
        struct pl_rtc_peer *p = l->data;
        if (p->person_id != person_id)
            continue;
        found = true;
        p->chair_muted = muted;
        if (p->bin)
            pl_rtc_peer_apply_floor(p);
        pl_rtc_tell_state(p, NULL);
    }
    return found ? PL_OK : PL_ERR_NOT_FOUND;
}

/* --- status ------------------------------------------------------------------------------ */

static json_t *room_json(const struct room *room)
{
    json_t *people = json_array();
    for (GList *l = room->peers; l; l = l->next) {
        struct pl_rtc_peer *p = l->data;
        json_array_append_new(
            people, json_pack("{s:I, s:s, s:s, s:b, s:b, s:b, s:f, s:i, s:i, s:s, s:I, s:f, s:f}",
                              "person_id", (json_int_t)p->person_id, "name", p->name, "state",
                              p->state, "on_floor", p->on_floor, "receive_only", p->viewer, "muted",
                              p->chair_muted, "audio_level_db", p->audio_db, "video_frames",
                              g_atomic_int_get(&p->video_frames), "video_decoded",
                              g_atomic_int_get(&p->video_decoded), "video_codec", p->video_codec,
                              "packets_lost", (json_int_t)p->packets_lost, "jitter_ms",
                              p->jitter_ms, "rtt_ms", p->rtt_ms));
    }
    return json_pack("{s:I, s:f, s:o}", "session_id", (json_int_t)room->session_id,
                     "program_level_db", room->level_db, "participants", people);
}

json_t *pl_rtc_status(const struct pl_rtc *r)
{
    json_t *rooms = json_array();
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, r->rooms);
    while (g_hash_table_iter_next(&it, &k, &v))
        json_array_append_new(rooms, room_json(v));
    return json_pack("{s:o}", "rooms", rooms);
}

json_t *pl_rtc_room_status(const struct pl_rtc *r, int64_t session_id)
{
    const struct room *room = g_hash_table_lookup(r->rooms, &session_id);
    if (room)
        return room_json(room);
    return json_pack("{s:I, s:n, s:[]}", "session_id", (json_int_t)session_id, "program_level_db",
                     "participants");
}

unsigned pl_rtc_count(const struct pl_rtc *r, int64_t session_id)
{
    unsigned n = 0;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, r->rooms);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        struct room *room = v;
        if (!session_id || room->session_id == session_id)
            n += g_list_length(room->peers);
    }
    return n;
}

int pl_rtc_timeout_s(const struct pl_rtc *r)
{
    return r->cfg->rtc_timeout_s;
}

void pl_rtc_on_picture(struct pl_rtc *r, pl_rtc_picture_fn fn, void *user)
{
    r->picture = fn;
    r->picture_user = user;
}

json_t *pl_rtc_ice_servers(const struct pl_rtc *r)
{
    json_t *a = json_array();
    const char *stun = r->cfg->rtc_stun, *turn = r->cfg->rtc_turn;
    if (stun && g_str_has_prefix(stun, "stun://"))
        json_array_append_new(a, json_pack("{s:s+}", "urls", "stun:", stun + strlen("stun://")));
    if (turn && g_str_has_prefix(turn, "turn://")) {
        /* turn://USER:PASSWORD@HOST:PORT, as webrtcbin takes it. */
        const char *rest = turn + strlen("turn://");
        const char *at = strrchr(rest, '@');
        const char *colon = at ? memchr(rest, ':', (size_t)(at - rest)) : NULL;
        if (at && colon)
            json_array_append_new(a, json_pack("{s:s+, s:s%, s:s%}", "urls", "turn:", at + 1,
                                               "username", rest, (size_t)(colon - rest),
                                               "credential", colon + 1, (size_t)(at - colon - 1)));
    }
    return a;
}

/* --- lifetime ---------------------------------------------------------------------------- */

struct pl_rtc *pl_rtc_new(const struct pl_config *cfg)
{
    struct pl_rtc *r = g_new0(struct pl_rtc, 1);
    r->cfg = cfg;
    r->link = g_new0(struct link, 1);
    r->link->ref = 1;
    r->link->rtc = r;
    r->rooms = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, pl_rtc_room_free);
    r->peers = g_hash_table_new(g_int64_hash, g_int64_equal);
    return r;
}

void pl_rtc_free(struct pl_rtc *r)
{
    if (!r)
        return;
    g_hash_table_destroy(r->rooms);
    g_hash_table_destroy(r->peers);
    r->link->rtc = NULL;
    pl_rtc_link_unref(r->link);
    g_free(r);
}

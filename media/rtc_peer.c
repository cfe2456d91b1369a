/*
 * A remote participant's media and signalling: its bin (webrtcbin, the
 * decoders of what it sends, its branches into the room's mixers and its
 * return branches from the shared encodings), the offer and the ICE
 * candidates it sends (pl_rtc_offer, pl_rtc_candidate), and webrtcbin's
 * answers, candidates, states and statistics, marshalled from GStreamer's
 * threads to the main loop as notes. Joining and leaving are rtc.c's; see
 * the top of rtc.c for the room and the threads.
 */
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

/* --- notes from GStreamer's threads to the main loop ------------------------------ */

enum note_kind { NOTE_REMOTE_SET, NOTE_ANSWER, NOTE_CANDIDATE, NOTE_ICE_STATE, NOTE_STATS };

struct note {
    struct link *link;
    guint64 peer;
    enum note_kind kind;
    guint mline;
    int state;
    char *text; /* owned */
    gint64 lost;
    double jitter_ms, rtt_ms;
};

static void note_free(gpointer p)
{
    struct note *n = p;
    pl_rtc_link_unref(n->link);
    g_free(n->text);
    g_free(n);
}

static gboolean note_run(gpointer p);

/* What a promise's callback may use: the participant may be gone by the
 * time webrtcbin answers, so not the participant itself. */
struct ctx {
    struct link *link; /* a reference */
    guint64 peer;
    GstElement *webrtc; /* a reference */
};

static struct ctx *ctx_new(struct pl_rtc_peer *p)
{
    struct ctx *c = g_new0(struct ctx, 1);
    c->link = p->rtc->link;
    g_atomic_int_inc(&c->link->ref);
    c->peer = p->id;
    c->webrtc = gst_object_ref(p->webrtc);
    return c;
}

static void ctx_free(gpointer data)
{
    struct ctx *c = data;
    pl_rtc_link_unref(c->link);
    gst_object_unref(c->webrtc);
    g_free(c);
}

/* From any thread: queue n for the main loop (takes n). */
static void post_to(struct link *link, guint64 peer, struct note *n)
{
    n->link = link;
    g_atomic_int_inc(&n->link->ref);
    n->peer = peer;
    g_main_context_invoke_full(NULL, G_PRIORITY_DEFAULT, note_run, n, note_free);
}

/* From a signal of p's own elements (disconnected or stopped before p is
 * freed). */
static void post(struct pl_rtc_peer *peer, struct note *n)
{
    post_to(peer->rtc->link, peer->id, n);
}

/* --- a participant's media ------------------------------------------------------------ */

/* What the program does with p: heard and seen only while on the floor and
 * not muted by the chair. One volume serves both mixes (the program's and
 * the remote participants' alone, for the recording), so they never
 * disagree about who is heard. */
void pl_rtc_peer_apply_floor(struct pl_rtc_peer *p)
{
    bool on_air = p->on_floor && !p->chair_muted;
    if (!p->volume)
        return; /* a viewer: nothing of it in the mixes */
    g_object_set(p->volume, "mute", !on_air, NULL);
    if (p->comp_pad)
        g_object_set(p->comp_pad, "alpha", on_air ? 1.0 : 0.0, NULL);
    pl_rtc_room_picture(p->room);
}

static GstPadProbeReturn count_decoded(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    (void)pad, (void)info;
    struct pl_rtc_peer *p = data;
    g_atomic_int_inc(&p->video_decoded);
    return GST_PAD_PROBE_OK;
}

/* Streaming thread: a decoded stream of p's appeared; into its branch. */
static void on_decoded(GstElement *dec, GstPad *pad, gpointer data)
{
    (void)dec;
    struct pl_rtc_peer *p = data;
    GstCaps *caps = gst_pad_get_current_caps(pad);
    if (!caps)
        caps = gst_pad_query_caps(pad, NULL);
    const char *name = gst_structure_get_name(gst_caps_get_structure(caps, 0));
    const char *target = g_str_has_prefix(name, "audio/") ? "ain" : "vin";
    GstElement *in = gst_bin_get_by_name(GST_BIN(p->bin), target);
    GstPad *sink = in ? gst_element_get_static_pad(in, "sink") : NULL;
    GstPadLinkReturn rc = GST_PAD_LINK_REFUSED;
    if (sink && !gst_pad_is_linked(sink))
        rc = gst_pad_link(pad, sink);
    if (rc == GST_PAD_LINK_OK && target[0] == 'v')
        gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_decoded, p, NULL);
    /* Streaming thread: the log takes one write per line. */
    pl_log_debug("remote participant %" G_GUINT64_FORMAT ": decoded %s into %s: %s", p->id, name,
                 target, gst_pad_link_get_name(rc));
    gst_caps_unref(caps);
    if (sink)
        gst_object_unref(sink);
    if (in)
        gst_object_unref(in);
}

/* Streaming thread: webrtcbin has a stream from p; decode it. */
static void on_incoming(GstElement *w, GstPad *pad, gpointer data)
{
    (void)w;
    struct pl_rtc_peer *p = data;
    if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC)
        return;
    pl_log_debug("remote participant %" G_GUINT64_FORMAT ": stream %s", p->id, GST_PAD_NAME(pad));
    GstElement *dec = gst_element_factory_make("decodebin", NULL);
    g_signal_connect(dec, "pad-added", G_CALLBACK(on_decoded), p);
    gst_bin_add(GST_BIN(p->bin), dec);
    gst_element_sync_state_with_parent(dec);
    GstPad *sink = gst_element_get_static_pad(dec, "sink");
    gst_pad_link(pad, sink);
    gst_object_unref(sink);
}

static GstPadProbeReturn count_frame(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    (void)pad, (void)info;
    struct pl_rtc_peer *p = data;
    g_atomic_int_inc(&p->video_frames);
    return GST_PAD_PROBE_OK;
}

static void on_candidate(GstElement *w, guint mline, gchar *candidate, gpointer data)
{
    (void)w;
    struct note *n = g_new0(struct note, 1);
    n->kind = NOTE_CANDIDATE;
    n->mline = mline;
    n->text = g_strdup(candidate);
    post(data, n);
}

static void on_ice_state(GObject *w, GParamSpec *ps, gpointer data)
{
    (void)ps;
    struct note *n = g_new0(struct note, 1);
    GstWebRTCICEConnectionState st = GST_WEBRTC_ICE_CONNECTION_STATE_NEW;
    g_object_get(w, "ice-connection-state", &st, NULL);
    n->kind = NOTE_ICE_STATE;
    n->state = (int)st;
    post(data, n);
}

/* Promises: created with a ctx and called once (answered, expired or
 * interrupted); the creator's reference is released here. */
static void on_remote_set(GstPromise *promise, gpointer data)
{
    struct ctx *c = data;
    gst_promise_unref(promise);
    struct note *n = g_new0(struct note, 1);
    n->kind = NOTE_REMOTE_SET;
    post_to(c->link, c->peer, n);
}

/* webrtcbin's thread: the answer is made; set it and pass it on. */
static void on_answer(GstPromise *promise, gpointer data)
{
    struct ctx *c = data;
    struct note *n = g_new0(struct note, 1);
    n->kind = NOTE_ANSWER;
    const GstStructure *r = gst_promise_wait(promise) == GST_PROMISE_RESULT_REPLIED
                                ? gst_promise_get_reply(promise)
                                : NULL;
    GstWebRTCSessionDescription *answer = NULL;
    if (r)
        gst_structure_get(r, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
    if (answer) {
        g_signal_emit_by_name(c->webrtc, "set-local-description", answer, NULL);
        n->text = gst_sdp_message_as_text(answer->sdp);
        gst_webrtc_session_description_free(answer);
    }
    gst_promise_unref(promise);
    post_to(c->link, c->peer, n);
}

/* Sums the stats webrtcbin keeps: packets lost and jitter of what p sends
 * us, the round trip it reports. */
static gboolean stat_field(GQuark field, const GValue *v, gpointer data)
{
    (void)field;
    struct note *n = data;
    if (!GST_VALUE_HOLDS_STRUCTURE(v))
        return TRUE;
    const GstStructure *s = gst_value_get_structure(v);
    GstWebRTCStatsType type = 0;
    if (!gst_structure_get(s, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type, NULL))
        return TRUE;
    if (type == GST_WEBRTC_STATS_INBOUND_RTP) {
        gint64 lost = 0;
        double jitter = 0;
        if (gst_structure_get_int64(s, "packets-lost", &lost))
            n->lost += lost;
        if (gst_structure_get_double(s, "jitter", &jitter))
            n->jitter_ms = MAX(n->jitter_ms, jitter * 1000.0);
    } else if (type == GST_WEBRTC_STATS_REMOTE_INBOUND_RTP) {
        double rtt = 0;
        if (gst_structure_get_double(s, "round-trip-time", &rtt))
            n->rtt_ms = MAX(n->rtt_ms, rtt * 1000.0);
    }
    return TRUE;
}

/* The stats promise stays the participant's (p->stats) until its note
 * arrives or p leaves (then interrupted): webrtcbin may never answer one
 * asked while it stops. */
static void on_stats(GstPromise *promise, gpointer data)
{
    struct ctx *c = data;
    struct note *n = g_new0(struct note, 1);
    n->kind = NOTE_STATS;
    const GstStructure *r = gst_promise_wait(promise) == GST_PROMISE_RESULT_REPLIED
                                ? gst_promise_get_reply(promise)
                                : NULL;
    if (r)
        gst_structure_foreach(r, stat_field, n);
    post_to(c->link, c->peer, n);
}

static gboolean ask_stats(gpointer data)
{
    struct pl_rtc_peer *p = data;
    if (!p->connected || p->stats)
        return G_SOURCE_CONTINUE;
    p->stats = gst_promise_new_with_change_func(on_stats, ctx_new(p), ctx_free);
    g_signal_emit_by_name(p->webrtc, "get-stats", NULL, p->stats);
    return G_SOURCE_CONTINUE;
}

/* ICE did not complete in time, or no sound came after it did. */
static gboolean watchdog(gpointer data)
{
    struct pl_rtc_peer *p = data;
    p->watchdog = 0;
    gint64 now = g_get_monotonic_time();
    gint64 limit = (gint64)p->rtc->cfg->rtc_timeout_s * G_USEC_PER_SEC;
    if (!p->connected) {
        pl_rtc_drop(p, "failed", "ice_timeout");
        return G_SOURCE_REMOVE;
    }
    if (p->viewer)
        return G_SOURCE_REMOVE; /* connected; it sends no sound to wait for */
    if (now - MAX(p->last_audio_us, p->connected_us) >= limit) {
        pl_rtc_drop(p, "failed", "no_media");
        return G_SOURCE_REMOVE;
    }
    p->watchdog = g_timeout_add_seconds(1, watchdog, p);
    return G_SOURCE_REMOVE;
}

/* Builds p's bin: webrtcbin, the branches into the mixers and, once the
 * offer says what p takes, the return branches. */
static bool peer_build(struct pl_rtc_peer *p)
{
    const struct pl_config *cfg = p->rtc->cfg;
    /* A viewer sends nothing: webrtcbin alone, no branch into the mixers
     * (a pad there that never gets a buffer would only hold them up). */
    char *d = p->viewer
                  ? g_strdup_printf("webrtcbin name=webrtc bundle-policy=max-bundle latency=%d",
                                    cfg->rtc_latency_ms)
                  : g_strdup_printf(
                        "webrtcbin name=webrtc bundle-policy=max-bundle latency=%d "
                        "audioconvert name=ain ! audioresample ! " PL_RTC_AUDIO_CAPS
                        " ! level name=plevel-%" G_GUINT64_FORMAT " interval=200000000 ! "
                        "volume name=vol mute=true ! tee name=ptee "
                        "ptee. ! queue name=aout max-size-time=100000000 leaky=downstream "
                        "ptee. ! queue name=rout max-size-time=100000000 leaky=downstream "
                        "videoconvert name=vin ! videoscale ! videorate ! " PL_RTC_PROGRAM_CAPS
                        " ! queue name=vout max-size-time=200000000 leaky=downstream",
                        cfg->rtc_latency_ms, p->id);
    GError *err = NULL;
    GstElement *bin = gst_parse_bin_from_description(d, FALSE, &err);
    g_free(d);
    if (!bin || err) {
        pl_log_error("cannot build a remote participant: %s", err ? err->message : "?");
        g_clear_error(&err);
        if (bin)
            gst_object_unref(bin);
        return false;
    }
    char *bname = g_strdup_printf("peer-%" G_GUINT64_FORMAT, p->id);
    gst_object_set_name(GST_OBJECT(bin), bname);
    g_free(bname);
    p->bin = gst_object_ref(bin);
    p->webrtc = gst_bin_get_by_name(GST_BIN(bin), "webrtc");
    p->volume = gst_bin_get_by_name(GST_BIN(bin), "vol");
    /* No lip-sync. From the participant's RTCP sender reports, webrtcbin's
     * rtpbin would shift one of its streams by how far the other lags at the
     * sender (its "ts-offset"; on a loaded machine the participant's video
     * encoder made it 0.1-0.5 s, changed at every report): its sound then
     * comes with timestamps that far ahead of the room's clock. The mixers
     * take it only when the clock reaches them and hold at most their
     * latency plus the 100 ms of the leaky "aout"/"rout" queues, so those
     * dropped most of it: the speaker chopped or gone from the program and
     * from the recording (rmix), while the peak-holding meter still showed
     * them loud. Their sound and picture go into a live mix with the hall's,
     * whose own are not delayed either: both are taken as they arrive. A
     * largest allowed offset of 1 ns makes rtpbin ignore every one. */
    GstElement *rtpbin = gst_bin_get_by_name(GST_BIN(p->webrtc), "rtpbin");
    if (rtpbin) {
        g_object_set(rtpbin, "max-ts-offset", (gint64)1, NULL);
        gst_object_unref(rtpbin);
    } else {
        pl_log_warn("remote participant %s: no rtpbin in webrtcbin; lip-sync stays on", p->name);
    }
    if (cfg->rtc_stun && *cfg->rtc_stun)
        g_object_set(p->webrtc, "stun-server", cfg->rtc_stun, NULL);
    if (cfg->rtc_turn && *cfg->rtc_turn)
        g_object_set(p->webrtc, "turn-server", cfg->rtc_turn, NULL);
    g_signal_connect(p->webrtc, "on-ice-candidate", G_CALLBACK(on_candidate), p);
    g_signal_connect(p->webrtc, "notify::ice-connection-state", G_CALLBACK(on_ice_state), p);
    g_signal_connect(p->webrtc, "pad-added", G_CALLBACK(on_incoming), p);
    gst_bin_add(GST_BIN(p->room->pipe), bin);
    if (p->viewer) {
        gst_element_sync_state_with_parent(bin);
        return true;
    }

    /* Into the mixers: ghost pads out of the bin, request pads on the room. */
    struct {
        const char *elem, *ghost;
        GstElement *mixer;
        GstPad **pad;
    } outs[] = {{"aout", "asrc", p->room->mix, &p->mix_pad},
                {"rout", "rsrc", p->room->rmix, &p->rmix_pad},
                {"vout", "vsrc", p->room->comp, &p->comp_pad}};
    for (size_t i = 0; i < G_N_ELEMENTS(outs); i++) {
        GstElement *e = gst_bin_get_by_name(GST_BIN(bin), outs[i].elem);
        GstPad *src = gst_element_get_static_pad(e, "src");
        GstPad *ghost = gst_ghost_pad_new(outs[i].ghost, src);
        gst_pad_set_active(ghost, TRUE);
        gst_element_add_pad(bin, ghost);
        *outs[i].pad = gst_element_request_pad_simple(outs[i].mixer, "sink_%u");
        gst_pad_link(ghost, *outs[i].pad);
        gst_object_unref(src);
        gst_object_unref(e);
    }
    g_object_set(p->comp_pad, "zorder", 1u, NULL);
    pl_rtc_peer_apply_floor(p); /* joining while holding the floor: on air at once */
    GstElement *vout = gst_bin_get_by_name(GST_BIN(bin), "vout");
    GstPad *vsrc = gst_element_get_static_pad(vout, "src");
    gst_pad_add_probe(vsrc, GST_PAD_PROBE_TYPE_BUFFER, count_frame, p, NULL);
    gst_object_unref(vsrc);
    gst_object_unref(vout);
    gst_element_sync_state_with_parent(bin);
    return true;
}

/* A return branch: an appsrc fed with the shared encoding, a leaky queue of
 * p's own, the payloader with the offer's payload type, into webrtcbin's
 * pad for mline. Returns the appsrc (a reference), added to outs. */
static GstElement *return_branch(struct pl_rtc_peer *p, GPtrArray *outs, int mline, const char *pay,
                                 const char *caps)
{
    char *d = g_strdup_printf("appsrc name=src is-live=true format=time do-timestamp=false "
                              "max-bytes=0 block=false ! "
                              "queue leaky=downstream max-size-buffers=0 max-size-bytes=0 "
                              "max-size-time=300000000 ! %s ! capsfilter caps=\"%s\"",
                              pay, caps);
    GError *err = NULL;
    GstElement *branch = gst_parse_bin_from_description(d, FALSE, &err);
    g_free(d);
    if (!branch || err) {
        pl_log_error("cannot build a return branch: %s", err ? err->message : "?");
        g_clear_error(&err);
        if (branch)
            gst_object_unref(branch);
        return NULL;
    }
    /* The bin's one unlinked pad, the capsfilter's, ghosted out. */
    GstPad *inner = gst_bin_find_unlinked_pad(GST_BIN(branch), GST_PAD_SRC);
    GstPad *bsrc = gst_ghost_pad_new("src", inner);
    gst_object_unref(inner);
    gst_element_add_pad(branch, bsrc);
    gst_bin_add(GST_BIN(p->bin), branch);
    char pad_name[16];
    g_snprintf(pad_name, sizeof pad_name, "sink_%d", mline);
    GstPad *wsink = gst_element_request_pad_simple(p->webrtc, pad_name);
    if (!wsink || gst_pad_link(bsrc, wsink) != GST_PAD_LINK_OK)
        pl_log_warn("remote participant %s: cannot link its return branch", p->name);
    if (wsink)
        gst_object_unref(wsink);
    gst_element_sync_state_with_parent(branch);
    GstElement *src = gst_bin_get_by_name(GST_BIN(branch), "src");
    g_mutex_lock(&p->room->lock);
    g_ptr_array_add(outs, gst_object_ref(src));
    g_mutex_unlock(&p->room->lock);
    return src;
}

/* Main loop: the offer is set; attach the program's return and answer. */
static void remote_set(struct pl_rtc_peer *p)
{
    char caps[160];
    if (p->audio_mline >= 0) {
        g_snprintf(caps, sizeof caps,
                   "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=%d",
                   p->audio_pt);
        char pay[48];
        g_snprintf(pay, sizeof pay, "rtpopuspay pt=%d", p->audio_pt);
        p->asrc = return_branch(p, p->room->audio_out, p->audio_mline, pay, caps);
    }
    if (p->video_mline >= 0 && p->video_pt >= 0) {
        g_snprintf(caps, sizeof caps,
                   "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=%d",
                   p->video_pt);
        char pay[64];
        g_snprintf(pay, sizeof pay, "rtpvp8pay pt=%d picture-id-mode=15-bit", p->video_pt);
        p->vsrc = return_branch(p, p->room->video_out, p->video_mline, pay, caps);
        /* A new viewer needs a picture to start from. */
        GstPad *enc = gst_element_get_static_pad(p->room->vencoder, "src");
        gst_pad_send_event(enc,
                           gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM,
                                                gst_structure_new("GstForceKeyUnit", "all-headers",
                                                                  G_TYPE_BOOLEAN, TRUE, NULL)));
        gst_object_unref(enc);
    }
    GArray *trs = NULL;
    g_signal_emit_by_name(p->webrtc, "get-transceivers", &trs);
    for (guint i = 0; trs && i < trs->len; i++) {
        GstWebRTCRTPTransceiver *t = g_array_index(trs, GstWebRTCRTPTransceiver *, i);
        /* A viewer's recvonly offer is answered sendonly. */
        g_object_set(t, "direction",
                     p->viewer ? GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY
                               : GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV,
                     NULL);
    }
    if (trs)
        g_array_unref(trs);
    g_signal_emit_by_name(p->webrtc, "create-answer", NULL,
                          gst_promise_new_with_change_func(on_answer, ctx_new(p), ctx_free));
}

static gboolean note_run(gpointer data)
{
    struct note *n = data;
    struct pl_rtc *rtc = n->link->rtc;
    struct pl_rtc_peer *p = rtc ? g_hash_table_lookup(rtc->peers, &n->peer) : NULL;
    if (!p)
        return G_SOURCE_REMOVE; /* it left meanwhile */
    switch (n->kind) {
    case NOTE_REMOTE_SET:
        remote_set(p);
        break;
    case NOTE_ANSWER:
        if (!n->text) {
            pl_rtc_drop(p, "failed", "negotiation_failed");
            break;
        }
        pl_rtc_tell(p, json_pack("{s:s, s:s}", "type", "rtc.answer", "sdp", n->text));
        break;
    case NOTE_CANDIDATE:
        pl_rtc_tell(p, json_pack("{s:s, s:s, s:i}", "type", "rtc.ice", "candidate", n->text,
                                 "sdp_mline_index", (int)n->mline));
        break;
    case NOTE_ICE_STATE:
        if ((n->state == GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED ||
             n->state == GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED) &&
            !p->connected) {
            p->connected = true;
            p->connected_us = g_get_monotonic_time();
            p->state = "connected";
            pl_log_info("remote participant %s connected", p->name);
            pl_rtc_tell_state(p, NULL);
        } else if (n->state == GST_WEBRTC_ICE_CONNECTION_STATE_FAILED) {
            pl_rtc_drop(p, "failed", "ice_failed");
        }
        break;
    case NOTE_STATS:
        if (p->stats) {
            gst_promise_unref(p->stats);
            p->stats = NULL;
        }
        p->packets_lost = n->lost;
        p->jitter_ms = n->jitter_ms;
        p->rtt_ms = n->rtt_ms;
        break;
    }
    return G_SOURCE_REMOVE;
}
/* --- the offer ------------------------------------------------------------------------- */

enum pl_err pl_rtc_offer(struct pl_rtc_peer *p, const char *text, size_t len, const char **reason)
{
    *reason = NULL;
    if (p->offered) {
        *reason = "already_offered";
        return PL_ERR_INVALID_STATE;
    }
    struct pl_rtc_offer_info info;
    GstSDPMessage *sdp = NULL;
    enum pl_err err = pl_rtc_check_offer(text, len, &info, &sdp, reason);
    if (err != PL_OK)
        return err;
    if (p->watch_only && !info.receive_only) {
        gst_sdp_message_free(sdp);
        *reason = "watch_only";
        return PL_ERR_FORBIDDEN;
    }
    p->viewer = info.receive_only;
    if (p->viewer)
        p->on_floor = false; /* nothing of it to put on air */
    p->audio_mline = info.audio_mline;
    p->video_mline = info.video_mline;
    p->n_mlines = info.n_mlines;
    p->audio_pt = info.audio_pt;
    p->video_pt = info.video_pt;
    g_strlcpy(p->video_codec, info.video_codec, sizeof p->video_codec);
    if (!peer_build(p)) {
        gst_sdp_message_free(sdp);
        *reason = "media_unavailable";
        return PL_ERR_INTERNAL;
    }
    p->offered = true;
    p->state = "connecting";
    GstWebRTCSessionDescription *offer =
        gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, sdp); /* takes sdp */
    g_signal_emit_by_name(p->webrtc, "set-remote-description", offer,
                          gst_promise_new_with_change_func(on_remote_set, ctx_new(p), ctx_free));
    gst_webrtc_session_description_free(offer);
    p->watchdog = g_timeout_add_seconds((guint)p->rtc->cfg->rtc_timeout_s, watchdog, p);
    p->stats_timer = g_timeout_add_seconds(2, ask_stats, p);
    return PL_OK;
}

enum pl_err pl_rtc_candidate(struct pl_rtc_peer *p, const char *cand, size_t len, const char *mid,
                             int mline, const char **reason)
{
    *reason = NULL;
    if (!p->offered) {
        *reason = "no_offer";
        return PL_ERR_INVALID_STATE;
    }
    enum pl_err err = pl_rtc_check_candidate(cand, len, mid, mline, p->n_mlines, reason);
    if (err != PL_OK || len == 0) /* empty: the end of the candidates */
        return err;
    char *copy = g_strndup(cand, len);
    g_signal_emit_by_name(p->webrtc, "add-ice-candidate", (guint)mline, copy);
    g_free(copy);
    return PL_OK;
}

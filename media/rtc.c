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

#define PL_RTC_PROGRAM_CAPS "video/x-raw,width=640,height=360,framerate=15/1"
#define PL_RTC_AUDIO_CAPS   "audio/x-raw,rate=48000,channels=2"

/* Outlives the rtc for notes still queued when it is freed. */
struct link {
    gint ref;
    struct pl_rtc *rtc; /* NULL once freed */
};

struct room {
    struct pl_rtc *rtc;
    int64_t session_id;
    GstElement *pipe;              /* owned */
    GstElement *mix, *comp, *atee; /* references to elements of pipe */
    GstElement *rmix;              /* the remote participants' sound alone; a reference */
    GstElement *aenc, *venc;       /* appsinks of the shared encodings; references */
    GstElement *vencoder;          /* vp8enc, asked for key frames; a reference */
    /* Who takes the shared encodings: appsrcs (references), read by the
     * appsinks' streaming threads, so under lock. */
    GMutex lock;
    GPtrArray *audio_out, *video_out;
    guint bus_watch;
    double level_db;      /* the program's loudest 100 ms lately (peak hold) */
    gint64 level_at_us;   /* when level_db was set */
    int64_t floor_person; /* 0: nobody */
    bool remote_picture;  /* a participant's picture is on air (told to the recording) */
    GList *peers;         /* struct pl_rtc_peer * */
    bool closing;         /* room_free is dropping the participants */
};

struct pl_rtc_peer {
    struct pl_rtc *rtc;
    struct room *room;
    guint64 id;
    int64_t person_id;
    char *name;
    pl_rtc_send_fn send;
    void *user;
    GstElement *bin;              /* owned by room->pipe once added; ref held */
    GstElement *webrtc;           /* in bin */
    GstElement *volume;           /* in bin: the participant's sound into the mix */
    GstPad *mix_pad;              /* requested from room->mix */
    GstPad *rmix_pad;             /* requested from room->rmix */
    GstPad *comp_pad;             /* requested from room->comp */
    GstElement *asrc, *vsrc;      /* its appsrcs in room->audio_out/video_out, or NULL */
    int audio_mline, video_mline; /* -1: none */
    int n_mlines;                 /* in its offer */
    int audio_pt, video_pt;       /* the offer's payload types for Opus, VP8 */
    char video_codec[8];          /* what the participant sends: VP8, H264 or "" */
    bool offered, connected, chair_muted, on_floor;
    bool host;         /* a meeting's moderator: on air whoever has the floor */
    bool viewer;       /* its offer sends nothing: it only gets the program */
    bool watch_only;   /* may only be a viewer (pl_rtc_set_watch_only) */
    const char *state; /* static: new, connecting, connected, failed */
    gint64 connected_us, last_audio_us;
    double audio_db; /* the participant's loudest 100 ms lately (peak hold) */
    gint64 audio_db_at_us;
    guint watchdog; /* timeout source */
    guint stats_timer;
    GstPromise *stats; /* asked, not yet answered; a reference */
    gint64 packets_lost;
    double jitter_ms, rtt_ms;
    gint video_frames;  /* the participant's pictures into the program (atomic) */
    gint video_decoded; /* decoded from what it sends (atomic) */
};

struct pl_rtc {
    const struct pl_config *cfg;
    struct link *link;
    GHashTable *rooms; /* int64 session id -> struct room * (owned) */
    GHashTable *peers; /* guint64 id -> struct pl_rtc_peer * (borrowed) */
    guint64 next_id;
    pl_rtc_picture_fn picture; /* may be NULL */
    void *picture_user;
};

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

static void link_unref(struct link *l)
{
    if (g_atomic_int_dec_and_test(&l->ref))
        g_free(l);
}

static void note_free(gpointer p)
{
    struct note *n = p;
    link_unref(n->link);
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
    link_unref(c->link);
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

/* --- messages to a participant ------------------------------------------------------- */

static void tell(struct pl_rtc_peer *p, json_t *msg)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (text)
        p->send(p->user, text);
}

static void tell_state(struct pl_rtc_peer *p, const char *reason)
{
    json_t *m = json_pack("{s:s, s:s, s:b, s:b}", "type", "rtc.state", "state", p->state, "on_air",
                          p->on_floor && !p->chair_muted, "muted", p->chair_muted);
    if (reason)
        json_object_set_new(m, "reason", json_string(reason));
    tell(p, m);
}

static void peer_free(struct pl_rtc_peer *p);

/* The room drops p by itself (a timeout, a failure, the sitting closed):
 * tell it why, then tell its owner it is gone (send with NULL). */
static void drop(struct pl_rtc_peer *p, const char *state, const char *reason)
{
    p->state = state;
    tell_state(p, reason);
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

/* --- the room's pipeline -------------------------------------------------------------- */

static double level_db(const GstStructure *s)
{
    const GValue *rms = gst_structure_get_value(s, "rms");
    double db = -200.0;
    if (!rms)
        return db;
    G_GNUC_BEGIN_IGNORE_DEPRECATIONS
    GValueArray *arr = (GValueArray *)g_value_get_boxed(rms);
    for (guint i = 0; arr && i < arr->n_values; i++)
        db = MAX(db, g_value_get_double(g_value_array_get_nth(arr, i)));
    G_GNUC_END_IGNORE_DEPRECATIONS
    return db;
}

/*
 * Meters hold their peak: the consoles ask every 2 s and see one value, and
 * speech (or a test beep) is loud in bursts; the latest 100 ms alone would
 * often show a pause. A louder reading replaces the held one at once, a
 * quieter one only after LEVEL_HOLD_US.
 */
#define LEVEL_HOLD_US (2 * G_USEC_PER_SEC)

static void hold_peak(double *held, gint64 *at, double db, gint64 now)
{
    if (db >= *held || now - *at > LEVEL_HOLD_US) {
        *held = db;
        *at = now;
    }
}

static gboolean room_bus(GstBus *bus, GstMessage *msg, gpointer data)
{
    (void)bus;
    struct room *room = data;
    switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ELEMENT: {
        const GstStructure *s = gst_message_get_structure(msg);
        if (!s || !gst_structure_has_name(s, "level"))
            break;
        const char *src = GST_OBJECT_NAME(GST_MESSAGE_SRC(msg));
        double db = level_db(s);
        gint64 now = g_get_monotonic_time();
        if (strcmp(src, "program-level") == 0) {
            hold_peak(&room->level_db, &room->level_at_us, db, now);
        } else if (g_str_has_prefix(src, "plevel-")) {
            guint64 id = g_ascii_strtoull(src + strlen("plevel-"), NULL, 10);
            struct pl_rtc_peer *p = g_hash_table_lookup(room->rtc->peers, &id);
            if (p) {
                hold_peak(&p->audio_db, &p->audio_db_at_us, db, now);
                p->last_audio_us = now;
            }
        }
        break;
    }
    case GST_MESSAGE_ERROR: {
        GError *e = NULL;
        gst_message_parse_error(msg, &e, NULL);
        /* A participant's element failing must not end the room: say who. */
        pl_log_warn("hybrid room of session %lld: %s: %s", (long long)room->session_id,
                    GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), e ? e->message : "error");
        g_clear_error(&e);
        break;
    }
    default:
        break;
    }
    return G_SOURCE_CONTINUE;
}

/*
 * An appsink's streaming thread: one encoded buffer of the program, handed
 * to every participant's appsrc. The return path is not linked to the
 * mixers by pads on purpose: a participant's sound goes into the mix and
 * the mix back to the participant, and as one graph that would be a loop
 * (GStreamer then cannot order state changes or configure latency).
 */
static GstFlowReturn shared_sample(GstAppSink *sink, gpointer data)
{
    struct room *room = data;
    GstSample *sample = gst_app_sink_pull_sample(sink);
    if (!sample)
        return GST_FLOW_OK;
    GPtrArray *outs = GST_ELEMENT(sink) == room->aenc ? room->audio_out : room->video_out;
    g_mutex_lock(&room->lock);
    for (guint i = 0; i < outs->len; i++)
        gst_app_src_push_sample(GST_APP_SRC(g_ptr_array_index(outs, i)), sample);
    g_mutex_unlock(&room->lock);
    gst_sample_unref(sample);
    return GST_FLOW_OK;
}

static struct room *room_new(struct pl_rtc *rtc, int64_t session_id, int64_t floor_person)
{
    const struct pl_config *cfg = rtc->cfg;
    gst_init(NULL, NULL); /* once; media.c does not when recording is off */
    GString *d = g_string_new(NULL);
    long long sid = (long long)session_id;
    /* The hall comes from media.c's encoded recording of the session's
     * sitting (see the diagram at the top); the inter sources give silence
     * and black while nothing feeds them (recording off, or a passed-
     * through source). The sinks towards media.c sit behind leaky queues
     * and never wait on the clock: a recording that is not there costs the
     * room nothing. */
    g_string_append_printf(
        d,
        "audiomixer name=mix latency=20000000 ! " PL_RTC_AUDIO_CAPS
        " ! tee name=atee allow-not-linked=true "
        "interaudiosrc channel=pl-hall-a-%lld period-time=10000000 ! audioconvert ! "
        "audioresample ! " PL_RTC_AUDIO_CAPS " ! mix. "
        "atee. ! queue leaky=downstream max-size-time=200000000 ! "
        "level name=program-level interval=100000000 ! fakesink sync=false async=false "
        "atee. ! queue leaky=downstream max-size-time=200000000 ! audioconvert ! "
        "opusenc frame-size=20 bitrate=64000 ! appsink name=aenc sync=false async=false "
        "max-buffers=10 drop=true "
        "audiomixer name=rmix latency=20000000 ! " PL_RTC_AUDIO_CAPS
        " ! tee name=rtee allow-not-linked=true "
        "rtee. ! queue leaky=downstream max-size-time=200000000 ! "
        "interaudiosink channel=pl-remote-a-%lld sync=false async=false "
        "audiotestsrc is-live=true wave=silence samplesperbuffer=480 ! " PL_RTC_AUDIO_CAPS
        " ! rmix. "
        "compositor name=comp background=black ! " PL_RTC_PROGRAM_CAPS
        " ! tee name=vtee vtee. ! videoconvert ! queue leaky=downstream max-size-time=200000000 ! "
        "vp8enc deadline=1 cpu-used=8 threads=2 target-bitrate=600000 keyframe-max-dist=30 "
        "lag-in-frames=0 name=vencoder ! appsink name=venc sync=false async=false "
        "max-buffers=10 drop=true "
        "vtee. ! queue leaky=downstream max-size-buffers=2 max-size-bytes=0 max-size-time=0 ! "
        "intervideosink channel=pl-room-v-%lld sync=false async=false "
        "intervideosrc channel=pl-hall-v-%lld ! videoconvert ! videoscale ! videorate "
        "! " PL_RTC_PROGRAM_CAPS " ! comp. ",
        sid, sid, sid, sid);
    if (cfg->rtc_hall_sink && strcmp(cfg->rtc_hall_sink, "none") != 0) {
        /* The hall's PA: the remote participants' sound alone (the hall's
         * own, now in the program, would feed back through its
         * microphones), late rather than never. */
        if (g_str_has_prefix(cfg->rtc_hall_sink, "alsa:"))
            g_string_append(d, "rtee. ! queue leaky=downstream max-size-time=200000000 ! "
                               "audioconvert ! audioresample ! alsasink name=hallpa sync=false ");
        else if (strcmp(cfg->rtc_hall_sink, "pulse") == 0)
            g_string_append(d, "rtee. ! queue leaky=downstream max-size-time=200000000 ! "
                               "audioconvert ! audioresample ! pulsesink sync=false ");
    }
    GError *err = NULL;
    GstElement *pipe = gst_parse_launch(d->str, &err);
    g_string_free(d, TRUE);
    if (!pipe || err) {
        pl_log_error("cannot build the hybrid room: %s", err ? err->message : "?");
        g_clear_error(&err);
        if (pipe)
            gst_object_unref(pipe);
        return NULL;
    }
    GstElement *pa = gst_bin_get_by_name(GST_BIN(pipe), "hallpa");
    if (pa) {
        /* Set here, not in the description: an ALSA device name may hold
         * characters the description would read as syntax. */
        g_object_set(pa, "device", cfg->rtc_hall_sink + strlen("alsa:"), NULL);
        gst_object_unref(pa);
    }
    struct room *room = g_new0(struct room, 1);
    room->rtc = rtc;
    room->session_id = session_id;
    room->pipe = pipe;
    room->level_db = -200.0;
    room->floor_person = floor_person;
    room->mix = gst_bin_get_by_name(GST_BIN(pipe), "mix");
    room->comp = gst_bin_get_by_name(GST_BIN(pipe), "comp");
    room->atee = gst_bin_get_by_name(GST_BIN(pipe), "atee");
    room->rmix = gst_bin_get_by_name(GST_BIN(pipe), "rmix");
    room->aenc = gst_bin_get_by_name(GST_BIN(pipe), "aenc");
    room->venc = gst_bin_get_by_name(GST_BIN(pipe), "venc");
    room->vencoder = gst_bin_get_by_name(GST_BIN(pipe), "vencoder");
    g_mutex_init(&room->lock);
    room->audio_out = g_ptr_array_new_with_free_func(gst_object_unref);
    room->video_out = g_ptr_array_new_with_free_func(gst_object_unref);
    GstAppSinkCallbacks cbs = {.new_sample = shared_sample};
    gst_app_sink_set_callbacks(GST_APP_SINK(room->aenc), &cbs, room, NULL);
    gst_app_sink_set_callbacks(GST_APP_SINK(room->venc), &cbs, room, NULL);
    GstBus *bus = gst_element_get_bus(pipe);
    room->bus_watch = gst_bus_add_watch(bus, room_bus, room);
    gst_object_unref(bus);
    if (gst_element_set_state(pipe, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
        pl_log_warn("the hybrid room of session %lld did not start", (long long)session_id);
    pl_log_info("hybrid room of session %lld opened", (long long)session_id);
    return room;
}

static void room_free(gpointer data)
{
    struct room *room = data;
    room->closing = true;
    while (room->peers) {
        struct pl_rtc_peer *p = room->peers->data;
        drop(p, "closed", "room_closed");
    }
    gst_element_set_state(room->pipe, GST_STATE_NULL);
    if (room->bus_watch)
        g_source_remove(room->bus_watch);
    g_ptr_array_unref(room->audio_out);
    g_ptr_array_unref(room->video_out);
    g_mutex_clear(&room->lock);
    GstElement *borrowed[] = {room->mix,  room->comp, room->atee,    room->rmix,
                              room->aenc, room->venc, room->vencoder};
    for (size_t i = 0; i < G_N_ELEMENTS(borrowed); i++)
        if (borrowed[i])
            gst_object_unref(borrowed[i]);
    gst_object_unref(room->pipe);
    pl_log_info("hybrid room of session %lld closed", (long long)room->session_id);
    g_free(room);
}

/* --- a participant's media ------------------------------------------------------------ */

/* Tells the recording (pl_rtc_on_picture) whether a participant's picture
 * is on air in room now; only changes. */
static void room_picture(struct room *room)
{
    bool on = false;
    for (GList *l = room->peers; l && !on; l = l->next) {
        const struct pl_rtc_peer *p = l->data;
        on = p->bin && p->on_floor && !p->chair_muted && p->video_mline >= 0 && !p->viewer;
    }
    if (on == room->remote_picture)
        return;
    room->remote_picture = on;
    if (room->rtc->picture)
        room->rtc->picture(room->rtc->picture_user, room->session_id, on);
}

/* What the program does with p: heard and seen only while on the floor and
 * not muted by the chair. One volume serves both mixes (the program's and
 * the remote participants' alone, for the recording), so they never
 * disagree about who is heard. */
static void apply_floor(struct pl_rtc_peer *p)
{
    bool on_air = p->on_floor && !p->chair_muted;
    if (!p->volume)
        return; /* a viewer: nothing of it in the mixes */
    g_object_set(p->volume, "mute", !on_air, NULL);
    if (p->comp_pad)
        g_object_set(p->comp_pad, "alpha", on_air ? 1.0 : 0.0, NULL);
    room_picture(p->room);
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
        drop(p, "failed", "ice_timeout");
        return G_SOURCE_REMOVE;
    }
    if (p->viewer)
        return G_SOURCE_REMOVE; /* connected; it sends no sound to wait for */
    if (now - MAX(p->last_audio_us, p->connected_us) >= limit) {
        drop(p, "failed", "no_media");
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
    apply_floor(p); /* joining while holding the floor: on air at once */
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
            drop(p, "failed", "negotiation_failed");
            break;
        }
        tell(p, json_pack("{s:s, s:s}", "type", "rtc.answer", "sdp", n->text));
        break;
    case NOTE_CANDIDATE:
        tell(p, json_pack("{s:s, s:s, s:i}", "type", "rtc.ice", "candidate", n->text,
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
            tell_state(p, NULL);
        } else if (n->state == GST_WEBRTC_ICE_CONNECTION_STATE_FAILED) {
            drop(p, "failed", "ice_failed");
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
        room = room_new(r, session_id, on_floor ? person_id : 0);
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
        apply_floor(p);
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
    room_picture(room);
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
            apply_floor(p);
        tell_state(p, NULL);
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
            apply_floor(p);
        tell_state(p, NULL);
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
    r->rooms = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, room_free);
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
    link_unref(r->link);
    g_free(r);
}

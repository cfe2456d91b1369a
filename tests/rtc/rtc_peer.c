/*
 * A remote participant for tests and benchmarks: GStreamer's webrtcbin with
 * test sources (a 1 kHz tone and a test picture), offering to plenumd the
 * way a browser does (bundle, Opus and VP8). It speaks JSON lines: it prints
 * {"type":"offer","sdp"} and {"type":"ice","candidate","sdp_mline_index"}
 * on stdout, and reads {"type":"answer","sdp"} and {"type":"ice",...} on
 * stdin; the test relays them over plenumd's real /ws signalling. Every
 * second it prints {"type":"stats","video_frames","video_luma" (the mean
 * brightness of the last picture, 0-255, or -1),"audio_buffers",
 * "audio_rms_db","ice"} about the program it receives back.
 *
 * Usage: rtc_peer [--audio-only] [--silent] [--h264] [--clicks] [--no-media]
 *                 [--video-lag MS]
 *   --silent   send silence instead of the tone (a participant who is
 *              connected but says nothing)
 *   --no-media negotiate Opus but send nothing (the server must give up)
 *   --clicks   a 60 ms click every second, and print {"type":"click",
 *              "sent_ms"} / {"type":"heard","at_ms"} (the latency benchmark)
 *   --video-lag send the picture MS later than the sound of the same moment
 *              (a browser whose video encoder lags; its sender reports
 *              say so, which would lip-sync the sound later by as much)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>
#include <jansson.h>

static GstElement *pipe_, *webrtc;
static GMainLoop *loop;
static gint video_frames, audio_buffers;
static gint video_luma = -1; /* mean brightness of the last picture, 0-255; -1: none yet */
static gdouble audio_rms_db = -200.0;
static gboolean clicks;
static gboolean heard_armed = TRUE;

/* Writes one JSON line (takes the reference). Main thread or streaming
 * threads: stdout's lock keeps lines whole. */
static void emit(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (s) {
        flockfile(stdout);
        fputs(s, stdout);
        fputc('\n', stdout);
        fflush(stdout);
        funlockfile(stdout);
        free(s);
    }
}

static void on_offer(GstPromise *p, gpointer user)
{
    (void)user;
    const GstStructure *r = gst_promise_get_reply(p);
    GstWebRTCSessionDescription *offer = NULL;
    gst_structure_get(r, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL);
    gst_promise_unref(p);
    if (!offer) {
        fprintf(stderr, "rtc_peer: no offer\n");
        exit(1);
    }
    g_signal_emit_by_name(webrtc, "set-local-description", offer, NULL);
    gchar *text = gst_sdp_message_as_text(offer->sdp);
    emit(json_pack("{s:s, s:s}", "type", "offer", "sdp", text));
    g_free(text);
    gst_webrtc_session_description_free(offer);
}

static void on_negotiation_needed(GstElement *w, gpointer user)
{
    (void)user;
    GstPromise *p = gst_promise_new_with_change_func(on_offer, NULL, NULL);
    g_signal_emit_by_name(w, "create-offer", NULL, p);
}

static void on_ice_candidate(GstElement *w, guint mline, gchar *candidate, gpointer user)
{
    (void)w, (void)user;
    emit(json_pack("{s:s, s:s, s:i}", "type", "ice", "candidate", candidate, "sdp_mline_index",
                   (int)mline));
}

static GstPadProbeReturn count_video(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
    (void)pad, (void)info, (void)user;
    g_atomic_int_inc(&video_frames);
    return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn count_audio(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
    (void)pad, (void)info, (void)user;
    g_atomic_int_inc(&audio_buffers);
    return GST_PAD_PROBE_OK;
}

/* The mean brightness of a decoded picture (GRAY8), sampled: tells a test
 * which picture the program carries (black, a test pattern...). */
static GstPadProbeReturn measure_luma(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
    (void)pad, (void)user;
    GstMapInfo map;
    GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
    if (!gst_buffer_map(b, &map, GST_MAP_READ))
        return GST_PAD_PROBE_OK;
    guint64 sum = 0, n = 0;
    for (gsize i = 0; i < map.size; i += 7, n++)
        sum += map.data[i];
    gst_buffer_unmap(b, &map);
    if (n)
        g_atomic_int_set(&video_luma, (gint)(sum / n));
    return GST_PAD_PROBE_OK;
}

/* A decoded stream of the program: video is counted and its brightness
 * measured, audio measured. */
static void on_decoded(GstElement *dec, GstPad *pad, gpointer user)
{
    (void)dec, (void)user;
    GstCaps *caps = gst_pad_get_current_caps(pad);
    if (!caps)
        caps = gst_pad_query_caps(pad, NULL);
    const char *name = gst_structure_get_name(gst_caps_get_structure(caps, 0));
    GstElement *bin;
    if (g_str_has_prefix(name, "video/")) {
        bin = gst_parse_bin_from_description(
            "queue ! videoconvert ! video/x-raw,format=GRAY8 ! fakesink name=luma sync=false", TRUE,
            NULL);
        gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_video, NULL, NULL);
        GstElement *luma = gst_bin_get_by_name(GST_BIN(bin), "luma");
        GstPad *in = gst_element_get_static_pad(luma, "sink");
        gst_pad_add_probe(in, GST_PAD_PROBE_TYPE_BUFFER, measure_luma, NULL, NULL);
        gst_object_unref(in);
        gst_object_unref(luma);
    } else {
        bin = gst_parse_bin_from_description(
            "queue ! audioconvert ! level name=heard interval=20000000 ! fakesink sync=false", TRUE,
            NULL);
        gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_audio, NULL, NULL);
    }
    gst_caps_unref(caps);
    gst_bin_add(GST_BIN(pipe_), bin);
    gst_element_sync_state_with_parent(bin);
    GstPad *sink = gst_element_get_static_pad(bin, "sink");
    gst_pad_link(pad, sink);
    gst_object_unref(sink);
}

static void on_incoming(GstElement *w, GstPad *pad, gpointer user)
{
    (void)w, (void)user;
    if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC)
        return;
    GstElement *dec = gst_element_factory_make("decodebin", NULL);
    g_signal_connect(dec, "pad-added", G_CALLBACK(on_decoded), NULL);
    gst_bin_add(GST_BIN(pipe_), dec);
    gst_element_sync_state_with_parent(dec);
    GstPad *sink = gst_element_get_static_pad(dec, "sink");
    gst_pad_link(pad, sink);
    gst_object_unref(sink);
}

static gboolean on_bus(GstBus *bus, GstMessage *msg, gpointer user)
{
    (void)bus, (void)user;
    switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ERROR: {
        GError *e = NULL;
        gst_message_parse_error(msg, &e, NULL);
        fprintf(stderr, "rtc_peer: %s\n", e ? e->message : "error");
        g_clear_error(&e);
        exit(1);
    }
    case GST_MESSAGE_ELEMENT: {
        const GstStructure *s = gst_message_get_structure(msg);
        if (!gst_structure_has_name(s, "level"))
            break;
        const GValue *rms = gst_structure_get_value(s, "rms");
        if (!rms)
            break;
        gdouble db = -200.0;
        /* level posts a GValueArray (deprecated in GLib, not in level). */
        G_GNUC_BEGIN_IGNORE_DEPRECATIONS
        GValueArray *arr = (GValueArray *)g_value_get_boxed(rms);
        for (guint i = 0; arr && i < arr->n_values; i++)
            db = MAX(db, g_value_get_double(g_value_array_get_nth(arr, i)));
        G_GNUC_END_IGNORE_DEPRECATIONS
        audio_rms_db = db;
        if (db > -30.0 && heard_armed) { /* a sound after silence */
            heard_armed = FALSE;
            emit(json_pack("{s:s, s:I}", "type", "heard", "at_ms",
                           (json_int_t)(g_get_real_time() / 1000)));
        } else if (db < -50.0) {
            heard_armed = TRUE;
        }
        break;
    }
    default:
        break;
    }
    return G_SOURCE_CONTINUE;
}

static gboolean report(gpointer user)
{
    (void)user;
    GstWebRTCICEConnectionState ice = 0;
    g_object_get(webrtc, "ice-connection-state", &ice, NULL);
    emit(json_pack("{s:s, s:i, s:i, s:i, s:f, s:i}", "type", "stats", "video_frames",
                   g_atomic_int_get(&video_frames), "video_luma", g_atomic_int_get(&video_luma),
                   "audio_buffers", g_atomic_int_get(&audio_buffers), "audio_rms_db", audio_rms_db,
                   "ice", (int)ice));
    return G_SOURCE_CONTINUE;
}

/* Clicks: the tone is switched on for 60 ms every second (the source's
 * buffers are 10 ms, so a click starts within 10 ms of sent_ms). */
static gboolean click_off(gpointer user)
{
    g_object_set(user, "volume", 0.0, NULL);
    return G_SOURCE_REMOVE;
}

static gboolean click(gpointer user)
{
    GstElement *tone = user;
    g_object_set(tone, "volume", 0.5, NULL);
    emit(json_pack("{s:s, s:I}", "type", "click", "sent_ms",
                   (json_int_t)(g_get_real_time() / 1000)));
    g_timeout_add(60, click_off, tone);
    return G_SOURCE_CONTINUE;
}

static void on_answer_set(GstPromise *p, gpointer user)
{
    (void)user;
    gst_promise_unref(p);
}

static gboolean on_stdin(GIOChannel *ch, GIOCondition cond, gpointer user)
{
    (void)cond, (void)user;
    gchar *line = NULL;
    gsize len = 0;
    GIOStatus st = g_io_channel_read_line(ch, &line, &len, NULL, NULL);
    if (st == G_IO_STATUS_EOF) {
        g_main_loop_quit(loop);
        return G_SOURCE_REMOVE;
    }
    if (st != G_IO_STATUS_NORMAL || !line)
        return G_SOURCE_CONTINUE;
    json_t *o = json_loads(line, 0, NULL);
    g_free(line);
    const char *type = json_string_value(json_object_get(o, "type"));
    if (type && strcmp(type, "answer") == 0) {
        GstSDPMessage *sdp = NULL;
        const char *text = json_string_value(json_object_get(o, "sdp"));
        if (text && gst_sdp_message_new_from_text(text, &sdp) == GST_SDP_OK) {
            GstWebRTCSessionDescription *a =
                gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, sdp);
            g_signal_emit_by_name(webrtc, "set-remote-description", a,
                                  gst_promise_new_with_change_func(on_answer_set, NULL, NULL));
            gst_webrtc_session_description_free(a);
        }
    } else if (type && strcmp(type, "ice") == 0) {
        const char *cand = json_string_value(json_object_get(o, "candidate"));
        if (cand && *cand)
            g_signal_emit_by_name(webrtc, "add-ice-candidate",
                                  (guint)json_integer_value(json_object_get(o, "sdp_mline_index")),
                                  cand);
    } else if (type && strcmp(type, "quit") == 0) {
        g_main_loop_quit(loop);
    }
    json_decref(o);
    return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
    gboolean audio_only = FALSE, silent = FALSE, h264 = FALSE, no_media = FALSE;
    long video_lag_ms = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--audio-only") == 0)
            audio_only = TRUE;
        else if (strcmp(argv[i], "--silent") == 0)
            silent = TRUE;
        else if (strcmp(argv[i], "--h264") == 0)
            h264 = TRUE;
        else if (strcmp(argv[i], "--clicks") == 0)
            clicks = TRUE;
        else if (strcmp(argv[i], "--no-media") == 0)
            no_media = TRUE;
        else if (strcmp(argv[i], "--video-lag") == 0 && i + 1 < argc)
            video_lag_ms = strtol(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: rtc_peer [--audio-only] [--silent] [--h264] [--clicks] "
                            "[--no-media] [--video-lag MS]\n");
            return 2;
        }
    }
    gst_init(NULL, NULL);
    loop = g_main_loop_new(NULL, FALSE);
    GString *d = g_string_new("webrtcbin name=w bundle-policy=max-bundle latency=50 ");
    if (no_media) /* negotiates Opus, then sends nothing at all */
        goto build;
    g_string_append_printf(
        d,
        "audiotestsrc name=tone is-live=true wave=%s freq=1000 volume=%s samplesperbuffer=480 ! "
        "audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=2 ! "
        "opusenc frame-size=10 ! rtpopuspay pt=111 ! "
        "application/x-rtp,media=audio,encoding-name=OPUS,payload=111 ! w. ",
        silent ? "silence" : "sine", clicks ? "0.0" : "0.5");
    /* --video-lag: the picture leaves video_lag_ms after the sound taken at
     * the same moment, as from a browser whose video encoder lags; its
     * RTCP sender reports say so (they map the capture times). */
    char lag[160] = "";
    if (video_lag_ms > 0)
        g_snprintf(lag, sizeof lag,
                   "queue max-size-buffers=0 max-size-bytes=0 max-size-time=0 "
                   "min-threshold-time=%ld ! ",
                   video_lag_ms * 1000000L);
    if (!audio_only)
        g_string_append_printf(
            d,
            "videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=480,"
            "framerate=15/1 ! videoconvert ! %s%s ! w. ",
            lag,
            h264 ? "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! "
                   "video/x-h264,profile=constrained-baseline ! rtph264pay pt=102 "
                   "config-interval=-1 aggregate-mode=zero-latency ! "
                   "application/x-rtp,media=video,encoding-name=H264,payload=102"
                 : "vp8enc deadline=1 cpu-used=8 keyframe-max-dist=30 target-bitrate=500000 ! "
                   "rtpvp8pay pt=96 ! application/x-rtp,media=video,encoding-name=VP8,payload=96");
build:;
    GError *err = NULL;
    pipe_ = gst_parse_launch(d->str, &err);
    g_string_free(d, TRUE);
    if (!pipe_) {
        fprintf(stderr, "rtc_peer: %s\n", err ? err->message : "cannot build the pipeline");
        return 1;
    }
    if (!GST_IS_PIPELINE(pipe_)) { /* one element alone: parse gave the element itself */
        GstElement *p = gst_pipeline_new(NULL);
        gst_bin_add(GST_BIN(p), pipe_);
        pipe_ = p;
    }
    webrtc = gst_bin_get_by_name(GST_BIN(pipe_), "w");
    /* Receive the program back: one recvonly... the transceivers created
     * by the linked sink pads are sendrecv by default. */
    g_signal_connect(webrtc, "on-negotiation-needed", G_CALLBACK(on_negotiation_needed), NULL);
    g_signal_connect(webrtc, "on-ice-candidate", G_CALLBACK(on_ice_candidate), NULL);
    g_signal_connect(webrtc, "pad-added", G_CALLBACK(on_incoming), NULL);
    if (no_media) {
        GstCaps *opus = gst_caps_from_string(
            "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=111,"
            "encoding-params=(string)2");
        GstWebRTCRTPTransceiver *t = NULL;
        g_signal_emit_by_name(webrtc, "add-transceiver",
                              GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV, opus, &t);
        gst_caps_unref(opus);
        if (t)
            gst_object_unref(t);
    }
    GstBus *bus = gst_element_get_bus(pipe_);
    gst_bus_add_watch(bus, on_bus, NULL);
    gst_object_unref(bus);
    GIOChannel *in = g_io_channel_unix_new(0);
    g_io_add_watch(in, G_IO_IN | G_IO_HUP, on_stdin, NULL);
    g_timeout_add(1000, report, NULL);
    if (clicks) {
        GstElement *vol = gst_bin_get_by_name(GST_BIN(pipe_), "tone");
        g_timeout_add(1000, click, vol);
    }
    gst_element_set_state(pipe_, GST_STATE_PLAYING);
    g_main_loop_run(loop);
    gst_element_set_state(pipe_, GST_STATE_NULL);
    gst_object_unref(webrtc);
    gst_object_unref(pipe_);
    g_io_channel_unref(in);
    return 0;
}

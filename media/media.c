/* Recording and livestreaming of sittings; see media.h. */
#include "media.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <openssl/rand.h>

#include "log.h"

#define SEGMENT_S        1   /* HLS segment length: latency vs. files */
#define LIVE_WINDOW      180 /* segments in the live playlist: 3 minutes */
#define STOP_TIMEOUT_MS  5000
#define RETRY_MAX_MS     30000
#define MEDIA_TIMEOUT_MS 10000

enum stream_state { ST_STARTING, ST_LIVE, ST_STOPPING, ST_RETRYING };
static const char *const state_names[] = {"starting", "live", "stopping", "retrying"};

struct stream {
    struct pl_media *m;
    int64_t sitting, session;
    bool public;
    enum stream_state state;
    GstElement *pipeline; /* owned; NULL while retrying */
    guint bus_watch, stop_timer, retry_timer;
    uint64_t source_query; /* the store request asking for the session's source */
    guint retry_ms;
    char *source;     /* "test" or "srt://[host]:port"; owned; NULL until known */
    bool passthrough; /* the source's H.264/AAC is recorded as it is */
    char run[17];     /* random hex id of this pipeline run, in file names */
    char *dir;        /* absolute; owned */
    char *rel_dir;    /* relative to the data dir, as recorded; owned */
    guint64 open_rt;  /* running time the current segment began at */
    int index;        /* of the next segment to close */
    int segments;     /* closed in this run */
    guint64 dropped;  /* frames dropped (QoS), this run */
    double kbps;      /* smoothed over the last segments */
    char *error;      /* the last error, for the status; owned */
    bool stop_wanted; /* stopping for good (sitting closed), not to retry */
};

/* What the program overlay says for a session, from the hub's events. */
struct program {
    char *item;    /* the active agenda item's title; owned, may be NULL */
    char *speaker; /* who has the floor; owned, may be NULL */
    char *result;  /* the last published vote result, for a minute; owned */
    guint result_timer;
};

struct pl_media {
    const struct pl_config *cfg;
    struct pl_store *store;
    bool off;
    char *root;           /* <data-dir>/media, absolute; owned */
    char *public_root;    /* root/public; owned */
    GHashTable *streams;  /* sitting id -> struct stream * */
    GHashTable *programs; /* session id -> struct program * */
};

static void start_run(struct stream *s);

/* --- the record ------------------------------------------------------------------ */

static void ignore_result(void *user, const PGresult *res, enum pl_err err)
{
    (void)res;
    if (err != PL_OK)
        pl_log_warn("media: could not record %s: %s", (const char *)user, pl_err_code(err));
}

static void record_start(struct stream *s, int64_t wall_us)
{
    char sitting[24], at[24];
    snprintf(sitting, sizeof sitting, "%lld", (long long)s->sitting);
    snprintf(at, sizeof at, "%lld", (long long)wall_us);
    const char *p[4] = {sitting, s->run, s->rel_dir, at};
    pl_store_query(s->m->store,
                   "INSERT INTO recording (sitting_id, run, dir, started_at) "
                   "VALUES ($1, $2, $3, to_timestamp($4::bigint / 1e6))",
                   4, p, MEDIA_TIMEOUT_MS, ignore_result, "a recording's start");
}

static void record_end(struct stream *s, const char *reason)
{
    char at[24];
    snprintf(at, sizeof at, "%lld", (long long)g_get_real_time());
    const char *p[3] = {s->run, at, reason};
    pl_store_query(s->m->store,
                   "UPDATE recording SET ended_at = to_timestamp($2::bigint / 1e6), "
                   "end_reason = $3 WHERE run = $1 AND ended_at IS NULL",
                   3, p, MEDIA_TIMEOUT_MS, ignore_result, "a recording's end");
}

/* --- the pipeline ------------------------------------------------------------------ */

/* Wall-clock microseconds of a running time of s's pipeline. */
static int64_t wall_of(struct stream *s, guint64 running)
{
    GstClock *clock = gst_pipeline_get_clock(GST_PIPELINE(s->pipeline));
    if (!clock)
        return g_get_real_time();
    GstClockTime now = gst_clock_get_time(clock);
    gst_object_unref(clock);
    GstClockTime base = gst_element_get_base_time(s->pipeline);
    gint64 behind = (gint64)(now - base) - (gint64)running;
    return g_get_real_time() - behind / 1000;
}

static void segment_closed(struct stream *s, guint64 closed_rt)
{
    int n = s->index++;
    char *file = g_strdup_printf("seg-%s-%05d.ts", s->run, n);
    char *path = g_build_filename(s->dir, file, NULL);
    GStatBuf st;
    gint64 bytes = g_stat(path, &st) == 0 ? (gint64)st.st_size : 0;
    guint64 dur_ms = (closed_rt - s->open_rt) / GST_MSECOND;
    if (dur_ms == 0)
        dur_ms = 1;
    double kbps = (double)bytes * 8.0 / (double)dur_ms;
    s->kbps = s->segments ? 0.8 * s->kbps + 0.2 * kbps : kbps;
    s->segments++;
    char seq[16], start[24], dur[24], size[24];
    snprintf(seq, sizeof seq, "%d", n);
    snprintf(start, sizeof start, "%lld", (long long)wall_of(s, s->open_rt));
    snprintf(dur, sizeof dur, "%llu", (unsigned long long)dur_ms);
    snprintf(size, sizeof size, "%lld", (long long)bytes);
    const char *p[6] = {s->run, seq, file, start, dur, size};
    /* Queued after the recording's INSERT on the same connection. */
    pl_store_query(s->m->store,
                   "INSERT INTO media_segment (recording_id, seq, file, started_at, duration_ms, "
                   "bytes) SELECT id, $2, $3, to_timestamp($4::bigint / 1e6), $5, $6 FROM "
                   "recording WHERE run = $1",
                   6, p, MEDIA_TIMEOUT_MS, ignore_result, "a segment");
    s->open_rt = closed_rt;
    g_free(file);
    g_free(path);
}

static void teardown(struct stream *s)
{
    if (s->bus_watch)
        g_source_remove(s->bus_watch);
    s->bus_watch = 0;
    if (s->stop_timer)
        g_source_remove(s->stop_timer);
    s->stop_timer = 0;
    if (s->pipeline) {
        gst_element_set_state(s->pipeline, GST_STATE_NULL);
        gst_object_unref(s->pipeline);
        s->pipeline = NULL;
    }
}

static void stream_free(gpointer p)
{
    struct stream *s = p;
    teardown(s);
    if (s->retry_timer)
        g_source_remove(s->retry_timer);
    if (s->source_query)
        pl_store_cancel(s->m->store, s->source_query);
    g_free(s->source);
    g_free(s->dir);
    g_free(s->rel_dir);
    g_free(s->error);
    g_free(s);
}

/* The run is over (EOS after a stop, or forced): forget the stream. */
static void finished(struct stream *s, const char *reason)
{
    record_end(s, reason);
    pl_log_info("media: sitting %lld: recording stopped (%d segments)", (long long)s->sitting,
                s->segments);
    g_hash_table_remove(s->m->streams, &s->sitting); /* frees s */
}

static gboolean retry_now(gpointer data)
{
    struct stream *s = data;
    s->retry_timer = 0;
    start_run(s);
    return G_SOURCE_REMOVE;
}

/* The source or a sink failed: note it, keep the hub untouched, and try
 * again with a growing delay while the sitting is open. */
static void failed(struct stream *s, const char *what)
{
    pl_log_error("media: sitting %lld: %s", (long long)s->sitting, what);
    g_free(s->error);
    s->error = g_strdup(what);
    record_end(s, "error");
    teardown(s);
    if (s->stop_wanted) {
        g_hash_table_remove(s->m->streams, &s->sitting);
        return;
    }
    s->state = ST_RETRYING;
    s->retry_ms = s->retry_ms ? MIN(s->retry_ms * 2, RETRY_MAX_MS) : 1000;
    s->retry_timer = g_timeout_add(s->retry_ms, retry_now, s);
}

static gboolean on_bus(GstBus *bus, GstMessage *msg, gpointer data)
{
    (void)bus;
    struct stream *s = data;
    switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ELEMENT: {
        const GstStructure *st = gst_message_get_structure(msg);
        guint64 rt = 0;
        if (!st || !gst_structure_get_uint64(st, "running-time", &rt))
            break;
        if (gst_structure_has_name(st, "splitmuxsink-fragment-opened"))
            s->open_rt = rt;
        else if (gst_structure_has_name(st, "splitmuxsink-fragment-closed"))
            segment_closed(s, rt);
        break;
    }
    case GST_MESSAGE_STATE_CHANGED:
        if (GST_MESSAGE_SRC(msg) == GST_OBJECT(s->pipeline)) {
            GstState old, now;
            gst_message_parse_state_changed(msg, &old, &now, NULL);
            if (now == GST_STATE_PLAYING && s->state == ST_STARTING) {
                s->state = ST_LIVE;
                s->retry_ms = 0;
                g_free(s->error); /* recovered; the gap stays in the record */
                s->error = NULL;
                record_start(s, wall_of(s, 0));
                pl_log_info("media: sitting %lld: recording%s (run %s)", (long long)s->sitting,
                            s->public ? " and streaming" : " (closed sitting: not streamed)",
                            s->run);
            }
        }
        break;
    case GST_MESSAGE_QOS: {
        guint64 processed = 0, dropped = 0;
        GstFormat fmt;
        gst_message_parse_qos_stats(msg, &fmt, &processed, &dropped);
        if (fmt == GST_FORMAT_BUFFERS && dropped > s->dropped)
            s->dropped = dropped;
        break;
    }
    case GST_MESSAGE_ERROR: {
        GError *e = NULL;
        gst_message_parse_error(msg, &e, NULL);
        char *what = g_strdup_printf("%s: %s", GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)),
                                     e ? e->message : "error");
        g_clear_error(&e);
        s->bus_watch = 0; /* removed by returning FALSE */
        failed(s, what);
        g_free(what);
        return G_SOURCE_REMOVE;
    }
    case GST_MESSAGE_EOS:
        s->bus_watch = 0;
        if (s->stop_wanted)
            finished(s, "stopped");
        else /* the sender went away: listen again, the gap is in the record */
            failed(s, "the source ended its stream");
        return G_SOURCE_REMOVE;
    case GST_MESSAGE_APPLICATION: {
        const GstStructure *st = gst_message_get_structure(msg);
        if (st && gst_structure_has_name(st, "plenum-unsupported")) {
            char *what =
                g_strdup_printf("the source sends %s; send H.264 video (and AAC sound) in MPEG-TS",
                                gst_structure_get_string(st, "caps"));
            s->bus_watch = 0;
            failed(s, what);
            g_free(what);
            return G_SOURCE_REMOVE;
        }
        break;
    }
    default:
        break;
    }
    return G_SOURCE_CONTINUE;
}

static char *random_run(char out[17])
{
    unsigned char b[8];
    if (RAND_bytes(b, sizeof b) != 1)
        for (size_t i = 0; i < sizeof b; i++)
            b[i] = (unsigned char)g_random_int();
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    return out;
}

/* The lower third: who has the floor and the agenda item, or the result
 * just published. Only where the program is encoded (the test source); a
 * passed-through stream is recorded as it came. */
static void show_program(struct stream *s, GstElement *pipeline)
{
    struct program *pr = g_hash_table_lookup(s->m->programs, &s->session);
    GString *t = g_string_new(NULL);
    if (pr && pr->result) {
        g_string_append(t, pr->result);
    } else if (pr) {
        if (pr->speaker)
            g_string_append_printf(t, "Đang phát biểu: %s", pr->speaker);
        if (pr->item)
            g_string_append_printf(t, "%s%s", t->len ? "\n" : "", pr->item);
    }
    GstElement *lower = gst_bin_get_by_name(GST_BIN(pipeline), "lower");
    if (lower) {
        /* textoverlay reads Pango markup: escape what people typed. */
        char *text = g_markup_escape_text(t->str, -1);
        g_object_set(lower, "text", text, "silent", t->len == 0, NULL);
        g_free(text);
        gst_object_unref(lower);
    }
    g_string_free(t, TRUE);
}

static void program_free(gpointer p)
{
    struct program *pr = p;
    if (pr->result_timer)
        g_source_remove(pr->result_timer);
    g_free(pr->item);
    g_free(pr->speaker);
    g_free(pr->result);
    g_free(pr);
}

/* A stream the demuxer found: H.264 video and AAC sound go to the HLS sink
 * as they are; anything else stops the run with a message saying what came.
 * Runs on a streaming thread: it touches only the pipeline, and reports
 * through the bus. */
static void demuxed(GstElement *demux, GstPad *pad, gpointer data)
{
    GstElement *pipeline = data;
    GstCaps *caps = gst_pad_get_current_caps(pad);
    if (!caps)
        caps = gst_pad_query_caps(pad, NULL);
    const GstStructure *st = gst_caps_get_structure(caps, 0);
    const char *name = gst_structure_get_name(st);
    gint mpegversion = 0;
    const char *parser = NULL, *sink_pad = NULL;
    if (strcmp(name, "video/x-h264") == 0) {
        parser = "h264parse";
        sink_pad = "video";
    } else if (strcmp(name, "audio/mpeg") == 0 &&
               gst_structure_get_int(st, "mpegversion", &mpegversion) &&
               (mpegversion == 2 || mpegversion == 4)) {
        parser = "aacparse";
        sink_pad = "audio";
    }
    GstElement *hls = gst_bin_get_by_name(GST_BIN(pipeline), "hls");
    GstPad *target = parser && hls ? gst_element_request_pad_simple(hls, sink_pad) : NULL;
    if (!target) {
        char *desc = gst_caps_to_string(caps);
        gst_element_post_message(
            demux, gst_message_new_application(
                       GST_OBJECT(demux),
                       gst_structure_new("plenum-unsupported", "caps", G_TYPE_STRING, desc, NULL)));
        g_free(desc);
    } else {
        GstElement *q = gst_element_factory_make("queue", NULL);
        GstElement *parse = gst_element_factory_make(parser, NULL);
        gst_bin_add_many(GST_BIN(pipeline), q, parse, NULL);
        gst_element_link(q, parse);
        GstPad *out = gst_element_get_static_pad(parse, "src");
        GstPad *in = gst_element_get_static_pad(q, "sink");
        gst_pad_link(out, target);
        gst_pad_link(pad, in);
        gst_element_sync_state_with_parent(parse);
        gst_element_sync_state_with_parent(q);
        gst_object_unref(out);
        gst_object_unref(in);
        gst_object_unref(target);
    }
    if (hls)
        gst_object_unref(hls);
    gst_caps_unref(caps);
}

/* An SRT source (an encoder or OBS pushing MPEG-TS, or pulled from one):
 * its H.264 and AAC are recorded and streamed as they are, not re-encoded.
 * Senders must keep SPS/PPS with every keyframe and send 7 TS packets per
 * SRT message (1316 bytes), as SRT encoders do. */
static GstElement *build_srt(struct stream *s, const char *hls_location, const char *live)
{
    bool listener = strncmp(s->source, "srt://:", 7) == 0;
    char *uri = g_strdup_printf("%s?mode=%s", s->source, listener ? "listener" : "caller");
    GstElement *p = gst_pipeline_new(NULL);
    GstElement *src = gst_element_factory_make("srtsrc", "src");
    GstElement *demux = gst_element_factory_make("tsdemux", "demux");
    GstElement *hls = gst_element_factory_make("hlssink2", "hls");
    if (!src || !demux || !hls) {
        /* A plugin is missing: the elements that were made are floating
         * and in no bin yet, so they are ours to release. */
        GstElement *made[] = {src, demux, hls};
        for (size_t i = 0; i < G_N_ELEMENTS(made); i++)
            if (made[i])
                gst_object_unref(gst_object_ref_sink(made[i]));
        g_free(uri);
        gst_object_unref(p);
        return NULL;
    }
    g_object_set(src, "uri", uri, NULL);
    g_object_set(hls, "target-duration", SEGMENT_S, "playlist-length", LIVE_WINDOW, "max-files", 0,
                 "location", hls_location, "playlist-location", live, NULL);
    gst_bin_add_many(GST_BIN(p), src, demux, hls, NULL);
    gst_element_link(src, demux);
    g_signal_connect(demux, "pad-added", G_CALLBACK(demuxed), p);
    g_free(uri);
    return p;
}

/* The test source: a slate with the sitting and a clock, and a quiet tone,
 * encoded once: H.264 (zero-latency, a keyframe every segment) and AAC. */
static GstElement *build(struct stream *s, GError **err)
{
    const struct pl_config *c = s->m->cfg;
    char *seg = g_build_filename(s->dir, "seg-", NULL);
    char *live = g_build_filename(s->dir, "live.m3u8", NULL);
    s->passthrough = strncmp(s->source, "srt://", 6) == 0;
    if (s->passthrough) {
        char *loc = g_strdup_printf("%s%s-%%05d.ts", seg, s->run);
        GstElement *p = build_srt(s, loc, live);
        if (!p)
            g_set_error(err, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
                        "srtsrc, tsdemux or hlssink2 is missing (gstreamer1.0-plugins-bad)");
        g_free(loc);
        g_free(seg);
        g_free(live);
        return p;
    }
    char *desc = g_strdup_printf(
        "videotestsrc is-live=true pattern=smpte ! video/x-raw,width=%d,height=%d,framerate=%d/1 "
        "! textoverlay name=slate valignment=top halignment=left font-desc=\"Sans 20\" "
        "shaded-background=true ! textoverlay name=lower valignment=bottom halignment=left "
        "line-alignment=left font-desc=\"Sans 16\" shaded-background=true ! clockoverlay "
        "time-format=\"%%H:%%M:%%S\" halignment=right "
        "valignment=bottom font-desc=\"Sans 20\" shaded-background=true ! videoconvert ! "
        "x264enc tune=zerolatency speed-preset=veryfast bitrate=%d key-int-max=%d ! "
        "video/x-h264,profile=main ! h264parse ! queue max-size-time=3000000000 ! hls.video "
        "audiotestsrc is-live=true wave=sine freq=440 volume=0.02 ! "
        "audio/x-raw,rate=48000,channels=2 ! audioconvert ! audioresample ! voaacenc "
        "bitrate=96000 ! aacparse ! queue max-size-time=3000000000 ! hls.audio "
        "hlssink2 name=hls target-duration=%d playlist-length=%d max-files=0",
        c->media_width, c->media_height, c->media_fps, c->media_bitrate_kbps,
        c->media_fps * SEGMENT_S, SEGMENT_S, LIVE_WINDOW);
    GstElement *p = gst_parse_launch(desc, err);
    g_free(desc);
    if (p) {
        /* Set here, not in the description: no quoting of names. */
        GstElement *hls = gst_bin_get_by_name(GST_BIN(p), "hls");
        char *loc = g_strdup_printf("%s%s-%%05d.ts", seg, s->run);
        g_object_set(hls, "location", loc, "playlist-location", live, NULL);
        g_free(loc);
        gst_object_unref(hls);
        GstElement *slate = gst_bin_get_by_name(GST_BIN(p), "slate");
        char *text = g_strdup_printf("Plenum · phiên họp %lld", (long long)s->sitting);
        g_object_set(slate, "text", text, NULL);
        g_free(text);
        gst_object_unref(slate);
    }
    if (p)
        show_program(s, p);
    g_free(seg);
    g_free(live);
    return p;
}

static void start_run(struct stream *s)
{
    random_run(s->run);
    s->index = 0;
    s->segments = 0;
    s->dropped = 0;
    s->open_rt = 0;
    s->state = ST_STARTING;
    GError *err = NULL;
    s->pipeline = build(s, &err);
    if (!s->pipeline) {
        char *what = g_strdup_printf("could not build the pipeline: %s",
                                     err ? err->message : "unknown error");
        g_clear_error(&err);
        failed(s, what);
        g_free(what);
        return;
    }
    g_clear_error(&err); /* a recoverable warning from the parser */
    GstBus *bus = gst_element_get_bus(s->pipeline);
    s->bus_watch = gst_bus_add_watch(bus, on_bus, s);
    gst_object_unref(bus);
    if (gst_element_set_state(s->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
        failed(s, "the pipeline refused to start");
}

static void source_known(void *user, const PGresult *res, enum pl_err err)
{
    struct stream *s = user;
    s->source_query = 0;
    const char *v = err == PL_OK && PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "";
    if (err != PL_OK)
        pl_log_warn("media: sitting %lld: could not read the session's source (%s); using %s",
                    (long long)s->sitting, pl_err_code(err), s->m->cfg->media_source);
    s->source = g_strdup(*v ? v : s->m->cfg->media_source);
    if (strcmp(s->source, "none") == 0) {
        g_hash_table_remove(s->m->streams, &s->sitting);
        return;
    }
    start_run(s);
}

/* source: the session's ("" for the server's), or NULL to look it up. */
static void start(struct pl_media *m, int64_t session, int64_t sitting, bool public,
                  const char *source)
{
    if (m->off || g_hash_table_contains(m->streams, &sitting))
        return;
    struct stream *s = g_new0(struct stream, 1);
    s->m = m;
    s->sitting = sitting;
    s->session = session;
    s->public = public;
    s->rel_dir =
        g_strdup_printf("media/%s/sitting-%lld", public ? "public" : "closed", (long long)sitting);
    s->dir = g_strdup_printf("%s/%s/sitting-%lld", m->root, public ? "public" : "closed",
                             (long long)sitting);
    g_hash_table_insert(m->streams, &s->sitting, s);
    if (g_mkdir_with_parents(s->dir, 0750) != 0) {
        char *what = g_strdup_printf("cannot create %s: %s", s->dir, g_strerror(errno));
        failed(s, what);
        g_free(what);
        return;
    }
    if (source) {
        s->source = g_strdup(*source ? source : m->cfg->media_source);
        start_run(s);
        return;
    }
    /* The session says where its picture comes from (NULL: the server's). */
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)session);
    const char *p[1] = {id};
    s->source_query =
        pl_store_query(m->store, "SELECT coalesce(media_source, '') FROM session WHERE id = $1", 1,
                       p, MEDIA_TIMEOUT_MS, source_known, s);
}

static gboolean stop_timeout(gpointer data)
{
    struct stream *s = data;
    s->stop_timer = 0;
    pl_log_warn("media: sitting %lld: no end of stream after %d ms, stopping anyway",
                (long long)s->sitting, STOP_TIMEOUT_MS);
    finished(s, "stopped");
    return G_SOURCE_REMOVE;
}

static void stop(struct pl_media *m, int64_t sitting)
{
    struct stream *s = g_hash_table_lookup(m->streams, &sitting);
    if (!s || s->stop_wanted)
        return;
    s->stop_wanted = true;
    if (!s->pipeline) { /* between retries */
        g_hash_table_remove(m->streams, &sitting);
        return;
    }
    /* End of stream closes the last segment properly; then finished(). */
    s->state = ST_STOPPING;
    gst_element_send_event(s->pipeline, gst_event_new_eos());
    s->stop_timer = g_timeout_add(STOP_TIMEOUT_MS, stop_timeout, s);
}

/* --- the interface ------------------------------------------------------------------ */

bool pl_media_source_valid(const char *s, bool server)
{
    if (strcmp(s, "test") == 0 || (server && strcmp(s, "none") == 0))
        return true;
    if (strncmp(s, "srt://", 6) != 0)
        return false;
    const char *host = s + 6, *colon = strrchr(host, ':');
    if (!colon || colon - host > 253)
        return false;
    for (const char *c = host; c < colon; c++)
        if (!g_ascii_isalnum(*c) && *c != '.' && *c != '-')
            return false;
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    return colon[1] && !*end && port >= 1 && port <= 65535;
}

struct pl_media *pl_media_new(const struct pl_config *cfg, struct pl_store *store)
{
    struct pl_media *m = g_new0(struct pl_media, 1);
    m->cfg = cfg;
    m->store = store;
    m->off = strcmp(cfg->media_source, "none") == 0;
    m->streams = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, stream_free);
    m->programs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, program_free);
    if (!m->off) {
        gst_init(NULL, NULL);
        char *abs = g_canonicalize_filename(cfg->data_dir, NULL);
        m->root = g_build_filename(abs, "media", NULL);
        m->public_root = g_build_filename(m->root, "public", NULL);
        g_free(abs);
    }
    return m;
}

int pl_media_resume(struct pl_media *m, PGconn *conn, char *err, size_t errlen)
{
    /* A recording left open was cut by a crash: it ends with its last
     * segment, and says so. */
    PGresult *r = PQexec(conn, "UPDATE recording r SET end_reason = 'interrupted', ended_at = "
                               "coalesce((SELECT max(s.started_at + s.duration_ms * interval "
                               "'1 millisecond') FROM media_segment s WHERE s.recording_id = "
                               "r.id), r.started_at) WHERE ended_at IS NULL");
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        snprintf(err, errlen, "could not close interrupted recordings: %s",
                 PQresultErrorMessage(r));
        PQclear(r);
        return -1;
    }
    PQclear(r);
    if (m->off)
        return 0;
    if (g_mkdir_with_parents(m->public_root, 0750) != 0) {
        snprintf(err, errlen, "cannot create %s: %s (set --data-dir)", m->public_root,
                 g_strerror(errno));
        return -1;
    }
    /* Live playlists of an earlier run would announce a stream that is not
     * there; the segments are the recording and stay. */
    GDir *d = g_dir_open(m->public_root, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d)) != NULL) {
        char *live = g_build_filename(m->public_root, name, "live.m3u8", NULL);
        g_unlink(live);
        g_free(live);
    }
    if (d)
        g_dir_close(d);
    r = PQexec(conn, "SELECT st.id, st.session_id, st.visibility = 'public' AND se.visibility = "
                     "'public', coalesce(se.media_source, '') FROM sitting st JOIN session se ON "
                     "se.id = st.session_id WHERE st.state = 'open'");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "could not list open sittings: %s", PQresultErrorMessage(r));
        PQclear(r);
        return -1;
    }
    for (int i = 0; i < PQntuples(r); i++)
        start(m, g_ascii_strtoll(PQgetvalue(r, i, 1), NULL, 10),
              g_ascii_strtoll(PQgetvalue(r, i, 0), NULL, 10), strcmp(PQgetvalue(r, i, 2), "t") == 0,
              PQgetvalue(r, i, 3));
    PQclear(r);
    return 0;
}

static void program_changed(struct pl_media *m, int64_t session_id)
{
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, m->streams);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        struct stream *s = v;
        if (s->session == session_id && s->pipeline && !s->passthrough)
            show_program(s, s->pipeline);
    }
}

struct result_end {
    struct pl_media *m;
    int64_t session;
};

static gboolean result_over(gpointer data)
{
    struct result_end *r = data;
    struct program *pr = g_hash_table_lookup(r->m->programs, &r->session);
    if (pr) {
        pr->result_timer = 0;
        g_free(pr->result);
        pr->result = NULL;
        program_changed(r->m, r->session);
    }
    return G_SOURCE_REMOVE;
}

/* Follows the events the lower third shows; true if it changed. */
static bool follow_program(struct pl_media *m, int64_t session_id, const char *name,
                           const json_t *data)
{
    struct program *pr = g_hash_table_lookup(m->programs, &session_id);
    if (!pr) {
        pr = g_new0(struct program, 1);
        int64_t *key = g_new(int64_t, 1);
        *key = session_id;
        g_hash_table_insert(m->programs, key, pr);
    }
    if (strcmp(name, "agenda.activated") == 0) {
        g_free(pr->item);
        pr->item = g_strdup(json_string_value(json_object_get(data, "title")));
        return true;
    }
    if (strcmp(name, "floor.changed") == 0) {
        const json_t *turn = json_object_get(data, "turn");
        g_free(pr->speaker);
        pr->speaker = json_is_object(turn)
                          ? g_strdup(json_string_value(json_object_get(turn, "name")))
                          : NULL;
        return true;
    }
    if (strcmp(name, "vote.published") == 0) {
        const json_t *r = json_object_get(data, "result");
        g_free(pr->result);
        if (json_object_get(r, "for"))
            pr->result = g_strdup_printf(
                "Kết quả biểu quyết: Tán thành %lld · Không tán thành %lld · Không biểu quyết "
                "%lld — %s",
                (long long)json_integer_value(json_object_get(r, "for")),
                (long long)json_integer_value(json_object_get(r, "against")),
                (long long)json_integer_value(json_object_get(r, "abstain")),
                json_is_true(json_object_get(r, "passed")) ? "THÔNG QUA" : "KHÔNG THÔNG QUA");
        else
            pr->result = g_strdup("Đã công bố kết quả biểu quyết");
        if (pr->result_timer)
            g_source_remove(pr->result_timer);
        struct result_end *end = g_new(struct result_end, 1);
        end->m = m;
        end->session = session_id;
        pr->result_timer =
            g_timeout_add_seconds_full(G_PRIORITY_DEFAULT, 60, result_over, end, g_free);
        return true;
    }
    if (strcmp(name, "session.closed") == 0) {
        g_hash_table_remove(m->programs, &session_id);
        return false;
    }
    return false;
}

void pl_media_event(void *media, int64_t session_id, const char *name, const json_t *data)
{
    struct pl_media *m = media;
    if (!m->off && follow_program(m, session_id, name, data))
        program_changed(m, session_id);
    int64_t sitting = json_integer_value(json_object_get(data, "sitting_id"));
    if (strcmp(name, "sitting.opened") == 0 && sitting) {
        start(m, session_id, sitting, !json_is_true(json_object_get(data, "closed")), NULL);
    } else if (strcmp(name, "sitting.closed") == 0 && sitting) {
        stop(m, sitting);
    } else if (strcmp(name, "session.closed") == 0) {
        GHashTableIter it;
        gpointer v;
        GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
        g_hash_table_iter_init(&it, m->streams);
        while (g_hash_table_iter_next(&it, NULL, &v))
            if (((struct stream *)v)->session == session_id)
                g_array_append_val(ids, ((struct stream *)v)->sitting);
        for (guint i = 0; i < ids->len; i++)
            stop(m, g_array_index(ids, int64_t, i));
        g_array_free(ids, TRUE);
    }
}

json_t *pl_media_status(const struct pl_media *m)
{
    json_t *list = json_array();
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, m->streams);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        const struct stream *s = v;
        json_array_append_new(
            list,
            json_pack("{s:I, s:s, s:b, s:b, s:i, s:i, s:I, s:s?, s:s?, s:s}", "sitting_id",
                      (json_int_t)s->sitting, "state",
                      /* an SRT listener starts when its sender connects */
                      s->state == ST_STARTING && s->passthrough ? "waiting" : state_names[s->state],
                      "public", s->public, "recording", s->state == ST_LIVE, "segments",
                      s->segments, "bitrate_kbps", (int)(s->kbps + 0.5), "dropped_frames",
                      (json_int_t)s->dropped, "error", s->error, "source", s->source, "path",
                      s->passthrough ? "passthrough" : "encode"));
    }
    return json_pack("{s:s, s:o}", "source", m->cfg->media_source, "streams", list);
}

const char *pl_media_public_root(const struct pl_media *m)
{
    return m->off ? NULL : m->public_root;
}

bool pl_media_live(const struct pl_media *m, int64_t sitting_id)
{
    const struct stream *s = g_hash_table_lookup(m->streams, &sitting_id);
    return s && s->public && s->state == ST_LIVE;
}

void pl_media_free(struct pl_media *m)
{
    if (!m)
        return;
    g_hash_table_destroy(m->streams);
    g_hash_table_destroy(m->programs);
    g_free(m->root);
    g_free(m->public_root);
    g_free(m);
}

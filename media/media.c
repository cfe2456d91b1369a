/* Recording and livestreaming of sittings; see media.h. */
#include "media.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <openssl/rand.h>

#include "log.h"

#define SEGMENT_S 1 /* HLS segment length: latency vs. files */
/* Segments in the live playlist: a sliding window, so a viewer re-fetches
 * about 1 KB a second however long the sitting; the whole sitting is the
 * VOD playlist, built from the record (server/net_media.c). Ten seconds
 * hold the players' live position (2 segments behind the edge) with room
 * for their catching up after a stall (public.js jumps to the edge when
 * more than 6 behind). */
#define LIVE_WINDOW      10
#define START_TIMEOUT_MS 15000 /* a run's first segment: later, the start is an error */
#define END_TIMEOUT_MS   5000
#define RETRY_MAX_MS     30000
#define MEDIA_TIMEOUT_MS 10000
#define RESTREAM_RETRY_S 10
#define MEDIA_AUDIO_CAPS "audio/x-raw,rate=48000,channels=2"

/*
 * A stream is one open sitting's media; a run is one GStreamer pipeline
 * writing segments for it. A stream has at most two runs at once: the
 * source's (the program) and, for a public sitting while the source
 * delivers nothing, the slate's. Both write into the same directory with
 * their own run ids, and media.c itself keeps the live playlist, so a
 * viewer's player goes from program to slate and back across
 * #EXT-X-DISCONTINUITY without the playlist ever starting over.
 */
struct run {
    struct stream *s;
    bool slate;           /* the "signal interrupted" slate, not the source */
    GstElement *pipeline; /* owned */
    guint bus_watch, end_timer;
    guint start_timer; /* until the first segment opens (encoded runs only) */
    char id[17];       /* random hex, in file names and in the record */
    GQueue cuts;       /* running times (guint64 *, owned) where segments were cut */
    bool delivering;   /* a first segment opened: the record has this run */
    bool ending;       /* end of stream sent */
    guint64 open_rt;   /* running time the current segment began at */
    int index;         /* of the next segment to close */
    guint64 dropped;   /* frames dropped (QoS) */
};

/* Restreaming to an RTMP server (the council's YouTube or Facebook page):
 * a pipeline of its own, fed with each closed segment of the livestream
 * (program or slate) as it is announced. So the restream carries what
 * citizens see, a slow or failing RTMP server never stalls the recording,
 * and its failure is an error in the status, retried. It restarts at each
 * change of run (the timestamps start over). */
struct restream {
    GstElement *pipeline; /* owned; NULL when not sending */
    GstElement *in;       /* the appsrc, borrowed from pipeline */
    guint bus_watch;
    char run[17];    /* whose segments are being sent */
    gint64 retry_at; /* monotonic us: no new attempt before */
    char *error;     /* owned */
    int segments;    /* sent by this pipeline */
};

/* A segment in the live playlist. */
struct live_seg {
    char *file; /* owned */
    char *date; /* its wall-clock start, ISO 8601; owned */
    guint dur_ms;
    bool disc; /* a discontinuity before it: another run */
};

struct stream {
    struct pl_media *m;
    int64_t sitting, session;
    bool public;
    struct run *src;   /* NULL while waiting to retry; owned */
    struct run *slate; /* owned; NULL unless the slate is on */
    guint retry_timer;
    uint64_t source_query; /* the store request asking for the session's source */
    guint retry_ms;
    char *source;       /* see pl_media_source_valid(); owned; NULL until known */
    char *restream_url; /* rtmp(s)://..., or NULL; owned */
    struct restream rs;
    bool passthrough; /* the source's H.264/AAC is recorded as it is */
    bool delivered;   /* the source delivered at least once in this stream */
    char *dir;        /* absolute; owned */
    char *rel_dir;    /* relative to the data dir, as recorded; owned */
    int segments;     /* of the program, in this stream */
    double kbps;      /* smoothed over the last segments */
    char *error;      /* the last error, for the status; owned */
    /* Why the stream is in the error state (a stable code, see media.h), or
     * NULL: not in error (error may still say what happened last, e.g. an
     * encoder that went away). Static. Cleared when a run delivers. */
    const char *reason;
    bool stop_wanted;  /* stopping for good (sitting closed), not to retry */
    GQueue live;       /* struct live_seg *, the live window */
    guint64 live_seq;  /* media sequence number of the window's first segment */
    guint live_disc;   /* discontinuities that left the window */
    char live_run[17]; /* run of the last segment in the window */
    guint target_s;    /* the longest segment so far, rounded: never shrinks */
};

/* What the program overlay says for a session, from the hub's events. */
struct program {
    char *item;    /* the active agenda item's title; owned, may be NULL */
    char *speaker; /* who has the floor; owned, may be NULL */
    char *result;  /* the last published vote result, for a minute; owned */
    guint result_timer;
    bool remote_picture; /* the hybrid room's picture replaces the hall's */
};

struct pl_media {
    const struct pl_config *cfg;
    struct pl_store *store;
    bool off;
    char *root;           /* <data-dir>/media, absolute; owned */
    char *public_root;    /* root/public; owned */
    GHashTable *streams;  /* sitting id -> struct stream * */
    GHashTable *programs; /* session id -> struct program * */
    /* What the start-up check found missing (--media-required off), or
     * NULL; owned. The streams say it too (reason "missing_elements"). */
    char *missing;
    guint start_timeout_ms;
};

/*
 * The pipelines' descriptions, and the GStreamer elements each needs.
 * Every description plenumd hands GStreamer is here or built from these
 * (encoded_desc()); each table beside them lists the elements they name
 * (and those the named ones make themselves: rtspsrc's rtpbin), so that
 * the start-up check (pl_media_missing) asks GStreamer for exactly what the
 * pipelines will. tests/unit/test_media_elements.c reads every word of
 * every description and fails on an element missing from its table, or a
 * table entry without a Debian package in PACKAGES.
 */

/* The segment files, cut by the cutter's events (build()). */
#define SEGMENTS_DESC "mpegtsmux name=mux ! multifilesink name=files"

/* H.264 into the muxer: whole access units, so that a keyframe is one
 * buffer the cutter can see (mpegtsmux would take single NAL units too). */
#define H264_AU                                                                                    \
    "h264parse config-interval=-1 ! capsfilter name=vcut "                                         \
    "caps=video/x-h264,stream-format=byte-stream,alignment=au"

/* SRT (listening or pulling): demuxed (demuxed()), passed through. */
#define SRT_DESC    "srtsrc name=src ! tsdemux name=demux " SEGMENTS_DESC
#define DEMUX_VIDEO "queue ! " H264_AU
#define DEMUX_AUDIO "queue ! aacparse"
/* RTSP: depayloaded as the camera's streams appear (rtsp_pad()). */
#define RTSP_DESC  "rtspsrc name=src " SEGMENTS_DESC
#define RTSP_VIDEO "queue ! rtph264depay ! video/x-h264,stream-format=avc,alignment=au ! " H264_AU
#define TO_AAC     "audioconvert ! audioresample ! voaacenc bitrate=96000 ! aacparse ! queue"
static const char *const rtsp_audio[][2] = {
    {"MPEG4-GENERIC", "rtpmp4gdepay ! aacparse ! queue"},
    {"PCMA", "rtppcmadepay ! alawdec ! " TO_AAC},
    {"PCMU", "rtppcmudepay ! mulawdec ! " TO_AAC},
    {"OPUS", "rtpopusdepay ! opusdec ! " TO_AAC},
};
/* The restream: the livestream's segments into FLV, as they are. */
#define RESTREAM_DESC                                                                              \
    "appsrc name=in max-bytes=20000000 leaky-type=downstream ! tsdemux name=demux "                \
    "flvmux name=flv streamable=true ! rtmp2sink name=out"
#define RESTREAM_VIDEO "h264parse ! queue"
#define RESTREAM_AUDIO "aacparse ! queue"

/* The encoded program (test source, capture device) and the slate
 * (encoded_desc()); a capture device adds CAPTURE_ELEMENTS. capsfilter:
 * what a caps string in a description becomes. */
static const char *const ENCODED_ELEMENTS[] = {"videotestsrc",
                                               "audiotestsrc",
                                               "videoconvert",
                                               "videoscale",
                                               "videorate",
                                               "tee",
                                               "queue",
                                               "capsfilter",
                                               "intervideosink",
                                               "intervideosrc",
                                               "input-selector",
                                               "audioconvert",
                                               "audioresample",
                                               "interaudiosink",
                                               "interaudiosrc",
                                               "audiomixer",
                                               "textoverlay",
                                               "clockoverlay",
                                               "x264enc",
                                               "h264parse",
                                               "voaacenc",
                                               "aacparse",
                                               "mpegtsmux",
                                               "multifilesink",
                                               NULL};
static const char *const CAPTURE_ELEMENTS[] = {"v4l2src", "decodebin", "alsasrc", NULL};
static const char *const SRT_ELEMENTS[] = {"srtsrc",        "tsdemux",  "mpegtsmux",
                                           "multifilesink", "queue",    "h264parse",
                                           "capsfilter",    "aacparse", NULL};
static const char *const RTSP_ELEMENTS[] = {
    "rtspsrc",      "rtpbin",       "mpegtsmux",     "multifilesink", "queue",
    "rtph264depay", "capsfilter",   "h264parse",     "rtpmp4gdepay",  "aacparse",
    "rtppcmadepay", "alawdec",      "rtppcmudepay",  "mulawdec",      "rtpopusdepay",
    "opusdec",      "audioconvert", "audioresample", "voaacenc",      NULL};
static const char *const RESTREAM_ELEMENTS[] = {"appsrc", "tsdemux",   "flvmux",   "rtmp2sink",
                                                "queue",  "h264parse", "aacparse", NULL};

/* Where each element comes from in Debian 12 (checked with dpkg -S on the
 * plugin files), for the line that says what to install. */
static const char *const PACKAGES[][2] = {
    {"textoverlay", "gstreamer1.0-x"},
    {"clockoverlay", "gstreamer1.0-x"},
    {"x264enc", "gstreamer1.0-plugins-ugly"},
    {"alsasrc", "gstreamer1.0-alsa"},
    {"tee", "libgstreamer1.0-0"},
    {"queue", "libgstreamer1.0-0"},
    {"capsfilter", "libgstreamer1.0-0"},
    {"input-selector", "libgstreamer1.0-0"},
    {"videotestsrc", "gstreamer1.0-plugins-base"},
    {"audiotestsrc", "gstreamer1.0-plugins-base"},
    {"videoconvert", "gstreamer1.0-plugins-base"},
    {"videoscale", "gstreamer1.0-plugins-base"},
    {"videorate", "gstreamer1.0-plugins-base"},
    {"audioconvert", "gstreamer1.0-plugins-base"},
    {"audioresample", "gstreamer1.0-plugins-base"},
    {"audiomixer", "gstreamer1.0-plugins-base"},
    {"decodebin", "gstreamer1.0-plugins-base"},
    {"opusdec", "gstreamer1.0-plugins-base"},
    {"appsrc", "gstreamer1.0-plugins-base"},
    {"aacparse", "gstreamer1.0-plugins-good"},
    {"multifilesink", "gstreamer1.0-plugins-good"},
    {"v4l2src", "gstreamer1.0-plugins-good"},
    {"rtspsrc", "gstreamer1.0-plugins-good"},
    {"rtpbin", "gstreamer1.0-plugins-good"},
    {"rtph264depay", "gstreamer1.0-plugins-good"},
    {"rtpmp4gdepay", "gstreamer1.0-plugins-good"},
    {"rtppcmadepay", "gstreamer1.0-plugins-good"},
    {"rtppcmudepay", "gstreamer1.0-plugins-good"},
    {"rtpopusdepay", "gstreamer1.0-plugins-good"},
    {"alawdec", "gstreamer1.0-plugins-good"},
    {"mulawdec", "gstreamer1.0-plugins-good"},
    {"flvmux", "gstreamer1.0-plugins-good"},
    {"intervideosink", "gstreamer1.0-plugins-bad"},
    {"intervideosrc", "gstreamer1.0-plugins-bad"},
    {"interaudiosink", "gstreamer1.0-plugins-bad"},
    {"interaudiosrc", "gstreamer1.0-plugins-bad"},
    {"h264parse", "gstreamer1.0-plugins-bad"},
    {"voaacenc", "gstreamer1.0-plugins-bad"},
    {"mpegtsmux", "gstreamer1.0-plugins-bad"},
    {"tsdemux", "gstreamer1.0-plugins-bad"},
    {"srtsrc", "gstreamer1.0-plugins-bad"},
    {"rtmp2sink", "gstreamer1.0-plugins-bad"},
};

static struct run *run_start(struct stream *s, bool slate);
static bool link_branch(GstElement *pipeline, GstPad *pad, const char *sink, const char *template,
                        const char *branch);

/* --- the record ------------------------------------------------------------------ */

static void ignore_result(void *user, const PGresult *res, enum pl_err err)
{
    (void)res;
    if (err != PL_OK)
        pl_log_warn("media: could not record %s: %s", (const char *)user, pl_err_code(err));
}

static void record_start(struct run *r, int64_t wall_us)
{
    char sitting[24], at[24];
    snprintf(sitting, sizeof sitting, "%lld", (long long)r->s->sitting);
    snprintf(at, sizeof at, "%lld", (long long)wall_us);
    const char *p[5] = {sitting, r->id, r->s->rel_dir, at, r->slate ? "slate" : "program"};
    pl_store_query(r->s->m->store,
                   "INSERT INTO recording (sitting_id, run, dir, started_at, kind) "
                   "VALUES ($1, $2, $3, to_timestamp($4::bigint / 1e6), $5)",
                   5, p, MEDIA_TIMEOUT_MS, ignore_result, "a recording's start");
}

static void record_end(struct run *r, const char *reason)
{
    char at[24];
    snprintf(at, sizeof at, "%lld", (long long)g_get_real_time());
    const char *p[3] = {r->id, at, reason};
    pl_store_query(r->s->m->store,
                   "UPDATE recording SET ended_at = to_timestamp($2::bigint / 1e6), "
                   "end_reason = $3 WHERE run = $1 AND ended_at IS NULL",
                   3, p, MEDIA_TIMEOUT_MS, ignore_result, "a recording's end");
}

/* --- the live playlist ------------------------------------------------------------ */

static void live_seg_free(gpointer p)
{
    struct live_seg *g = p;
    g_free(g->file);
    g_free(g->date);
    g_free(g);
}

/* Rewrites live.m3u8 (atomically: players never read half a file). */
static void live_write(struct stream *s, bool ended)
{
    if (!s->public || g_queue_is_empty(&s->live))
        return;
    GString *t = g_string_new("#EXTM3U\n#EXT-X-VERSION:3\n");
    g_string_append_printf(t,
                           "#EXT-X-TARGETDURATION:%u\n#EXT-X-MEDIA-SEQUENCE:%" G_GUINT64_FORMAT
                           "\n#EXT-X-DISCONTINUITY-SEQUENCE:%u\n",
                           s->target_s, s->live_seq, s->live_disc);
    bool first = true;
    for (GList *l = s->live.head; l; l = l->next) {
        const struct live_seg *g = l->data;
        if (g->disc && !first)
            g_string_append(t, "#EXT-X-DISCONTINUITY\n");
        if (g->disc || first)
            g_string_append_printf(t, "#EXT-X-PROGRAM-DATE-TIME:%s\n", g->date);
        g_string_append_printf(t, "#EXTINF:%.3f,\n%s\n", g->dur_ms / 1000.0, g->file);
        first = false;
    }
    if (ended)
        g_string_append(t, "#EXT-X-ENDLIST\n");
    char *path = g_build_filename(s->dir, "live.m3u8", NULL);
    GError *e = NULL;
    if (!g_file_set_contents(path, t->str, (gssize)t->len, &e)) {
        pl_log_warn("media: sitting %lld: cannot write the live playlist: %s",
                    (long long)s->sitting, e->message);
        g_error_free(e);
    }
    g_free(path);
    g_string_free(t, TRUE);
}

static void live_append(struct stream *s, const struct run *r, const char *file, guint dur_ms,
                        int64_t start_us)
{
    struct live_seg *g = g_new0(struct live_seg, 1);
    g->file = g_strdup(file);
    g->dur_ms = dur_ms;
    GDateTime *dt = g_date_time_new_from_unix_utc(start_us / G_USEC_PER_SEC);
    char *secs = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S");
    g->date = g_strdup_printf("%s.%03dZ", secs, (int)(start_us % G_USEC_PER_SEC / 1000));
    g_free(secs);
    g_date_time_unref(dt);
    g->disc = s->live_run[0] && strcmp(s->live_run, r->id) != 0;
    g_strlcpy(s->live_run, r->id, sizeof s->live_run);
    g_queue_push_tail(&s->live, g);
    while (g_queue_get_length(&s->live) > LIVE_WINDOW) {
        live_seg_free(g_queue_pop_head(&s->live));
        s->live_seq++;
        struct live_seg *head = g_queue_peek_head(&s->live);
        if (head->disc) { /* its tag leaves with the segment before it */
            head->disc = false;
            s->live_disc++;
        }
    }
    s->target_s = MAX(s->target_s, MAX(SEGMENT_S, (dur_ms + 500) / 1000));
    live_write(s, false);
}

/* --- restreaming ------------------------------------------------------------------ */

static void restream_stop(struct restream *rs)
{
    if (rs->bus_watch)
        g_source_remove(rs->bus_watch);
    rs->bus_watch = 0;
    if (rs->pipeline) {
        gst_element_set_state(rs->pipeline, GST_STATE_NULL);
        gst_object_unref(rs->pipeline);
    }
    rs->pipeline = NULL;
    rs->in = NULL;
    rs->run[0] = '\0';
    rs->segments = 0;
}

static gboolean restream_bus(GstBus *bus, GstMessage *msg, gpointer data)
{
    (void)bus;
    struct stream *s = data;
    if (GST_MESSAGE_TYPE(msg) != GST_MESSAGE_ERROR)
        return G_SOURCE_CONTINUE;
    GError *e = NULL;
    gst_message_parse_error(msg, &e, NULL);
    g_free(s->rs.error);
    s->rs.error =
        g_strdup_printf("%s: %s", GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), e ? e->message : "error");
    g_clear_error(&e);
    pl_log_warn("media: sitting %lld: restreaming failed (%s); trying again in %d s",
                (long long)s->sitting, s->rs.error, RESTREAM_RETRY_S);
    s->rs.bus_watch = 0; /* removed by returning FALSE */
    restream_stop(&s->rs);
    s->rs.retry_at = g_get_monotonic_time() + RESTREAM_RETRY_S * G_USEC_PER_SEC;
    return G_SOURCE_REMOVE;
}

/* The demuxed livestream goes into FLV as it is (H.264 and AAC are what
 * RTMP carries). Runs on a streaming thread: touches only the pipeline. */
static void restream_pad(GstElement *demux, GstPad *pad, gpointer data)
{
    (void)demux;
    GstCaps *caps = gst_pad_get_current_caps(pad);
    if (!caps)
        caps = gst_pad_query_caps(pad, NULL);
    const char *name = gst_structure_get_name(gst_caps_get_structure(caps, 0));
    if (strcmp(name, "video/x-h264") == 0)
        link_branch(data, pad, "flv", "video", RESTREAM_VIDEO);
    else if (strcmp(name, "audio/mpeg") == 0)
        link_branch(data, pad, "flv", "audio", RESTREAM_AUDIO);
    gst_caps_unref(caps);
}

static bool restream_start(struct stream *s)
{
    GError *e = NULL;
    /* Fatal errors: a missing element is a NULL pipeline, not a pipeline
     * with a hole in it whose named elements are not there. */
    GstElement *p = gst_parse_launch_full(RESTREAM_DESC, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &e);
    if (!p) {
        g_free(s->rs.error);
        s->rs.error = g_strdup_printf("cannot build the restream: %s", e ? e->message : "?");
        g_clear_error(&e);
        return false;
    }
    g_clear_error(&e);
    GstElement *out = gst_bin_get_by_name(GST_BIN(p), "out");
    g_object_set(out, "location", s->restream_url, NULL);
    gst_object_unref(out);
    GstElement *demux = gst_bin_get_by_name(GST_BIN(p), "demux");
    g_signal_connect(demux, "pad-added", G_CALLBACK(restream_pad), p);
    gst_object_unref(demux);
    s->rs.pipeline = p;
    s->rs.in = gst_bin_get_by_name(GST_BIN(p), "in");
    gst_object_unref(s->rs.in); /* the pipeline holds it */
    GstBus *bus = gst_element_get_bus(p);
    s->rs.bus_watch = gst_bus_add_watch(bus, restream_bus, s);
    gst_object_unref(bus);
    if (gst_element_set_state(p, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        g_free(s->rs.error);
        s->rs.error = g_strdup("the restream pipeline refused to start");
        restream_stop(&s->rs);
        return false;
    }
    return true;
}

/* A segment of the livestream closed: it goes to the RTMP server too. */
static void restream_segment(struct stream *s, const struct run *r, const char *path)
{
    struct restream *rs = &s->rs;
    if (!s->restream_url || !s->public)
        return;
    if (rs->pipeline && strcmp(rs->run, r->id) != 0)
        restream_stop(rs); /* another run: its timestamps start over */
    if (!rs->pipeline) {
        if (g_get_monotonic_time() < rs->retry_at)
            return;
        if (!restream_start(s)) {
            rs->retry_at = g_get_monotonic_time() + RESTREAM_RETRY_S * G_USEC_PER_SEC;
            return;
        }
        g_strlcpy(rs->run, r->id, sizeof rs->run);
    }
    gchar *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &data, &len, NULL) || len == 0) {
        g_free(data);
        return;
    }
    /* The appsrc takes the buffer; the buffer takes data. */
    if (gst_app_src_push_buffer(GST_APP_SRC(rs->in), gst_buffer_new_wrapped(data, len)) ==
        GST_FLOW_OK) {
        rs->segments++;
        if (rs->segments > 2) { /* it got through the muxer and the connection */
            g_free(rs->error);
            rs->error = NULL;
        }
    }
}

/* --- the runs ------------------------------------------------------------------ */

/* The running time of r's pipeline now (GST_CLOCK_TIME_NONE without a
 * clock). */
static guint64 now_rt(struct run *r)
{
    GstClock *clock = gst_pipeline_get_clock(GST_PIPELINE(r->pipeline));
    if (!clock)
        return GST_CLOCK_TIME_NONE;
    GstClockTime now = gst_clock_get_time(clock);
    gst_object_unref(clock);
    return now - gst_element_get_base_time(r->pipeline);
}

/* Wall-clock microseconds of a running time of r's pipeline. */
static int64_t wall_of(struct run *r, guint64 running)
{
    guint64 now = now_rt(r);
    if (now == GST_CLOCK_TIME_NONE)
        return g_get_real_time();
    gint64 behind = (gint64)now - (gint64)running;
    return g_get_real_time() - behind / 1000;
}

static void segment_closed(struct run *r, guint64 closed_rt)
{
    struct stream *s = r->s;
    int n = r->index++;
    char *file = g_strdup_printf("seg-%s-%05d.ts", r->id, n);
    char *path = g_build_filename(s->dir, file, NULL);
    GStatBuf st;
    gint64 bytes = g_stat(path, &st) == 0 ? (gint64)st.st_size : 0;
    guint64 dur_ms = (closed_rt - r->open_rt) / GST_MSECOND;
    if (dur_ms == 0)
        dur_ms = 1;
    int64_t start_us = wall_of(r, r->open_rt);
    if (!r->slate) {
        double kbps = (double)bytes * 8.0 / (double)dur_ms;
        s->kbps = s->segments ? 0.8 * s->kbps + 0.2 * kbps : kbps;
        s->segments++;
    }
    char seq[16], start[24], dur[24], size[24];
    snprintf(seq, sizeof seq, "%d", n);
    snprintf(start, sizeof start, "%lld", (long long)start_us);
    snprintf(dur, sizeof dur, "%llu", (unsigned long long)dur_ms);
    snprintf(size, sizeof size, "%lld", (long long)bytes);
    const char *p[6] = {r->id, seq, file, start, dur, size};
    /* Queued after the recording's INSERT on the same connection. */
    pl_store_query(s->m->store,
                   "INSERT INTO media_segment (recording_id, seq, file, started_at, duration_ms, "
                   "bytes) SELECT id, $2, $3, to_timestamp($4::bigint / 1e6), $5, $6 FROM "
                   "recording WHERE run = $1",
                   6, p, MEDIA_TIMEOUT_MS, ignore_result, "a segment");
    live_append(s, r, file, (guint)dur_ms, start_us);
    restream_segment(s, r, path);
    r->open_rt = closed_rt;
    g_free(file);
    g_free(path);
}

static void run_free(struct run *r)
{
    if (!r)
        return;
    if (r->bus_watch)
        g_source_remove(r->bus_watch);
    if (r->end_timer)
        g_source_remove(r->end_timer);
    if (r->start_timer)
        g_source_remove(r->start_timer);
    if (r->pipeline) {
        gst_element_set_state(r->pipeline, GST_STATE_NULL);
        gst_object_unref(r->pipeline);
    }
    g_queue_clear_full(&r->cuts, g_free);
    g_free(r);
}

static void stream_free(gpointer p)
{
    struct stream *s = p;
    run_free(s->src);
    run_free(s->slate);
    if (s->retry_timer)
        g_source_remove(s->retry_timer);
    if (s->source_query)
        pl_store_cancel(s->m->store, s->source_query);
    g_queue_clear_full(&s->live, live_seg_free);
    restream_stop(&s->rs);
    g_free(s->rs.error);
    g_free(s->restream_url);
    g_free(s->source);
    g_free(s->dir);
    g_free(s->rel_dir);
    g_free(s->error);
    g_free(s);
}

/* The sitting closed and every run is over: forget the stream. */
static void finished(struct stream *s)
{
    live_write(s, true);
    pl_log_info("media: sitting %lld: recording stopped (%d segments)", (long long)s->sitting,
                s->segments);
    g_hash_table_remove(s->m->streams, &s->sitting); /* frees s */
}

/* what happened, for the log and the status; reason: the stable code of
 * the error state it puts the stream in, or NULL for an event that is not
 * an error of the stream (an encoder that went away: "waiting" again). */
static void set_error(struct stream *s, const char *reason, const char *what)
{
    pl_log_error("media: sitting %lld: %s", (long long)s->sitting, what);
    g_free(s->error);
    s->error = g_strdup(what);
    if (reason)
        s->reason = reason;
}

/* The slate goes on while a public sitting's source delivers nothing, so
 * that the livestream keeps going (a closed sitting has no viewers). */
static void slate_on(struct stream *s)
{
    if (s->public && !s->slate && !s->stop_wanted)
        s->slate = run_start(s, true);
}

static gboolean retry_now(gpointer data)
{
    struct stream *s = data;
    s->retry_timer = 0;
    s->src = run_start(s, false);
    return G_SOURCE_REMOVE;
}

/* The source run could not start or is over without a stop: the slate
 * goes on and the source is tried again, at once after a loss (an encoder
 * reconnecting), with a growing delay after runs that delivered nothing. */
static void source_down(struct stream *s, bool had_delivered)
{
    slate_on(s);
    s->retry_ms = had_delivered ? 1000 : s->retry_ms ? MIN(s->retry_ms * 2, RETRY_MAX_MS) : 1000;
    s->retry_timer = g_timeout_add(s->retry_ms, retry_now, s);
}

/* r is over: its end of stream came, it failed (error: what, reason: its
 * code), or its end timed out. Records the end, frees r and decides what
 * comes next. */
static void run_over(struct run *r, const char *reason, const char *error)
{
    struct stream *s = r->s;
    bool slate = r->slate, delivered = r->delivering;
    if (delivered)
        record_end(r, s->stop_wanted || slate || r->ending ? "stopped"
                      : error                              ? "error"
                                                           : "source_lost");
    if (slate)
        s->slate = NULL;
    else
        s->src = NULL;
    run_free(r);
    if (error)
        set_error(s, reason, error);
    if (s->stop_wanted) {
        if (!s->src && !s->slate)
            finished(s);
        return;
    }
    if (!slate) {
        if (!error)
            set_error(s, NULL, "the source ended its stream");
        source_down(s, delivered);
    }
}

static gboolean end_timeout(gpointer data)
{
    struct run *r = data;
    r->end_timer = 0;
    pl_log_warn("media: sitting %lld: no end of stream after %d ms, stopping anyway",
                (long long)r->s->sitting, END_TIMEOUT_MS);
    run_over(r, NULL, NULL);
    return G_SOURCE_REMOVE;
}

/* End of stream closes the last segment properly; then run_over(). */
static void run_end(struct run *r)
{
    if (!r || r->ending)
        return;
    r->ending = true;
    gst_element_send_event(r->pipeline, gst_event_new_eos());
    r->end_timer = g_timeout_add(END_TIMEOUT_MS, end_timeout, r);
}

/* An encoded run has not opened its first segment within the bound: a
 * pipeline that will never play (it would otherwise say "starting" for
 * ever). It ends as an error, start_timeout, and is retried as any. */
static gboolean start_timeout(gpointer data)
{
    struct run *r = data;
    r->start_timer = 0;
    char *what = g_strdup_printf("%sno picture within %u ms of the start (start_timeout)",
                                 r->slate ? "slate: " : "", r->s->m->start_timeout_ms);
    run_over(r, "start_timeout", what);
    g_free(what);
    return G_SOURCE_REMOVE;
}

/* r's first segment opened: it is in the record from now on, and a
 * source that delivers takes the slate's place. */
static void run_delivers(struct run *r, guint64 rt)
{
    struct stream *s = r->s;
    r->delivering = true;
    if (r->start_timer)
        g_source_remove(r->start_timer);
    r->start_timer = 0;
    record_start(r, wall_of(r, rt));
    if (r->slate) {
        pl_log_info("media: sitting %lld: slate on (run %s)", (long long)s->sitting, r->id);
        return;
    }
    s->delivered = true;
    s->retry_ms = 0;
    g_free(s->error); /* recovered; the gap stays in the record */
    s->error = NULL;
    s->reason = NULL;
    run_end(s->slate);
    pl_log_info("media: sitting %lld: recording%s (run %s)", (long long)s->sitting,
                s->public ? " and streaming" : " (closed sitting: not streamed)", r->id);
}

/* "/dev/videoN[?audio=hw:..]" of a "v4l2:" source, or NULL. */
static const char *v4l2_device(const char *source)
{
    return g_str_has_prefix(source, "v4l2:") ? source + 5 : NULL;
}

/* What an error message from r's pipeline says, for the log and the
 * status: which source (not which element) and GStreamer's words; *reason
 * gets its code (disk_full or source_error). A new string. */
static char *error_text(const struct run *r, GstMessage *msg, const char **code)
{
    GError *e = NULL;
    char *debug = NULL;
    gst_message_parse_error(msg, &e, &debug);
    /* The system's reason is the debug text's last line: "No space left
     * on device" says more than "Error while writing to file." */
    const char *reason = debug ? strrchr(debug, '\n') : NULL;
    reason = reason ? reason + 1 : debug;
    const char *text = e ? e->message : "error";
    bool full = (e && g_error_matches(e, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT)) ||
                (reason && strstr(reason, "No space left"));
    const char *name = GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), *src = r->s->source;
    const char *dev = v4l2_device(src), *q = dev ? strchr(dev, '?') : NULL;
    char *from;
    if (strcmp(name, "sound") == 0 && q)
        from = g_strdup_printf("the sound card (%s)", q + strlen("?audio="));
    else if (strcmp(name, "src") != 0)
        from = g_strdup(name);
    else if (dev)
        from = g_strdup_printf("the capture device (%.*s)", q ? (int)(q - dev) : (int)strlen(dev),
                               dev);
    else
        from = g_strdup(g_str_has_prefix(src, "rtsp://") ? "the camera (RTSP)" : "the SRT source");
    const char *slate = r->slate ? "slate: " : "";
    *code = full ? "disk_full" : "source_error";
    char *what;
    if (full)
        what =
            g_strdup_printf("%sthe disk is full: No space left on device (%s)", slate, r->s->dir);
    else if (e && e->domain == GST_RESOURCE_ERROR && reason && *reason && strlen(reason) < 200)
        what = g_strdup_printf("%s%s: %s (%s)", slate, from, text, reason);
    else
        what = g_strdup_printf("%s%s: %s", slate, from, text);
    g_free(from);
    g_free(debug);
    g_clear_error(&e);
    return what;
}

static gboolean on_bus(GstBus *bus, GstMessage *msg, gpointer data)
{
    (void)bus;
    struct run *r = data;
    switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ELEMENT: {
        /* multifilesink closed a file: the segment up to the cut after it
         * (at the end of the stream, up to now). */
        const GstStructure *st = gst_message_get_structure(msg);
        if (st && gst_structure_has_name(st, "GstMultiFileSink") && r->delivering) {
            guint64 *cut = g_queue_pop_head(&r->cuts);
            guint64 now = now_rt(r);
            segment_closed(r, cut ? *cut : now != GST_CLOCK_TIME_NONE ? now : r->open_rt);
            g_free(cut);
        }
        break;
    }
    case GST_MESSAGE_QOS: {
        guint64 processed = 0, dropped = 0;
        GstFormat fmt;
        gst_message_parse_qos_stats(msg, &fmt, &processed, &dropped);
        if (fmt == GST_FORMAT_BUFFERS && dropped > r->dropped)
            r->dropped = dropped;
        break;
    }
    case GST_MESSAGE_ERROR: {
        const char *reason = NULL;
        char *what = error_text(r, msg, &reason);
        r->bus_watch = 0; /* removed by returning FALSE */
        run_over(r, reason, what);
        g_free(what);
        return G_SOURCE_REMOVE;
    }
    case GST_MESSAGE_EOS:
        r->bus_watch = 0;
        run_over(r, NULL, NULL);
        return G_SOURCE_REMOVE;
    case GST_MESSAGE_APPLICATION: {
        const GstStructure *st = gst_message_get_structure(msg);
        guint64 rt = 0;
        if (st && gst_structure_get_uint64(st, "running-time", &rt)) {
            if (gst_structure_has_name(st, "plenum-opened") && !r->delivering) {
                r->open_rt = rt;
                run_delivers(r, rt);
            } else if (gst_structure_has_name(st, "plenum-cut")) {
                guint64 *cut = g_new(guint64, 1);
                *cut = rt;
                g_queue_push_tail(&r->cuts, cut);
            }
            break;
        }
        if (st && gst_structure_has_name(st, "plenum-unsupported")) {
            char *what =
                g_strdup_printf("the source sends %s; send H.264 video (and AAC sound) in MPEG-TS",
                                gst_structure_get_string(st, "caps"));
            r->bus_watch = 0;
            run_over(r, "unsupported_format", what);
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
 * just published. Only where the program is encoded (the test source and
 * the slate); a passed-through stream is recorded as it came. */
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

/* Which picture an encoded run of the source records: the hall's, or the
 * hybrid room's while a remote participant is on air. The selector drops
 * what the other input brings (sync-streams=false), so both keep flowing
 * and a switch is instant. */
static void show_picture(struct stream *s, GstElement *pipeline)
{
    struct program *pr = g_hash_table_lookup(s->m->programs, &s->session);
    GstElement *pick = gst_bin_get_by_name(GST_BIN(pipeline), "pick");
    if (!pick)
        return; /* the slate, or a passed-through source */
    GstPad *pad = gst_element_get_static_pad(pick, pr && pr->remote_picture ? "sink_1" : "sink_0");
    if (pad) {
        g_object_set(pick, "active-pad", pad, NULL);
        gst_object_unref(pad);
    }
    gst_object_unref(pick);
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

/*
 * The segment cutter. Segments are cut at the first keyframe a second or
 * more after the last cut: a probe on the H.264 going into mpegtsmux sends
 * a downstream force-key-unit event before that keyframe, mpegtsmux repeats
 * its tables and passes the event on in order, and multifilesink
 * (next-file=key-unit-event) starts the next file there. A segment is so
 * complete, and announced, the moment its successor's keyframe arrives;
 * hlssink2 (splitmuxsink) holds each GOP until the following keyframe
 * before it decides, a second more of latency (docs/benchmarks.md). It
 * works the same for a passed-through stream, whose keyframes we cannot
 * request. The probe runs on a streaming thread: it keeps its own state
 * and reports cut times through the bus ("plenum-cut"), in order before
 * multifilesink's message for the file it closes.
 */
struct cutter {
    GstElement *pipeline; /* borrowed: it outlives its pads' probes */
    guint64 open_rt;      /* running time the current segment began at */
    bool started;         /* a first keyframe went through */
    guint count;
};

static void cutter_post(struct cutter *c, const char *name, guint64 rt)
{
    gst_element_post_message(c->pipeline,
                             gst_message_new_application(
                                 GST_OBJECT(c->pipeline),
                                 gst_structure_new(name, "running-time", G_TYPE_UINT64, rt, NULL)));
}

static GstPadProbeReturn cut_probe(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    struct cutter *c = data;
    GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
    bool key = !GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT);
    if (!c->started && !key)
        return GST_PAD_PROBE_DROP; /* pictures before the first keyframe decode to nothing */
    if (!key || !GST_BUFFER_PTS_IS_VALID(b))
        return GST_PAD_PROBE_OK;
    GstEvent *ev = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0);
    if (!ev)
        return GST_PAD_PROBE_OK;
    const GstSegment *seg = NULL;
    gst_event_parse_segment(ev, &seg);
    guint64 rt = gst_segment_to_running_time(seg, GST_FORMAT_TIME, GST_BUFFER_PTS(b));
    guint64 st = gst_segment_to_stream_time(seg, GST_FORMAT_TIME, GST_BUFFER_PTS(b));
    gst_event_unref(ev);
    if (rt == GST_CLOCK_TIME_NONE)
        return GST_PAD_PROBE_OK;
    if (!c->started) {
        c->started = true;
        c->open_rt = rt;
        cutter_post(c, "plenum-opened", rt);
        return GST_PAD_PROBE_OK;
    }
    /* A keyframe a little early (an encoder's GOP is rarely exact) still
     * cuts; a shorter GOP makes segments of several GOPs. */
    if (rt < c->open_rt + SEGMENT_S * GST_SECOND - 100 * GST_MSECOND)
        return GST_PAD_PROBE_OK;
    cutter_post(c, "plenum-cut", rt);
    gst_pad_push_event(
        pad, gst_event_new_custom(GST_EVENT_CUSTOM_DOWNSTREAM,
                                  gst_structure_new("GstForceKeyUnit", "timestamp", G_TYPE_UINT64,
                                                    GST_BUFFER_PTS(b), "stream-time", G_TYPE_UINT64,
                                                    st, "running-time", G_TYPE_UINT64, rt,
                                                    "all-headers", G_TYPE_BOOLEAN, TRUE, "count",
                                                    G_TYPE_UINT, ++c->count, NULL)));
    c->open_rt = rt;
    return GST_PAD_PROBE_OK;
}

/* Cuts the segments of pipeline at the keyframes leaving pad (H.264 on its
 * way into the muxer). */
static void cut_at(GstElement *pipeline, GstPad *pad)
{
    struct cutter *c = g_new0(struct cutter, 1);
    c->pipeline = pipeline;
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, cut_probe, c, g_free);
}

/* Links pad (a demuxed or depayloaded stream) through branch (a bin
 * description) into a new request pad (template) of the pipeline's element
 * named sink; when the branch has a "vcut" element (H264_AU), the cutter
 * watches its output. Streaming thread: touches only the pipeline. False
 * if it cannot. */
static bool link_branch(GstElement *pipeline, GstPad *pad, const char *sink, const char *template,
                        const char *branch)
{
    GstElement *mux = gst_bin_get_by_name(GST_BIN(pipeline), sink);
    GstPad *target = mux ? gst_element_request_pad_simple(mux, template) : NULL;
    GstElement *bin = target ? gst_parse_bin_from_description_full(
                                   branch, TRUE, NULL, GST_PARSE_FLAG_FATAL_ERRORS, NULL)
                             : NULL;
    if (bin) {
        gst_bin_add(GST_BIN(pipeline), bin);
        GstPad *in = gst_element_get_static_pad(bin, "sink");
        GstPad *out = gst_element_get_static_pad(bin, "src");
        GstElement *vcut = gst_bin_get_by_name(GST_BIN(bin), "vcut");
        if (vcut) {
            GstPad *cut = gst_element_get_static_pad(vcut, "src");
            cut_at(pipeline, cut);
            gst_object_unref(cut);
            gst_object_unref(vcut);
        }
        gst_pad_link(out, target);
        gst_pad_link(pad, in);
        gst_element_sync_state_with_parent(bin);
        gst_object_unref(in);
        gst_object_unref(out);
    } else if (target) {
        gst_element_release_request_pad(mux, target);
    }
    if (target)
        gst_object_unref(target);
    if (mux)
        gst_object_unref(mux);
    return bin != NULL;
}

static void post_unsupported(GstElement *from, GstCaps *caps)
{
    char *desc = gst_caps_to_string(caps);
    gst_element_post_message(
        from, gst_message_new_application(
                  GST_OBJECT(from),
                  gst_structure_new("plenum-unsupported", "caps", G_TYPE_STRING, desc, NULL)));
    g_free(desc);
}

/* A stream the demuxer found: H.264 video and AAC sound go to the HLS sink
 * as they are; anything else stops the run with a message saying what came.
 * Runs on a streaming thread: it touches only the pipeline, and reports
 * through the bus. */
static void demuxed(GstElement *demux, GstPad *pad, gpointer data)
{
    GstCaps *caps = gst_pad_get_current_caps(pad);
    if (!caps)
        caps = gst_pad_query_caps(pad, NULL);
    const GstStructure *st = gst_caps_get_structure(caps, 0);
    const char *name = gst_structure_get_name(st);
    gint mpegversion = 0;
    bool video = strcmp(name, "video/x-h264") == 0;
    bool audio = strcmp(name, "audio/mpeg") == 0 &&
                 gst_structure_get_int(st, "mpegversion", &mpegversion) &&
                 (mpegversion == 2 || mpegversion == 4);
    if (!(video || audio) ||
        !link_branch(data, pad, "mux", "sink_%d", video ? DEMUX_VIDEO : DEMUX_AUDIO))
        post_unsupported(demux, caps);
    gst_caps_unref(caps);
}

/* An SRT source (an encoder or OBS pushing MPEG-TS, or pulled from one):
 * its H.264 and AAC are recorded and streamed as they are, not re-encoded.
 * Senders must keep SPS/PPS with every keyframe and send 7 TS packets per
 * SRT message (1316 bytes), as SRT encoders do. */
static GstElement *build_srt(struct run *r, GError **err)
{
    GstElement *p = gst_parse_launch_full(SRT_DESC, NULL, GST_PARSE_FLAG_FATAL_ERRORS, err);
    GstElement *src = p ? gst_bin_get_by_name(GST_BIN(p), "src") : NULL;
    GstElement *demux = p ? gst_bin_get_by_name(GST_BIN(p), "demux") : NULL;
    if (src && demux) {
        const char *source = r->s->source;
        bool listener = strncmp(source, "srt://:", 7) == 0;
        char *uri = g_strdup_printf("%s?mode=%s", source, listener ? "listener" : "caller");
        g_object_set(src, "uri", uri, NULL);
        g_free(uri);
        g_signal_connect(demux, "pad-added", G_CALLBACK(demuxed), p);
    } else if (p) {
        gst_object_unref(p);
        p = NULL;
    }
    if (src)
        gst_object_unref(src);
    if (demux)
        gst_object_unref(demux);
    return p;
}

/* A stream an RTSP camera offers: H.264 is depayloaded and recorded as it
 * is, AAC too; other sound (G.711, Opus: what cameras send) is encoded
 * once to AAC, which every HLS player plays (sound in another format is
 * left out); other video is refused with a message saying what came. Runs
 * on a streaming thread, like demuxed(). */
static void rtsp_pad(GstElement *src, GstPad *pad, gpointer data)
{
    GstCaps *caps = gst_pad_get_current_caps(pad);
    if (!caps)
        caps = gst_pad_query_caps(pad, NULL);
    const GstStructure *st = gst_caps_get_structure(caps, 0);
    const char *media = gst_structure_get_string(st, "media");
    const char *enc = gst_structure_get_string(st, "encoding-name");
    const char *branch = NULL;
    bool video =
        media && enc && strcmp(media, "video") == 0 && g_ascii_strcasecmp(enc, "H264") == 0;
    if (video) {
        /* Whole access units from the depayloader (RTSP_VIDEO): split
         * across buffers, a keyframe's slices would come without
         * timestamps. */
        branch = RTSP_VIDEO;
    } else if (media && enc && strcmp(media, "audio") == 0) {
        for (size_t i = 0; i < G_N_ELEMENTS(rtsp_audio) && !branch; i++)
            if (g_ascii_strcasecmp(enc, rtsp_audio[i][0]) == 0)
                branch = rtsp_audio[i][1];
        if (!branch) { /* a sound we cannot take: the picture alone */
            gst_caps_unref(caps);
            return;
        }
    }
    if (!branch || !link_branch(data, pad, "mux", "sink_%d", branch))
        post_unsupported(src, caps);
    gst_caps_unref(caps);
}

/* An RTSP source (an IP camera or a hardware encoder), pulled over TCP:
 * interleaved RTP is not lost to a congested LAN, and passes firewalls. */
static GstElement *build_rtsp(struct run *r, GError **err)
{
    GstElement *p = gst_parse_launch_full(RTSP_DESC, NULL, GST_PARSE_FLAG_FATAL_ERRORS, err);
    GstElement *src = p ? gst_bin_get_by_name(GST_BIN(p), "src") : NULL;
    if (!src) {
        if (p)
            gst_object_unref(p);
        return NULL;
    }
    /* tcp-timeout: a camera that stops answering is an error within 5 s. */
    g_object_set(src, "location", r->s->source, "latency", 300, "tcp-timeout", (guint64)5000000,
                 NULL);
    gst_util_set_object_arg(G_OBJECT(src), "protocols", "tcp");
    g_signal_connect(src, "pad-added", G_CALLBACK(rtsp_pad), p);
    gst_object_unref(src);
    return p;
}

/*
 * Encoded once, H.264 (zero-latency, a keyframe every segment) and AAC:
 * the test source (a test picture with the sitting and a clock, and a
 * quiet tone), a capture device, or the slate (a plain picture saying the
 * signal is interrupted, with the clock, and silence). All carry the lower
 * third. The source's runs (not the slate's) are also the hall of the
 * session's hybrid room (rtc.c), through GStreamer's inter elements:
 *
 *   hall picture ─► tee ─► input-selector "pick" ─► overlays ─► x264enc ─► mux
 *                   │            ▲ sink_1: the room's program picture
 *                   │            │ (intervideosrc "pl-room-v-SID"), chosen
 *                   │            │ while a remote participant is on air
 *                   └─► leaky queue ─► intervideosink "pl-hall-v-SID"
 *   hall sound ───► tee ─► audiomixer "amix" ─► voaacenc ─► mux
 *                   │            ▲ the remote participants' sound, muted
 *                   │            │ unless on the floor (interaudiosrc
 *                   │            │ "pl-remote-a-SID"; silence without a room)
 *                   └─► leaky queue ─► interaudiosink "pl-hall-a-SID"
 *
 * The hall is taken before the overlays: the room's picture comes back
 * into this pipeline while a remote participant speaks, and the overlays
 * (who speaks, the item, the clock) are then put on it once, here; and
 * remote participants see the hall without text over it. SID is the
 * session's id: rooms are per session, streams per sitting. The leaky
 * queues mean a slow or absent room never stalls the recording; the inter
 * sources give black or silence when nothing feeds them.
 */
#define HALL_QUEUE                                                                                 \
    "queue leaky=downstream max-size-buffers=0 max-size-bytes=0 max-size-time=200000000"

/* The description of an encoded run (a new string): the slate, or the
 * program of session sid from dev (a "v4l2:" source's device, NULL for the
 * test source). */
static char *encoded_desc(const struct pl_config *c, long long sid, bool slate, const char *dev)
{
    /* A capture device: the camera's picture, scaled and paced to the
     * program's format; the sound card's, or silence. pl_media_source_valid()
     * allows only digits in the names, so they are safe in the description. */
    char *video = NULL, *audio = NULL;
    if (dev) {
        const char *q = strchr(dev, '?');
        video = g_strdup_printf(
            "v4l2src name=src device=%.*s ! decodebin ! videoconvert ! videoscale ! "
            "videorate",
            q ? (int)(q - dev) : (int)strlen(dev), dev);
        audio = q ? g_strdup_printf("alsasrc name=sound device=%s", q + strlen("?audio="))
                  : g_strdup("audiotestsrc is-live=true wave=silence");
    } else {
        video = g_strdup_printf("videotestsrc is-live=true pattern=%s",
                                slate ? "solid-color foreground-color=0xff1d3557" : "smpte");
        audio = g_strdup_printf("audiotestsrc is-live=true wave=%s freq=440 volume=0.02",
                                slate ? "silence" : "sine");
    }
    /* One raw format on both inputs of the selector: a switch is then no
     * renegotiation downstream. */
    char *vcaps = g_strdup_printf("video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1,"
                                  "pixel-aspect-ratio=1/1",
                                  c->media_width, c->media_height, c->media_fps);
    char *picture = NULL, *sound = NULL;
    if (slate) {
        picture = g_strdup_printf("%s ! videoconvert ! %s", video, vcaps);
        sound = g_strdup_printf("%s ! audioconvert ! audioresample ! " MEDIA_AUDIO_CAPS, audio);
    } else {
        picture = g_strdup_printf(
            "%s ! videoconvert ! %s ! tee name=hallv "
            "hallv. ! " HALL_QUEUE " ! intervideosink channel=pl-hall-v-%lld sync=false "
            "async=false "
            /* In this order: input-selector names its pads by count,
             * whatever name is asked for; the hall must be sink_0. */
            "hallv. ! queue max-size-time=1000000000 ! pick.sink_0 "
            "intervideosrc channel=pl-room-v-%lld ! videoconvert ! videoscale ! videorate ! %s ! "
            "queue max-size-time=1000000000 ! pick.sink_1 "
            "input-selector name=pick sync-streams=false",
            video, vcaps, sid, sid, vcaps);
        sound = g_strdup_printf(
            "%s ! audioconvert ! audioresample ! " MEDIA_AUDIO_CAPS " ! tee name=halla "
            "halla. ! " HALL_QUEUE " ! interaudiosink channel=pl-hall-a-%lld sync=false "
            "async=false "
            "halla. ! queue max-size-time=1000000000 ! amix. "
            "interaudiosrc channel=pl-remote-a-%lld ! audioconvert ! audioresample "
            "! " MEDIA_AUDIO_CAPS " ! queue max-size-time=1000000000 ! amix. "
            "audiomixer name=amix latency=50000000 ! " MEDIA_AUDIO_CAPS,
            audio, sid, sid);
    }
    char *desc = g_strdup_printf(
        "%s "
        "! textoverlay name=notice valignment=center halignment=center line-alignment=center "
        "font-desc=\"Sans Bold 28\" shaded-background=true silent=%s "
        "! textoverlay name=title valignment=top halignment=left font-desc=\"Sans 20\" "
        "shaded-background=true ! textoverlay name=lower valignment=bottom halignment=left "
        "line-alignment=left font-desc=\"Sans 16\" shaded-background=true ! clockoverlay "
        "time-format=\"%%H:%%M:%%S\" halignment=right "
        "valignment=bottom font-desc=\"Sans 20\" shaded-background=true ! videoconvert ! "
        "x264enc tune=zerolatency speed-preset=veryfast bitrate=%d key-int-max=%d ! "
        "video/x-h264,profile=main ! h264parse name=vparse ! queue max-size-time=3000000000 ! mux. "
        "%s ! voaacenc bitrate=96000 ! aacparse ! queue max-size-time=3000000000 ! "
        "mux. " SEGMENTS_DESC,
        picture, slate ? "false" : "true", c->media_bitrate_kbps, c->media_fps * SEGMENT_S, sound);
    g_free(vcaps);
    g_free(picture);
    g_free(sound);
    g_free(video);
    g_free(audio);
    return desc;
}

static GstElement *build_encoded(struct run *r, GError **err)
{
    char *desc = encoded_desc(r->s->m->cfg, (long long)r->s->session, r->slate,
                              r->slate ? NULL : v4l2_device(r->s->source));
    /* Fatal errors: a missing element fails the build (NULL), rather than
     * giving a pipeline with a hole in it that never plays. */
    GstElement *p = gst_parse_launch_full(desc, NULL, GST_PARSE_FLAG_FATAL_ERRORS, err);
    g_free(desc);
    if (!p)
        return NULL;
    GstElement *title = gst_bin_get_by_name(GST_BIN(p), "title");
    GstElement *notice = gst_bin_get_by_name(GST_BIN(p), "notice");
    GstElement *vparse = gst_bin_get_by_name(GST_BIN(p), "vparse");
    GstPad *out = vparse ? gst_element_get_static_pad(vparse, "src") : NULL;
    if (title && notice && out) {
        /* Set here, not in the description: no quoting of names. */
        char *text = g_strdup_printf("Plenum · phiên họp %lld", (long long)r->s->sitting);
        g_object_set(title, "text", text, NULL);
        g_free(text);
        /* The slate: one picture for every viewer, both languages on it. */
        if (r->slate)
            g_object_set(notice, "text",
                         r->s->delivered ? "Tín hiệu tạm gián đoạn\nSignal interrupted"
                                         : "Đang chờ tín hiệu\nWaiting for the signal",
                         NULL);
        cut_at(p, out);
        show_program(r->s, p);
    } else {
        g_set_error(err, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
                    "the pipeline lacks its title, notice or vparse element");
        gst_object_unref(p);
        p = NULL;
    }
    if (out)
        gst_object_unref(out);
    if (vparse)
        gst_object_unref(vparse);
    if (notice)
        gst_object_unref(notice);
    if (title)
        gst_object_unref(title);
    return p;
}

static GstElement *build(struct run *r, GError **err)
{
    struct stream *s = r->s;
    bool rtsp = !r->slate && g_str_has_prefix(s->source, "rtsp://");
    bool srt = !r->slate && g_str_has_prefix(s->source, "srt://");
    GstElement *p = rtsp ? build_rtsp(r, err) : srt ? build_srt(r, err) : build_encoded(r, err);
    GstElement *files = p ? gst_bin_get_by_name(GST_BIN(p), "files") : NULL;
    if (!files) {
        if (p)
            gst_object_unref(p);
        if (err && !*err)
            g_set_error(err, GST_CORE_ERROR, GST_CORE_ERROR_FAILED, "the pipeline did not build");
        return NULL;
    }
    /* The files are the segments, cut by the cutter's events; the live
     * playlist is media.c's. */
    char *loc = g_strdup_printf("%s/seg-%s-%%05d.ts", s->dir, r->id);
    gst_util_set_object_arg(G_OBJECT(files), "next-file", "key-unit-event");
    g_object_set(files, "location", loc, "post-messages", TRUE, "async", FALSE, NULL);
    g_free(loc);
    gst_object_unref(files);
    return p;
}

/* --- the elements the pipelines need --------------------------------------------- */

static void add_elements(GPtrArray *out, const char *const *list)
{
    for (; *list; list++) {
        bool have = false;
        for (guint i = 0; i < out->len && !have; i++)
            have = strcmp(g_ptr_array_index(out, i), *list) == 0;
        if (!have)
            g_ptr_array_add(out, (gpointer)*list);
    }
}

const char **pl_media_needs(const char *source, bool restream)
{
    GPtrArray *out = g_ptr_array_new();
    if (g_str_has_prefix(source, "srt://"))
        add_elements(out, SRT_ELEMENTS);
    else if (g_str_has_prefix(source, "rtsp://"))
        add_elements(out, RTSP_ELEMENTS);
    else if (v4l2_device(source))
        add_elements(out, CAPTURE_ELEMENTS);
    if (strcmp(source, "none") != 0)
        add_elements(out, ENCODED_ELEMENTS); /* the program, or the slate */
    if (restream)
        add_elements(out, RESTREAM_ELEMENTS);
    g_ptr_array_add(out, NULL);
    return (const char **)g_ptr_array_free(out, FALSE);
}

const char *pl_media_package(const char *element)
{
    for (size_t i = 0; i < G_N_ELEMENTS(PACKAGES); i++)
        if (strcmp(PACKAGES[i][0], element) == 0)
            return PACKAGES[i][1];
    return NULL;
}

char *pl_media_missing(const char *source, bool restream)
{
    const char **needs = pl_media_needs(source, restream);
    /* Grouped by package, in the order first met: "textoverlay,
     * clockoverlay (gstreamer1.0-x)". */
    GPtrArray *packages = g_ptr_array_new();
    GString *t = g_string_new(NULL);
    for (size_t i = 0; needs[i]; i++) {
        GstElementFactory *f = gst_element_factory_find(needs[i]);
        if (f) {
            gst_object_unref(f);
            continue;
        }
        const char *pkg = pl_media_package(needs[i]);
        bool seen = false;
        for (guint k = 0; k < packages->len && !seen; k++)
            seen = g_strcmp0(g_ptr_array_index(packages, k), pkg) == 0;
        if (!seen)
            g_ptr_array_add(packages, (gpointer)pkg);
    }
    for (guint k = 0; k < packages->len; k++) {
        const char *pkg = g_ptr_array_index(packages, k);
        bool first = true;
        g_string_append(t, k ? "; " : "");
        for (size_t i = 0; needs[i]; i++) {
            GstElementFactory *f = gst_element_factory_find(needs[i]);
            if (f) {
                gst_object_unref(f);
                continue;
            }
            if (g_strcmp0(pl_media_package(needs[i]), pkg) != 0)
                continue;
            g_string_append_printf(t, "%s%s", first ? "" : ", ", needs[i]);
            first = false;
        }
        g_string_append_printf(t, " (Debian package %s)", pkg ? pkg : "unknown");
    }
    g_ptr_array_free(packages, TRUE);
    g_free(needs);
    return g_string_free(t, t->len == 0);
}

char *pl_media_descriptions(const struct pl_config *cfg, const char *source, bool restream)
{
    GString *t = g_string_new(NULL);
    if (g_str_has_prefix(source, "srt://")) {
        g_string_append(t, SRT_DESC "\n" DEMUX_VIDEO "\n" DEMUX_AUDIO "\n");
    } else if (g_str_has_prefix(source, "rtsp://")) {
        g_string_append(t, RTSP_DESC "\n" RTSP_VIDEO "\n");
        for (size_t i = 0; i < G_N_ELEMENTS(rtsp_audio); i++)
            g_string_append_printf(t, "%s\n", rtsp_audio[i][1]);
    } else {
        char *d = encoded_desc(cfg, 1, false, v4l2_device(source));
        g_string_append_printf(t, "%s\n", d);
        g_free(d);
    }
    char *slate = encoded_desc(cfg, 1, true, NULL);
    g_string_append_printf(t, "%s\n", slate);
    g_free(slate);
    if (restream)
        g_string_append(t, RESTREAM_DESC "\n" RESTREAM_VIDEO "\n" RESTREAM_AUDIO "\n");
    return g_string_free(t, FALSE);
}

/* A new run of s's source (slate: of the slate), started; NULL if it could
 * not start, with the error in s (and, for the source, a retry planned). */
static struct run *run_start(struct stream *s, bool slate)
{
    struct run *r = g_new0(struct run, 1);
    r->s = s;
    r->slate = slate;
    random_run(r->id);
    GError *err = NULL;
    r->pipeline = build(r, &err);
    if (r->pipeline) {
        g_clear_error(&err); /* a recoverable warning from the parser */
        GstBus *bus = gst_element_get_bus(r->pipeline);
        r->bus_watch = gst_bus_add_watch(bus, on_bus, r);
        gst_object_unref(bus);
        if (gst_element_set_state(r->pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE) {
            /* After the state change: input-selector forgets a choice made
             * before it, and would take whichever input brought the first
             * picture (the room's black one, often). */
            show_picture(s, r->pipeline);
            /* A source that is passed through waits for its sender as
             * long as it takes ("waiting", the slate on); what plenumd
             * encodes itself must play within the bound. */
            if (slate || !s->passthrough)
                r->start_timer = g_timeout_add(s->m->start_timeout_ms, start_timeout, r);
            return r;
        }
    }
    /* A device that is not there fails the state change itself; the
     * reason is on the bus. */
    GstBus *bus = r->pipeline ? gst_element_get_bus(r->pipeline) : NULL;
    GstMessage *msg = bus ? gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR) : NULL;
    const char *reason = "build_failed";
    char *what = msg ? error_text(r, msg, &reason)
                     : g_strdup_printf("%scould not start the pipeline: %s", slate ? "slate: " : "",
                                       err ? err->message : "it refused to play");
    if (msg)
        gst_message_unref(msg);
    if (bus)
        gst_object_unref(bus);
    g_clear_error(&err);
    run_free(r);
    set_error(s, reason, what);
    g_free(what);
    if (!slate && !s->stop_wanted)
        source_down(s, false);
    return NULL;
}

/* The stream's source is known: the program starts (and the slate, until
 * a remote source delivers). */
static void begin(struct stream *s)
{
    /* A session may name a source whose elements the start-up check did
     * not cover (set since): the same check, for this stream. Nothing is
     * retried: the registry will not change until plenumd restarts. */
    char *missing = pl_media_missing(s->source, false);
    if (missing) {
        char *what = g_strdup_printf("GStreamer elements missing: %s", missing);
        set_error(s, "missing_elements", what);
        g_free(what);
        g_free(missing);
        return;
    }
    s->passthrough =
        g_str_has_prefix(s->source, "srt://") || g_str_has_prefix(s->source, "rtsp://");
    if (s->passthrough)
        slate_on(s);
    s->src = run_start(s, false);
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
    if (err == PL_OK && PQntuples(res) == 1 && !PQgetisnull(res, 0, 1))
        s->restream_url = g_strdup(PQgetvalue(res, 0, 1));
    if (strcmp(s->source, "none") == 0) {
        g_hash_table_remove(s->m->streams, &s->sitting);
        return;
    }
    begin(s);
}

/* source: the session's ("" for the server's), or NULL to look it up
 * (with restream, the session's RTMP URL or NULL). */
static void start(struct pl_media *m, int64_t session, int64_t sitting, bool public,
                  const char *source, const char *restream)
{
    if (m->off || g_hash_table_contains(m->streams, &sitting))
        return;
    struct stream *s = g_new0(struct stream, 1);
    s->m = m;
    s->sitting = sitting;
    s->session = session;
    s->public = public;
    g_queue_init(&s->live);
    s->rel_dir =
        g_strdup_printf("media/%s/sitting-%lld", public ? "public" : "closed", (long long)sitting);
    s->dir = g_strdup_printf("%s/%s/sitting-%lld", m->root, public ? "public" : "closed",
                             (long long)sitting);
    g_hash_table_insert(m->streams, &s->sitting, s);
    if (g_mkdir_with_parents(s->dir, 0750) != 0) {
        char *what = g_strdup_printf("cannot create %s: %s", s->dir, g_strerror(errno));
        set_error(s, "storage", what);
        g_free(what);
        return; /* in the status with its error until the sitting closes */
    }
    if (source) {
        s->source = g_strdup(*source ? source : m->cfg->media_source);
        s->restream_url = g_strdup(restream);
        begin(s);
        return;
    }
    /* The session says where its picture comes from (NULL: the server's). */
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)session);
    const char *p[1] = {id};
    s->source_query = pl_store_query(
        m->store, "SELECT coalesce(media_source, ''), media_restream FROM session WHERE id = $1", 1,
        p, MEDIA_TIMEOUT_MS, source_known, s);
}

static void stop(struct pl_media *m, int64_t sitting)
{
    struct stream *s = g_hash_table_lookup(m->streams, &sitting);
    if (!s || s->stop_wanted)
        return;
    s->stop_wanted = true;
    if (s->retry_timer)
        g_source_remove(s->retry_timer);
    s->retry_timer = 0;
    if (!s->src && !s->slate) {
        finished(s);
        return;
    }
    run_end(s->src);
    run_end(s->slate);
}

/* --- the interface ------------------------------------------------------------------ */

static bool url_chars(const char *s)
{
    for (; *s; s++)
        if (!g_ascii_isalnum(*s) && !strchr("-._~:/?#[]@!$&'()*+,;=%", *s))
            return false;
    return true;
}

static bool digits(const char *s, int min, int max, const char **end)
{
    int n = 0;
    while (g_ascii_isdigit(s[n]))
        n++;
    *end = s + n;
    return n >= min && n <= max;
}

bool pl_media_source_valid(const char *s, bool server)
{
    if (strcmp(s, "test") == 0 || (server && strcmp(s, "none") == 0))
        return true;
    if (g_str_has_prefix(s, "rtsp://")) {
        /* Handed to rtspsrc as a property, never parsed as a pipeline; still
         * only URL characters, and a host. */
        size_t n = strlen(s);
        if (n <= 7 || n > 500 || s[7] == '/')
            return false;
        return url_chars(s + 7);
    }
    if (g_str_has_prefix(s, "v4l2:/dev/video")) {
        /* v4l2:/dev/videoN[?audio=hw:C[,D]]: only digits, so the names are
         * safe inside a pipeline description. */
        const char *p = s + strlen("v4l2:/dev/video");
        if (!digits(p, 1, 3, &p))
            return false;
        if (!*p)
            return true;
        if (!g_str_has_prefix(p, "?audio=hw:") || !digits(p + 10, 1, 2, &p))
            return false;
        if (*p == ',' && !digits(p + 1, 1, 2, &p))
            return false;
        return !*p;
    }
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

bool pl_media_restream_valid(const char *s)
{
    const char *host = g_str_has_prefix(s, "rtmp://")    ? s + 7
                       : g_str_has_prefix(s, "rtmps://") ? s + 8
                                                         : NULL;
    return host && *host && *host != '/' && strlen(s) <= 500 && url_chars(host);
}

char *pl_media_restream_redacted(const char *s)
{
    /* The path holds the stream key: whoever has it can stream as the
     * council. Only the scheme and host are shown. */
    const char *host = strstr(s, "://");
    host = host ? host + 3 : s;
    const char *slash = strchr(host, '/');
    return g_strdup_printf("%.*s/***", slash ? (int)(slash - s) : (int)strlen(s), s);
}

char *pl_media_source_redacted(const char *s)
{
    /* rtsp://user:password@host/...: the password stays in the database. */
    const char *at = g_str_has_prefix(s, "rtsp://") ? strchr(s + 7, '@') : NULL;
    const char *slash = at ? strchr(s + 7, '/') : NULL;
    if (!at || (slash && slash < at))
        return g_strdup(s);
    return g_strdup_printf("rtsp://***%s", at);
}

struct pl_media *pl_media_new(const struct pl_config *cfg, struct pl_store *store)
{
    struct pl_media *m = g_new0(struct pl_media, 1);
    m->cfg = cfg;
    m->store = store;
    m->off = strcmp(cfg->media_source, "none") == 0;
    m->streams = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, stream_free);
    m->programs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, program_free);
    /* PL_MEDIA_START_TIMEOUT_MS: for the tests only (a bound no pipeline
     * meets, to see the timeout without a broken pipeline). */
    const char *bound = g_getenv("PL_MEDIA_START_TIMEOUT_MS");
    m->start_timeout_ms = bound && atoi(bound) > 0 ? (guint)atoi(bound) : START_TIMEOUT_MS;
    if (!m->off) {
        gst_init(NULL, NULL);
        char *abs = g_canonicalize_filename(cfg->data_dir, NULL);
        m->root = g_build_filename(abs, "media", NULL);
        m->public_root = g_build_filename(m->root, "public", NULL);
        g_free(abs);
    }
    return m;
}

/* Every element the configured media needs (the server's source, the
 * sources and restreams of the sessions not closed, the slate) is in
 * GStreamer's registry; else, with --media-required, -1 with err saying
 * what is missing and from which package; without, one error line in the
 * log, m->missing, and 0. */
static int check(struct pl_media *m, PGconn *conn, char *err, size_t errlen)
{
    GString *missing = g_string_new(NULL);
    GPtrArray *sources = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(sources, g_strdup(m->cfg->media_source));
    bool restream = false;
    PGresult *r = PQexec(conn, "SELECT DISTINCT coalesce(media_source, ''), media_restream IS NOT "
                               "NULL FROM session WHERE state <> 'closed'");
    for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++) {
        if (*PQgetvalue(r, i, 0))
            g_ptr_array_add(sources, g_strdup(PQgetvalue(r, i, 0)));
        restream = restream || strcmp(PQgetvalue(r, i, 1), "t") == 0;
    }
    PQclear(r);
    /* One source at a time, each answer once: "textoverlay, clockoverlay
     * (Debian package gstreamer1.0-x)". */
    for (guint i = 0; i < sources->len; i++) {
        char *one = pl_media_missing(g_ptr_array_index(sources, i), restream && i == 0);
        if (one && !strstr(missing->str, one))
            g_string_append_printf(missing, "%s%s", missing->len ? "; " : "", one);
        g_free(one);
    }
    g_ptr_array_free(sources, TRUE);
    if (!missing->len) {
        g_string_free(missing, TRUE);
        return 0;
    }
    if (m->cfg->media_required) {
        snprintf(err, errlen,
                 "media: GStreamer elements missing: %s; plenumd does not start (install the "
                 "package, or start with --media-required off to hold sittings without recording "
                 "and livestream)",
                 missing->str);
        g_string_free(missing, TRUE);
        return -1;
    }
    pl_log_error("media: GStreamer elements missing: %s; sittings are held without recording "
                 "and livestream (--media-required off)",
                 missing->str);
    m->missing = g_strdup_printf("GStreamer elements missing: %s", missing->str);
    g_string_free(missing, TRUE);
    return 0;
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
    if (check(m, conn, err, errlen) != 0)
        return -1;
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
    /* The lower third says after a restart what it said before: the
     * active item and the speaker, from the record of the open sessions. */
    r = PQexec(conn, "SELECT s.id, (SELECT e.data->>'title' FROM session_event e WHERE "
                     "e.session_id = s.id AND e.name = 'agenda.activated' ORDER BY e.seq DESC "
                     "LIMIT 1), (SELECT e.data->'turn'->>'name' FROM session_event e WHERE "
                     "e.session_id = s.id AND e.name = 'floor.changed' ORDER BY e.seq DESC "
                     "LIMIT 1) FROM session s WHERE s.state = 'open'");
    for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++) {
        struct program *pr = g_new0(struct program, 1);
        int64_t *key = g_new(int64_t, 1);
        *key = g_ascii_strtoll(PQgetvalue(r, i, 0), NULL, 10);
        pr->item = PQgetisnull(r, i, 1) ? NULL : g_strdup(PQgetvalue(r, i, 1));
        pr->speaker = PQgetisnull(r, i, 2) ? NULL : g_strdup(PQgetvalue(r, i, 2));
        g_hash_table_replace(m->programs, key, pr);
    }
    PQclear(r);
    r = PQexec(conn, "SELECT st.id, st.session_id, st.visibility = 'public' AND se.visibility = "
                     "'public', coalesce(se.media_source, ''), se.media_restream FROM sitting st "
                     "JOIN session se ON "
                     "se.id = st.session_id WHERE st.state = 'open'");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "could not list open sittings: %s", PQresultErrorMessage(r));
        PQclear(r);
        return -1;
    }
    for (int i = 0; i < PQntuples(r); i++)
        start(m, g_ascii_strtoll(PQgetvalue(r, i, 1), NULL, 10),
              g_ascii_strtoll(PQgetvalue(r, i, 0), NULL, 10), strcmp(PQgetvalue(r, i, 2), "t") == 0,
              PQgetvalue(r, i, 3), PQgetisnull(r, i, 4) ? NULL : PQgetvalue(r, i, 4));
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
        if (s->session != session_id)
            continue;
        if (s->src && !s->passthrough)
            show_program(s, s->src->pipeline);
        if (s->slate)
            show_program(s, s->slate->pipeline);
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

/* The session's program (made on first use; m->programs owns it). */
static struct program *program_of(struct pl_media *m, int64_t session_id)
{
    struct program *pr = g_hash_table_lookup(m->programs, &session_id);
    if (!pr) {
        pr = g_new0(struct program, 1);
        int64_t *key = g_new(int64_t, 1);
        *key = session_id;
        g_hash_table_insert(m->programs, key, pr);
    }
    return pr;
}

/* Follows the events the lower third shows; true if it changed. */
static bool follow_program(struct pl_media *m, int64_t session_id, const char *name,
                           const json_t *data)
{
    struct program *pr = program_of(m, session_id);
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

void pl_media_remote_picture(struct pl_media *m, int64_t session_id, bool remote)
{
    if (m->off || session_id <= 0)
        return;
    struct program *pr = program_of(m, session_id);
    if (pr->remote_picture == remote)
        return;
    pr->remote_picture = remote;
    pl_log_info("recording of session %lld shows the %s picture", (long long)session_id,
                remote ? "remote speaker's" : "hall's");
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, m->streams);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        struct stream *s = v;
        if (s->session == session_id && s->src && !s->passthrough)
            show_picture(s, s->src->pipeline);
    }
}

void pl_media_event(void *media, int64_t session_id, const char *name, const json_t *data)
{
    struct pl_media *m = media;
    if (!m->off && follow_program(m, session_id, name, data))
        program_changed(m, session_id);
    int64_t sitting = json_integer_value(json_object_get(data, "sitting_id"));
    if (strcmp(name, "sitting.opened") == 0 && sitting) {
        start(m, session_id, sitting, !json_is_true(json_object_get(data, "closed")), NULL, NULL);
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

/* A stream's state (see media.h). */
static const char *stream_state(const struct stream *s)
{
    const struct run *r = s->src;
    return s->stop_wanted       ? "stopping"
           : r && r->delivering ? "live"
           : s->reason          ? "error"
           : !r                 ? "retrying"
           : s->passthrough     ? "waiting" /* an SRT listener waits for its sender */
                                : "starting";
}

const char *pl_media_state(const struct pl_media *m)
{
    return m->off ? "off" : m->missing ? "error" : "ok";
}

const char *pl_media_public_state(const struct pl_media *m, int64_t sitting_id, int *segments,
                                  const char **reason)
{
    *segments = 0;
    *reason = NULL;
    if (m->off)
        return "off";
    const struct stream *s = g_hash_table_lookup(m->streams, &sitting_id);
    if (!s || !s->public)
        return "none"; /* a closed sitting is indistinguishable from none */
    *segments = (int)s->live.length;
    /* The slate is a livestream too: what a viewer would see. */
    if (s->live.length > 0 && !s->stop_wanted)
        return "live";
    const char *state = stream_state(s);
    if (strcmp(state, "error") == 0)
        *reason = s->reason;
    return state;
}

json_t *pl_media_status(const struct pl_media *m)
{
    json_t *list = json_array();
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, m->streams);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        const struct stream *s = v;
        const struct run *r = s->src;
        char *shown = s->source ? pl_media_source_redacted(s->source) : NULL;
        json_array_append_new(
            list, json_pack("{s:I, s:s, s:s?, s:b, s:b, s:b, s:i, s:i, s:I, s:s?, s:s?, s:s}",
                            "sitting_id", (json_int_t)s->sitting, "state", stream_state(s),
                            "reason", s->reason, "public", s->public, "recording",
                            r && r->delivering, "slate", s->slate != NULL, "segments", s->segments,
                            "bitrate_kbps", (int)(s->kbps + 0.5), "dropped_frames",
                            (json_int_t)(r ? r->dropped : 0), "error", s->error, "source", shown,
                            "path", s->passthrough ? "passthrough" : "encode"));
        g_free(shown);
        if (s->restream_url && s->public) {
            char *to = pl_media_restream_redacted(s->restream_url);
            json_object_set_new(json_array_get(list, json_array_size(list) - 1), "restream",
                                json_pack("{s:s, s:s, s:i, s:s?}", "url", to, "state",
                                          s->rs.pipeline && !s->rs.error ? "sending"
                                          : s->rs.error                  ? "error"
                                                                         : "starting",
                                          "segments", s->rs.segments, "error", s->rs.error));
            g_free(to);
        }
    }
    char *server = pl_media_source_redacted(m->cfg->media_source);
    json_t *status = json_pack("{s:s, s:s, s:s?, s:s?, s:o}", "source", server, "state",
                               pl_media_state(m), "reason", m->missing ? "missing_elements" : NULL,
                               "error", m->missing, "streams", list);
    g_free(server);
    return status;
}

const char *pl_media_public_root(const struct pl_media *m)
{
    return m->off ? NULL : m->public_root;
}

bool pl_media_live(const struct pl_media *m, int64_t sitting_id)
{
    const struct stream *s = g_hash_table_lookup(m->streams, &sitting_id);
    return s && s->public && s->live.length > 0;
}

void pl_media_free(struct pl_media *m)
{
    if (!m)
        return;
    g_hash_table_destroy(m->streams);
    g_hash_table_destroy(m->programs);
    g_free(m->missing);
    g_free(m->root);
    g_free(m->public_root);
    g_free(m);
}

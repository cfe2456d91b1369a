/* Recording and livestreaming of sittings; see media.h. This file: the
 * streams and their runs (start, stop, the bus, the record, the slate and
 * the retries) and pl_media_new/resume/event/free; media_priv.h lists the
 * other modules. */
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
#include "media_priv.h"
#include "media_url.h"

#define START_TIMEOUT_MS 15000 /* a run's first segment: later, the start is an error */
#define END_TIMEOUT_MS   5000
#define RETRY_MAX_MS     30000
#define MEDIA_TIMEOUT_MS 10000

static struct run *run_start(struct stream *s, bool slate);

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
    pl_media_playlist_append(s, r, file, (guint)dur_ms, start_us);
    pl_media_restream_segment(s, r, path);
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
    g_queue_clear_full(&s->window, pl_media_playlist_seg_free);
    if (s->open_parts)
        g_ptr_array_unref(s->open_parts);
    if (s->live_text)
        g_bytes_unref(s->live_text);
    pl_media_restream_stop(&s->rs);
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
    pl_media_playlist_write(s, true);
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
    const char *dev = pl_media_url_v4l2_device(src), *q = dev ? strchr(dev, '?') : NULL;
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

/* A segment file is complete on disk: the segment up to the cut after it
 * (at the end of the stream, up to now). */
static void file_closed(struct run *r)
{
    guint64 *cut = g_queue_pop_head(&r->cuts);
    guint64 now = now_rt(r);
    segment_closed(r, cut ? *cut : now != GST_CLOCK_TIME_NONE ? now : r->open_rt);
    g_free(cut);
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
        if (st && gst_structure_has_name(st, "GstMultiFileSink") && r->delivering)
            file_closed(r);
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
        if (st && gst_structure_has_name(st, "plenum-closed")) {
            /* media_tspass.c wrote a segment file (an SRT source): as
             * multifilesink's message above. */
            if (r->delivering)
                file_closed(r);
            break;
        }
        if (st && gst_structure_has_name(st, "plenum-part")) {
            /* An LL-HLS part of the segment being written (media_cutter.c). */
            GBytes *bytes = NULL;
            guint64 dur = 0;
            gboolean independent = FALSE;
            if (r->delivering &&
                gst_structure_get(st, "data", G_TYPE_BYTES, &bytes, "duration", G_TYPE_UINT64, &dur,
                                  "independent", G_TYPE_BOOLEAN, &independent, NULL))
                pl_media_playlist_part(r->s, r, bytes, (guint)(dur / GST_MSECOND), independent);
            else if (bytes)
                g_bytes_unref(bytes);
            break;
        }
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

/* A new run of s's source (slate: of the slate), started; NULL if it could
 * not start, with the error in s (and, for the source, a retry planned). */
static struct run *run_start(struct stream *s, bool slate)
{
    struct run *r = g_new0(struct run, 1);
    r->s = s;
    r->slate = slate;
    random_run(r->id);
    GError *err = NULL;
    r->pipeline = pl_media_build(r, &err);
    if (r->pipeline) {
        g_clear_error(&err); /* a recoverable warning from the parser */
        GstBus *bus = gst_element_get_bus(r->pipeline);
        r->bus_watch = gst_bus_add_watch(bus, on_bus, r);
        gst_object_unref(bus);
        if (gst_element_set_state(r->pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE) {
            /* After the state change: input-selector forgets a choice made
             * before it, and would take whichever input brought the first
             * picture (the room's black one, often). */
            pl_media_overlay_picture(s, r->pipeline);
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
    g_queue_init(&s->window);
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

struct pl_media *pl_media_new(const struct pl_config *cfg, struct pl_store *store)
{
    struct pl_media *m = g_new0(struct pl_media, 1);
    m->cfg = cfg;
    m->store = store;
    m->off = strcmp(cfg->media_source, "none") == 0;
    m->streams = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, stream_free);
    m->programs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, pl_media_overlay_free);
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

void pl_media_event(void *media, int64_t session_id, const char *name, const json_t *data)
{
    struct pl_media *m = media;
    if (!m->off && pl_media_overlay_follow(m, session_id, name, data))
        pl_media_overlay_changed(m, session_id);
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

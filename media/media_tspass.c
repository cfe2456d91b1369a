/*
 * An SRT source's MPEG-TS passed through as it arrives: a probe on
 * srtsrc's output hands each buffer to the splitter (ts_split.c) on
 * srtsrc's own thread, writes the parts it makes into the segment files
 * and reports them on the bus as the muxer path's cutter does
 * ("plenum-opened", "plenum-cut", "plenum-part", then "plenum-closed" for
 * a file complete on disk). No demuxer, muxer or queue: one thread beside
 * libsrt's own, where the muxer path took four (docs/benchmarks.md,
 * "Pass-through: the profile"). The buffers go no further (the sink after
 * srtsrc only takes the end of the stream).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <gst/gst.h>

#include "media_priv.h"
#include "ts_split.h"

struct tspass {
    GstElement *pipeline;      /* borrowed: it outlives its pads' probes */
    GstElement *files;         /* borrowed from pipeline: named in write errors */
    GstClock *clock;           /* owned once the first buffer came */
    struct pl_ts_split *split; /* owned */
    char *dir, *run;           /* owned */
    int fd;                    /* the segment file being written, or -1 */
    unsigned fd_seg;
    bool failed; /* a write failed: the error is on the bus, nothing more */
};

static void on_opened(void *ctx, uint64_t at)
{
    pl_media_post_time(((struct tspass *)ctx)->pipeline, "plenum-opened", at);
}

static void on_cut(void *ctx, uint64_t at)
{
    pl_media_post_time(((struct tspass *)ctx)->pipeline, "plenum-cut", at);
}

static void on_unsupported(void *ctx, const char *what)
{
    pl_media_post_unsupported(((struct tspass *)ctx)->pipeline, what);
}

/* A write that failed: an error from the sink, as multifilesink says it
 * (media.c reads "No space left" out of it). */
static void write_failed(struct tspass *p, const char *path, int err)
{
    p->failed = true;
    GError *e =
        g_error_new(GST_RESOURCE_ERROR,
                    err == ENOSPC ? GST_RESOURCE_ERROR_NO_SPACE_LEFT : GST_RESOURCE_ERROR_WRITE,
                    "Error while writing to file \"%s\".", path);
    char *debug = g_strdup_printf("%s", g_strerror(err));
    gst_element_post_message(p->files, gst_message_new_error(GST_OBJECT(p->files), e, debug));
    g_free(debug);
    g_error_free(e);
}

static bool write_all(int fd, const uint8_t *b, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        b += w;
        n -= (size_t)w;
    }
    return true;
}

/* A part: into its segment's file (opened at the segment's first part),
 * then on the bus; the segment's last closes the file and says so. */
static void on_part(void *ctx, unsigned seg, GBytes *data, uint64_t dur, bool independent,
                    bool last)
{
    struct tspass *p = ctx;
    if (p->failed) {
        g_bytes_unref(data);
        return;
    }
    char name[64];
    g_snprintf(name, sizeof name, "seg-%s-%05u.ts", p->run, seg);
    char *path = g_build_filename(p->dir, name, NULL);
    if (p->fd >= 0 && p->fd_seg != seg) { /* not closed by its last part: cannot be */
        close(p->fd);
        p->fd = -1;
    }
    if (p->fd < 0) {
        p->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        p->fd_seg = seg;
    }
    gsize n = 0;
    const uint8_t *b = g_bytes_get_data(data, &n);
    if (p->fd < 0 || !write_all(p->fd, b, n)) {
        write_failed(p, path, errno);
        g_bytes_unref(data);
        g_free(path);
        return;
    }
    g_free(path);
    pl_media_post_part(p->pipeline, data, dur, independent);
    g_bytes_unref(data);
    if (last) {
        int fd = p->fd;
        p->fd = -1;
        if (close(fd) != 0) {
            write_failed(p, name, errno);
            return;
        }
        gst_element_post_message(
            p->pipeline, gst_message_new_application(GST_OBJECT(p->pipeline),
                                                     gst_structure_new_empty("plenum-closed")));
    }
}

/* The running time now, on the pipeline's clock (arrival times). */
static uint64_t arrival(struct tspass *p)
{
    if (!p->clock)
        p->clock = gst_pipeline_get_clock(GST_PIPELINE(p->pipeline));
    if (!p->clock)
        return 0;
    return gst_clock_get_time(p->clock) - gst_element_get_base_time(p->pipeline);
}

static gboolean feed_one(GstBuffer **b, guint idx, gpointer data)
{
    (void)idx;
    struct tspass *p = data;
    GstMapInfo map;
    if (gst_buffer_map(*b, &map, GST_MAP_READ)) {
        pl_ts_split_feed(p->split, map.data, map.size, arrival(p));
        gst_buffer_unmap(*b, &map);
    }
    return TRUE;
}

static GstPadProbeReturn probe(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    (void)pad;
    struct tspass *p = data;
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
        GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
        feed_one(&b, 0, p);
        return GST_PAD_PROBE_DROP;
    }
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
        gst_buffer_list_foreach(GST_PAD_PROBE_INFO_BUFFER_LIST(info), feed_one, p);
        return GST_PAD_PROBE_DROP;
    }
    /* The end of the stream: the last segment is written and announced
     * before the sink posts EOS (the bus keeps the order). */
    if ((info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) &&
        GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS)
        pl_ts_split_finish(p->split);
    return GST_PAD_PROBE_OK;
}

static void tspass_free(gpointer data)
{
    struct tspass *p = data;
    if (p->fd >= 0)
        close(p->fd);
    if (p->clock)
        gst_object_unref(p->clock);
    pl_ts_split_free(p->split);
    g_free(p->dir);
    g_free(p->run);
    g_free(p);
}

bool pl_media_tspass_at(GstElement *pipeline, const char *dir, const char *run)
{
    GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    GstElement *files = gst_bin_get_by_name(GST_BIN(pipeline), "files");
    GstPad *out = src ? gst_element_get_static_pad(src, "src") : NULL;
    if (out && files) {
        struct tspass *p = g_new0(struct tspass, 1);
        p->pipeline = pipeline;
        p->files = files; /* the pipeline holds it as long as the probe lives */
        p->dir = g_strdup(dir);
        p->run = g_strdup(run);
        p->fd = -1;
        struct pl_ts_sink sink = {.ctx = p,
                                  .opened = on_opened,
                                  .cut = on_cut,
                                  .part = on_part,
                                  .unsupported = on_unsupported};
        p->split = pl_ts_split_new(&sink, SEGMENT_S * GST_SECOND, PART_CUT_MS * GST_MSECOND);
        gst_pad_add_probe(out,
                          GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                              GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                          probe, p, tspass_free);
    }
    bool ok = out && files;
    if (out)
        gst_object_unref(out);
    if (files)
        gst_object_unref(files);
    if (src)
        gst_object_unref(src);
    return ok;
}

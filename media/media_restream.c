/* Restreaming a public sitting's livestream to an RTMP server; see
 * struct restream in media_priv.h. */
#include <string.h>

#include <glib.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include "log.h"
#include "media_desc.h"
#include "media_priv.h"

#define RESTREAM_RETRY_S 10

void pl_media_restream_stop(struct restream *rs)
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
    pl_media_restream_stop(&s->rs);
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
        pl_media_build_link(data, pad, "flv", "video", RESTREAM_VIDEO);
    else if (strcmp(name, "audio/mpeg") == 0)
        pl_media_build_link(data, pad, "flv", "audio", RESTREAM_AUDIO);
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
        pl_media_restream_stop(&s->rs);
        return false;
    }
    return true;
}

/* A segment of the livestream closed: it goes to the RTMP server too. */
void pl_media_restream_segment(struct stream *s, const struct run *r, const char *path)
{
    struct restream *rs = &s->rs;
    if (!s->restream_url || !s->public)
        return;
    if (rs->pipeline && strcmp(rs->run, r->id) != 0)
        pl_media_restream_stop(rs); /* another run: its timestamps start over */
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

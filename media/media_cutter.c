/* The segment cutter; see below and media_priv.h. */
#include <stdbool.h>

#include <glib.h>
#include <gst/gst.h>

#include "media_priv.h"

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
void pl_media_cutter_at(GstElement *pipeline, GstPad *pad)
{
    struct cutter *c = g_new0(struct cutter, 1);
    c->pipeline = pipeline;
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, cut_probe, c, g_free);
}

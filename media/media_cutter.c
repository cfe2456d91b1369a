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

void pl_media_post_time(GstElement *pipeline, const char *name, guint64 rt)
{
    gst_element_post_message(pipeline,
                             gst_message_new_application(
                                 GST_OBJECT(pipeline),
                                 gst_structure_new(name, "running-time", G_TYPE_UINT64, rt, NULL)));
}

void pl_media_post_part(GstElement *pipeline, GBytes *data, guint64 dur, bool independent)
{
    gst_element_post_message(
        pipeline,
        gst_message_new_application(GST_OBJECT(pipeline),
                                    gst_structure_new("plenum-part", "data", G_TYPE_BYTES, data,
                                                      "duration", G_TYPE_UINT64, dur, "independent",
                                                      G_TYPE_BOOLEAN, independent, NULL)));
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
        pl_media_post_time(c->pipeline, "plenum-opened", rt);
        return GST_PAD_PROBE_OK;
    }
    /* A keyframe a little early (an encoder's GOP is rarely exact) still
     * cuts; a shorter GOP makes segments of several GOPs. */
    if (rt < c->open_rt + SEGMENT_S * GST_SECOND - 100 * GST_MSECOND)
        return GST_PAD_PROBE_OK;
    pl_media_post_time(c->pipeline, "plenum-cut", rt);
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

static void parts_at(GstElement *pipeline);

/* Cuts the segments of pipeline at the keyframes leaving pad (H.264 on its
 * way into the muxer), and its muxer's output into parts. */
void pl_media_cutter_at(GstElement *pipeline, GstPad *pad)
{
    struct cutter *c = g_new0(struct cutter, 1);
    c->pipeline = pipeline;
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, cut_probe, c, g_free);
    parts_at(pipeline);
}

/*
 * The part cutter: a probe on the muxer's output slices the MPEG-TS that
 * multifilesink writes into LL-HLS parts, in memory, so the segment files
 * (and the record, the VOD playlist, the restream) stay exactly as they
 * were. A part ends at the first packet PART_CUT_MS after its start (the
 * muxer stamps each packet with its frame's running time) or at the
 * force-key-unit event that ends the segment; the next one then starts
 * the next file, with the tables and a keyframe (INDEPENDENT=YES). The cost is one copy of
 * the packets into the part's buffer on the streaming thread (the stream's
 * bit rate, about 2 Mbit/s) and one bus message per part.
 */
struct parter {
    GstElement *pipeline; /* borrowed, as the cutter's */
    GByteArray *buf;      /* the part being filled; owned */
    guint64 start;        /* time of its first packet, NONE before any */
    guint64 last;         /* the latest time in it */
    guint64 step;         /* the last increase of the packets' times */
    bool independent;     /* it starts a segment */
};

static void parter_free(gpointer p)
{
    struct parter *t = p;
    g_byte_array_unref(t->buf);
    g_free(t);
}

/* Posts the part filled so far, of dur, and starts the next (a segment's
 * first when independent). */
static void parter_post(struct parter *t, guint64 dur, bool independent)
{
    if (t->buf->len > 0) {
        GBytes *data = g_byte_array_free_to_bytes(t->buf);
        t->buf = g_byte_array_sized_new(64 * 1024);
        pl_media_post_part(t->pipeline, data, dur, t->independent);
        g_bytes_unref(data);
    }
    t->start = t->last = GST_CLOCK_TIME_NONE;
    t->independent = independent;
}

/* Durations are measured on the packets' own times: the muxer still sends
 * a few packets of the old GOP after the event that starts the next file
 * (they are in that file), so the event's time would make a segment's last
 * part look longer and its next file's first shorter than what they hold. */
static gboolean parter_add(GstBuffer **b, guint idx, gpointer data)
{
    (void)idx;
    struct parter *t = data;
    GstClockTime ts = GST_BUFFER_PTS(*b);
    if (ts != GST_CLOCK_TIME_NONE) {
        if (t->start != GST_CLOCK_TIME_NONE && ts >= t->start + PART_CUT_MS * GST_MSECOND)
            parter_post(t, ts - t->start, false);
        if (t->start == GST_CLOCK_TIME_NONE)
            t->start = t->last = ts;
        if (ts > t->last) {
            t->step = ts - t->last;
            t->last = ts;
        }
    }
    GstMapInfo map;
    if (gst_buffer_map(*b, &map, GST_MAP_READ)) {
        g_byte_array_append(t->buf, map.data, (guint)map.size);
        gst_buffer_unmap(*b, &map);
    }
    return TRUE;
}

static GstPadProbeReturn part_probe(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    (void)pad;
    struct parter *t = data;
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
        GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
        parter_add(&b, 0, t);
    } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
        gst_buffer_list_foreach(GST_PAD_PROBE_INFO_BUFFER_LIST(info), parter_add, t);
    } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
        GstEvent *ev = GST_PAD_PROBE_INFO_EVENT(info);
        const GstStructure *st = gst_event_get_structure(ev);
        /* multifilesink starts the next file here: the part ends; it
         * lasts to its latest packet and one more step. */
        if (GST_EVENT_TYPE(ev) == GST_EVENT_CUSTOM_DOWNSTREAM && st &&
            gst_structure_has_name(st, "GstForceKeyUnit"))
            parter_post(t, t->start != GST_CLOCK_TIME_NONE ? t->last - t->start + t->step : 0,
                        true);
    }
    return GST_PAD_PROBE_OK;
}

/* Slices the output of pipeline's muxer (named "mux") into parts. */
static void parts_at(GstElement *pipeline)
{
    GstElement *mux = gst_bin_get_by_name(GST_BIN(pipeline), "mux");
    GstPad *out = mux ? gst_element_get_static_pad(mux, "src") : NULL;
    if (out) {
        struct parter *t = g_new0(struct parter, 1);
        t->pipeline = pipeline;
        t->buf = g_byte_array_sized_new(64 * 1024);
        t->start = t->last = GST_CLOCK_TIME_NONE;
        t->independent = true;
        gst_pad_add_probe(out,
                          GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                              GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                          part_probe, t, parter_free);
        gst_object_unref(out);
    }
    if (mux)
        gst_object_unref(mux);
}

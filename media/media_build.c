/* A run's pipeline from its source (pl_media_build): SRT and RTSP passed
 * through (SRT's transport stream as it is, RTSP's streams linked as they
 * appear); the test source, a capture
 * device and the slate encoded once. See media_priv.h. */
#include <string.h>

#include <glib.h>
#include <gst/gst.h>

#include "media_desc.h"
#include "media_priv.h"
#include "media_url.h"

/* Links pad (a demuxed or depayloaded stream) through branch (a bin
 * description) into a new request pad (template) of the pipeline's element
 * named sink; when the branch has a "vcut" element (H264_AU), the cutter
 * watches its output. Streaming thread: touches only the pipeline. False
 * if it cannot. */
bool pl_media_build_link(GstElement *pipeline, GstPad *pad, const char *sink, const char *template,
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
            pl_media_cutter_at(pipeline, cut);
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

void pl_media_post_unsupported(GstElement *from, const char *what)
{
    gst_element_post_message(
        from, gst_message_new_application(
                  GST_OBJECT(from),
                  gst_structure_new("plenum-unsupported", "caps", G_TYPE_STRING, what, NULL)));
}

static void post_unsupported(GstElement *from, GstCaps *caps)
{
    char *desc = gst_caps_to_string(caps);
    pl_media_post_unsupported(from, desc);
    g_free(desc);
}

/* An SRT source (an encoder or OBS pushing MPEG-TS, or pulled from one):
 * its transport stream is recorded and streamed as it arrives, cut into
 * segments by media_tspass.c, not demuxed or re-encoded. Senders must keep
 * SPS/PPS with every keyframe and send 7 TS packets per SRT message (1316
 * bytes), as SRT encoders do. */
static GstElement *build_srt(struct run *r, GError **err)
{
    GstElement *p = gst_parse_launch_full(SRT_DESC, NULL, GST_PARSE_FLAG_FATAL_ERRORS, err);
    GstElement *src = p ? gst_bin_get_by_name(GST_BIN(p), "src") : NULL;
    if (src && pl_media_tspass_at(p, r->s->dir, r->id)) {
        const char *source = r->s->source;
        bool listener = strncmp(source, "srt://:", 7) == 0;
        char *uri = g_strdup_printf("%s?mode=%s", source, listener ? "listener" : "caller");
        /* poll-timeout: srtsrc waits for a listener's caller with no end
         * (-1), and its unlock wakes only the listening socket's poll, not
         * the caller's it reads from: a sender gone silent (stopped, not
         * closed) held the pipeline's stop, and plenumd's exit, until it
         * was killed (test_llhls's SRT test, 1 run in 8). A bound lets
         * srtsrc see its cancellation each second. */
        g_object_set(src, "uri", uri, "poll-timeout", 1000, NULL);
        g_free(uri);
    } else if (p) {
        gst_object_unref(p);
        p = NULL;
    }
    if (src)
        gst_object_unref(src);
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
        for (size_t i = 0; i < G_N_ELEMENTS(pl_media_desc_rtsp_audio) && !branch; i++)
            if (g_ascii_strcasecmp(enc, pl_media_desc_rtsp_audio[i][0]) == 0)
                branch = pl_media_desc_rtsp_audio[i][1];
        if (!branch) { /* a sound we cannot take: the picture alone */
            gst_caps_unref(caps);
            return;
        }
    }
    if (!branch || !pl_media_build_link(data, pad, "mux", "sink_%d", branch))
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

static GstElement *build_encoded(struct run *r, GError **err)
{
    char *desc = pl_media_desc_encoded(r->s->m->cfg, (long long)r->s->session, r->slate,
                                       r->slate ? NULL : pl_media_url_v4l2_device(r->s->source));
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
        pl_media_cutter_at(p, out);
        pl_media_overlay_show(r->s, p);
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

GstElement *pl_media_build(struct run *r, GError **err)
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
    /* The files are the segments, cut by the cutter's events (an SRT
     * source's by media_tspass.c, which writes them itself); the live
     * playlist is media_playlist.c's. */
    if (srt) {
        gst_object_unref(files);
        return p;
    }
    char *loc = g_strdup_printf("%s/seg-%s-%%05d.ts", s->dir, r->id);
    gst_util_set_object_arg(G_OBJECT(files), "next-file", "key-unit-event");
    g_object_set(files, "location", loc, "post-messages", TRUE, "async", FALSE, NULL);
    g_free(loc);
    gst_object_unref(files);
    return p;
}

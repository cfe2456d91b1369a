/* The pipelines' descriptions, the GStreamer elements each names, and
 * where those come from in Debian: pl_media_needs, pl_media_package,
 * pl_media_missing, pl_media_descriptions (media.h); the shared texts are
 * in media_desc.h. */
#include "media_desc.h"

#include <string.h>

#include <glib.h>
#include <gst/gst.h>

#include "media_priv.h"
#include "media_url.h"

#define MEDIA_AUDIO_CAPS "audio/x-raw,rate=48000,channels=2"

const char *const pl_media_desc_rtsp_audio[][2] = {
    {"MPEG4-GENERIC", "rtpmp4gdepay ! aacparse ! queue"},
    {"PCMA", "rtppcmadepay ! alawdec ! " TO_AAC},
    {"PCMU", "rtppcmudepay ! mulawdec ! " TO_AAC},
    {"OPUS", "rtpopusdepay ! opusdec ! " TO_AAC},
};

/* The encoded program (test source, capture device) and the slate
 * (pl_media_desc_encoded()); a capture device adds CAPTURE_ELEMENTS. capsfilter:
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
static const char *const SRT_ELEMENTS[] = {"srtsrc", "fakesink", NULL};
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
    {"fakesink", "libgstreamer1.0-0"},
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
char *pl_media_desc_encoded(const struct pl_config *c, long long sid, bool slate, const char *dev)
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
    else if (pl_media_url_v4l2_device(source))
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
        g_string_append(t, SRT_DESC "\n");
    } else if (g_str_has_prefix(source, "rtsp://")) {
        g_string_append(t, RTSP_DESC "\n" RTSP_VIDEO "\n");
        for (size_t i = 0; i < G_N_ELEMENTS(pl_media_desc_rtsp_audio); i++)
            g_string_append_printf(t, "%s\n", pl_media_desc_rtsp_audio[i][1]);
    } else {
        char *d = pl_media_desc_encoded(cfg, 1, false, pl_media_url_v4l2_device(source));
        g_string_append_printf(t, "%s\n", d);
        g_free(d);
    }
    char *slate = pl_media_desc_encoded(cfg, 1, true, NULL);
    g_string_append_printf(t, "%s\n", slate);
    g_free(slate);
    if (restream)
        g_string_append(t, RESTREAM_DESC "\n" RESTREAM_VIDEO "\n" RESTREAM_AUDIO "\n");
    return g_string_free(t, FALSE);
}

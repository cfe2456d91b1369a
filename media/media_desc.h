/*
 * media/ private: the pipeline description texts the builders
 * (media_build.c, media_restream.c) and the element tables (media_desc.c)
 * share. No GStreamer types: text only.
 */
#ifndef PL_MEDIA_DESC_H
#define PL_MEDIA_DESC_H

#include <stdbool.h>

struct pl_config;

/*
 * The pipelines' descriptions, and the GStreamer elements each needs.
 * Every description plenumd hands GStreamer is here or built from these
 * (pl_media_desc_encoded()); each table beside them lists the elements they name
 * (and those the named ones make themselves: rtspsrc's rtpbin), so that
 * the start-up check (pl_media_missing) asks GStreamer for exactly what the
 * pipelines will. tests/unit/test_media_elements.c reads every word of
 * every description and fails on an element missing from its table, or a
 * table entry without a Debian package in PACKAGES (media_desc.c).
 */

/* The segment files, cut by the cutter's events (pl_media_build()). */
#define SEGMENTS_DESC "mpegtsmux name=mux ! multifilesink name=files"

/* H.264 into the muxer: whole access units, so that a keyframe is one
 * buffer the cutter can see (mpegtsmux would take single NAL units too). */
#define H264_AU                                                                                    \
    "h264parse config-interval=-1 ! capsfilter name=vcut "                                         \
    "caps=video/x-h264,stream-format=byte-stream,alignment=au"

/* SRT (listening or pulling): the MPEG-TS as it arrives, cut into the
 * segment files by a probe on srtsrc's output (media_tspass.c), which
 * drops every buffer there: the sink only takes the end of the stream. */
#define SRT_DESC "srtsrc name=src ! fakesink name=files sync=false async=false"
/* RTSP: depayloaded as the camera's streams appear (rtsp_pad()). */
#define RTSP_DESC  "rtspsrc name=src " SEGMENTS_DESC
#define RTSP_VIDEO "queue ! rtph264depay ! video/x-h264,stream-format=avc,alignment=au ! " H264_AU
#define TO_AAC     "audioconvert ! audioresample ! voaacenc bitrate=96000 ! aacparse ! queue"
/* The restream: the livestream's segments into FLV, as they are. */
#define RESTREAM_DESC                                                                              \
    "appsrc name=in max-bytes=20000000 leaky-type=downstream ! tsdemux name=demux "                \
    "flvmux name=flv streamable=true ! rtmp2sink name=out"
#define RESTREAM_VIDEO "h264parse ! queue"
#define RESTREAM_AUDIO "aacparse ! queue"

/* RTSP sound: {encoding-name, branch into the muxer}, the sound a camera
 * sends that is recorded (as AAC); other sound is left out (rtsp_pad()). */
extern const char *const pl_media_desc_rtsp_audio[4][2];

/* The description of an encoded run (a new string, the caller's to
 * g_free): the slate, or the program of session sid from dev (a "v4l2:"
 * source's device, NULL for the test source). c is borrowed. */
char *pl_media_desc_encoded(const struct pl_config *c, long long sid, bool slate, const char *dev);

#endif

/*
 * The MPEG-TS pass-through splitter: an SRT sender's transport stream cut
 * into HLS segments and LL-HLS parts as it arrives, without demuxing or
 * muxing again (media_tspass.c feeds it from srtsrc's thread). It reads
 * the PAT and PMT (which streams; H.264 video and AAC sound are what is
 * recorded), finds the keyframes (the adaptation field's random-access
 * flag, or an IDR or SPS NAL unit at the start of a picture's PES), cuts
 * a segment at the first keyframe SEGMENT after the last cut and a part at
 * the first picture PART after the last, and starts every segment with a
 * copy of the PAT and the PMT. The sound moves to the next part at its own
 * next PES start, so no picture or sound PES is split across parts (a
 * player reading one part alone loses nothing); data streams (cues,
 * metadata: sparse) move at once.
 *
 * Plain C over GLib: no GStreamer, so that it is unit-tested and fuzzed
 * (tests/unit/test_ts_split.c, tests/fuzz/fuzz_ts_split.c) on its own.
 * Not thread-safe: one thread feeds it, and its callbacks run on that
 * thread, inside pl_ts_split_feed() and pl_ts_split_finish().
 */
#ifndef PL_TS_SPLIT_H
#define PL_TS_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#define PL_TS_PACKET 188

/* What the splitter reports. Times are nanoseconds on the caller's clock
 * (the arrival times it passes to pl_ts_split_feed), advanced by the
 * video's own timestamps from the first keyframe, so that durations are
 * the pictures' and not the network's. */
struct pl_ts_sink {
    void *ctx;
    /* The first keyframe: segment 0 begins at at. */
    void (*opened)(void *ctx, uint64_t at);
    /* A segment ends and the next begins at at (its keyframe); the ending
     * segment's last part follows (with last set). */
    void (*cut)(void *ctx, uint64_t at);
    /* A part of segment seg (0, 1, ... in order), data the callee's to
     * g_bytes_unref; independent: the segment's first (tables and a
     * keyframe); last: the segment's last. The segment is the parts of seg
     * concatenated. */
    void (*part)(void *ctx, unsigned seg, GBytes *data, uint64_t dur, bool independent, bool last);
    /* The program carries a picture or sound plenumd does not record
     * (what: "video/x-h265 (stream type 0x24)" and the like), or no H.264
     * picture at all. Reported once; the splitter takes nothing more. */
    void (*unsupported)(void *ctx, const char *what);
};

struct pl_ts_split;

/* A splitter reporting to sink (copied); segment_ns and part_ns: the
 * shortest segment (a keyframe 100 ms early still cuts) and part. */
struct pl_ts_split *pl_ts_split_new(const struct pl_ts_sink *sink, uint64_t segment_ns,
                                    uint64_t part_ns);
/* n bytes of transport stream that arrived at time at. Packets may be split
 * across calls; bytes out of sync are skipped to the next sync byte. */
void pl_ts_split_feed(struct pl_ts_split *t, const uint8_t *data, size_t n, uint64_t at);
/* The end of the stream: what is held is reported (the last part, last
 * set). Nothing is taken after it. */
void pl_ts_split_finish(struct pl_ts_split *t);
void pl_ts_split_free(struct pl_ts_split *t);

/* What the splitter has seen (for tests and the log). */
struct pl_ts_split_stats {
    uint64_t packets;  /* whole packets taken */
    uint64_t skipped;  /* bytes skipped to find the sync byte */
    uint64_t dropped;  /* packets before the first keyframe, and null packets */
    unsigned segments; /* begun */
    unsigned video_pid;
};
void pl_ts_split_get_stats(const struct pl_ts_split *t, struct pl_ts_split_stats *out);

#endif

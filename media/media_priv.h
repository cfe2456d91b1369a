/*
 * media/ private: the state the media modules share, and the functions one
 * module calls in another. Not for code outside media/ (media.h is the
 * interface). Loop thread only, as media.h says: the streaming-thread
 * callbacks (the cutter's probe, the pad-added handlers) touch only their
 * pipeline and report through the bus.
 *
 * Who owns what: struct pl_media owns its streams (m->streams, freed by
 * stream_free in media.c) and its programs (m->programs, freed by
 * pl_media_overlay_free); a stream owns its runs, its restream and its
 * playlist window; a run owns its pipeline. Every back pointer (run->s,
 * stream->m) is borrowed: the owner outlives it.
 *
 *   media.c           streams and runs: start, stop, the bus, the record,
 *                     the slate and the retries; pl_media_new/resume/event
 *   media_status.c    the status, the public state
 *   media_build.c     a run's pipeline from its source (pl_media_build)
 *   media_desc.c      the pipelines' descriptions and element tables
 *   media_cutter.c    the segment cutter (a probe at the muxer's input)
 *   media_playlist.c  live.m3u8, the sliding window across runs
 *   media_restream.c  the RTMP restream, fed with closed segments
 *   media_overlay.c   the lower third and the hall/room picture switch
 *   media_url.c       the source and restream URL grammar (no GStreamer)
 */
#ifndef PL_MEDIA_PRIV_H
#define PL_MEDIA_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>
#include <gst/gst.h>

#include "media.h"

#define SEGMENT_S 1 /* HLS segment length: latency vs. files */

/* LL-HLS partial segments (media_cutter.c, media_playlist.c). A part closes
 * at the first muxed packet PART_CUT_MS or more after it began (a new PES:
 * every packet of one frame carries its time), so no part is longer than
 * PART_CUT_MS plus one frame or audio packet (40 ms at 25 fps): the
 * playlist's PART-TARGET. Shorter parts cut latency further but multiply
 * the requests each viewer makes (docs/benchmarks.md, "LL-HLS"). */
#define PART_CUT_MS    200
#define PART_TARGET_MS 250
/* Segments whose parts the live playlist lists besides the open one: a
 * player joins at least PART-HOLD-BACK (3 parts) behind the edge. */
#define PART_SEGMENTS 2

/*
 * A stream is one open sitting's media; a run is one GStreamer pipeline
 * writing segments for it. A stream has at most two runs at once: the
 * source's (the program) and, for a public sitting while the source
 * delivers nothing, the slate's. Both write into the same directory with
 * their own run ids, and media_playlist.c itself keeps the streaming playlist, so a
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
    guint64 parts;     /* LL-HLS parts made so far: the next one's n */
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

/* A partial segment: a slice of the MPEG-TS the muxer gave multifilesink,
 * kept in memory (the segment files stay as they were) and served as
 * /media/<sitting>/part-<run>-<n>.ts while its segment is in the window. */
struct part {
    GBytes *data; /* owned */
    char run[17];
    guint64 n; /* in its run, from 0 across segments (so a hint always comes true) */
    guint dur_ms;
    bool independent; /* starts with the tables and a keyframe (a segment's first) */
};

/* Frees a struct part (a GDestroyNotify). */
void pl_media_part_free(gpointer p);

/* A segment in the streaming playlist. */
struct window_seg {
    char *file; /* owned */
    char *date; /* its wall-clock start, ISO 8601; owned */
    guint dur_ms;
    bool disc;        /* a discontinuity before it: another run */
    GPtrArray *parts; /* struct part *, owned; NULL once older than PART_SEGMENTS */
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
    bool stop_wanted;      /* stopping for good (sitting closed), not to retry */
    GQueue window;         /* struct window_seg *, the playlist's window */
    guint64 window_seq;    /* media sequence number of the window's first segment */
    guint window_disc;     /* discontinuities that left the window */
    char window_run[17];   /* run of the last segment in the window */
    guint target_s;        /* the longest segment so far, rounded: never shrinks */
    GPtrArray *open_parts; /* struct part *, of the segment being written; owned */
    char open_run[17];     /* the run writing it ("" before the first part) */
    guint64 next_part;     /* n of open_run's next part (the preload hint) */
    bool ended;            /* the playlist has its #EXT-X-ENDLIST */
    GBytes *live_text;     /* live.m3u8 as it is now, served from here; owned, may be NULL */
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
    GHashTable *streams;  /* sitting id -> struct stream * (owned: stream_free) */
    GHashTable *programs; /* session id -> struct program * (owned: pl_media_overlay_free) */
    /* What the start-up check found missing (--media-required off), or
     * NULL; owned. The streams say it too (reason "missing_elements"). */
    char *missing;
    guint start_timeout_ms;
    pl_media_live_cb live_cb; /* see pl_media_on_live(); may be NULL */
    void *live_user;          /* borrowed */
};

/* --- media_playlist.c: the streaming playlist ------------------------------------------- */

/* Frees a struct window_seg (a GDestroyNotify for s->window). */
void pl_media_playlist_seg_free(gpointer p);

/* Rewrites s's live.m3u8 (public streams only); ended: with #EXT-X-ENDLIST. */
void pl_media_playlist_write(struct stream *s, bool ended);

/* r's cutter finished a part (data taken: owned by s afterwards) of the
 * segment being written (a part that comes after the segment's close
 * message starts the next one). Rewrites the playlist. */
void pl_media_playlist_part(struct stream *s, struct run *r, GBytes *data, guint dur_ms,
                            bool independent);

/* Appends r's closed segment file (a name in s->dir, copied) of dur_ms
 * that began at start_us (wall clock) to s's window, and rewrites it. */
void pl_media_playlist_append(struct stream *s, const struct run *r, const char *file, guint dur_ms,
                              int64_t start_us);

/* --- media_restream.c: the RTMP restream -------------------------------------------- */

/* Stops rs's pipeline, if any (rs->error and rs->retry_at stay). */
void pl_media_restream_stop(struct restream *rs);

/* r's segment at path closed: sends it on when s restreams (starting or
 * restarting the restream's pipeline as needed). */
void pl_media_restream_segment(struct stream *s, const struct run *r, const char *path);

/* --- media_cutter.c: the segment cutter ----------------------------------------------- */

/* Cuts the segments of pipeline at the keyframes leaving pad (H.264 on its
 * way into the muxer), and the muxer's output ("mux") into parts, posted as
 * "plenum-part" messages. pipeline is borrowed and outlives the probes. */
void pl_media_cutter_at(GstElement *pipeline, GstPad *pad);

/* The cutters' bus messages, posted on pipeline from a streaming thread
 * and read by media.c's on_bus: name ("plenum-opened", "plenum-cut") with
 * a running time; a part of the open segment (data borrowed: the message
 * takes its own reference). */
void pl_media_post_time(GstElement *pipeline, const char *name, guint64 rt);
void pl_media_post_part(GstElement *pipeline, GBytes *data, guint64 dur, bool independent);

/* --- media_tspass.c: an SRT source's MPEG-TS passed through ------------------------- */

/* Cuts the transport stream leaving pipeline's "src" into the segment
 * files dir/seg-<run>-NNNNN.ts and parts (ts_split.c), posted as the
 * cutter's messages are, and "plenum-closed" for each file complete on
 * disk; write errors are errors from its "files". pipeline is borrowed and
 * outlives the probe. False if pipeline lacks either element. */
bool pl_media_tspass_at(GstElement *pipeline, const char *dir, const char *run);

/* --- media_build.c: a run's pipeline -------------------------------------------------- */

/* r's pipeline (a new reference, r's to own), not yet playing, or NULL
 * with *err set. */
GstElement *pl_media_build(struct run *r, GError **err);

/* A source that sends what plenumd does not record: "plenum-unsupported"
 * from from, what (borrowed) saying what came; the run ends with
 * unsupported_format. Any thread. */
void pl_media_post_unsupported(GstElement *from, const char *what);

/* Links pad through branch (a bin description) into a new request pad
 * (template) of pipeline's element named sink; see media_build.c. */
bool pl_media_build_link(GstElement *pipeline, GstPad *pad, const char *sink, const char *template,
                         const char *branch);

/* --- media_overlay.c: the lower third and the picture switch ---------------------- */

/* Sets the lower third of pipeline (one of s's encoded runs) from s's program. */
void pl_media_overlay_show(struct stream *s, GstElement *pipeline);

/* Chooses the hall's or the room's picture in pipeline (an encoded run of
 * s's source; does nothing on others). */
void pl_media_overlay_picture(struct stream *s, GstElement *pipeline);

/* Frees a struct program (m->programs' GDestroyNotify). */
void pl_media_overlay_free(gpointer p);

/* Shows session_id's program again on its streams' encoded runs. */
void pl_media_overlay_changed(struct pl_media *m, int64_t session_id);

/* Follows the hub's event name (data borrowed) into session_id's program;
 * true if what the lower third shows changed. */
bool pl_media_overlay_follow(struct pl_media *m, int64_t session_id, const char *name,
                             const json_t *data);

#endif

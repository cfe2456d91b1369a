/*
 * Recording and livestreaming of sittings, in plenumd's process: one
 * GStreamer pipeline per open sitting, started and stopped by the hub's
 * committed events (sitting.opened / sitting.closed), never waited on by
 * the hub. The source is encoded once (x264 + AAC), or passed through, and
 * cut at its keyframes (mpegtsmux + multifilesink, media_cutter.c) into
 * 1-second MPEG-TS segments: the same files are the live HLS stream and
 * the recording. MPEG-TS is written progressively, so a crash or a power
 * cut loses at most the segment being written; each closed segment is
 * registered in PostgreSQL (media_segment) with its wall-clock start, from
 * which the VOD playlist and the chapters are built (server/net/net_media.c).
 *
 * Files: <data-dir>/media/<public|closed>/sitting-<id>/seg-<run>-<n>.ts
 * and live.m3u8 (a sliding window of the last 10, written by
 * media_playlist.c across runs; the whole sitting is the VOD playlist);
 * <run> is random per pipeline run, so a restart never overwrites a
 * segment. Only public/ is ever served. While a public sitting's source
 * delivers nothing, a slate run ("signal interrupted") fills the livestream
 * and the recording notes the gap.
 *
 * Hybrid sittings: an encoded run (test source, capture device) is also the
 * hall of the session's WebRTC room (rtc.c): its raw picture and sound go
 * to the room, and the room's remote speaker comes back into the recording
 * (see pl_media_remote_picture and media_desc.c's pl_media_desc_encoded).
 *
 * Loop thread only. GStreamer's streaming threads never touch this state:
 * everything arrives through the bus watch on the main loop.
 *
 * Implemented by media.c and the media_*.c modules (media_priv.h lists
 * them); the URL grammar is media_url.h, which this header includes.
 */
#ifndef PL_MEDIA_H
#define PL_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "config.h"
#include "media_url.h" /* pl_media_source_valid and the rest of the URL grammar */
#include "store.h"

struct pl_media;

/* cfg and store are borrowed and outlive the media. With --media-source
 * none, the media does nothing (and says so in its status). */
struct pl_media *pl_media_new(const struct pl_config *cfg, struct pl_store *store);

/* At start (synchronous, conn): closes recordings a crash left open
 * (end_reason "interrupted": the gap is in the record), checks that every
 * GStreamer element the configured media needs is installed (the server's
 * source, the sessions' sources and restreams, the slate), removes stale
 * live playlists, and starts a pipeline for every sitting open now. An
 * element missing: with cfg->media_required, -1 and err names the elements
 * and their Debian packages; without, one error line in the log and the
 * media's state is "error" (reason "missing_elements"). */
int pl_media_resume(struct pl_media *m, PGconn *conn, char *err, size_t errlen);

/* The hub's observer (pl_hub_observe): sitting.opened starts a pipeline,
 * sitting.closed and session.closed stop it. */
void pl_media_event(void *media, int64_t session_id, const char *name, const json_t *data);

/*
 * Hybrid sittings (rtc.c's room): the hybrid room tells, through server.c,
 * whether a remote participant is on air in session_id; while one is, the
 * recording and the livestream of the session's encoded sittings show the
 * room's program picture (channel "pl-room-v-<session id>") instead of the
 * hall's. Their sound needs no switch: the room's mix of the remote
 * participants ("pl-remote-a-<session id>") is always mixed in, and is
 * silent unless someone is on the floor. Passed-through sources (RTSP,
 * SRT) are recorded as they come: a remote speaker reaches them only
 * through the hall's PA (--rtc-hall-sink) and the hall's sound desk.
 */
void pl_media_remote_picture(struct pl_media *m, int64_t session_id, bool remote);

/*
 * States. The media as a whole (pl_media_state): "off" (--media-source
 * none), "ok", or "error" (reason "missing_elements": started with
 * --media-required off). A stream (one open sitting):
 *   starting  its pipeline is starting (at most START_TIMEOUT_MS, 15 s)
 *   waiting   a passed-through source waits for its sender (slate on)
 *   live      the source is recorded (and streamed if public)
 *   retrying  the source went away; trying again
 *   error     it cannot record: "reason" says why, "error" in words;
 *             retried (but for missing_elements) until a run delivers
 *   stopping  the sitting closed; the last segments are being closed
 * Reasons: missing_elements (a GStreamer element is not installed),
 * build_failed (the pipeline could not be built or refused to play),
 * start_timeout (no picture within the bound), source_error (the source
 * or the pipeline failed), disk_full, unsupported_format (a passed-
 * through source sends other than H.264/AAC), storage (the directory
 * cannot be made).
 */

/* {"source", "state", "reason", "error", "streams": [{"sitting_id",
 * "state", "reason", "public", "segments", "bitrate_kbps",
 * "dropped_frames", "error", "source", "slate", "path":
 * "encode"|"passthrough", "restream"?: {"url", "state": "starting"|
 * "sending"|"error", "segments", "error"}}]} (new reference). */
json_t *pl_media_status(const struct pl_media *m);

/* "off", "ok" or "error" (static). */
const char *pl_media_state(const struct pl_media *m);

/* What a citizen's page may know of sitting_id's livestream (static):
 * "live" (the streaming playlist has *segments segments: the program or the
 * slate), a stream state above but "live", "none" (no stream, or not a
 * public one: the two are not told apart) or "off"; *reason: the error's
 * code, or NULL (never the error's words: they name files and hosts). */
const char *pl_media_public_state(const struct pl_media *m, int64_t sitting_id, int *segments,
                                  const char **reason);

/* The GStreamer elements a source ("test", "srt://...", see
 * pl_media_source_valid) needs, with the slate's, and with restream the
 * RTMP restream's: a new NULL-terminated array (g_free) of static strings. */
const char **pl_media_needs(const char *source, bool restream);

/* The Debian package element comes from (static), or NULL if unknown. */
const char *pl_media_package(const char *element);

/* The elements pl_media_needs() lists that GStreamer's registry lacks, as
 * "textoverlay, clockoverlay (Debian package gstreamer1.0-x)" (a new
 * string), or NULL when none is. gst_init() must have run. */
char *pl_media_missing(const char *source, bool restream);

/* Every pipeline description plenumd would give GStreamer for source (and
 * the slate, and with restream the restream's), one a line: a new string.
 * For tests/unit/test_media_elements.c, which checks each element they
 * name is in pl_media_needs(). */
char *pl_media_descriptions(const struct pl_config *cfg, const char *source, bool restream);

/* The directory of public media files (absolute), or NULL when media is
 * off. Borrowed. */
const char *pl_media_public_root(const struct pl_media *m);

/* Whether sitting_id is being streamed to the public now. */
bool pl_media_streaming(const struct pl_media *m, int64_t sitting_id);

/* LL-HLS (media_playlist.c). Called on the loop thread each time sitting_id's
 * live playlist changes (a part, a segment, the end), so that the HTTP
 * side answers the requests it holds. */
typedef void (*pl_media_live_cb)(void *user, int64_t sitting_id);

/* Sets the one live callback (user borrowed; NULL cb: none). */
void pl_media_on_live(struct pl_media *m, pl_media_live_cb cb, void *user);

enum pl_media_live {
    PL_LIVE_READY,   /* there: answer now */
    PL_LIVE_WAIT,    /* not yet: hold the request (at most *wait_ms) */
    PL_LIVE_TOO_FAR, /* a sequence number beyond what may be waited for (400) */
    PL_LIVE_GONE,    /* not streamed, or a part that will never exist (404) */
};

/* Whether sitting_id's live playlist holds part `part` of media sequence
 * number msn (part < 0: the whole segment msn), as a blocking playlist
 * reload (_HLS_msn, _HLS_part) asks; *wait_ms: how long to hold at most
 * (three target durations). */
enum pl_media_live pl_media_live_has(const struct pl_media *m, int64_t sitting_id, int64_t msn,
                                     int64_t part, guint *wait_ms);

/* sitting_id's live playlist as it is now (a new reference, the caller's),
 * or NULL when it is not streamed. Served from memory: with parts it
 * changes five times a second, the file only at each segment. */
GBytes *pl_media_live_playlist(const struct pl_media *m, int64_t sitting_id);

/* The part named name ("part-<run>-<n>.ts") of sitting_id: READY with
 * *data (a new reference, the caller's), WAIT while it is the preload hint
 * (the next part, being written), else GONE. */
enum pl_media_live pl_media_live_part(const struct pl_media *m, int64_t sitting_id,
                                      const char *name, GBytes **data, guint *wait_ms);

/* Stops every pipeline at once (the segment being written is lost, as in
 * a crash; the record says "interrupted" at the next start). */
void pl_media_free(struct pl_media *m);

#endif

/*
 * media/ private: the hybrid room's state that its modules share (rtc.h is
 * the interface; nothing outside media/ includes this).
 *
 *   rtc.c       joining and leaving, floor and chair, status, lifetime
 *   rtc_peer.c  a participant's bin and webrtcbin: the offer, ICE, the
 *               notes from GStreamer's threads, its statistics
 *   rtc_room.c  the room's pipeline: the program, the shared encodings
 *
 * Loop thread only, but for what the structs say is read by streaming
 * threads (under lock) or may be used from any thread.
 *
 * Who owns what: struct pl_rtc owns its rooms (rtc->rooms, freed by
 * pl_rtc_room_free); a room holds its participants (room->peers, each
 * freed when it leaves or is dropped) and its pipeline; rtc->peers only
 * borrows them, for lookups by id. Back pointers (peer->rtc, peer->room,
 * room->rtc) are borrowed: the owner outlives them.
 */
#ifndef PL_RTC_PRIV_H
#define PL_RTC_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>
#include <gst/gst.h>
#include <jansson.h>

#include "rtc.h"

#define PL_RTC_PROGRAM_CAPS "video/x-raw,width=640,height=360,framerate=15/1"
#define PL_RTC_AUDIO_CAPS   "audio/x-raw,rate=48000,channels=2"

/* Outlives the rtc for notes still queued when it is freed. */
struct link {
    gint ref;
    struct pl_rtc *rtc; /* NULL once freed */
};

struct room {
    struct pl_rtc *rtc;
    int64_t session_id;
    GstElement *pipe;              /* owned */
    GstElement *mix, *comp, *atee; /* references to elements of pipe */
    GstElement *rmix;              /* the remote participants' sound alone; a reference */
    GstElement *aenc, *venc;       /* appsinks of the shared encodings; references */
    GstElement *vencoder;          /* vp8enc, asked for key frames; a reference */
    /* Who takes the shared encodings: appsrcs (references), read by the
     * appsinks' streaming threads, so under lock. */
    GMutex lock;
    GPtrArray *audio_out, *video_out;
    guint bus_watch;
    double level_db;      /* the program's loudest 100 ms lately (peak hold) */
    gint64 level_at_us;   /* when level_db was set */
    int64_t floor_person; /* 0: nobody */
    bool remote_picture;  /* a participant's picture is on air (told to the recording) */
    GList *peers;         /* struct pl_rtc_peer * */
    bool closing;         /* pl_rtc_room_free is dropping the participants */
};

struct pl_rtc_peer {
    struct pl_rtc *rtc;
    struct room *room;
    guint64 id;
    int64_t person_id;
    char *name;
    pl_rtc_send_fn send;
    void *user;
    GstElement *bin;              /* owned by room->pipe once added; ref held */
    GstElement *webrtc;           /* in bin */
    GstElement *volume;           /* in bin: the participant's sound into the mix */
    GstPad *mix_pad;              /* requested from room->mix */
    GstPad *rmix_pad;             /* requested from room->rmix */
    GstPad *comp_pad;             /* requested from room->comp */
    GstElement *asrc, *vsrc;      /* its appsrcs in room->audio_out/video_out, or NULL */
    int audio_mline, video_mline; /* -1: none */
    int n_mlines;                 /* in its offer */
    int audio_pt, video_pt;       /* the offer's payload types for Opus, VP8 */
    char video_codec[8];          /* what the participant sends: VP8, H264 or "" */
    bool offered, connected, chair_muted, on_floor;
    bool host;         /* a meeting's moderator: on air whoever has the floor */
    bool viewer;       /* its offer sends nothing: it only gets the program */
    bool watch_only;   /* may only be a viewer (pl_rtc_set_watch_only) */
    const char *state; /* static: new, connecting, connected, failed */
    gint64 connected_us, last_audio_us;
    double audio_db; /* the participant's loudest 100 ms lately (peak hold) */
    gint64 audio_db_at_us;
    guint watchdog; /* timeout source */
    guint stats_timer;
    GstPromise *stats; /* asked, not yet answered; a reference */
    gint64 packets_lost;
    double jitter_ms, rtt_ms;
    gint video_frames;  /* the participant's pictures into the program (atomic) */
    gint video_decoded; /* decoded from what it sends (atomic) */
};

struct pl_rtc {
    const struct pl_config *cfg;
    struct link *link;
    GHashTable *rooms; /* int64 session id -> struct room * (owned) */
    GHashTable *peers; /* guint64 id -> struct pl_rtc_peer * (borrowed) */
    guint64 next_id;
    pl_rtc_picture_fn picture; /* may be NULL */
    void *picture_user;
};

/* --- rtc.c ------------------------------------------------------------------------------ */

/* Drops a reference to l (the last one frees it). Any thread. */
void pl_rtc_link_unref(struct link *l);

/* Sends msg (taken) to p as JSON text. */
void pl_rtc_tell(struct pl_rtc_peer *p, json_t *msg);

/* Tells p its state ("rtc.state"), with reason (static) if not NULL. */
void pl_rtc_tell_state(struct pl_rtc_peer *p, const char *reason);

/* The room drops p by itself (a timeout, a failure, the room closed): p
 * is told why (state, reason: static), freed, and its owner told it is
 * gone; the last one out closes the room (unless the room is closing). */
void pl_rtc_drop(struct pl_rtc_peer *p, const char *state, const char *reason);

/* --- rtc_peer.c: a participant's media ----------------------------------------------- */

/* What the program does with p: heard and seen only while on the floor
 * and not muted by the chair; tells the recording if that changed. */
void pl_rtc_peer_apply_floor(struct pl_rtc_peer *p);

/* --- rtc_room.c: the room's pipeline ------------------------------------------------------ */

/* A new room for session_id, its pipeline playing, floor_person (0:
 * nobody) on air; NULL (logged) if it cannot be built. The caller puts it
 * in rtc->rooms, which owns it. */
struct room *pl_rtc_room_new(struct pl_rtc *rtc, int64_t session_id, int64_t floor_person);

/* Drops the room's participants and frees it (rtc->rooms' GDestroyNotify). */
void pl_rtc_room_free(gpointer data);

/* Tells the recording (pl_rtc_on_picture) whether a participant's picture
 * is on air in room now; only changes. */
void pl_rtc_room_picture(struct room *room);

#endif

/*
 * Remote participants of a sitting over WebRTC (hybrid sittings): one
 * "room" pipeline per live session, holding the program — the hall's
 * picture and sound mixed with whoever holds the floor — and one webrtcbin
 * per remote participant (bundle max-bundle; Opus audio, VP8 or H.264
 * video in; the program back as Opus + VP8 from one shared encoding, each
 * participant behind its own leaky queue).
 *
 * Floor control follows the hub's committed events: when the floor goes to
 * a remote participant their sound is unmuted in the mix and their picture
 * shown in the program; when it ends they are muted and hidden again. The
 * chair can mute anyone (pl_rtc_mute).
 *
 * Signalling comes through the hub (rtc.* requests of plenum.v1); what the
 * room tells a participant (its answer, its ICE candidates, its state) goes
 * out through the participant's send callback as JSON text.
 *
 * Loop thread only. GStreamer's threads (webrtcbin's, the streaming ones)
 * never touch this state: what they learn is marshalled to the main loop
 * and looked up by participant id there.
 */
#ifndef PL_RTC_H
#define PL_RTC_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "errors.h"

struct pl_rtc;
struct pl_rtc_peer;

/* Sends text (a JSON message, the callee's to free()) to the participant's
 * connection. */
typedef void (*pl_rtc_send_fn)(void *user, char *text);

/* Whether a remote participant's picture is on air in session_id's room
 * (on the floor, not muted, sending video): server.c passes it to the
 * recording (pl_media_remote_picture), which then shows the room's
 * program picture. Called on the loop thread, on changes only. */
typedef void (*pl_rtc_picture_fn)(void *user, int64_t session_id, bool remote);

/* cfg is borrowed and outlives the rtc. */
struct pl_rtc *pl_rtc_new(const struct pl_config *cfg);

/* Tears every room down (participants get nothing more). NULL is fine. */
void pl_rtc_free(struct pl_rtc *r);

/* Who is told of pl_rtc_picture_fn changes (one observer; user borrowed,
 * outlives the rtc). */
void pl_rtc_on_picture(struct pl_rtc *r, pl_rtc_picture_fn fn, void *user);

/* The ICE servers for clients (RTCPeerConnection's iceServers), a new
 * reference. */
json_t *pl_rtc_ice_servers(const struct pl_rtc *r);

/*
 * A participant's place in the session's room (made on first use). name
 * is copied; send/user are kept until pl_rtc_leave. on_floor: whether this
 * person holds the floor now. Returns NULL with err (and *reason) when the
 * room is full or cannot be made.
 */
struct pl_rtc_peer *pl_rtc_join(struct pl_rtc *r, int64_t session_id, int64_t person_id,
                                const char *name, bool on_floor, pl_rtc_send_fn send, void *user,
                                enum pl_err *err, const char **reason);

/* Makes p a host (a voter meeting's moderator): always on air, whoever
 * holds the floor. */
void pl_rtc_set_host(struct pl_rtc_peer *p);

/* p may only watch: its offer must send nothing (every m-line recvonly),
 * else pl_rtc_offer refuses it (forbidden, watch_only). A voter meeting's
 * audience. Any participant whose offer sends nothing is a viewer anyway:
 * it gets the program, is never on air, and is not dropped for sending no
 * sound. */
void pl_rtc_set_watch_only(struct pl_rtc_peer *p);

/* The participant's SDP offer (untrusted: checked first). On success the
 * answer follows as {"type":"rtc.answer","sdp"}; on refusal *reason is a
 * stable code (static). */
enum pl_err pl_rtc_offer(struct pl_rtc_peer *p, const char *sdp, size_t len, const char **reason);

/* A trickled ICE candidate (an empty one ends the candidates). */
enum pl_err pl_rtc_candidate(struct pl_rtc_peer *p, const char *candidate, size_t len,
                             const char *mid, int mline, const char **reason);

/* Leaves: the participant's elements go to NULL and out of the room, its
 * pads are released; p is freed. */
void pl_rtc_leave(struct pl_rtc_peer *p);

/* The hub's committed events: floor.changed moves the program to the
 * speaker; sitting.closed and session.closed end the room. */
void pl_rtc_event(struct pl_rtc *r, int64_t session_id, const char *name, const json_t *data);

/* The chair mutes (or unmutes) a participant in the program. */
enum pl_err pl_rtc_mute(struct pl_rtc *r, int64_t session_id, int64_t person_id, bool muted);

/* {"rooms": [{"session_id", "program_level_db", "participants": [{"person_id",
 * "name", "state", "on_floor", "muted", "audio_level_db", "video",
 * "video_codec", "packets_lost", "jitter_ms", "rtt_ms"}]}]} (new reference). */
json_t *pl_rtc_status(const struct pl_rtc *r);

/* One session's room as in pl_rtc_status (an empty one if none), a new
 * reference. */
json_t *pl_rtc_room_status(const struct pl_rtc *r, int64_t session_id);

/* --rtc-timeout, for clients. */
int pl_rtc_timeout_s(const struct pl_rtc *r);

/* Participants in a session's room (all rooms when session_id is 0). */
unsigned pl_rtc_count(const struct pl_rtc *r, int64_t session_id);

#endif

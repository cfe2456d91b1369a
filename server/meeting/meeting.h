/*
 * Online voter-contact meetings (tiếp xúc cử tri trực tuyến): citizens sign
 * in with a name and an optional phone (no account), raise a hand, speak
 * when the moderator admits them, and send written petitions; the
 * moderator (the council's chair, secretary or staff) opens and closes the
 * meeting, admits, ends a turn, removes a citizen.
 *
 * The database decides every change (schema/011_meetings.sql, meeting_do)
 * and numbers its event; a client hears of an event only after it has
 * committed, and every node holding a meeting sends its clients the events
 * any node committed, in seq order, each once (NOTIFY
 * plenum_meeting_event, then a catch-up query from the last seq sent).
 *
 * The media: a meeting's WebRTC room is the rtc room numbered -meeting_id.
 * A citizen whose hand is raised or who is admitted may join it; only the
 * admitted one is heard and seen (participant id -guest_id). Staff who
 * join are the hosts, always on air.
 *
 * Loop thread only.
 */
#ifndef PL_MEETING_H
#define PL_MEETING_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"
#include "store.h"

struct pl_client;
struct pl_rtc;
struct pl_meetings;

/* The channel on which PostgreSQL announces each committed meeting event,
 * payload "<meeting id> <seq>". */
#define PL_MEETING_CHANNEL "plenum_meeting_event"

struct pl_throttle;

/* store is borrowed and outlives the meetings; rtc may be NULL (no media).
 * petitions (borrowed, outlives the meetings) counts written petitions per
 * address: the same limit as the public petition form's. */
struct pl_meetings *pl_meetings_new(struct pl_store *store, struct pl_rtc *rtc,
                                    struct pl_throttle *petitions);

/* Frees everything; clients still in a meeting must have gone first. NULL
 * is fine. */
void pl_meetings_free(struct pl_meetings *m);

/* A meeting.* request from c (validated for shape by proto_decode.c). Every
 * request gets exactly one reply, now or when the database has answered. */
void pl_meetings_request(struct pl_meetings *m, struct pl_client *c, const struct pl_request *req);

/* Whether c is in a meeting (its rtc.* requests are the meeting's). */
bool pl_meetings_has(const struct pl_client *c);

/* An rtc.* request of a client in a meeting. */
void pl_meetings_rtc(struct pl_meetings *m, struct pl_client *c, const struct pl_request *req);

/* c is going away (or joining a session): a citizen's place is given up
 * (guest.left), its media leave the room. */
void pl_meetings_client_gone(struct pl_meetings *m, struct pl_client *c);

#endif

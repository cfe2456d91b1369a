/*
 * Inside the live session module: what live.c, live_agenda.c and
 * live_floor.c share. Not for callers outside server/session/live*.c; they
 * use live.h.
 *
 * live.c owns the state (lifetime, loading, lookups, JSON views, applying)
 * and pl_live_check's switch; live_agenda.c and live_floor.c decide the
 * commands of their area. Every pointer returned here points into the
 * struct pl_live it was looked up in (owned by it, valid until the next
 * pl_live_apply or pl_live_free); every json_t * returned is a new
 * reference owned by the caller.
 */
#ifndef PL_LIVE_PRIV_H
#define PL_LIVE_PRIV_H

#include "live.h"

/* --- live.c: lookups and views ---------------------------------------------- */

/* The kind named s (pl_kind_name's inverse), or -1. */
int pl_live_kind_parse(const char *s);
/* Lookups by id: NULL (or -1 for an index) when there is none. */
const struct pl_member *pl_live_member(const struct pl_live *l, int64_t person);
struct pl_sitting *pl_live_sitting(const struct pl_live *l, int64_t id);
int pl_live_item_index(const struct pl_live *l, int64_t id);
struct pl_item *pl_live_item(const struct pl_live *l, int64_t id);
int pl_live_request_index(const struct pl_live *l, int64_t id);
/* The integer field k of req, or dflt when it is absent or not an integer. */
int64_t pl_live_opt_int(const json_t *req, const char *k, int64_t dflt);
/* Turn t as clients see it at now_ms (null when there is no turn). */
json_t *pl_live_turn_to_json(const struct pl_live *l, const struct pl_turn *t, int64_t now_ms);
/* The queued requests of item_id in unsorted (an array of struct
 * pl_speaker_request, not taken), in order. */
json_t *pl_live_queue_json(const struct pl_live *l, const GArray *unsorted, int64_t item_id);

/* --- live_floor.c: turns, shared with sittings and applying ------------------ */

/* Fills ch->ended (and sets ch->ends_turn) with the current turn as it ends
 * at now_ms. */
void pl_live_floor_end_turn(const struct pl_live *l, int64_t now_ms, struct pl_change *ch);
/* The turn ch ends, as JSON (null when it ends none). */
json_t *pl_live_floor_ended_json(const struct pl_change *ch);
/* The turn a PL_OP_TURN_START change starts. */
struct pl_turn pl_live_floor_started_turn(const struct pl_live *l, const struct pl_change *ch);
/* The current turn after a pause, resume, extension or overrun. */
struct pl_turn pl_live_floor_turn_after(const struct pl_live *l, const struct pl_change *ch);

/* --- deciding ----------------------------------------------------------------- */

/* One decide function per session command (or family sharing its code),
 * called by pl_live_check once the sender's role, the session and the
 * sitting are checked. Same contract as pl_live_check. */
#define PL_LIVE_DECIDE(name)                                                                       \
    enum pl_err name(const struct pl_live *l, const struct pl_identity *who, enum pl_rq rq,        \
                     const json_t *req, int64_t now_ms, struct pl_change *ch, const char **reason)

/* live_agenda.c: the session, its sittings, the agenda. */
PL_LIVE_DECIDE(pl_live_agenda_decide_session_open);
PL_LIVE_DECIDE(pl_live_agenda_decide_session_close);
PL_LIVE_DECIDE(pl_live_agenda_decide_sitting_open);
PL_LIVE_DECIDE(pl_live_agenda_decide_sitting_close);
PL_LIVE_DECIDE(pl_live_agenda_decide_move); /* agenda.activate, next, previous */
PL_LIVE_DECIDE(pl_live_agenda_decide_done);

/* live_floor.c: attendance, the speaker queue, turns, timers, the display. */
PL_LIVE_DECIDE(pl_live_floor_decide_attendance); /* check_in, check_out, set */
PL_LIVE_DECIDE(pl_live_floor_decide_speaker_request);
PL_LIVE_DECIDE(pl_live_floor_decide_speaker_unqueue); /* withdraw, remove */
PL_LIVE_DECIDE(pl_live_floor_decide_speaker_reorder);
PL_LIVE_DECIDE(pl_live_floor_decide_speaker_grant);
PL_LIVE_DECIDE(pl_live_floor_decide_speaker_give_floor);
PL_LIVE_DECIDE(pl_live_floor_decide_speaker_end);
PL_LIVE_DECIDE(pl_live_floor_decide_timer_pause);
PL_LIVE_DECIDE(pl_live_floor_decide_timer_resume);
PL_LIVE_DECIDE(pl_live_floor_decide_timer_extend);
PL_LIVE_DECIDE(pl_live_floor_decide_display_set);

#undef PL_LIVE_DECIDE

#endif

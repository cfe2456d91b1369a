/*
 * Electronic votes of a live session (DOMAIN.md): open votes (totals only),
 * named roll-call votes, secret ballots on a motion, elections and confidence
 * votes; prepared -> open -> closed -> counted -> published, or cancelled.
 *
 * Secrecy. For the secret kinds (secret, election, confidence) a voter sends
 * a random nonce with the ballot. From it the server derives, in separate
 * hash domains: the ballot key (stored on the ballot row, with the choice and
 * nothing else), the receipt (stored in a separate list, published with the
 * result), and a check and a commitment kept on the participation row (who
 * voted). Without the nonce, which is never stored, no row links to another.
 * The server keeps only the participation check and commitment in memory, so
 * a retry or an allowed change can be recognised; the choice is forgotten
 * once committed. A nonce is its voter's own: one whose check another voter
 * holds is refused (PL_ERR_NONCE_IN_USE), or two voters would share one
 * ballot and receipt. The database's bookkeeping (xmin, ctid) links a group
 * commit's voters to its ballots while the vote is open; closing rewrites
 * the ballots so that nothing does afterwards (vote_sql.h, pl_vote_compact).
 *
 * Like live.c: plain C; vote_check decides against memory, the change is
 * written (vote_sql.c) and applied after commit.
 */
#ifndef PL_VOTE_H
#define PL_VOTE_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>
#include <jansson.h>

#include "errors.h"
#include "identity.h"
#include "proto.h"
#include "vote_tally.h"

struct pl_live;
struct pl_change;

enum pl_vote_kind {
    PL_VOTE_OPEN = 0,
    PL_VOTE_NAMED,
    PL_VOTE_SECRET,
    PL_VOTE_ELECTION,
    PL_VOTE_CONFIDENCE,
    PL_VOTE_KIND__COUNT
};
enum pl_vote_state {
    PL_VS_PREPARED = 0,
    PL_VS_OPEN,
    PL_VS_CLOSED,
    PL_VS_COUNTED,
    PL_VS_PUBLISHED,
    PL_VS_CANCELLED
};

/* What the server remembers of one voter's participation. */
struct pl_voted {
    char *choice;             /* open kinds: canonical JSON; NULL for secret kinds */
    unsigned char check[32];  /* secret kinds: SHA-256("check" | nonce) */
    unsigned char commit[32]; /* secret kinds: HMAC-SHA-256(nonce, choice) */
    int64_t entered_by; /* open kinds: the secretary who entered it; 0: the delegate cast it */
};

struct pl_vote {
    int64_t id, item_id;
    enum pl_vote_kind kind;
    char *question;
    enum pl_rule rule;
    int seats;
    bool mark_mode;     /* election: mark each candidate for/against, not "choose up to N" */
    json_t *candidates; /* [{"id","name"}]; owned */
    bool allow_change, live_named, late_checkin;
    int duration_s;
    GArray *board;         /* int64 person ids of the counting board */
    GHashTable *confirmed; /* int64 person ids of the board who confirmed */
    enum pl_vote_state state;
    int64_t opened_ms, closes_ms;
    GHashTable *eligible; /* int64 person ids */
    GHashTable *voted;    /* int64 person id -> struct pl_voted */
    json_t *result;       /* once counted; owned */
};

/* One ballot of a batch, decided and waiting for the write. */
struct pl_cast {
    int64_t person_id, entered_by; /* entered_by: the secretary for manual entry, else 0 */
    char *choice;                  /* canonical JSON; owned */
    bool secret;
    enum { PL_CAST_NEW, PL_CAST_CHANGED, PL_CAST_DUPLICATE } outcome;
    unsigned char key[32], check[32], commit[32];
    char receipt[24];
};

bool pl_vote_is_secret(enum pl_vote_kind k);
const char *pl_vote_kind_name(enum pl_vote_kind k);
const char *pl_vote_state_name(enum pl_vote_state s);

void pl_vote_free(struct pl_vote *v);

/* Builds a vote from its row in the session document (live_sql.c). NULL if
 * malformed. voted is rebuilt from "voted" ({person_id, choice} or
 * {person_id, check, commit} in hex). */
struct pl_vote *pl_vote_from_json(const json_t *o);

/* The public view of a vote for snapshots and events. New reference. */
json_t *pl_vote_json(const struct pl_vote *v, bool with_named);

/* Finds a vote of the session. */
struct pl_vote *pl_vote_find(const struct pl_live *l, int64_t id);

/* The vote commands other than ballots, one decide function per command
 * (live.c's pl_live_check calls the one of the request's id). Same contract
 * as pl_live_check: each checks the session is open, the vote exists (but
 * for prepare) and the sender's role, then fills ch. vote.tally only reads:
 * it returns PL_OK with reason "read_only" and no event (the hub asks the
 * database). */
enum pl_err pl_vote_decide_prepare(const struct pl_live *l, const struct pl_identity *who,
                                   const json_t *req, struct pl_change *ch, const char **reason);
enum pl_err pl_vote_decide_open(const struct pl_live *l, const struct pl_identity *who,
                                const json_t *req, struct pl_change *ch, const char **reason);
enum pl_err pl_vote_decide_close(const struct pl_live *l, const struct pl_identity *who,
                                 const json_t *req, struct pl_change *ch, const char **reason);
enum pl_err pl_vote_decide_confirm(const struct pl_live *l, const struct pl_identity *who,
                                   const json_t *req, struct pl_change *ch, const char **reason);
enum pl_err pl_vote_decide_publish(const struct pl_live *l, const struct pl_identity *who,
                                   const json_t *req, struct pl_change *ch, const char **reason);
enum pl_err pl_vote_decide_cancel(const struct pl_live *l, const struct pl_identity *who,
                                  const json_t *req, struct pl_change *ch, const char **reason);
enum pl_err pl_vote_decide_tally(const struct pl_live *l, const struct pl_identity *who,
                                 const json_t *req, struct pl_change *ch, const char **reason);

/*
 * Decides one ballot (vote.cast, or vote.enter by the secretary) into c,
 * taking into account the ballots already decided in the same batch
 * (batch_voted: person id -> struct pl_cast *). A secret ballot whose nonce
 * another voter used, committed or in the batch, is PL_ERR_NONCE_IN_USE. On
 * PL_OK the caller adds c to the batch (a PL_CAST_CHANGED of a ballot of the
 * same batch is merged into that one: one row per voter). Release c with
 * pl_cast_clear.
 */
enum pl_err pl_vote_check_cast(const struct pl_live *l, const struct pl_identity *who,
                               enum pl_rq rq, const json_t *req, GHashTable *batch_voted,
                               int64_t vote_id_expected, struct pl_cast *c, const char **reason);
void pl_cast_clear(struct pl_cast *c);

/* Decides the automatic close of the open vote whose countdown has run out
 * at now_ms; false if none is due. */
bool pl_vote_check_autoclose(const struct pl_live *l, int64_t now_ms, struct pl_change *ch);

/* When the open vote's countdown ends (ms since the epoch), 0 if none. */
int64_t pl_vote_next_close(const struct pl_live *l);

/* Decides the counted result of a closed vote from what the database holds
 * (pl_vote_stored_sql's document). false if the vote is not closed. */
bool pl_vote_check_counted(const struct pl_live *l, int64_t vote_id, const json_t *stored,
                           int64_t now_ms, struct pl_change *ch);

/* The progress event of a decided batch of ballots (ch->casts set). */
void pl_vote_batch_event(const struct pl_live *l, struct pl_change *ch);

/* Applies a committed vote change (ops PL_OP_VOTE_*) to the session. */
void pl_vote_apply(struct pl_live *l, struct pl_change *ch);

/* Counts a closed vote from what the database holds: for open kinds
 * records [{person_id, choice}], for secret kinds ballots [{key, choice}]
 * sorted by key and receipts [...]. Returns the result (new reference) and
 * writes the hex digest of the ballot chain (secret kinds) into digest. */
json_t *pl_vote_count(const struct pl_live *l, const struct pl_vote *v, const json_t *stored,
                      char digest[65]);

/* The SHA-256 chain over ballots sorted by key: h = SHA256(h | key | choice).
 * ballots: [{"key": hex, "choice": canonical JSON text}]. */
void pl_ballot_digest(const json_t *ballots, char digest[65]);

#endif

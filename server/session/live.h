/*
 * The live state of one council session (kỳ họp): sittings, the agenda tree
 * and its active item, attendance and quorum, the speaker queue, the current
 * turn at the floor and its timer, and what the hall display shows.
 *
 * Plain C over jansson; no sockets, no database. A request becomes a change
 * in two steps:
 *   pl_live_check()  decides, against the state in memory, whether the actor
 *                    may do it now, and if so describes the change fully
 *                    (ids, times, the event to publish) without applying it;
 *   pl_live_apply()  applies a change, called only once the database has
 *                    committed it (the store writes what the change says).
 * The state is rebuilt from the database with pl_live_from_json() (see
 * live_sql.c for the query that produces the document).
 */
#ifndef PL_LIVE_H
#define PL_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>
#include <jansson.h>

#include "errors.h"
#include "identity.h"
#include "proto.h"

/* A person's role in the council, from least to most. */
enum pl_role {
    PL_ROLE_NONE = 0, /* not a member: observer */
    PL_ROLE_STAFF,
    PL_ROLE_DELEGATE,
    PL_ROLE_SECRETARY,
    PL_ROLE_VICE_CHAIR, /* acts as chair */
    PL_ROLE_CHAIR,
};

enum pl_kind {
    PL_KIND_SPEECH = 0,
    PL_KIND_QUESTION,
    PL_KIND_ANSWER,
    PL_KIND_REPLY,
    PL_KIND_ORDER,
    PL_KIND__COUNT
};
/* limits[] index for a second (or later) speech on the same item. */
#define PL_LIMIT_SECOND_SPEECH PL_KIND__COUNT

enum pl_state { PL_PLANNED = 0, PL_OPEN, PL_CLOSED };
enum pl_item_state { PL_ITEM_PENDING = 0, PL_ITEM_ACTIVE, PL_ITEM_DONE };

struct pl_member {
    int64_t person_id;
    char *name;
    enum pl_role role;
    bool is_delegate;
    int seat_no; /* 0 if none */
};

struct pl_sitting {
    int64_t id;
    int ordinal;
    char *title;
    bool closed; /* a closed sitting: not public */
    enum pl_state state;
};

struct pl_item {
    int64_t id, parent_id; /* parent 0: top level */
    int position, depth;
    char *title, *presenter; /* presenter may be NULL */
    json_t *documents;       /* array; owned */
    enum pl_item_state state;
};

struct pl_speaker_request {
    int64_t id; /* seq of the event that created it */
    int64_t item_id, person_id;
    enum pl_kind kind;
    double position;
};

struct pl_turn {
    int64_t id; /* seq of the event that started it */
    int64_t person_id, item_id, request_id, sitting_id;
    enum pl_kind kind;
    int limit_s, extended_s;
    int64_t started_ms;   /* wall clock, ms since the epoch */
    int64_t paused_at_ms; /* 0 while running */
    int64_t paused_ms;    /* total paused before paused_at_ms */
    bool overran;
};

struct pl_live {
    int64_t id, council_id;
    char *council_name, *title;
    int number, total_seats, quorum_num, quorum_den;
    int board_size;             /* the counting board of a secret-kind vote: exactly this many */
    bool extraordinary, closed; /* closed: a session not open to the public */
    enum pl_state state;
    int limits[PL_KIND__COUNT + 1];
    GArray *members;      /* struct pl_member */
    GArray *sittings;     /* struct pl_sitting, by ordinal */
    GArray *items;        /* struct pl_item, in agenda order (depth first) */
    GArray *queue;        /* struct pl_speaker_request, queued ones, any item */
    GHashTable *present;  /* person ids (int64, owned) present at the open sitting */
    GHashTable *speeches; /* "item:person" -> count of speech turns (for second speeches) */
    int64_t open_sitting; /* 0: none */
    int64_t active_item;  /* 0: none */
    struct pl_turn turn;  /* turn.id == 0: nobody has the floor */
    char display_mode[16];
    char *display_message; /* NULL unless mode is "message" */
    int64_t seq;           /* the last committed event */
    GPtrArray *votes;      /* struct pl_vote * (vote.h), in creation order; owned */
    /* Commands that committed with an idempotency key: "<person id> <key>"
     * -> struct pl_key_done (live.c); both owned. */
    GHashTable *keys;
};

enum pl_op {
    PL_OP_SESSION_OPEN,
    PL_OP_SESSION_CLOSE,
    PL_OP_SITTING_OPEN,
    PL_OP_SITTING_CLOSE,
    PL_OP_AGENDA_ACTIVATE,
    PL_OP_AGENDA_DONE,
    PL_OP_ATTENDANCE,
    PL_OP_QUEUE_ADD,
    PL_OP_QUEUE_CLOSE,
    PL_OP_QUEUE_MOVE,
    PL_OP_TURN_START,
    PL_OP_TURN_END,
    PL_OP_TURN_PAUSE,
    PL_OP_TURN_RESUME,
    PL_OP_TURN_EXTEND,
    PL_OP_TURN_OVERRUN,
    PL_OP_DISPLAY,
    PL_OP_VOTE_PREPARE,
    PL_OP_VOTE_OPEN,
    PL_OP_VOTE_CASTS,
    PL_OP_VOTE_CLOSE,
    PL_OP_VOTE_COUNTED,
    PL_OP_VOTE_CONFIRM,
    PL_OP_VOTE_PUBLISH,
    PL_OP_VOTE_CANCEL,
};

/* A decided change: what the store writes and pl_live_apply() applies. */
struct pl_change {
    enum pl_op op;
    int64_t seq;          /* the event's seq: live->seq + 1 when decided */
    int64_t now_ms;       /* when it happens (written to the database as is) */
    int64_t actor_id;     /* 0: the system (a timer) */
    int64_t a, b;         /* op-specific ids (sitting, item, person, request) */
    int kind;             /* enum pl_kind */
    bool flag;            /* attendance: present; queue close: removed (not withdrawn) */
    int seconds;          /* limit or extension */
    double position;      /* queue position */
    int64_t prev_item;    /* agenda: the item that was active */
    bool ends_turn;       /* a turn start or sitting close ends the current turn first */
    struct pl_turn ended; /* the turn it ends, as it ends */
    char mode[16];
    char *message;     /* display message; owned */
    const char *event; /* the event's name, static storage */
    json_t *data;      /* the event's data; owned */
    bool public;       /* whether observers see it */
    /* Votes (vote.c). */
    struct pl_vote *new_vote; /* prepare: the vote; owned until applied */
    int64_t vote_id;
    GPtrArray *casts; /* struct pl_cast *, owned: a batch of ballots */
    json_t *result;   /* counted result; owned */
    json_t *eligible; /* open: person ids; owned */
    char digest[65];  /* counted: the ballot chain of a secret vote */
    bool publish;     /* confirm: this confirmation publishes */
    /* The request's idempotency key (owned, NULL if none) and type (static
     * storage): written with the event, recorded in live->keys on apply. */
    char *key;
    const char *key_type;
};

struct pl_live *pl_live_new(void);
void pl_live_free(struct pl_live *live);

/* Builds the state from the document live_sql.c's query produces. Returns
 * NULL (err filled) if the document is malformed. Takes no reference. */
struct pl_live *pl_live_from_json(const json_t *doc, char *err, size_t errlen);

/* The actor's role in this session's council. who NULL: PL_ROLE_NONE. */
enum pl_role pl_live_role(const struct pl_live *live, const struct pl_identity *who,
                          bool *is_delegate);

/*
 * Decides a request. rq is the request's id (requests.def: the caller decoded
 * it once), req the whole request (validated against the field table
 * already); an id that is no session command is refused (unknown_type). On success returns PL_OK
 * and fills ch (release with pl_change_clear); otherwise an error code, with a machine-readable
 * reason ("no_open_sitting") in reason.
 */
enum pl_err pl_live_check(const struct pl_live *live, const struct pl_identity *who, enum pl_rq rq,
                          const json_t *req, int64_t now_ms, struct pl_change *ch,
                          const char **reason);

/* Decides the system's overrun flag on the current turn, if it is due. */
bool pl_live_check_overrun(const struct pl_live *live, int64_t now_ms, struct pl_change *ch);

/* The seq of the command that person sent with idempotency key key and that
 * committed, with its request type in *type (borrowed from live); 0 if no
 * command with that key committed. */
int64_t pl_live_key_seq(const struct pl_live *live, int64_t person, const char *key,
                        const char **type);

/* Applies a committed change and sets live->seq to ch->seq. May move what ch
 * owns (a new vote) into the state. */
void pl_live_apply(struct pl_live *live, struct pl_change *ch);

void pl_change_clear(struct pl_change *ch);

/* The full state as JSON for a client. full: a council member, who sees a
 * closed sitting; otherwise its details are hidden. New reference. */
json_t *pl_live_snapshot(const struct pl_live *live, bool full, int64_t now_ms);

/* The current turn as JSON (null if none): deadline, remaining, paused. */
json_t *pl_live_turn_json(const struct pl_live *live, int64_t now_ms);

/* When the current turn's time runs out (ms since the epoch), 0 if there is
 * no running turn or it has already overrun. */
int64_t pl_live_deadline(const struct pl_live *live);

/* Whether events now are public (not inside a closed sitting or session). */
bool pl_live_public_now(const struct pl_live *live);

/* How many delegates must be present for a vote to open: at least
 * quorum_num/quorum_den of the total seats, rounded up. */
int pl_live_quorum(const struct pl_live *live);

/* The numbers behind a refusal that has them, for the client to show
 * ("no_quorum": present, needed, total_seats; "counting_board_required":
 * board_size, given); NULL for any other reason. rq and req are the
 * refused request. New reference. */
json_t *pl_live_refusal_detail(const struct pl_live *live, enum pl_rq rq, const json_t *req,
                               const char *reason);

/* The chair, or a vice-chair acting as chair: runs the sitting. */
bool pl_role_runs_sitting(enum pl_role r);

/* For the deciding functions (live.c, vote.c): refuse with a code and a
 * machine-readable reason. */
#define PL_REFUSE(code, why)                                                                       \
    do {                                                                                           \
        *reason = (why);                                                                           \
        return (code);                                                                             \
    } while (0)

const char *pl_kind_name(enum pl_kind k);
const char *pl_role_name(enum pl_role r);

#endif

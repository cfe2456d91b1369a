/*
 * plenum.v1 wire protocol: decoding and validating client messages against a
 * table of expected fields, encoding replies and events, and dispatching
 * requests. Pure C over jansson: no sockets, no database, so it is unit-tested
 * and fuzzed directly. See docs/protocol.md.
 */
#ifndef PL_PROTO_H
#define PL_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "errors.h"
#include "identity.h"

/* The largest text message a client may send, in bytes. */
#define PL_PROTO_MAX_MESSAGE (64 * 1024)
/* The longest string request id. */
#define PL_PROTO_MAX_ID_LEN 64
/* An idempotency key ("key", docs/protocol.md "Retrying safely"): 8 to 64
 * characters of A-Z a-z 0-9 _ - (schema/014_idempotency.sql checks it too). */
#define PL_PROTO_KEY_MIN 8
#define PL_PROTO_KEY_MAX 64

/* Where a request goes (the "kind" column of requests.def). */
enum pl_req_type {
    PL_REQ_PING = 0,
    PL_REQ_WHOAMI,
    PL_REQ_JOIN,
    PL_REQ_RESUME,
    PL_REQ_LEAVE,
    PL_REQ_SESSION_CMD, /* a command on the joined session (live.c, vote.c decide) */
    PL_REQ_BALLOT,      /* a ballot on the joined session: decided in a group commit (vote.c) */
    PL_REQ_RTC,         /* remote participation: signalling, the chair's mute (media/rtc.c) */
    PL_REQ_MEETING,     /* voter-contact meetings (meeting.c) */
    PL_REQ__COUNT
};

/* Who may send a request at the protocol level (the "need" column). */
enum pl_need {
    PL_NEED_NONE = 0, /* anyone, anonymous observers included */
    PL_NEED_PERSON,   /* a signed-in person */
    PL_NEED_ADMIN,    /* a signed-in administrator */
};

/* Who may send a request as the domain decides (the "who" column):
 * live.c reads CHAIR, SECRETARY and DELEGATE for session commands; the
 * others name what vote.c, meeting.c (its SQL) and the hub's rtc code check,
 * for the documentation. */
enum pl_who {
    PL_WHO_ANYONE = 0,
    PL_WHO_CHAIR,              /* the chair, or a vice-chair acting as chair */
    PL_WHO_SECRETARY,          /* the secretary, or the chair */
    PL_WHO_DELEGATE,           /* a delegate, acting for themselves */
    PL_WHO_BOARD,              /* a member of the vote's counting board */
    PL_WHO_READER,             /* whoever the database's vote_visible_to lets see */
    PL_WHO_PARTICIPANT,        /* a delegate or the chair; in a meeting, a citizen or moderator */
    PL_WHO_IN_ROOM,            /* whoever joined the media room (rtc.join) */
    PL_WHO_CHAIR_OR_SECRETARY, /* in a meeting: its moderator */
    PL_WHO_IN_MEETING,         /* whoever joined the meeting */
    PL_WHO_GUEST,              /* a citizen who signed in to the meeting */
    PL_WHO_MODERATOR,          /* the council's staff, in the meeting */
    PL_WHO_STAFF,              /* the council's staff */
    PL_WHO__COUNT
};

/* How a retry of a request is made safe (the "idem" column). */
enum pl_idem {
    PL_IDEM_NONE = 0, /* reads, or not retried safely */
    PL_IDEM_KEY,      /* takes an idempotency "key" (docs/protocol.md "Retrying safely") */
    PL_IDEM_BALLOT,   /* a ballot: the voter and choice (or nonce) make a retry a duplicate */
};

/* The id of each request type, from requests.def. PL_RQ_UNKNOWN (0) is no
 * request: what a cleared struct pl_request holds. */
enum pl_rq {
    PL_RQ_UNKNOWN = 0,
#define PL_REQUEST(id, type, kind, need, who, idem, fields) id,
#include "requests.def"
#undef PL_REQUEST
    PL_RQ__COUNT
};

enum pl_ftype { PL_F_STRING, PL_F_INT, PL_F_BOOL, PL_F_OBJECT, PL_F_ARRAY, PL_F_CHOICE };

/* A field a request may carry besides "type", "id" (and "key"). */
struct pl_field {
    const char *name;
    enum pl_ftype type;
    bool required;
    size_t max_len; /* strings: maximum bytes; arrays: maximum elements */
};

/* One row of requests.def. Static storage: a pointer to one is valid for
 * the life of the process. */
struct pl_req_spec {
    enum pl_rq id;
    const char *type;
    enum pl_req_type kind;
    enum pl_need need;
    enum pl_who who;
    enum pl_idem idem;
    const struct pl_field *fields; /* terminated by {NULL} */
};

/* The row of a request id; NULL for PL_RQ_UNKNOWN or out of range. */
const struct pl_req_spec *pl_proto_spec(enum pl_rq id);

/* The row of a type string (a binary search; NULL if none). For decoding,
 * and for a type read back from the database (an idempotency key's). */
const struct pl_req_spec *pl_proto_find(const char *type);

/* A short English description of a role class, for the documentation. */
const char *pl_who_name(enum pl_who who);

/* What the protocol layer knows of the connection a message came from. */
struct pl_client_view {
    enum pl_lang lang;
    const struct pl_identity *who; /* NULL: anonymous observer */
};

struct pl_request {
    enum pl_req_type type;          /* spec->kind, or 0 before decoding succeeded */
    enum pl_rq rq;                  /* spec->id, PL_RQ_UNKNOWN before decoding succeeded */
    const struct pl_req_spec *spec; /* its row of requests.def; NULL until decoded */
    enum pl_need need;              /* spec->need */
    json_t *root;                   /* the whole message; owned, NULL if it did not parse */
    json_t *id;                     /* the request id; borrowed from root, NULL if absent/invalid */
};

/*
 * Decodes and validates one text message. Returns PL_OK and fills req, or an
 * error code; on error req->id is still set when the message had a valid id
 * (so the error reply can name it) and field names the offending field ("" if
 * none). Always release req with pl_request_clear().
 */
enum pl_err pl_proto_decode(const char *buf, size_t len, struct pl_request *req, char *field,
                            size_t fieldlen);

/* The id of a message, if it is a JSON object with a valid id (a new
 * reference, or NULL): for a refusal of a message that is not processed
 * (over the rate limit) to name its request. */
json_t *pl_proto_peek_id(const char *buf, size_t len);

/* Releases what req owns. NULL is fine. */
void pl_request_clear(struct pl_request *req);

/*
 * Encodes an error reply. re may be NULL (the request had no usable id);
 * field may be NULL or "". Returns a new malloc'd NUL-terminated string the
 * caller frees, or NULL on allocation failure.
 */
char *pl_proto_encode_error(const json_t *re, enum pl_err err, const char *field,
                            enum pl_lang lang);

/* Like pl_proto_encode_error, with a machine-readable reason for the refusal
 * ("no_open_sitting"); for not_found and bad_field the reason is the field. */
char *pl_proto_encode_refusal(const json_t *re, enum pl_err err, const char *reason,
                              enum pl_lang lang);

/* pl_proto_encode_refusal with a detail object (its reference is taken;
 * may be NULL). */
char *pl_proto_encode_refusal_detail(const json_t *re, enum pl_err err, const char *reason,
                                     json_t *detail, enum pl_lang lang);

/* A refusal of a value over its limit, with the limit as "max" (the field
 * says which). Same ownership as pl_proto_encode_error. */
char *pl_proto_encode_refusal_max(const json_t *re, enum pl_err err, const char *field,
                                  json_int_t max, enum pl_lang lang);

/* The whole refusal in one object, field, reason and detail as given (NULL or
 * "" leaves field and reason out; detail's reference is taken, may be NULL).
 * Same ownership of the result as pl_proto_encode_error. */
char *pl_proto_encode_refusal_full(const json_t *re, enum pl_err err, const char *field,
                                   const char *reason, json_t *detail, enum pl_lang lang);

/* Whether a client may send a request that needs `need` (PL_OK, or
 * unauthenticated / forbidden). */
enum pl_err pl_proto_allowed(const struct pl_client_view *client, enum pl_need need);

/* Encodes {"type":"pong","re":id}. Same ownership as pl_proto_encode_error. */
char *pl_proto_encode_pong(const json_t *re);

/* Encodes {"type":"ok","re":id,"data":data}, taking the reference to data
 * (NULL: no data). Same ownership as pl_proto_encode_error. */
char *pl_proto_encode_ok(const json_t *re, json_t *data);

/*
 * Handles one text message from a client and returns the reply to send (a
 * new malloc'd string the caller frees), or NULL when nothing is to be sent
 * (allocation failure; logged). Every well-formed or malformed message gets
 * exactly one reply.
 */
char *pl_proto_dispatch(const struct pl_client_view *client, const char *buf, size_t len);

#endif

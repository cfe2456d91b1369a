/*
 * Stable error codes that clients see. The code string ("bad_json") is part
 * of the protocol and never changes meaning; the message is for people and
 * exists in Vietnamese (default) and English. Add new codes at the end.
 */
#ifndef PL_ERRORS_H
#define PL_ERRORS_H

enum pl_err {
    PL_OK = 0,
    PL_ERR_BAD_JSON,            /* not valid UTF-8 JSON */
    PL_ERR_NOT_OBJECT,          /* top level is not a JSON object */
    PL_ERR_MISSING_FIELD,       /* a required field is absent */
    PL_ERR_BAD_FIELD,           /* a field has the wrong type or an invalid value */
    PL_ERR_UNKNOWN_FIELD,       /* a field the message type does not define */
    PL_ERR_UNKNOWN_TYPE,        /* "type" names no request the server knows */
    PL_ERR_TOO_LARGE,           /* message over the size limit */
    PL_ERR_BINARY,              /* binary frames are not part of plenum.v1 */
    PL_ERR_DB_UNAVAILABLE,      /* the database cannot be reached; retry later */
    PL_ERR_INTERNAL,            /* a server fault; logged */
    PL_ERR_INVALID_CREDENTIALS, /* wrong login, password or code (never says which) */
    PL_ERR_LOCKED,              /* too many failed sign-ins; retry later */
    PL_ERR_RATE_LIMITED,        /* too many messages; slow down */
    PL_ERR_UNAUTHENTICATED,     /* the action needs a signed-in person */
    PL_ERR_FORBIDDEN,           /* the signed-in person may not do this */
    PL_ERR_ORIGIN,              /* the browser page's Origin is not allowed */
    PL_ERR_MEDIA_TYPE,          /* a request body that is not application/json */
    PL_ERR_SESSION_ENDED,       /* the sign-in expired or was revoked */
    PL_ERR_NOT_JOINED,          /* a session command before joining a session */
    PL_ERR_NOT_FOUND,           /* an id (field) names nothing in this session */
    PL_ERR_INVALID_STATE,       /* not possible in the current state (see reason) */
    PL_ERR_CONFLICT,            /* the record changed under us; retry */
    PL_ERR_VOTE_CLOSED,         /* the vote is not open (closed, or not yet open) */
    PL_ERR_NOT_ELIGIBLE,        /* this person may not vote in this vote */
    PL_ERR_ALREADY_VOTED,       /* a different second choice without the change option */
    PL_ERR_BAD_CHOICE,          /* the choice is not on the ballot */
    PL_ERR_DUPLICATE,           /* a login, seat, session number or the chair is taken */
    PL_ERR_FILE_TOO_LARGE,      /* an upload over the size limit */
    PL_ERR_FILE_TYPE,           /* an upload whose content is not an accepted type or its name's */
    PL_ERR_SERVER_FULL,         /* the server holds its maximum of connections; retry later */
    PL_ERR_MEETING_FULL,        /* the voter meeting holds as many citizens as it may */
    PL_ERR_NONCE_IN_USE,        /* a secret ballot's nonce already belongs to another voter */
    PL_ERR_OUTCOME_UNKNOWN,     /* sent to the database, no answer: may or may not have committed */
    PL_ERR_STANDING,            /* the person acted on has equal or higher standing */
    PL_ERR_OTHER_COUNCIL,       /* the person also sits in a council the requester does not run */
    PL_ERR_NEEDS_RESET,         /* a sign-in code for someone who signed in: reset first */
    PL_ERR_SERVER_BUSY,         /* the password checks queue is full; retry in seconds */
    PL_ERR_TOO_LONG,            /* a text field over its limit (HTTP records; refused, never cut) */
    PL_ERR_BAD_PHONE,           /* a contact that is not a Vietnamese phone number */
    PL_ERR_BAD_EMAIL,           /* a contact with an @ that is not an e-mail address */
    PL_ERR__COUNT
};

enum pl_lang { PL_LANG_VI = 0, PL_LANG_EN = 1 };

/* The stable code, e.g. "missing_field". Never NULL. */
const char *pl_err_code(enum pl_err err);

/* A sentence for people in the given language. Never NULL; static storage. */
const char *pl_err_message(enum pl_err err, enum pl_lang lang);

/* Whether retrying the same request later may succeed. */
int pl_err_retryable(enum pl_err err);

/* Whether err means the database did not answer: db_unavailable (nothing
 * was written) or outcome_unknown (a statement was sent and may have
 * committed). HTTP answers both with 503. */
int pl_err_database(enum pl_err err);

/* Parses a language tag ("vi", "en", "en-US", Accept-Language lists):
 * English if the first tag is English, Vietnamese otherwise (the default). */
enum pl_lang pl_lang_parse(const char *tag);

#endif

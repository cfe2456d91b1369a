/*
 * The shape of the records API's request bodies (server/net/net_records.c):
 * petitions, their workflow steps, minutes notes, document metadata. Every
 * field is checked and every problem listed, so a citizen's form can show
 * each field's error at once. Who may do what is decided by the database
 * (schema/009_records.sql).
 */
#ifndef PL_RECORDS_INPUT_H
#define PL_RECORDS_INPUT_H

#include <jansson.h>

enum pl_rec_body {
    PL_REC_PETITION_PUBLIC,  /* POST /api/public/petitions */
    PL_REC_PETITION_STAFF,   /* POST /api/petitions */
    PL_REC_PETITION_ACTION,  /* POST /api/petitions/action */
    PL_REC_MINUTES_NOTES,    /* POST /api/minutes/notes */
    PL_REC_MINUTES_SESSION,  /* POST /api/minutes/finalise */
    PL_REC_DOCUMENT,         /* the fields of POST /api/documents, as strings */
    PL_REC_PETITION_MEETING, /* meeting.petition over the WebSocket (meeting.c) */
};

/* Checks doc against the body's rules. Returns NULL when it is acceptable,
 * else a new array [{"field": ..., "error": "missing_field" | "bad_field" |
 * "unknown_field" | "too_long" (with "max", in characters) | "bad_phone" |
 * "bad_email"}, ...] in the order of the rules (unknown fields last).
 * For PL_REC_DOCUMENT every value is a string (a form field) and numbers
 * are checked as decimal text. A doc that is not an object gives
 * [{"field": "", "error": "not_object"}]. */
json_t *pl_rec_check(enum pl_rec_body body, const json_t *doc);

/* A Vietnamese phone number: 0 and 9 digits (the second not 0; 10 digits
 * for a landline, area code 2x), or +84 / 84 and those digits; spaces, dots
 * and hyphens allowed between digits. */
int pl_rec_phone_ok(const char *s);

/* An e-mail address as people type it: local@domain.tld (see the .c). */
int pl_rec_email_ok(const char *s);

/* A calendar date "YYYY-MM-DD" that exists. */
int pl_rec_date_ok(const char *s);

#endif

/*
 * Decodes a client message and checks it against the table of message types
 * and their fields. Unknown fields are refused, so a client bug (a misspelt
 * field that would otherwise be silently ignored) shows up at once.
 */
#include "proto.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum pl_ftype { PL_F_STRING, PL_F_INT, PL_F_BOOL, PL_F_OBJECT, PL_F_ARRAY, PL_F_CHOICE };

struct pl_field {
    const char *name;
    enum pl_ftype type;
    bool required;
    size_t max_len; /* strings: maximum bytes; arrays: maximum elements */
};

struct pl_msg_spec {
    const char *type;
    enum pl_req_type req;
    enum pl_need need;
    const struct pl_field *fields; /* terminated by {NULL}; "type" and "id" are implicit */
};

static const struct pl_field no_fields[] = {{NULL, 0, false, 0}};
static const struct pl_field join_fields[] = {{"session_id", PL_F_INT, true, 0},
                                              {NULL, 0, false, 0}};
static const struct pl_field resume_fields[] = {
    {"session_id", PL_F_INT, true, 0}, {"seq", PL_F_INT, true, 0}, {NULL, 0, false, 0}};
static const struct pl_field sitting_fields[] = {{"sitting_id", PL_F_INT, true, 0},
                                                 {NULL, 0, false, 0}};
static const struct pl_field item_fields[] = {{"item_id", PL_F_INT, true, 0}, {NULL, 0, false, 0}};
static const struct pl_field opt_item_fields[] = {{"item_id", PL_F_INT, false, 0},
                                                  {NULL, 0, false, 0}};
static const struct pl_field attendance_fields[] = {
    {"person_id", PL_F_INT, true, 0}, {"present", PL_F_BOOL, true, 0}, {NULL, 0, false, 0}};
static const struct pl_field kind_fields[] = {{"kind", PL_F_STRING, true, 16}, {NULL, 0, false, 0}};
static const struct pl_field grant_fields[] = {{"request_id", PL_F_INT, false, 0},
                                               {NULL, 0, false, 0}};
static const struct pl_field request_fields[] = {{"request_id", PL_F_INT, true, 0},
                                                 {NULL, 0, false, 0}};
static const struct pl_field reorder_fields[] = {
    {"request_id", PL_F_INT, true, 0}, {"index", PL_F_INT, true, 0}, {NULL, 0, false, 0}};
static const struct pl_field floor_fields[] = {
    {"person_id", PL_F_INT, true, 0}, {"kind", PL_F_STRING, false, 16}, {NULL, 0, false, 0}};
static const struct pl_field extend_fields[] = {{"seconds", PL_F_INT, true, 0},
                                                {NULL, 0, false, 0}};
static const struct pl_field display_fields[] = {
    {"mode", PL_F_STRING, true, 16}, {"message", PL_F_STRING, false, 2000}, {NULL, 0, false, 0}};

static const struct pl_field vote_id_fields[] = {{"vote_id", PL_F_INT, true, 0},
                                                 {NULL, 0, false, 0}};
static const struct pl_field vote_prepare_fields[] = {{"kind", PL_F_STRING, true, 16},
                                                      {"question", PL_F_STRING, true, 8000},
                                                      {"item_id", PL_F_INT, false, 0},
                                                      {"rule", PL_F_STRING, false, 32},
                                                      {"seats", PL_F_INT, false, 0},
                                                      {"candidates", PL_F_ARRAY, false, 100},
                                                      {"mode", PL_F_STRING, false, 16},
                                                      {"allow_change", PL_F_BOOL, false, 0},
                                                      {"live_named", PL_F_BOOL, false, 0},
                                                      {"late_checkin", PL_F_BOOL, false, 0},
                                                      {"duration_s", PL_F_INT, false, 0},
                                                      {"board", PL_F_ARRAY, false, 15},
                                                      {NULL, 0, false, 0}};
static const struct pl_field vote_cast_fields[] = {{"vote_id", PL_F_INT, true, 0},
                                                   {"choice", PL_F_CHOICE, true, 0},
                                                   {"nonce", PL_F_STRING, false, 64},
                                                   {NULL, 0, false, 0}};
static const struct pl_field vote_enter_fields[] = {{"vote_id", PL_F_INT, true, 0},
                                                    {"person_id", PL_F_INT, true, 0},
                                                    {"choice", PL_F_CHOICE, true, 0},
                                                    {NULL, 0, false, 0}};
static const struct pl_field rtc_offer_fields[] = {{"sdp", PL_F_STRING, true, 60000},
                                                   {NULL, 0, false, 0}};
static const struct pl_field rtc_ice_fields[] = {{"candidate", PL_F_STRING, true, 1024},
                                                 {"sdp_mline_index", PL_F_INT, true, 0},
                                                 {"sdp_mid", PL_F_STRING, false, 64},
                                                 {NULL, 0, false, 0}};
static const struct pl_field rtc_mute_fields[] = {
    {"person_id", PL_F_INT, true, 0}, {"muted", PL_F_BOOL, true, 0}, {NULL, 0, false, 0}};

static const struct pl_field meeting_join_fields[] = {{"meeting_id", PL_F_INT, true, 0},
                                                      {"name", PL_F_STRING, false, 400},
                                                      {"phone", PL_F_STRING, false, 32},
                                                      {"token", PL_F_STRING, false, 64},
                                                      {NULL, 0, false, 0}};
static const struct pl_field meeting_hand_fields[] = {{"raised", PL_F_BOOL, true, 0},
                                                      {NULL, 0, false, 0}};
static const struct pl_field guest_fields[] = {{"guest_id", PL_F_INT, true, 0},
                                               {NULL, 0, false, 0}};
static const struct pl_field meeting_petition_fields[] = {{"content", PL_F_STRING, true, 20000},
                                                          {"area", PL_F_STRING, false, 32},
                                                          {"locality", PL_F_STRING, false, 800},
                                                          {"contact", PL_F_STRING, false, 800},
                                                          {NULL, 0, false, 0}};
static const struct pl_field meeting_create_fields[] = {
    {"council_id", PL_F_INT, true, 0},      {"title", PL_F_STRING, true, 1200},
    {"location", PL_F_STRING, false, 1200}, {"planned_start", PL_F_STRING, false, 40},
    {"capacity", PL_F_INT, false, 0},       {NULL, 0, false, 0}};

/* Every request the server knows, its fields, and who may send it at the
 * protocol level. Session commands need a signed-in person here; the role in
 * the session's council (chair, secretary, delegate) is checked by live.c. */
static const struct pl_msg_spec specs[] = {
    {"ping", PL_REQ_PING, PL_NEED_NONE, no_fields},
    {"whoami", PL_REQ_WHOAMI, PL_NEED_NONE, no_fields},
    {"join", PL_REQ_JOIN, PL_NEED_NONE, join_fields},
    {"resume", PL_REQ_RESUME, PL_NEED_NONE, resume_fields},
    {"leave", PL_REQ_LEAVE, PL_NEED_NONE, no_fields},
    {"session.open", PL_REQ_SESSION_CMD, PL_NEED_PERSON, no_fields},
    {"session.close", PL_REQ_SESSION_CMD, PL_NEED_PERSON, no_fields},
    {"sitting.open", PL_REQ_SESSION_CMD, PL_NEED_PERSON, sitting_fields},
    {"sitting.close", PL_REQ_SESSION_CMD, PL_NEED_PERSON, no_fields},
    {"agenda.activate", PL_REQ_SESSION_CMD, PL_NEED_PERSON, item_fields},
    {"agenda.next", PL_REQ_SESSION_CMD, PL_NEED_PERSON, no_fields},
    {"agenda.previous", PL_REQ_SESSION_CMD, PL_NEED_PERSON, no_fields},
    {"agenda.done", PL_REQ_SESSION_CMD, PL_NEED_PERSON, opt_item_fields},
    {"attendance.check_in", PL_REQ_SESSION_CMD, PL_NEED_PERSON, no_fields},
    {"attendance.check_out", PL_REQ_SESSION_CMD, PL_NEED_PERSON, no_fields},
    {"attendance.set", PL_REQ_SESSION_CMD, PL_NEED_PERSON, attendance_fields},
    {"speaker.request", PL_REQ_SESSION_CMD, PL_NEED_PERSON, kind_fields},
    {"speaker.withdraw", PL_REQ_SESSION_CMD, PL_NEED_PERSON, no_fields},
    {"speaker.grant", PL_REQ_SESSION_CMD, PL_NEED_PERSON, grant_fields},
    {"speaker.give_floor", PL_REQ_SESSION_CMD, PL_NEED_PERSON, floor_fields},
    {"speaker.reorder", PL_REQ_SESSION_CMD, PL_NEED_PERSON, reorder_fields},
    {"speaker.remove", PL_REQ_SESSION_CMD, PL_NEED_PERSON, request_fields},
    {"speaker.end", PL_REQ_SESSION_CMD, PL_NEED_PERSON, no_fields},
    {"timer.pause", PL_REQ_SESSION_CMD, PL_NEED_PERSON, no_fields},
    {"timer.resume", PL_REQ_SESSION_CMD, PL_NEED_PERSON, no_fields},
    {"timer.extend", PL_REQ_SESSION_CMD, PL_NEED_PERSON, extend_fields},
    {"display.set", PL_REQ_SESSION_CMD, PL_NEED_PERSON, display_fields},
    {"vote.prepare", PL_REQ_SESSION_CMD, PL_NEED_PERSON, vote_prepare_fields},
    {"vote.open", PL_REQ_SESSION_CMD, PL_NEED_PERSON, vote_id_fields},
    {"vote.cast", PL_REQ_SESSION_CMD, PL_NEED_PERSON, vote_cast_fields},
    {"vote.enter", PL_REQ_SESSION_CMD, PL_NEED_PERSON, vote_enter_fields},
    {"vote.close", PL_REQ_SESSION_CMD, PL_NEED_PERSON, vote_id_fields},
    {"vote.confirm", PL_REQ_SESSION_CMD, PL_NEED_PERSON, vote_id_fields},
    {"vote.publish", PL_REQ_SESSION_CMD, PL_NEED_PERSON, vote_id_fields},
    {"vote.cancel", PL_REQ_SESSION_CMD, PL_NEED_PERSON, vote_id_fields},
    {"vote.tally", PL_REQ_SESSION_CMD, PL_NEED_PERSON, vote_id_fields},
    /* A citizen admitted in a voter meeting has no account: the hub asks
     * for a signed-in person in a session, meeting.c for the citizen's
     * place in a meeting. */
    {"rtc.join", PL_REQ_RTC, PL_NEED_NONE, no_fields},
    {"rtc.offer", PL_REQ_RTC, PL_NEED_NONE, rtc_offer_fields},
    {"rtc.ice", PL_REQ_RTC, PL_NEED_NONE, rtc_ice_fields},
    {"rtc.leave", PL_REQ_RTC, PL_NEED_NONE, no_fields},
    {"rtc.mute", PL_REQ_RTC, PL_NEED_PERSON, rtc_mute_fields},
    {"rtc.status", PL_REQ_RTC, PL_NEED_PERSON, no_fields},
    {"meeting.join", PL_REQ_MEETING, PL_NEED_NONE, meeting_join_fields},
    {"meeting.leave", PL_REQ_MEETING, PL_NEED_NONE, no_fields},
    {"meeting.hand", PL_REQ_MEETING, PL_NEED_NONE, meeting_hand_fields},
    {"meeting.petition", PL_REQ_MEETING, PL_NEED_NONE, meeting_petition_fields},
    {"meeting.open", PL_REQ_MEETING, PL_NEED_PERSON, no_fields},
    {"meeting.close", PL_REQ_MEETING, PL_NEED_PERSON, no_fields},
    {"meeting.admit", PL_REQ_MEETING, PL_NEED_PERSON, guest_fields},
    {"meeting.release", PL_REQ_MEETING, PL_NEED_PERSON, guest_fields},
    {"meeting.remove", PL_REQ_MEETING, PL_NEED_PERSON, guest_fields},
    {"meeting.create", PL_REQ_MEETING, PL_NEED_PERSON, meeting_create_fields},
};

/* JSON numbers above 2^53 lose precision in JavaScript clients. */
#define PL_MAX_SAFE_INT 9007199254740991LL

static bool valid_id(const json_t *id)
{
    if (json_is_integer(id))
        return json_integer_value(id) >= 0 && json_integer_value(id) <= PL_MAX_SAFE_INT;
    if (json_is_string(id)) {
        size_t n = json_string_length(id);
        return n >= 1 && n <= PL_PROTO_MAX_ID_LEN;
    }
    return false;
}

static bool type_matches(const json_t *v, const struct pl_field *f)
{
    switch (f->type) {
    case PL_F_STRING:
        return json_is_string(v) && json_string_length(v) <= f->max_len;
    case PL_F_INT:
        return json_is_integer(v) && json_integer_value(v) >= -PL_MAX_SAFE_INT &&
               json_integer_value(v) <= PL_MAX_SAFE_INT;
    case PL_F_BOOL:
        return json_is_boolean(v);
    case PL_F_OBJECT:
        return json_is_object(v);
    case PL_F_ARRAY:
        return json_is_array(v) && json_array_size(v) <= f->max_len;
    case PL_F_CHOICE: /* a ballot: a string for motions, an object otherwise */
        return json_is_string(v) || json_is_object(v);
    }
    return false;
}

/* Whether a request type takes an idempotency key ("key"): every session
 * command that changes state. Not ballots (their nonce, or the person and
 * choice, already make a retry a duplicate) nor vote.tally (it only reads).
 * A rule rather than a column of specs[]: it covers session commands added
 * later without another edit. */
static bool takes_key(const struct pl_msg_spec *spec)
{
    return spec->req == PL_REQ_SESSION_CMD && strcmp(spec->type, "vote.cast") != 0 &&
           strcmp(spec->type, "vote.enter") != 0 && strcmp(spec->type, "vote.tally") != 0;
}

static bool valid_key(const json_t *v)
{
    if (!json_is_string(v))
        return false;
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (n < PL_PROTO_KEY_MIN || n > PL_PROTO_KEY_MAX || strlen(s) != n)
        return false;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static void set_field(char *field, size_t fieldlen, const char *name)
{
    if (fieldlen)
        snprintf(field, fieldlen, "%s", name);
}

json_t *pl_proto_peek_id(const char *buf, size_t len)
{
    if (len > PL_PROTO_MAX_MESSAGE)
        return NULL;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
    json_t *id = json_is_object(root) ? json_object_get(root, "id") : NULL;
    id = id && valid_id(id) ? json_incref(id) : NULL;
    json_decref(root);
    return id;
}

enum pl_err pl_proto_decode(const char *buf, size_t len, struct pl_request *req, char *field,
                            size_t fieldlen)
{
    memset(req, 0, sizeof *req);
    set_field(field, fieldlen, "");
    if (len > PL_PROTO_MAX_MESSAGE)
        return PL_ERR_TOO_LARGE;

    json_error_t jerr;
    /* Duplicate keys are refused: two "id"s or two "choice"s are ambiguous. */
    req->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!req->root)
        return PL_ERR_BAD_JSON;
    if (!json_is_object(req->root))
        return PL_ERR_NOT_OBJECT;

    json_t *id = json_object_get(req->root, "id");
    if (id && valid_id(id))
        req->id = id;

    json_t *type = json_object_get(req->root, "type");
    if (!type) {
        set_field(field, fieldlen, "type");
        return PL_ERR_MISSING_FIELD;
    }
    if (!json_is_string(type)) {
        set_field(field, fieldlen, "type");
        return PL_ERR_BAD_FIELD;
    }
    if (!id) {
        set_field(field, fieldlen, "id");
        return PL_ERR_MISSING_FIELD;
    }
    if (!req->id) {
        set_field(field, fieldlen, "id");
        return PL_ERR_BAD_FIELD;
    }

    const struct pl_msg_spec *spec = NULL;
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        if (strcmp(specs[i].type, json_string_value(type)) == 0) {
            spec = &specs[i];
            break;
        }
    }
    if (!spec)
        return PL_ERR_UNKNOWN_TYPE;

    /* Every field present must be known and of the right type... */
    const char *key;
    json_t *value;
    json_object_foreach(req->root, key, value)
    {
        if (strcmp(key, "type") == 0 || strcmp(key, "id") == 0)
            continue;
        if (strcmp(key, "key") == 0 && takes_key(spec)) {
            if (!valid_key(value)) {
                set_field(field, fieldlen, key);
                return PL_ERR_BAD_FIELD;
            }
            continue;
        }
        const struct pl_field *f = spec->fields;
        while (f->name && strcmp(f->name, key) != 0)
            f++;
        if (!f->name) {
            set_field(field, fieldlen, key);
            return PL_ERR_UNKNOWN_FIELD;
        }
        if (!type_matches(value, f)) {
            set_field(field, fieldlen, key);
            return PL_ERR_BAD_FIELD;
        }
    }
    /* ...and every required field present. */
    for (const struct pl_field *f = spec->fields; f->name; f++) {
        if (f->required && !json_object_get(req->root, f->name)) {
            set_field(field, fieldlen, f->name);
            return PL_ERR_MISSING_FIELD;
        }
    }
    req->type = spec->req;
    req->type_name = spec->type;
    req->need = spec->need;
    return PL_OK;
}

void pl_request_clear(struct pl_request *req)
{
    if (!req)
        return;
    json_decref(req->root);
    req->root = NULL;
    req->id = NULL;
}

/*
 * Decodes a client message and checks it against the table of message types
 * and their fields. Unknown fields are refused, so a client bug (a misspelt
 * field that would otherwise be silently ignored) shows up at once.
 */
#include "proto.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

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

/* Every request the server knows, indexed by its id (requests.def). */
static const struct pl_req_spec specs[PL_RQ__COUNT] = {
#define PL_REQUEST(rid, rtype, rkind, rneed, rwho, ridem, rfields)                                 \
    [rid] = {rid, rtype, rkind, rneed, rwho, ridem, rfields},
#include "requests.def"
#undef PL_REQUEST
};

static const char *const who_names[PL_WHO__COUNT] = {
    [PL_WHO_ANYONE] = "anyone",
    [PL_WHO_CHAIR] = "chair",
    [PL_WHO_SECRETARY] = "secretary (or the chair)",
    [PL_WHO_DELEGATE] = "delegate",
    [PL_WHO_BOARD] = "counting board",
    [PL_WHO_READER] = "whoever vote_visible_to lets see the vote",
    [PL_WHO_PARTICIPANT] = "a delegate or the chair; in a voter meeting, a citizen whose hand is "
                           "raised or who is admitted, or a moderator",
    [PL_WHO_IN_ROOM] = "whoever joined the media room (rtc.join)",
    [PL_WHO_CHAIR_OR_SECRETARY] = "the chair or the secretary (in a voter meeting, a moderator)",
    [PL_WHO_IN_MEETING] = "whoever joined the meeting",
    [PL_WHO_GUEST] = "a citizen who signed in to the meeting",
    [PL_WHO_MODERATOR] = "moderator (the council's staff)",
    [PL_WHO_STAFF] = "the council's staff",
};

const struct pl_req_spec *pl_proto_spec(enum pl_rq id)
{
    return id > PL_RQ_UNKNOWN && id < PL_RQ__COUNT ? &specs[id] : NULL;
}

const char *pl_who_name(enum pl_who who)
{
    return (unsigned)who < PL_WHO__COUNT && who_names[who] ? who_names[who] : "?";
}

/* The ids sorted by type string, for a binary search: built once, the first
 * time a type is looked up (g_once: safe should another thread decode). */
static enum pl_rq by_type[PL_RQ__COUNT - 1];

static int cmp_by_type(const void *a, const void *b)
{
    return strcmp(specs[*(const enum pl_rq *)a].type, specs[*(const enum pl_rq *)b].type);
}

static int cmp_key_type(const void *key, const void *elem)
{
    return strcmp(key, specs[*(const enum pl_rq *)elem].type);
}

const struct pl_req_spec *pl_proto_find(const char *type)
{
    static gsize sorted = 0;
    if (g_once_init_enter(&sorted)) {
        for (int i = 1; i < PL_RQ__COUNT; i++)
            by_type[i - 1] = (enum pl_rq)i;
        qsort(by_type, G_N_ELEMENTS(by_type), sizeof by_type[0], cmp_by_type);
        g_once_init_leave(&sorted, 1);
    }
    if (!type)
        return NULL;
    const enum pl_rq *hit =
        bsearch(type, by_type, G_N_ELEMENTS(by_type), sizeof by_type[0], cmp_key_type);
    return hit ? &specs[*hit] : NULL;
}

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

    /* The one lookup of the type string: from here on the request is its
     * row of requests.def. */
    const struct pl_req_spec *spec = pl_proto_find(json_string_value(type));
    if (!spec)
        return PL_ERR_UNKNOWN_TYPE;

    /* Every field present must be known and of the right type... */
    const char *key;
    json_t *value;
    json_object_foreach(req->root, key, value)
    {
        if (strcmp(key, "type") == 0 || strcmp(key, "id") == 0)
            continue;
        if (strcmp(key, "key") == 0 && spec->idem == PL_IDEM_KEY) {
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
    req->type = spec->kind;
    req->rq = spec->id;
    req->spec = spec;
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

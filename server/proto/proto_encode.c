/* Encodes replies and events as compact JSON text; see proto.h. */
#include "proto.h"

#include <stdbool.h>
#include <stdlib.h>

static char *dump(json_t *obj)
{
    if (!obj)
        return NULL;
    /* Compact, and non-ASCII kept as UTF-8: Vietnamese text stays readable. */
    char *s = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    return s;
}

/* The error object, built once: field, reason and detail only when given
 * (detail's reference is taken). A refusal is never encoded, parsed and
 * encoded again. */
static json_t *error_obj(const json_t *re, enum pl_err err, const char *field, const char *reason,
                         json_t *detail, enum pl_lang lang)
{
    /* json_pack's "O" increments re; jansson's API is not const-correct. */
    json_t *obj = json_pack("{s:s, s:O, s:s, s:s, s:b}", "type", "error", "re",
                            re ? (json_t *)re : json_null(), "code", pl_err_code(err), "message",
                            pl_err_message(err, lang), "retryable", pl_err_retryable(err));
    if (obj && field && *field)
        json_object_set_new(obj, "field", json_string(field));
    if (obj && reason && *reason)
        json_object_set_new(obj, "reason", json_string(reason));
    if (obj && detail)
        json_object_set_new(obj, "detail", detail);
    else
        json_decref(detail);
    return obj;
}

char *pl_proto_encode_error(const json_t *re, enum pl_err err, const char *field, enum pl_lang lang)
{
    return dump(error_obj(re, err, field, NULL, NULL, lang));
}

char *pl_proto_encode_pong(const json_t *re)
{
    return dump(json_pack("{s:s, s:O}", "type", "pong", "re", (json_t *)re));
}

char *pl_proto_encode_ok(const json_t *re, json_t *data)
{
    json_t *obj = json_pack("{s:s, s:O}", "type", "ok", "re", (json_t *)re);
    if (obj && data)
        json_object_set_new(obj, "data", data);
    else
        json_decref(data);
    return dump(obj);
}

char *pl_proto_encode_refusal(const json_t *re, enum pl_err err, const char *reason,
                              enum pl_lang lang)
{
    return pl_proto_encode_refusal_detail(re, err, reason, NULL, lang);
}

char *pl_proto_encode_refusal_detail(const json_t *re, enum pl_err err, const char *reason,
                                     json_t *detail, enum pl_lang lang)
{
    /* For not_found, bad_field and nonce_in_use the reason names the field. */
    bool is_field =
        err == PL_ERR_NOT_FOUND || err == PL_ERR_BAD_FIELD || err == PL_ERR_NONCE_IN_USE;
    return dump(
        error_obj(re, err, is_field ? reason : NULL, is_field ? NULL : reason, detail, lang));
}

char *pl_proto_encode_refusal_full(const json_t *re, enum pl_err err, const char *field,
                                   const char *reason, json_t *detail, enum pl_lang lang)
{
    return dump(error_obj(re, err, field, reason, detail, lang));
}

char *pl_proto_encode_refusal_max(const json_t *re, enum pl_err err, const char *field,
                                  json_int_t max, enum pl_lang lang)
{
    json_t *obj = error_obj(re, err, field, NULL, NULL, lang);
    if (obj)
        json_object_set_new(obj, "max", json_integer(max));
    return dump(obj);
}

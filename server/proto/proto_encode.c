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

char *pl_proto_encode_error(const json_t *re, enum pl_err err, const char *field, enum pl_lang lang)
{
    /* json_pack's "O" increments re; jansson's API is not const-correct. */
    json_t *obj = json_pack("{s:s, s:O, s:s, s:s, s:b}", "type", "error", "re",
                            re ? (json_t *)re : json_null(), "code", pl_err_code(err), "message",
                            pl_err_message(err, lang), "retryable", pl_err_retryable(err));
    if (obj && field && *field)
        json_object_set_new(obj, "field", json_string(field));
    return dump(obj);
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
    bool is_field =
        err == PL_ERR_NOT_FOUND || err == PL_ERR_BAD_FIELD || err == PL_ERR_NONCE_IN_USE;
    char *text = pl_proto_encode_error(re, err, is_field ? reason : NULL, lang);
    if (!text || is_field || !reason)
        return text;
    json_t *o = json_loads(text, 0, NULL);
    free(text);
    if (!o)
        return NULL;
    json_object_set_new(o, "reason", json_string(reason));
    return dump(o);
}

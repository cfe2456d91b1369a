/*
 * Building the text parameters of one SQL statement (live_sql.c,
 * vote_sql.c): each helper appends a value to params (which owns it) and
 * returns its $ number.
 */
#ifndef PL_SQL_PARAMS_H
#define PL_SQL_PARAMS_H

#include <stdint.h>
#include <stdlib.h>

#include <glib.h>
#include <jansson.h>

/* Takes ownership of owned (NULL is SQL NULL). */
static inline int pl_param(GPtrArray *params, char *owned)
{
    g_ptr_array_add(params, owned);
    return (int)params->len;
}

static inline int pl_param_int(GPtrArray *params, int64_t v)
{
    return pl_param(params, g_strdup_printf("%lld", (long long)v));
}

/* An id of 0 is SQL NULL. */
static inline int pl_param_id(GPtrArray *params, int64_t v)
{
    return pl_param(params, v ? g_strdup_printf("%lld", (long long)v) : NULL);
}

/* Takes the reference to owned. */
static inline int pl_param_json(GPtrArray *params, json_t *owned)
{
    char *t = json_dumps(owned, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(owned);
    int n = pl_param(params, g_strdup(t ? t : "null"));
    free(t);
    return n;
}

#endif

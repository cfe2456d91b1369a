/*
 * The database side of live sessions (store layer): the query that loads a
 * session's whole state as one JSON document for pl_live_from_json(), and
 * the single statement that writes a decided change together with its event
 * (data-modifying CTEs: one statement is one transaction, one round trip).
 */
#ifndef PL_LIVE_SQL_H
#define PL_LIVE_SQL_H

#include <glib.h>

#include "live.h"

/* Parameter $1: the session id. One row, one column: the document. */
extern const char pl_live_load_sql[];

/* Builds the statement for ch on session live. Parameters are appended to
 * params (new strings the array frees; NULL for SQL NULL). Returns a new
 * string the caller g_free()s. */
char *pl_live_change_sql(const struct pl_live *live, const struct pl_change *ch, GPtrArray *params);

#endif

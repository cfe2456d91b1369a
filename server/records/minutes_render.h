/*
 * The minutes of a session (the JSON record built by schema/009_records.sql)
 * as a printable HTML page in Vietnamese, with the council's header, and as
 * CSV. Pure functions: the record in, a new string out (g_free it).
 */
#ifndef PL_MINUTES_RENDER_H
#define PL_MINUTES_RENDER_H

#include <jansson.h>
#include <stdbool.h>

/* sha256: the finalised record's hash (hex), or NULL for a draft. */
char *pl_minutes_html(const json_t *rec, const char *sha256);

/* One row per speaking turn and per vote: "section" (turn|vote) first. */
char *pl_minutes_csv(const json_t *rec);

/* A council's public archive (rec_archive's JSON) as CSV: one row per
 * published vote, or (petitions) per petition with a published answer. */
char *pl_archive_csv(const json_t *archive, bool petitions);

#endif

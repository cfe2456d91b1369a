/*
 * The shape of what the administration routes accept: a person with their
 * role in a council, a CSV file of people, a session with its sittings and
 * agenda tree. Pure functions on jansson values, no I/O, so that every bad
 * input is refused before the database is asked (fuzzed in
 * tests/fuzz/fuzz_admin.c). The rules that need the database (who may
 * grant which role, what is taken, what has started) are in
 * schema/005_admin.sql.
 */
#ifndef PL_ADMIN_INPUT_H
#define PL_ADMIN_INPUT_H

#include <stdbool.h>

#include <jansson.h>

#include "errors.h"

/* Limits, also in docs/protocol.md ("Administration"). */
#define PL_ADMIN_MAX_SITTINGS 30
#define PL_ADMIN_MAX_ITEMS    300
#define PL_ADMIN_MAX_DEPTH    3
#define PL_ADMIN_MAX_ROWS     2000

/* 2-64 of a-z 0-9 . _ -, starting with a letter or digit. */
bool pl_admin_valid_login(const char *s);

/* chair, vice_chair, secretary, delegate or staff. */
bool pl_admin_valid_role(const char *s);

/*
 * Checks a person document (POST /api/admin/person). council_id is always
 * required; without person_id, login, name and role are too (a new person),
 * unless in_csv (a row: the login finds the person). On refusal returns the
 * error and sets *field (static storage).
 */
enum pl_err pl_admin_check_person(const json_t *doc, bool in_csv, const char **field);

/*
 * Turns a CSV file (header: login, display_name or name, role, and
 * optionally seat_no, email, phone, title) into row documents for
 * admin_import(): each row an object with the same fields as a person
 * document plus "row" (its line in the file, the header being 1); an empty
 * cell clears the value. Returns the rows (new reference) the database is
 * to check too, and in *errors (new reference, or NULL) every problem found
 * here: {"row", "field", "error", "value"?} for each bad cell of each row
 * (at most 100), and a login or seat used twice in the file. A row with a
 * bad login, name or role is not in the rows; one with another bad cell is,
 * without it. Returns NULL (and *errors) when the file itself cannot be
 * read: its header, its quoting, its text. The file may be UTF-8, UTF-16
 * with a BOM, CP1258 or Windows-1252 (pl_csv_decode); text that cannot be
 * read is one error {"row", "field": "csv", "error": "bad_field", "reason"}.
 */
json_t *pl_admin_csv_rows(const char *csv, size_t len, json_t **errors);

/* Checks a session document (POST /api/admin/session): council_id, id,
 * number, title, kind, visibility, location, planned_start, sittings and
 * the agenda tree. */
enum pl_err pl_admin_check_session(const json_t *doc, const char **field);

#endif

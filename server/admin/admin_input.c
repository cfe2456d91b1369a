/* The shape of administration requests; see admin_input.h. */
#include "admin_input.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "csv.h"
#include "media_url.h" /* the source and restream grammar alone: no GStreamer, no libpq */
#include "records_input.h"

static const char *const roles[] = {"chair", "vice_chair", "secretary", "delegate", "staff"};

static bool one_of(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, set[i]) == 0)
            return true;
    return false;
}

bool pl_admin_valid_login(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 64 || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!(islower(ch) || isdigit(ch) || ch == '.' || ch == '_' || ch == '-'))
            return false;
    }
    return true;
}

bool pl_admin_valid_role(const char *s)
{
    return one_of(s, roles, G_N_ELEMENTS(roles));
}

/* Text of lo..hi characters, valid UTF-8 (CSV cells are not checked by
 * anyone else), with no control characters. */
static bool valid_text(const char *s, long lo, long hi)
{
    if (!g_utf8_validate(s, -1, NULL))
        return false;
    long n = 0;
    for (const char *p = s; *p; p = g_utf8_next_char(p), n++) {
        gunichar c = g_utf8_get_char(p);
        if (g_unichar_iscntrl(c))
            return false;
    }
    return n >= lo && n <= hi;
}

/* Contacts follow the citizens' archive rules (records_input.c), so an
 * address or number imported here is one mail or a call can reach. */
static bool valid_email(const char *s)
{
    return pl_rec_email_ok(s) != 0;
}

static bool valid_phone(const char *s)
{
    return pl_rec_phone_ok(s) != 0;
}

/* YYYY-MM-DDTHH:MM[:SS[.fff]] with Z or +HH:MM: what both GLib and
 * PostgreSQL read the same way, and a real date. */
static bool valid_time(const char *s)
{
    size_t n = strlen(s);
    if (n < 17 || n > 35)
        return false;
    static const char shape[] = "dddd-dd-ddTdd:dd";
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
            return false;
    }
    if (!strchr(s + 16, 'Z') && !strchr(s + 16, '+') && !strchr(s + 16, '-'))
        return false;
    for (const char *p = s + 16; *p; p++)
        if (!isdigit((unsigned char)*p) && !strchr(":.Z+-", *p))
            return false;
    GDateTime *t = g_date_time_new_from_iso8601(s, NULL);
    if (!t)
        return false;
    int y = g_date_time_get_year(t);
    g_date_time_unref(t);
    return y >= 2000 && y <= 2200;
}

static bool positive(const json_t *v, json_int_t max)
{
    return json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) <= max;
}

/* A string checked by ok(), or (when nullable) null or "". */
static bool opt_text(const json_t *v, bool (*ok)(const char *))
{
    if (json_is_null(v))
        return true;
    if (!json_is_string(v))
        return false;
    return !*json_string_value(v) || ok(json_string_value(v));
}

static bool name_ok(const char *s)
{
    return valid_text(s, 1, 200);
}

static bool title_ok(const char *s)
{
    return valid_text(s, 0, 200);
}

enum pl_err pl_admin_check_person(const json_t *doc, bool in_csv, const char **field)
{
    *field = NULL;
    if (!json_is_object(doc))
        return PL_ERR_NOT_OBJECT;
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)doc, key, v)
    {
        *field = key;
        bool ok;
        if (strcmp(key, "council_id") == 0 && !in_csv)
            ok = positive(v, INT64_MAX);
        else if (strcmp(key, "person_id") == 0 && !in_csv)
            ok = positive(v, INT64_MAX);
        else if (strcmp(key, "disabled") == 0 && !in_csv)
            ok = json_is_boolean(v);
        else if (strcmp(key, "row") == 0 && in_csv)
            ok = positive(v, PL_CSV_MAX_ROWS);
        else if (strcmp(key, "login") == 0)
            ok = json_is_string(v) && pl_admin_valid_login(json_string_value(v));
        else if (strcmp(key, "name") == 0)
            ok = json_is_string(v) && name_ok(json_string_value(v));
        else if (strcmp(key, "role") == 0)
            ok = json_is_string(v) && pl_admin_valid_role(json_string_value(v));
        else if (strcmp(key, "seat_no") == 0)
            ok = json_is_null(v) || positive(v, 100000);
        else if (strcmp(key, "title") == 0)
            ok = opt_text(v, title_ok);
        else if (strcmp(key, "email") == 0)
            ok = opt_text(v, valid_email);
        else if (strcmp(key, "phone") == 0)
            ok = opt_text(v, valid_phone);
        else
            return PL_ERR_UNKNOWN_FIELD;
        /* Their own codes: the admin page says what a valid one looks like. */
        if (!ok && strcmp(key, "email") == 0)
            return PL_ERR_BAD_EMAIL;
        if (!ok && strcmp(key, "phone") == 0)
            return PL_ERR_BAD_PHONE;
        if (!ok)
            return PL_ERR_BAD_FIELD;
    }
    /* A new person (no person_id) needs a login, a name and a role; a CSV
     * row always has the three columns (the header says so). */
    static const char *const fresh[] = {"login", "name", "role"};
    for (size_t i = 0; i < G_N_ELEMENTS(fresh) && !in_csv; i++) {
        *field = fresh[i];
        if (!json_object_get(doc, "person_id") && !json_object_get(doc, fresh[i]))
            return PL_ERR_MISSING_FIELD;
    }
    *field = "council_id";
    if (!in_csv && !json_object_get(doc, "council_id"))
        return PL_ERR_MISSING_FIELD;
    *field = NULL;
    return PL_OK;
}

/* --- CSV ------------------------------------------------------------------ */

enum col { COL_LOGIN, COL_NAME, COL_ROLE, COL_SEAT, COL_EMAIL, COL_PHONE, COL_TITLE, COL__N };
/* The document's field for each column; "display_name" is also read as name
 * (the command line's historical header). */
static const char *const col_field[COL__N] = {"login", "name",  "role", "seat_no",
                                              "email", "phone", "title"};

struct csv_state {
    int col[COL__N]; /* index in the row, -1 if absent */
    json_t *rows, *errors;
    GHashTable *logins, *seats; /* seen in the file: borrowed keys into rows */
};

/* value: the cell as read (may be NULL), echoed so that a long file's
 * errors can be found; cut to 64 characters. */
static void row_error(struct csv_state *st, int row, const char *field, enum pl_err err,
                      const char *value)
{
    if (json_array_size(st->errors) >= 100)
        return;
    json_t *e =
        json_pack("{s:i, s:s?, s:s}", "row", row, "field", field, "error", pl_err_code(err));
    if (value && g_utf8_validate(value, -1, NULL)) {
        char cut[64 * 4 + 1];
        g_utf8_strncpy(cut, value, 64);
        json_object_set_new(e, "value", json_string(cut));
    }
    json_array_append_new(st->errors, e);
}

static int header(struct csv_state *st, int n, char **f)
{
    for (int k = 0; k < COL__N; k++)
        st->col[k] = -1;
    for (int i = 0; i < n; i++) {
        const char *h = g_strstrip(f[i]);
        int k = 0;
        while (k < COL__N && strcmp(h, col_field[k]) != 0 &&
               !(k == COL_NAME && strcmp(h, "display_name") == 0))
            k++;
        if (k == COL__N || st->col[k] >= 0) {
            row_error(st, 1, k == COL__N ? "header" : col_field[k],
                      k == COL__N ? PL_ERR_UNKNOWN_FIELD : PL_ERR_BAD_FIELD, h);
            return 1;
        }
        st->col[k] = i;
    }
    for (int k = COL_LOGIN; k <= COL_ROLE; k++) {
        if (st->col[k] < 0) {
            row_error(st, 1, col_field[k], PL_ERR_MISSING_FIELD, NULL);
            return 1;
        }
    }
    return 0;
}

static int csv_row(void *user, int row, int n, char **f)
{
    struct csv_state *st = user;
    if (row == 1)
        return header(st, n, f);
    if (json_array_size(st->rows) >= PL_ADMIN_MAX_ROWS) {
        row_error(st, row, NULL, PL_ERR_TOO_LARGE, NULL);
        return 1;
    }
    if (n == 1 && !*g_strstrip(f[0]))
        return 0; /* a blank line */
    json_t *doc = json_pack("{s:i}", "row", row);
    for (int k = 0; k < COL__N; k++) {
        if (st->col[k] < 0)
            continue;
        const char *v = st->col[k] < n ? g_strstrip(f[st->col[k]]) : "";
        json_t *val;
        if (k == COL_SEAT) {
            char *end = NULL;
            gint64 s = *v ? g_ascii_strtoll(v, &end, 10) : 0;
            val = !*v ? json_null() : *end || s < 1 ? json_string(v) : json_integer(s);
        } else {
            val = json_string(v);
            if (!val) /* not UTF-8: jansson refuses it */
                val = json_integer(-1);
        }
        json_object_set_new(doc, col_field[k], val);
    }
    /* Every cell on its own, so that each bad one of the row is listed. */
    bool whole = true; /* login, name and role good: the database can try it */
    for (int k = 0; k < COL__N; k++) {
        json_t *val = json_object_get(doc, col_field[k]);
        if (!val)
            continue;
        json_t *one = json_pack("{s:O}", col_field[k], val);
        const char *field = NULL;
        enum pl_err err = pl_admin_check_person(one, true, &field);
        json_decref(one);
        if (err == PL_OK)
            continue;
        row_error(st, row, col_field[k], err, json_string_value(val));
        if (k <= COL_ROLE)
            whole = false;
        json_object_del(doc, col_field[k]); /* val is gone now */
    }
    /* Taken twice in the file: said of the second (and later) rows, each
     * pointing at the first. */
    const char *login = json_string_value(json_object_get(doc, "login"));
    json_t *seat = json_object_get(doc, "seat_no");
    char seat_key[24] = "";
    if (json_is_integer(seat))
        g_snprintf(seat_key, sizeof seat_key, "%lld", (long long)json_integer_value(seat));
    bool dup = false;
    if (login && g_hash_table_contains(st->logins, login)) {
        row_error(st, row, "login", PL_ERR_DUPLICATE, login);
        dup = true;
    }
    if (*seat_key && g_hash_table_contains(st->seats, seat_key)) {
        row_error(st, row, "seat_no", PL_ERR_DUPLICATE, seat_key);
        dup = true;
    }
    if (login)
        g_hash_table_add(st->logins, g_strdup(login));
    if (*seat_key)
        g_hash_table_add(st->seats, g_strdup(seat_key));
    /* The rows the database is asked about too (its taken logins and seats
     * are listed with these), even those with a bad cell of their own: the
     * bad cell is left out. A second use of a login or seat is not: it is
     * already refused, and would only be refused again. */
    if (whole && !dup)
        json_array_append_new(st->rows, doc);
    else
        json_decref(doc);
    return 0; /* go on: the page lists every problem of every row at once */
}

json_t *pl_admin_csv_rows(const char *csv, size_t len, json_t **errors)
{
    struct csv_state st = {.rows = json_array(), .errors = json_array()};
    st.logins = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    st.seats = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    char perr[256];
    const char *reason = NULL;
    int bad_row = 0;
    size_t text_len = 0;
    enum pl_csv_encoding enc;
    /* Excel on Windows saves CP1258 or Windows-1252 (or UTF-16): made UTF-8
     * here, or refused whole, so that no name is stored mangled. */
    char *text = pl_csv_decode(csv, len, &text_len, &enc, &reason, &bad_row);
    bool decoded = text != NULL, fatal = !decoded;
    int rc = decoded ? pl_csv_parse(text, text_len, csv_row, &st, perr, sizeof perr) : 0;
    g_free(text);
    if (!decoded) {
        json_array_append_new(st.errors, json_pack("{s:i, s:s, s:s, s:s}", "row", bad_row, "field",
                                                   "csv", "error", "bad_field", "reason", reason));
    } else if (rc < 0) {
        /* "row N: reason" from the reader: the file itself is malformed. */
        int row = 0;
        sscanf(perr, "row %d", &row);
        json_array_append_new(st.errors, json_pack("{s:i, s:s, s:s, s:s}", "row", row, "field",
                                                   "csv", "error", "bad_field", "detail", perr));
        fatal = true;
    } else if (rc != 0) {
        fatal = true; /* the header, or too many rows: the rest cannot be read */
    } else if (json_array_size(st.rows) == 0 && json_array_size(st.errors) == 0) {
        json_array_append_new(st.errors, json_pack("{s:i, s:s, s:s}", "row", 1, "field", "csv",
                                                   "error", "missing_field"));
        fatal = true;
    }
    g_hash_table_destroy(st.logins);
    g_hash_table_destroy(st.seats);
    if (fatal) {
        json_decref(st.rows);
        *errors = st.errors;
        return NULL;
    }
    if (json_array_size(st.errors) == 0) {
        json_decref(st.errors);
        st.errors = NULL;
    }
    *errors = st.errors;
    return st.rows;
}

/* --- sessions --------------------------------------------------------------- */

static const char *const kinds[] = {"regular", "extraordinary"};
static const char *const visibilities[] = {"public", "closed"};

static bool session_title_ok(const char *s)
{
    return valid_text(s, 1, 500);
}

static bool sitting_title_ok(const char *s)
{
    return valid_text(s, 1, 300);
}

static bool session_source_ok(const char *s)
{
    return pl_media_source_valid(s, false);
}

static bool restream_ok(const char *s)
{
    return pl_media_restream_valid(s);
}

static bool location_ok(const char *s)
{
    return valid_text(s, 0, 300);
}

static bool id_seen(GHashTable *ids, const json_t *id)
{
    gint64 *k = g_new(gint64, 1);
    *k = json_integer_value(id);
    if (g_hash_table_contains(ids, k)) {
        g_free(k);
        return true;
    }
    g_hash_table_add(ids, k);
    return false;
}

static enum pl_err check_items(const json_t *items, int depth, int *count, GHashTable *ids,
                               const char **field)
{
    *field = "agenda";
    if (!json_is_array(items) || depth > PL_ADMIN_MAX_DEPTH)
        return PL_ERR_BAD_FIELD;
    size_t i;
    const json_t *it;
    json_array_foreach(items, i, it)
    {
        *field = "agenda";
        if (!json_is_object(it) || ++*count > PL_ADMIN_MAX_ITEMS)
            return PL_ERR_BAD_FIELD;
        const char *key;
        const json_t *v;
        json_object_foreach((json_t *)it, key, v)
        {
            bool ok;
            if (strcmp(key, "id") == 0) {
                *field = "agenda.id";
                ok = positive(v, INT64_MAX) && !id_seen(ids, v);
            } else if (strcmp(key, "title") == 0) {
                *field = "agenda.title";
                ok = json_is_string(v) && session_title_ok(json_string_value(v));
            } else if (strcmp(key, "presenter") == 0) {
                *field = "agenda.presenter";
                ok = opt_text(v, title_ok);
            } else if (strcmp(key, "children") == 0) {
                enum pl_err err = check_items(v, depth + 1, count, ids, field);
                if (err != PL_OK)
                    return err;
                ok = true;
            } else {
                *field = "agenda";
                return PL_ERR_UNKNOWN_FIELD;
            }
            if (!ok)
                return PL_ERR_BAD_FIELD;
        }
        *field = "agenda.title";
        if (!json_object_get(it, "title"))
            return PL_ERR_MISSING_FIELD;
    }
    return PL_OK;
}

static enum pl_err check_sittings(const json_t *list, GHashTable *ids, const char **field)
{
    *field = "sittings";
    if (!json_is_array(list) || json_array_size(list) > PL_ADMIN_MAX_SITTINGS)
        return PL_ERR_BAD_FIELD;
    size_t i;
    const json_t *s;
    json_array_foreach(list, i, s)
    {
        *field = "sittings";
        if (!json_is_object(s))
            return PL_ERR_BAD_FIELD;
        const char *key;
        const json_t *v;
        json_object_foreach((json_t *)s, key, v)
        {
            bool ok;
            if (strcmp(key, "id") == 0) {
                *field = "sittings.id";
                ok = positive(v, INT64_MAX) && !id_seen(ids, v);
            } else if (strcmp(key, "title") == 0) {
                *field = "sittings.title";
                ok = json_is_string(v) && sitting_title_ok(json_string_value(v));
            } else if (strcmp(key, "visibility") == 0) {
                *field = "sittings.visibility";
                ok = json_is_string(v) &&
                     one_of(json_string_value(v), visibilities, G_N_ELEMENTS(visibilities));
            } else if (strcmp(key, "planned_start") == 0) {
                *field = "sittings.planned_start";
                ok = json_is_null(v) || (json_is_string(v) && valid_time(json_string_value(v)));
            } else {
                *field = "sittings";
                return PL_ERR_UNKNOWN_FIELD;
            }
            if (!ok)
                return PL_ERR_BAD_FIELD;
        }
        *field = "sittings.title";
        if (!json_object_get(s, "title"))
            return PL_ERR_MISSING_FIELD;
    }
    return PL_OK;
}

enum pl_err pl_admin_check_session(const json_t *doc, const char **field)
{
    *field = NULL;
    if (!json_is_object(doc))
        return PL_ERR_NOT_OBJECT;
    GHashTable *sitting_ids = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    GHashTable *item_ids = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    enum pl_err err = PL_OK;
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)doc, key, v)
    {
        *field = key;
        bool ok = true;
        if (strcmp(key, "council_id") == 0 || strcmp(key, "id") == 0)
            ok = positive(v, INT64_MAX);
        else if (strcmp(key, "number") == 0)
            ok = positive(v, 100000);
        else if (strcmp(key, "title") == 0)
            ok = json_is_string(v) && session_title_ok(json_string_value(v));
        else if (strcmp(key, "kind") == 0)
            ok = json_is_string(v) && one_of(json_string_value(v), kinds, G_N_ELEMENTS(kinds));
        else if (strcmp(key, "visibility") == 0)
            ok = json_is_string(v) &&
                 one_of(json_string_value(v), visibilities, G_N_ELEMENTS(visibilities));
        else if (strcmp(key, "location") == 0)
            ok = opt_text(v, location_ok);
        else if (strcmp(key, "planned_start") == 0)
            ok = json_is_null(v) || (json_is_string(v) && valid_time(json_string_value(v)));
        else if (strcmp(key, "media_source") == 0)
            ok = opt_text(v, session_source_ok);
        else if (strcmp(key, "media_restream") == 0)
            ok = opt_text(v, restream_ok);
        else if (strcmp(key, "sittings") == 0)
            err = check_sittings(v, sitting_ids, field);
        else if (strcmp(key, "agenda") == 0) {
            int count = 0;
            err = check_items(v, 1, &count, item_ids, field);
        } else
            err = PL_ERR_UNKNOWN_FIELD;
        if (!ok)
            err = PL_ERR_BAD_FIELD;
        if (err != PL_OK)
            goto done;
    }
    *field = "council_id";
    if (!json_object_get(doc, "council_id")) {
        err = PL_ERR_MISSING_FIELD;
        goto done;
    }
    *field = "title";
    if (!json_object_get(doc, "id") && !json_object_get(doc, "title")) {
        err = PL_ERR_MISSING_FIELD;
        goto done;
    }
    *field = NULL;
done:
    g_hash_table_destroy(sitting_ids);
    g_hash_table_destroy(item_ids);
    return err;
}

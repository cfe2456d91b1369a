/* Strict CSV reading; see csv.h. */
#include "csv.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

struct state {
    char *fields[PL_CSV_MAX_FIELDS];
    int nfields;
    GString *cur;
};

static int end_field(struct state *s, int row, char *err, size_t errlen)
{
    if (s->nfields == PL_CSV_MAX_FIELDS) {
        snprintf(err, errlen, "row %d: more than %d fields", row, PL_CSV_MAX_FIELDS);
        return -1;
    }
    s->fields[s->nfields++] = g_strndup(s->cur->str, s->cur->len);
    g_string_truncate(s->cur, 0);
    return 0;
}

static void clear_row(struct state *s)
{
    for (int i = 0; i < s->nfields; i++)
        g_free(s->fields[i]);
    s->nfields = 0;
}

int pl_csv_parse(const char *buf, size_t len, pl_csv_row_fn fn, void *user, char *err,
                 size_t errlen)
{
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        buf += 3;
        len -= 3;
    }
    const char *bad;
    if (!g_utf8_validate(buf, (gssize)len, &bad)) {
        int row = 1;
        for (const char *p = buf; p < bad; p++)
            row += *p == '\n';
        snprintf(err, errlen, "row %d: not valid UTF-8 text", row);
        return -1;
    }
    struct state s = {.cur = g_string_new(NULL)};
    int row = 1, rc = 0;
    size_t i = 0;
    int in_quotes = 0, field_started = 0, quoted_field = 0;
    while (i <= len) {
        char c = i < len ? buf[i] : '\n'; /* a missing final newline ends the row */
        int at_end = i == len;
        if (in_quotes) {
            if (at_end) {
                snprintf(err, errlen, "row %d: a quoted field is not closed", row);
                rc = -1;
                break;
            }
            if (c == '"') {
                if (i + 1 < len && buf[i + 1] == '"') {
                    g_string_append_c(s.cur, '"');
                    i += 2;
                    continue;
                }
                in_quotes = 0;
                i++;
                continue;
            }
            g_string_append_c(s.cur, c);
        } else if (c == '"') {
            if (field_started) {
                snprintf(err, errlen, "row %d: a quote inside an unquoted field", row);
                rc = -1;
                break;
            }
            in_quotes = quoted_field = field_started = 1;
        } else if (c == ',') {
            if ((rc = end_field(&s, row, err, errlen)) != 0)
                break;
            field_started = quoted_field = 0;
        } else if (c == '\r' && i + 1 < len && buf[i + 1] == '\n') {
            /* CRLF: the LF ends the row. */
        } else if (c == '\n') {
            if (at_end && s.nfields == 0 && !field_started && s.cur->len == 0)
                break; /* the file ended with a newline */
            if ((rc = end_field(&s, row, err, errlen)) != 0)
                break;
            /* A blank line is skipped, not a row of one empty field. */
            if (!(s.nfields == 1 && s.fields[0][0] == '\0' && !quoted_field)) {
                if (row > PL_CSV_MAX_ROWS) {
                    snprintf(err, errlen, "row %d: more than %d rows", row, PL_CSV_MAX_ROWS);
                    rc = -1;
                    break;
                }
                rc = fn(user, row, s.nfields, s.fields);
                if (rc != 0)
                    break;
            }
            clear_row(&s);
            row++;
            field_started = quoted_field = 0;
            if (at_end)
                break;
        } else {
            if (quoted_field) {
                snprintf(err, errlen, "row %d: text after a closing quote", row);
                rc = -1;
                break;
            }
            field_started = 1;
            g_string_append_c(s.cur, c);
        }
        if (s.cur->len > PL_CSV_MAX_FIELD) {
            snprintf(err, errlen, "row %d: a field longer than %d bytes", row, PL_CSV_MAX_FIELD);
            rc = -1;
            break;
        }
        i++;
    }
    clear_row(&s);
    g_string_free(s.cur, TRUE);
    return rc;
}

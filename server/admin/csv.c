/* Strict CSV reading; see csv.h. */
#include "csv.h"

#include <stdbool.h>
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

/* --- what spreadsheets save ----------------------------------------------------- */

const char *pl_csv_encoding_name(enum pl_csv_encoding enc)
{
    static const char *const names[] = {"utf-8", "utf-16le", "utf-16be", "cp1258", "cp1252"};
    return (size_t)enc < G_N_ELEMENTS(names) ? names[enc] : "?";
}

/* CP1258's tone marks (combining grave, hook above, tilde, acute, dot
 * below), where Windows-1252 has Ì Ò Þ ì ò. */
static bool cp1258_tone(unsigned char b)
{
    return b == 0xCC || b == 0xD2 || b == 0xDE || b == 0xEC || b == 0xF2;
}

/* A byte a CP1258 tone mark may follow: a vowel, plain (ASCII) or one of
 * CP1258's letters with a hat or a horn (Â Ă Ê Ô Ơ Ư and the like). */
static bool cp1258_vowel(unsigned char b)
{
    if (b < 0x80)
        return strchr("aeiouyAEIOUY", b) != NULL && b != '\0';
    static const unsigned char vowels[] = {
        0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC8, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF, 0xD3, 0xD4,
        0xD5, 0xD6, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xE0, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE8, 0xE9,
        0xEA, 0xEB, 0xED, 0xEE, 0xEF, 0xF3, 0xF4, 0xF5, 0xF6, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFF};
    return memchr(vowels, b, sizeof vowels) != NULL;
}

/* Bytes that are not UTF-8 are CP1258 or Windows-1252; the two differ only
 * in a few bytes (CP1258 has Ă Đ Ơ Ư ₫ and five tone marks where 1252 has
 * Ã Ð Õ Ý Þ and others). Vietnamese text puts a tone mark after a vowel;
 * a "tone mark" anywhere else (after a consonant, a space, a comma, at the
 * start of a field) means the bytes were 1252 letters. Everything else,
 * ambiguous included, is read as CP1258: this is a Vietnamese product and
 * a Vietnamese Windows saves CP1258. */
static enum pl_csv_encoding guess_codepage(const unsigned char *b, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (cp1258_tone(b[i]) && (i == 0 || !cp1258_vowel(b[i - 1])))
            return PL_CSV_CP1252;
    }
    return PL_CSV_CP1258;
}

static int row_at(const char *text, size_t upto)
{
    int row = 1;
    for (size_t i = 0; i < upto; i++)
        row += text[i] == '\n';
    return row;
}

char *pl_csv_decode(const char *buf, size_t len, size_t *out_len, enum pl_csv_encoding *enc,
                    const char **reason, int *bad_row)
{
    const unsigned char *b = (const unsigned char *)buf;
    char *utf8 = NULL;
    gsize n = 0;
    *reason = NULL;
    *bad_row = 1;
    if (len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF))) {
        *enc = b[0] == 0xFF ? PL_CSV_UTF16LE : PL_CSV_UTF16BE;
        gsize read = 0;
        utf8 = g_convert(buf + 2, (gssize)(len - 2), "UTF-8",
                         *enc == PL_CSV_UTF16LE ? "UTF-16LE" : "UTF-16BE", &read, &n, NULL);
        if (!utf8) {
            /* The row of the bad unit: count the line feeds before it. */
            int row = 1;
            for (size_t i = 2; i + 1 < len && i < read + 2; i += 2)
                row += (*enc == PL_CSV_UTF16LE ? b[i] == '\n' && b[i + 1] == 0
                                               : b[i] == 0 && b[i + 1] == '\n');
            *bad_row = row;
            *reason = "bad_utf16";
            return NULL;
        }
    } else {
        if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
            buf += 3;
            len -= 3;
            b += 3;
        }
        if (g_utf8_validate(buf, (gssize)len, NULL)) {
            *enc = PL_CSV_UTF8;
            utf8 = g_strndup(buf, len);
            n = len;
        } else {
            *enc = guess_codepage(b, len);
            gsize read = 0;
            utf8 = g_convert(buf, (gssize)len, "UTF-8",
                             *enc == PL_CSV_CP1258 ? "CP1258" : "WINDOWS-1252", &read, &n, NULL);
            if (!utf8 && *enc == PL_CSV_CP1258) {
                /* A byte CP1258 lacks (Š Ž š ž): Windows-1252 has them. */
                *enc = PL_CSV_CP1252;
                utf8 = g_convert(buf, (gssize)len, "UTF-8", "WINDOWS-1252", &read, &n, NULL);
            }
            if (!utf8) {
                *bad_row = row_at(buf, read < len ? read : len);
                *reason = "not_text";
                return NULL;
            }
        }
    }
    const char *nul = memchr(utf8, '\0', n);
    if (nul) {
        *bad_row = row_at(utf8, (size_t)(nul - utf8));
        *reason = "not_text";
        g_free(utf8);
        return NULL;
    }
    /* U+FFFD (EF BF BD): text a program already decoded wrongly. */
    const char *fffd = g_strstr_len(utf8, (gssize)n, "\xEF\xBF\xBD");
    if (fffd) {
        *bad_row = row_at(utf8, (size_t)(fffd - utf8));
        *reason = "replacement_character";
        g_free(utf8);
        return NULL;
    }
    char *nfc = g_utf8_normalize(utf8, (gssize)n, G_NORMALIZE_NFC);
    g_free(utf8);
    if (!nfc) {
        *reason = "not_text";
        return NULL;
    }
    *out_len = strlen(nfc);
    return nfc;
}

/* The CSV import's text decoding (csv.c pl_csv_decode) and its place before
 * the rows are read (admin_input.c), with the bytes spreadsheets save. */
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <jansson.h>

#include "admin_input.h"
#include "check.h"
#include "csv.h"

/* "Đỗ Quang Hùng" as a Vietnamese Windows saves it (CP1258): Đ is D0, ỗ is
 * ô (F4) and a combining tilde (DE), ù is u and a combining grave (CC). */
static const char cp1258_name[] = "\xD0\xF4\xDE Quang Hu\xCCng";
static const char utf8_name[] = "\xC4\x90\xE1\xBB\x97 Quang H\xC3\xB9ng"; /* precomposed */

static char *decode(const char *buf, size_t len, enum pl_csv_encoding *enc, const char **reason,
                    int *row)
{
    size_t n = 0;
    char *out = pl_csv_decode(buf, len, &n, enc, reason, row);
    if (out)
        CHECK(n == strlen(out));
    return out;
}

static void test_cp1258(void)
{
    enum pl_csv_encoding enc = PL_CSV_UTF8;
    const char *reason = "x";
    int row = 0;
    char *out = decode(cp1258_name, strlen(cp1258_name), &enc, &reason, &row);
    CHECK_STR(out, utf8_name);
    CHECK(enc == PL_CSV_CP1258);
    CHECK(reason == NULL);
    CHECK_STR(pl_csv_encoding_name(enc), "cp1258");
    g_free(out);

    /* Ă ơ ư and the đồng sign: bytes only CP1258 reads this way. */
    const char more[] = "\xC3n \xF5 \xFD \xFE";
    out = decode(more, strlen(more), &enc, &reason, &row);
    CHECK_STR(out, "\xC4\x82n \xC6\xA1 \xC6\xB0 \xE2\x82\xAB");
    CHECK(enc == PL_CSV_CP1258);
    g_free(out);
}

static void test_cp1252(void)
{
    enum pl_csv_encoding enc = PL_CSV_UTF8;
    const char *reason = NULL;
    int row = 0;
    /* Ò at the start of a word: no tone mark stands there, so Windows-1252. */
    const char oscar[] = "\xD2scar Garc\xED"
                         "a";
    char *out = decode(oscar, strlen(oscar), &enc, &reason, &row);
    CHECK_STR(out, "\xC3\x92scar Garc\xC3\xAD"
                   "a");
    CHECK(enc == PL_CSV_CP1252);
    g_free(out);
    /* Š (8A) is not in CP1258 at all. */
    const char simon[] = "\x8Aimon";
    out = decode(simon, strlen(simon), &enc, &reason, &row);
    CHECK_STR(out, "\xC5\xA0imon");
    CHECK(enc == PL_CSV_CP1252);
    g_free(out);
}

static void test_utf8_and_utf16(void)
{
    enum pl_csv_encoding enc = PL_CSV_CP1252;
    const char *reason = NULL;
    int row = 0;
    /* With a BOM, and decomposed (as macOS saves): NFC out. */
    const char decomposed[] = "\xEF\xBB\xBFH"
                              "u\xCC\x80ng";
    char *out = decode(decomposed, strlen(decomposed), &enc, &reason, &row);
    CHECK_STR(out, "H\xC3\xB9ng");
    CHECK(enc == PL_CSV_UTF8);
    g_free(out);

    const char le[] = "\xFF\xFE"
                      "a\0,\0\x90\x01\n\0";
    out = decode(le, sizeof le - 1, &enc, &reason, &row);
    CHECK_STR(out, "a,\xC6\x90\n");
    CHECK(enc == PL_CSV_UTF16LE);
    g_free(out);

    const char be[] = "\xFE\xFF\0a\0,\x01\x90\0\n";
    out = decode(be, sizeof be - 1, &enc, &reason, &row);
    CHECK_STR(out, "a,\xC6\x90\n");
    CHECK(enc == PL_CSV_UTF16BE);
    g_free(out);

    /* A lone surrogate on the second line. */
    const char bad16[] = "\xFF\xFE"
                         "a\0\n\0\x00\xD8"
                         "b\0";
    out = decode(bad16, sizeof bad16 - 1, &enc, &reason, &row);
    CHECK(out == NULL);
    CHECK_STR(reason, "bad_utf16");
    CHECK(row == 2);
}

static void test_refused(void)
{
    enum pl_csv_encoding enc;
    const char *reason = NULL;
    int row = 0;
    /* What the old page sent: a CP1258 file read as UTF-8 by the browser. */
    const char mangled[] =
        "login,name,role\nhung,\xEF\xBF\xBD\xEF\xBF\xBD Quang H\xEF\xBF\xBDng,delegate\n";
    CHECK(decode(mangled, strlen(mangled), &enc, &reason, &row) == NULL);
    CHECK_STR(reason, "replacement_character");
    CHECK(row == 2);

    const char nul[] = "login\nab\0c\n";
    reason = NULL;
    CHECK(decode(nul, sizeof nul - 1, &enc, &reason, &row) == NULL);
    CHECK_STR(reason, "not_text");
    CHECK(row == 2);

    /* 81 is in neither code page. */
    const char neither[] = "a\n\x81\n";
    reason = NULL;
    CHECK(decode(neither, strlen(neither), &enc, &reason, &row) == NULL);
    CHECK_STR(reason, "not_text");
}

/* The whole way of a file: a CP1258 row reaches admin_import() as UTF-8. */
static void test_rows(void)
{
    GString *csv = g_string_new("login,display_name,role,seat_no\r\n");
    g_string_append_printf(csv, "dqhung,%s,delegate,41\r\n", cp1258_name);
    json_t *errors = NULL;
    json_t *rows = pl_admin_csv_rows(csv->str, csv->len, &errors);
    CHECK(rows && json_array_size(rows) == 1);
    CHECK(errors == NULL);
    CHECK_STR(json_string_value(json_object_get(json_array_get(rows, 0), "name")), utf8_name);
    json_decref(rows);
    g_string_free(csv, TRUE);

    const char mangled[] = "login,name,role\nhung,H\xEF\xBF\xBDng,delegate\n";
    rows = pl_admin_csv_rows(mangled, strlen(mangled), &errors);
    CHECK(rows == NULL);
    json_t *e = json_array_get(errors, 0);
    CHECK_STR(json_string_value(json_object_get(e, "reason")), "replacement_character");
    CHECK_STR(json_string_value(json_object_get(e, "field")), "csv");
    CHECK(json_integer_value(json_object_get(e, "row")) == 2);
    json_decref(errors);
}

int main(void)
{
    test_cp1258();
    test_cp1252();
    test_utf8_and_utf16();
    test_refused();
    test_rows();
    return check_report("test_csv");
}

/*
 * A strict CSV reader (RFC 4180: comma separator, double-quoted fields with
 * "" for a quote, CRLF or LF line ends) for people imports. The input must
 * be UTF-8 (a leading BOM is skipped); pl_csv_decode() makes it so from what
 * spreadsheets save. Fields and rows are bounded.
 */
#ifndef PL_CSV_H
#define PL_CSV_H

#include <stddef.h>

#define PL_CSV_MAX_FIELDS 32
#define PL_CSV_MAX_FIELD  1024
#define PL_CSV_MAX_ROWS   100000

/* Called for each row, numbered from 1 (the header is row 1). fields are
 * NUL-terminated and valid only during the call. Return 0 to go on, or
 * non-zero to stop (pl_csv_parse then returns that value). */
typedef int (*pl_csv_row_fn)(void *user, int row, int nfields, char **fields);

/* Returns 0 when every row was read, the callback's non-zero value if it
 * stopped, or -1 on malformed input with "row N: reason" in err. */
int pl_csv_parse(const char *buf, size_t len, pl_csv_row_fn fn, void *user, char *err,
                 size_t errlen);

/* The encodings pl_csv_decode() tells apart. */
enum pl_csv_encoding {
    PL_CSV_UTF8,    /* UTF-8, with or without a BOM */
    PL_CSV_UTF16LE, /* with its BOM FF FE (Excel's "Unicode text") */
    PL_CSV_UTF16BE, /* with its BOM FE FF */
    PL_CSV_CP1258,  /* Windows Vietnamese: Excel's "CSV" on a Vietnamese Windows */
    PL_CSV_CP1252,  /* Windows Western European */
};

/* The name of an encoding as the answers and the logs give it ("cp1258"). */
const char *pl_csv_encoding_name(enum pl_csv_encoding enc);

/* Text as a spreadsheet saved it (buf, len bytes) as NFC UTF-8 without a
 * BOM, NUL-terminated (g_free it), its length in *out_len and what it was
 * read as in *enc. Valid UTF-8 is UTF-8; a UTF-16 BOM says UTF-16; any other
 * bytes are one of the Windows code pages: CP1258 unless the bytes only make
 * sense as Windows-1252 (see csv.c). NFC, so that a name typed with CP1258's
 * separate tone marks equals the same name typed precomposed. Returns NULL
 * with a reason in err when the text cannot be read (bad UTF-16) or holds
 * U+FFFD, the mark of text already damaged by a wrong decoding: nothing
 * with it is ever stored. The reason is a stable code: "not_text" (a NUL, or
 * bytes no supported encoding has), "bad_utf16" or "replacement_character";
 * *bad_row is the row (from 1) where it was found. */
char *pl_csv_decode(const char *buf, size_t len, size_t *out_len, enum pl_csv_encoding *enc,
                    const char **reason, int *bad_row);

#endif

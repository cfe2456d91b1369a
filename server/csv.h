/*
 * A strict CSV reader (RFC 4180: comma separator, double-quoted fields with
 * "" for a quote, CRLF or LF line ends) for people imports. The input must
 * be UTF-8 (a leading BOM is skipped). Fields and rows are bounded.
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

#endif

/* libFuzzer harness: the CSV reader used by `plenumd admin import`, on the
 * bytes as given and after pl_csv_decode (as the import reads a file). Every
 * row handed out has a bounded number of bounded fields; decoded text is
 * UTF-8 without NUL or U+FFFD. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int row(void *user, int n, int nfields, char **fields)
{
    (void)user;
    if (n < 1 || nfields < 1 || nfields > PL_CSV_MAX_FIELDS)
        abort();
    for (int i = 0; i < nfields; i++) {
        if (strlen(fields[i]) > PL_CSV_MAX_FIELD)
            abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[128];
    pl_csv_parse((const char *)data, size, row, NULL, err, sizeof err);
    size_t n = 0;
    enum pl_csv_encoding enc;
    const char *reason = NULL;
    int bad_row = 0;
    char *text = pl_csv_decode((const char *)data, size, &n, &enc, &reason, &bad_row);
    if (text) {
        if (n != strlen(text) || !g_utf8_validate(text, (gssize)n, NULL) ||
            strstr(text, "\xEF\xBF\xBD"))
            abort();
        pl_csv_parse(text, n, row, NULL, err, sizeof err);
        g_free(text);
    } else if (!reason || bad_row < 1) {
        abort();
    }
    return 0;
}

/* libFuzzer harness: the CSV reader used by `plenumd admin import`. Every
 * row handed out has a bounded number of bounded fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
    return 0;
}

/* libFuzzer harness: the checks of the administration routes
 * (server/admin/admin_input.c). The first byte picks the input: a CSV file of
 * people, a person document or a session document (JSON). Whatever the
 * input, a check returns a known code, names a field when it refuses, and
 * CSV rows that pass carry exactly the fields a person row may have (the rows
 * and every problem found come back together). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "admin_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    if (data[0] % 3 == 0) {
        json_t *errors = NULL;
        json_t *rows = pl_admin_csv_rows(text, len, &errors);
        if (!rows && !errors)
            abort(); /* a file that cannot be read says why; rows may come with errors */
        size_t i;
        json_t *r;
        json_array_foreach(rows, i, r)
        {
            const char *field;
            if (pl_admin_check_person(r, true, &field) != PL_OK)
                abort();
        }
        if (errors && (json_array_size(errors) < 1 || json_array_size(errors) > 101))
            abort();
        json_decref(rows);
        json_decref(errors);
        return 0;
    }
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    if (!doc)
        return 0;
    const char *field = NULL;
    enum pl_err err = data[0] % 3 == 1 ? pl_admin_check_person(doc, false, &field)
                                       : pl_admin_check_session(doc, &field);
    if (err < PL_OK || err >= PL_ERR__COUNT || (err != PL_OK && err != PL_ERR_NOT_OBJECT && !field))
        abort();
    json_decref(doc);
    return 0;
}

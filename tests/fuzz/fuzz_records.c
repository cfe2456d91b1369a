/* libFuzzer harness: the records API's request bodies (petitions, workflow
 * steps, minutes notes, document fields) through their checks, and any JSON
 * through the minutes renderers (a stored record is trusted, but a bug there
 * must not become a crash). The first byte picks the body kind. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <jansson.h>

#include "minutes_render.h"
#include "records_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    json_t *doc = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, NULL);
    if (!doc)
        return 0;
    json_t *problems = pl_rec_check((enum pl_rec_body)(data[0] % 7), doc);
    if (problems && json_array_size(problems) == 0)
        abort(); /* a refusal always names what is wrong */
    json_decref(problems);
    char *html = pl_minutes_html(doc, (data[0] & 0x80) ? "00" : NULL);
    char *csv = pl_minutes_csv(doc);
    if (!html || !csv || strstr(html, "<script"))
        abort();
    g_free(html);
    g_free(csv);
    json_decref(doc);
    return 0;
}

/* libFuzzer harness: the plenum.v1 decoder and dispatcher on arbitrary bytes.
 * Every input must yield exactly one reply that is itself valid JSON. */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int lang = 0; lang < 2; lang++) {
        char *reply = pl_proto_dispatch((const char *)data, size, (enum pl_lang)lang);
        if (!reply)
            abort();
        json_t *j = json_loads(reply, 0, NULL);
        if (!j || !json_is_string(json_object_get(j, "type")))
            abort();
        json_decref(j);
        free(reply);
    }
    return 0;
}

/* libFuzzer harness: the plenum.v1 decoder and dispatcher on arbitrary bytes,
 * as an anonymous observer, a signed-in person and an administrator. Every
 * input must yield exactly one reply that is itself valid JSON. */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pl_identity person = {42, 7, "daibieu03", "Lê Minh Tuấn", false, false};
    static struct pl_identity admin = {1, 8, "quantri", "Quản trị", true, false};
    const struct pl_identity *who[3] = {NULL, &person, &admin};
    for (int i = 0; i < 6; i++) {
        struct pl_client_view c = {(enum pl_lang)(i % 2), who[i / 2]};
        char *reply = pl_proto_dispatch(&c, (const char *)data, size);
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

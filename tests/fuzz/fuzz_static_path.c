/* libFuzzer harness: URL path to file mapping. Whatever the input, a resolved
 * path must lie inside the web root. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "static_path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char root[PATH_MAX];
    if (!root[0] && !realpath(".", root))
        abort();
    char url[2048];
    if (size >= sizeof url)
        size = sizeof url - 1;
    memcpy(url, data, size);
    url[size] = '\0';
    char out[PATH_MAX];
    if (pl_static_resolve(root, url, out, sizeof out) == 0) {
        size_t n = strlen(root);
        if (strncmp(out, root, n) != 0 || (out[n] != '/' && out[n] != '\0'))
            abort();
    }
    return 0;
}

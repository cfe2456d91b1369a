/* libFuzzer harness: the command-line parser. The input is split on NUL bytes
 * into arguments; parsing must never crash or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *no_env(const char *name)
{
    (void)name;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[64];
    int argc = 0;
    argv[argc++] = "plenumd";
    for (size_t i = 0; i <= size && argc < 64;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    struct pl_config cfg;
    char err[256];
    pl_config_parse(&cfg, argc, argv, no_env, "web", err, sizeof err);
    pl_config_clear(&cfg);
    free(buf);
    return 0;
}

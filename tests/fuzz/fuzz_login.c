/* libFuzzer harness: POST /api/login bodies. A parsed input must be
 * self-consistent: a code is canonical, a login lower-case and bounded. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "login_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pl_login_input in;
    char field[64];
    if (pl_login_input_parse((const char *)data, size, &in, field, sizeof field) == PL_OK) {
        if (in.by_code) {
            if (strlen(in.code) != PL_CODE_SYMBOLS || in.password)
                abort();
        } else {
            size_t n = strlen(in.login);
            if (n == 0 || n > PL_LOGIN_MAX || !in.password)
                abort();
            for (size_t i = 0; i < n; i++) {
                if (isupper((unsigned char)in.login[i]))
                    abort();
            }
        }
    }
    pl_login_input_clear(&in);
    return 0;
}

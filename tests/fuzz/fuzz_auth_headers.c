/* libFuzzer harness: tokens from Cookie and Authorization headers, and typed
 * sign-in codes. Anything accepted must be well formed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth_token.h"
#include "signin_code.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    char tok[PL_TOKEN_LEN + 1], code[PL_CODE_SYMBOLS + 1];
    unsigned char h[32];
    if (pl_token_from_cookie(s, tok) == 0 && pl_token_hash(tok, h) != 0)
        abort();
    if (pl_token_from_bearer(s, tok) == 0 && pl_token_hash(tok, h) != 0)
        abort();
    if (pl_signin_code_normalize(s, code) == 0) {
        char again[PL_CODE_SYMBOLS + 1];
        if (strlen(code) != PL_CODE_SYMBOLS || pl_signin_code_normalize(code, again) != 0 ||
            strcmp(code, again) != 0)
            abort();
    }
    free(s);
    return 0;
}

/* One-time sign-in codes; see signin_code.h. */
#include "signin_code.h"

#include <ctype.h>
#include <string.h>

#include <openssl/rand.h>

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int pl_signin_code_new(char out[PL_CODE_PRINTED + 1])
{
    unsigned char raw[PL_CODE_SYMBOLS];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return -1;
    size_t o = 0;
    for (int i = 0; i < PL_CODE_SYMBOLS; i++) {
        if (i == PL_CODE_SYMBOLS / 2)
            out[o++] = '-';
        out[o++] = alphabet[raw[i] & 31]; /* 256 is a multiple of 32: no bias */
    }
    out[o] = '\0';
    return 0;
}

int pl_signin_code_normalize(const char *typed, char out[PL_CODE_SYMBOLS + 1])
{
    int n = 0;
    for (const char *p = typed; *p; p++) {
        char c = (char)toupper((unsigned char)*p);
        if (c == ' ' || c == '-')
            continue;
        if (c == 'I' || c == 'L')
            c = '1';
        else if (c == 'O')
            c = '0';
        if (!strchr(alphabet, c) || c == '\0' || n == PL_CODE_SYMBOLS)
            return -1;
        out[n++] = c;
    }
    if (n != PL_CODE_SYMBOLS)
        return -1;
    out[n] = '\0';
    return 0;
}

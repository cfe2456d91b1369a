/* Sign-in tokens; see auth_token.h. */
#include "auth_token.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int pl_token_new(char out[PL_TOKEN_LEN + 1])
{
    unsigned char raw[33]; /* 32 random bytes, padded to a multiple of 3 */
    if (RAND_bytes(raw, 32) != 1)
        return -1;
    raw[32] = 0;
    size_t o = 0;
    for (size_t i = 0; i < 33; i += 3) {
        unsigned v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | raw[i + 2];
        out[o++] = b64url[(v >> 18) & 63];
        out[o++] = b64url[(v >> 12) & 63];
        out[o++] = b64url[(v >> 6) & 63];
        out[o++] = b64url[v & 63];
    }
    /* 44 symbols encode 33 bytes; the last carries only padding bits. */
    out[PL_TOKEN_LEN] = '\0';
    return 0;
}

static int well_formed(const char *t, size_t n)
{
    if (n != PL_TOKEN_LEN)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!strchr(b64url, t[i]) || t[i] == '\0')
            return 0;
    }
    return 1;
}

int pl_token_hash(const char *token, unsigned char out[32])
{
    if (!token || !well_formed(token, strlen(token)))
        return -1;
    unsigned int len = 0;
    return EVP_Digest(token, PL_TOKEN_LEN, out, &len, EVP_sha256(), NULL) == 1 ? 0 : -1;
}

static int copy_token(const char *start, size_t n, char out[PL_TOKEN_LEN + 1])
{
    if (!well_formed(start, n))
        return -1;
    memcpy(out, start, n);
    out[n] = '\0';
    return 0;
}

int pl_token_from_cookie(const char *cookie, char out[PL_TOKEN_LEN + 1])
{
    const size_t nlen = strlen(PL_COOKIE_NAME);
    const char *p = cookie;
    while (p && *p) {
        while (*p == ' ' || *p == ';')
            p++;
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > nlen && strncmp(p, PL_COOKIE_NAME, nlen) == 0 && p[nlen] == '=')
            return copy_token(p + nlen + 1, len - nlen - 1, out);
        p = end;
    }
    return -1;
}

int pl_token_from_bearer(const char *authorization, char out[PL_TOKEN_LEN + 1])
{
    if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
        return -1;
    const char *t = authorization + 7;
    while (*t == ' ')
        t++;
    size_t n = strlen(t);
    while (n > 0 && t[n - 1] == ' ')
        n--;
    return copy_token(t, n, out);
}

void pl_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

/* scrypt password hashes; see password.h. */
#include "password.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#define SALT_LEN 16
#define HASH_LEN 32

static int derive(const char *password, const unsigned char *salt, size_t saltlen, int ln,
                  uint32_t r, uint32_t p, unsigned char *out, size_t outlen)
{
    int rc = -1;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    if (!ctx)
        goto fail;
    uint64_t n = (uint64_t)1 << ln;
    /* 128 * r * N bytes of work memory, plus slack; OpenSSL's default cap
     * (32 MiB) is exactly the default cost, so raise it explicitly. */
    uint64_t maxmem = 128 * (uint64_t)r * n * 2 + (1u << 20);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)password,
                                          strlen(password)),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, saltlen),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_KDF_derive(ctx, out, outlen, params) == 1)
        rc = 0;
fail:
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return rc;
}

int pl_password_hash(const char *password, int ln, char *out, size_t outlen)
{
    unsigned char salt[SALT_LEN], hash[HASH_LEN];
    /* Base64 of n bytes is 4*ceil(n/3) characters plus the NUL. */
    char salt64[4 * ((SALT_LEN + 2) / 3) + 1], hash64[4 * ((HASH_LEN + 2) / 3) + 1];
    if (ln < 10 || ln > 20 || RAND_bytes(salt, sizeof salt) != 1)
        return -1;
    if (derive(password, salt, sizeof salt, ln, 8, 1, hash, sizeof hash) != 0)
        return -1;
    EVP_EncodeBlock((unsigned char *)salt64, salt, sizeof salt);
    EVP_EncodeBlock((unsigned char *)hash64, hash, sizeof hash);
    OPENSSL_cleanse(hash, sizeof hash);
    int n = snprintf(out, outlen, "$scrypt$ln=%d,r=8,p=1$%s$%s", ln, salt64, hash64);
    return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

/* Decodes base64 text of at most maxout bytes; returns the length or -1. */
static int b64_decode(const char *in, size_t inlen, unsigned char *out, size_t maxout)
{
    if (inlen == 0 || inlen % 4 != 0 || inlen / 4 * 3 > maxout)
        return -1;
    int n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)inlen);
    if (n < 0)
        return -1;
    /* EVP_DecodeBlock counts padding as zero bytes. */
    if (in[inlen - 1] == '=')
        n--;
    if (in[inlen - 2] == '=')
        n--;
    return n;
}

int pl_password_verify(const char *password, const char *encoded)
{
    int ln, r, p, consumed = 0;
    if (sscanf(encoded, "$scrypt$ln=%d,r=%d,p=%d$%n", &ln, &r, &p, &consumed) != 3 || consumed == 0)
        return -1;
    if (ln < 10 || ln > 20 || r < 1 || r > 32 || p < 1 || p > 16)
        return -1;
    const char *salt64 = encoded + consumed;
    const char *dollar = strchr(salt64, '$');
    if (!dollar)
        return -1;
    const char *hash64 = dollar + 1;
    unsigned char salt[64], want[64], got[64];
    int saltlen = b64_decode(salt64, (size_t)(dollar - salt64), salt, sizeof salt);
    int hashlen = b64_decode(hash64, strlen(hash64), want, sizeof want);
    if (saltlen < 8 || hashlen < 16)
        return -1;
    if (derive(password, salt, (size_t)saltlen, ln, (uint32_t)r, (uint32_t)p, got,
               (size_t)hashlen) != 0)
        return -1;
    int ok = CRYPTO_memcmp(got, want, (size_t)hashlen) == 0;
    OPENSSL_cleanse(got, sizeof got);
    return ok;
}

/*
 * Password hashing with scrypt (memory-hard) through OpenSSL 3's EVP_KDF.
 * The encoded form carries its parameters so they can be raised later:
 *   $scrypt$ln=15,r=8,p=1$<salt, base64>$<hash, base64>
 */
#ifndef PL_PASSWORD_H
#define PL_PASSWORD_H

#include <stddef.h>

/* Enough for any encoding this module writes. */
#define PL_PASSWORD_ENCODED_MAX 160

/* Default cost: N = 2^15, r = 8, p = 1 (32 MiB, ~50 ms on the reference machine). */
#define PL_PASSWORD_DEFAULT_LN 15

/* Hashes password with a fresh 16-byte random salt at cost 2^ln. Writes the
 * encoded form into out (at least PL_PASSWORD_ENCODED_MAX bytes). Returns 0,
 * or -1 on a KDF or RNG failure or ln outside 10..20. */
int pl_password_hash(const char *password, int ln, char *out, size_t outlen);

/* Returns 1 if password matches encoded, 0 if not, -1 if encoded is malformed
 * or the KDF failed. Compares in constant time. */
int pl_password_verify(const char *password, const char *encoded);

#endif

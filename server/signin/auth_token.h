/*
 * Opaque sign-in tokens: 256 random bits, base64url without padding (43
 * characters). The server keeps only SHA-256(token). Also extracts a token
 * from a Cookie or Authorization header. Pure functions, no state.
 */
#ifndef PL_AUTH_TOKEN_H
#define PL_AUTH_TOKEN_H

#include <stddef.h>

#define PL_TOKEN_LEN   43 /* characters, without the NUL */
#define PL_COOKIE_NAME "plenum_session"

/* Writes a new random token (PL_TOKEN_LEN chars + NUL). Returns 0, or -1 if
 * the RNG failed. */
int pl_token_new(char out[PL_TOKEN_LEN + 1]);

/* SHA-256 of a well-formed token. Returns -1 (out untouched) if token is not
 * exactly PL_TOKEN_LEN base64url characters. */
int pl_token_hash(const char *token, unsigned char out[32]);

/* Finds PL_COOKIE_NAME in a Cookie header value and copies a well-formed
 * token into out. Returns 0, or -1 if absent or malformed. */
int pl_token_from_cookie(const char *cookie, char out[PL_TOKEN_LEN + 1]);

/* Parses "Bearer <token>" (scheme case-insensitive). Returns 0 or -1. */
int pl_token_from_bearer(const char *authorization, char out[PL_TOKEN_LEN + 1]);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void pl_hex(const unsigned char *in, size_t n, char *out);

#endif

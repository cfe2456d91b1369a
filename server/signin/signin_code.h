/*
 * One-time sign-in codes for delegates' tablets: 10 symbols of Crockford's
 * base32 (no I, L, O, U: nothing to misread on paper), 50 bits, printed as
 * "ABCDE-FGHJK". Typing is forgiving: case, spaces and dashes are ignored,
 * and I/L read as 1, O as 0.
 */
#ifndef PL_SIGNIN_CODE_H
#define PL_SIGNIN_CODE_H

#define PL_CODE_SYMBOLS 10
#define PL_CODE_PRINTED (PL_CODE_SYMBOLS + 1) /* with the dash */

/* Writes a new random code, printed form, NUL-terminated. Returns 0 or -1. */
int pl_signin_code_new(char out[PL_CODE_PRINTED + 1]);

/* Canonical form (10 symbols, upper case, no dash) of what a person typed.
 * Returns 0, or -1 if it is not a possible code. */
int pl_signin_code_normalize(const char *typed, char out[PL_CODE_SYMBOLS + 1]);

#endif

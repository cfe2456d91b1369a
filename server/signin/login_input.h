/*
 * The body of POST /api/login, validated: either a login name and password
 * or a one-time sign-in code, nothing else. Pure; fuzzed (fuzz_login).
 */
#ifndef PL_LOGIN_INPUT_H
#define PL_LOGIN_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "errors.h"
#include "signin_code.h"

#define PL_LOGIN_MAX    64
#define PL_PASSWORD_MAX 1024

struct pl_login_input {
    bool by_code;
    char login[PL_LOGIN_MAX + 1];   /* lower-cased */
    char *password;                 /* owned; wiped and freed by clear */
    char code[PL_CODE_SYMBOLS + 1]; /* canonical form */
};

/* Returns PL_OK and fills in, or an error code naming the field in field. */
enum pl_err pl_login_input_parse(const char *body, size_t len, struct pl_login_input *in,
                                 char *field, size_t fieldlen);

void pl_login_input_clear(struct pl_login_input *in);

#endif

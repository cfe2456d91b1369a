/* POST /api/login bodies; see login_input.h. */
#include "login_input.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

static void set_field(char *field, size_t fieldlen, const char *name)
{
    if (fieldlen)
        snprintf(field, fieldlen, "%s", name);
}

enum pl_err pl_login_input_parse(const char *body, size_t len, struct pl_login_input *in,
                                 char *field, size_t fieldlen)
{
    memset(in, 0, sizeof *in);
    set_field(field, fieldlen, "");
    json_error_t jerr;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    enum pl_err err = PL_OK;
    if (!root)
        return PL_ERR_BAD_JSON;
    if (!json_is_object(root)) {
        err = PL_ERR_NOT_OBJECT;
        goto done;
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        if (strcmp(key, "login") && strcmp(key, "password") && strcmp(key, "code")) {
            set_field(field, fieldlen, key);
            err = PL_ERR_UNKNOWN_FIELD;
            goto done;
        }
        if (!json_is_string(v)) {
            set_field(field, fieldlen, key);
            err = PL_ERR_BAD_FIELD;
            goto done;
        }
    }
    json_t *login = json_object_get(root, "login");
    json_t *password = json_object_get(root, "password");
    json_t *code = json_object_get(root, "code");
    if (code) {
        if (login || password) {
            set_field(field, fieldlen, login ? "login" : "password");
            err = PL_ERR_UNKNOWN_FIELD; /* a code comes alone */
            goto done;
        }
        if (json_string_length(code) > 32 ||
            pl_signin_code_normalize(json_string_value(code), in->code) != 0) {
            set_field(field, fieldlen, "code");
            err = PL_ERR_BAD_FIELD;
            goto done;
        }
        in->by_code = true;
        goto done;
    }
    if (!login || !password) {
        set_field(field, fieldlen, !login ? "login" : "password");
        err = PL_ERR_MISSING_FIELD;
        goto done;
    }
    size_t ll = json_string_length(login), pl = json_string_length(password);
    const char *ls = json_string_value(login);
    if (ll == 0 || ll > PL_LOGIN_MAX || strlen(ls) != ll) {
        set_field(field, fieldlen, "login");
        err = PL_ERR_BAD_FIELD;
        goto done;
    }
    if (pl == 0 || pl > PL_PASSWORD_MAX || strlen(json_string_value(password)) != pl) {
        set_field(field, fieldlen, "password");
        err = PL_ERR_BAD_FIELD;
        goto done;
    }
    for (size_t i = 0; i < ll; i++)
        in->login[i] = (char)tolower((unsigned char)ls[i]);
    in->login[ll] = '\0';
    in->password = strdup(json_string_value(password));
    if (!in->password)
        err = PL_ERR_INTERNAL;
done:
    json_decref(root);
    return err;
}

void pl_login_input_clear(struct pl_login_input *in)
{
    if (in->password) {
        OPENSSL_cleanse(in->password, strlen(in->password));
        free(in->password);
        in->password = NULL;
    }
}

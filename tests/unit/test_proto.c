/* Unit tests for the plenum.v1 decoder, encoder and dispatcher. */
#include <stdlib.h>

#include <jansson.h>

#include "check.h"
#include "proto.h"

/* Dispatches text and returns the parsed reply (caller decrefs). */
static json_t *reply_to(const char *text, enum pl_lang lang)
{
    struct pl_client_view c = {lang, NULL};
    char *r = pl_proto_dispatch(&c, text, strlen(text));
    if (!r)
        return NULL;
    json_t *j = json_loads(r, 0, NULL);
    free(r);
    return j;
}

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void expect_error(const char *text, const char *code, const char *field)
{
    json_t *r = reply_to(text, PL_LANG_VI);
    CHECK(r != NULL);
    if (!r)
        return;
    CHECK_STR(str(r, "type"), "error");
    CHECK_STR(str(r, "code"), code);
    if (field)
        CHECK_STR(str(r, "field"), field);
    CHECK(json_is_string(json_object_get(r, "message")));
    CHECK(json_is_boolean(json_object_get(r, "retryable")));
    json_decref(r);
}

int main(void)
{
    json_t *r = reply_to("{\"type\":\"ping\",\"id\":1}", PL_LANG_VI);
    CHECK_STR(str(r, "type"), "pong");
    CHECK(json_integer_value(json_object_get(r, "re")) == 1);
    json_decref(r);

    r = reply_to("{\"id\":\"abc\",\"type\":\"ping\"}", PL_LANG_VI);
    CHECK_STR(str(r, "type"), "pong");
    CHECK_STR(str(r, "re"), "abc");
    json_decref(r);

    expect_error("", "bad_json", NULL);
    expect_error("{", "bad_json", NULL);
    expect_error("[1,2]", "not_object", NULL);
    expect_error("\"ping\"", "not_object", NULL);
    expect_error("{\"id\":1}", "missing_field", "type");
    expect_error("{\"type\":\"ping\"}", "missing_field", "id");
    expect_error("{\"type\":7,\"id\":1}", "bad_field", "type");
    expect_error("{\"type\":\"ping\",\"id\":-1}", "bad_field", "id");
    expect_error("{\"type\":\"ping\",\"id\":1.5}", "bad_field", "id");
    expect_error("{\"type\":\"ping\",\"id\":\"\"}", "bad_field", "id");
    expect_error("{\"type\":\"ping\",\"id\":9007199254740992}", "bad_field", "id");
    expect_error("{\"type\":\"ping\",\"id\":{}}", "bad_field", "id");
    expect_error("{\"type\":\"nope\",\"id\":1}", "unknown_type", NULL);
    expect_error("{\"type\":\"ping\",\"id\":1,\"extra\":true}", "unknown_field", "extra");
    expect_error("{\"type\":\"ping\",\"id\":1,\"id\":2}", "bad_json", NULL);
    expect_error("{\"type\":\"ping\",\"id\":1}\xff", "bad_json", NULL);
    expect_error("{\"type\":\"ping\\u0000\",\"id\":1}", "bad_json", NULL);

    /* The error reply names the request when its id was usable. */
    r = reply_to("{\"type\":\"nope\",\"id\":42}", PL_LANG_EN);
    CHECK(json_integer_value(json_object_get(r, "re")) == 42);
    CHECK_STR(str(r, "message"), "Unknown request type.");
    json_decref(r);
    r = reply_to("{\"type\":\"nope\",\"id\":42}", PL_LANG_VI);
    CHECK_STR(str(r, "message"), "Loại yêu cầu không được hỗ trợ.");
    json_decref(r);
    r = reply_to("{\"type\":\"nope\"}", PL_LANG_VI);
    CHECK(json_is_null(json_object_get(r, "re")));
    json_decref(r);

    /* Size limit. */
    size_t big = PL_PROTO_MAX_MESSAGE + 1;
    char *buf = malloc(big);
    memset(buf, ' ', big);
    struct pl_client_view anon = {PL_LANG_VI, NULL};
    char *out = pl_proto_dispatch(&anon, buf, big);
    CHECK(out && strstr(out, "\"too_large\""));
    free(out);
    free(buf);

    /* The idempotency key: on session commands that change state only,
     * 8 to 64 characters of A-Z a-z 0-9 _ -. */
    const struct {
        const char *text;
        enum pl_err want;
        const char *field;
    } keys[] = {
        {"{\"type\":\"display.set\",\"id\":1,\"mode\":\"blank\",\"key\":\"q3ZbT0kE9x-_\"}", PL_OK,
         ""},
        {"{\"type\":\"vote.prepare\",\"id\":1,\"kind\":\"open\",\"question\":\"Q\",\"key\":"
         "\"12345678\"}",
         PL_OK, ""},
        {"{\"type\":\"display.set\",\"id\":1,\"mode\":\"blank\",\"key\":\"1234567\"}",
         PL_ERR_BAD_FIELD, "key"},
        {"{\"type\":\"display.set\",\"id\":1,\"mode\":\"blank\",\"key\":\"abc+defgh\"}",
         PL_ERR_BAD_FIELD, "key"},
        {"{\"type\":\"display.set\",\"id\":1,\"mode\":\"blank\",\"key\":12345678}",
         PL_ERR_BAD_FIELD, "key"},
        {"{\"type\":\"display.set\",\"id\":1,\"mode\":\"blank\",\"key\":"
         "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
         PL_ERR_BAD_FIELD, "key"},
        {"{\"type\":\"vote.cast\",\"id\":1,\"vote_id\":2,\"choice\":\"for\",\"key\":"
         "\"12345678\"}",
         PL_ERR_UNKNOWN_FIELD, "key"},
        {"{\"type\":\"vote.tally\",\"id\":1,\"vote_id\":2,\"key\":\"12345678\"}",
         PL_ERR_UNKNOWN_FIELD, "key"},
        {"{\"type\":\"ping\",\"id\":1,\"key\":\"12345678\"}", PL_ERR_UNKNOWN_FIELD, "key"},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        struct pl_request req;
        char field[64];
        CHECK(pl_proto_decode(keys[i].text, strlen(keys[i].text), &req, field, sizeof field) ==
              keys[i].want);
        CHECK_STR(field, keys[i].field);
        pl_request_clear(&req);
    }
    CHECK_STR(pl_err_code(PL_ERR_OUTCOME_UNKNOWN), "outcome_unknown");
    CHECK(pl_err_retryable(PL_ERR_OUTCOME_UNKNOWN));
    CHECK(pl_err_database(PL_ERR_OUTCOME_UNKNOWN) && pl_err_database(PL_ERR_DB_UNAVAILABLE));
    CHECK(!pl_err_database(PL_ERR_CONFLICT));

    /* Every error code has a code string and messages in both languages. */
    for (int e = 0; e < PL_ERR__COUNT; e++) {
        CHECK(strlen(pl_err_code((enum pl_err)e)) > 0);
        CHECK(strlen(pl_err_message((enum pl_err)e, PL_LANG_VI)) > 0);
        CHECK(strlen(pl_err_message((enum pl_err)e, PL_LANG_EN)) > 0);
        CHECK(strcmp(pl_err_message((enum pl_err)e, PL_LANG_VI),
                     pl_err_message((enum pl_err)e, PL_LANG_EN)) != 0);
    }
    CHECK(pl_lang_parse("en") == PL_LANG_EN);
    CHECK(pl_lang_parse("en-US,en;q=0.9") == PL_LANG_EN);
    CHECK(pl_lang_parse("vi-VN,vi;q=0.9,en;q=0.8") == PL_LANG_VI);
    CHECK(pl_lang_parse("eng") == PL_LANG_VI);
    CHECK(pl_lang_parse(NULL) == PL_LANG_VI);
    return check_report("test_proto");
}

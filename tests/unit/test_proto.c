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
    /* The request table (requests.def): every row found by its type and by
     * its id, each type once; a decoded request carries its row, so no later
     * code compares the type string. */
    int rows = 0;
    for (int i = PL_RQ_UNKNOWN + 1; i < PL_RQ__COUNT; i++) {
        const struct pl_req_spec *s = pl_proto_spec((enum pl_rq)i);
        CHECK(s && s->id == (enum pl_rq)i && s->type && s->fields);
        CHECK(s && pl_proto_find(s->type) == s);
        /* A key only on session commands; ballots alone are group-committed. */
        CHECK(s && (s->idem != PL_IDEM_KEY || s->kind == PL_REQ_SESSION_CMD));
        CHECK(s && (s->kind == PL_REQ_BALLOT) == (s->idem == PL_IDEM_BALLOT));
        rows++;
    }
    CHECK(rows == 52);
    CHECK(pl_proto_spec(PL_RQ_UNKNOWN) == NULL && pl_proto_spec(PL_RQ__COUNT) == NULL);
    CHECK(pl_proto_find("vote.cas") == NULL && pl_proto_find("vote.casts") == NULL);
    CHECK(pl_proto_find("") == NULL && pl_proto_find(NULL) == NULL);
    CHECK(pl_proto_find("vote.cast")->kind == PL_REQ_BALLOT);
    CHECK(pl_proto_find("vote.enter")->who == PL_WHO_SECRETARY);
    CHECK(pl_proto_find("speaker.request")->who == PL_WHO_DELEGATE);
    CHECK(pl_proto_find("speaker.grant")->who == PL_WHO_CHAIR);
    CHECK(pl_proto_find("vote.tally")->idem == PL_IDEM_NONE);
    {
        const char *text = "{\"type\":\"vote.cast\",\"id\":3,\"vote_id\":2,\"choice\":\"for\"}";
        struct pl_request req;
        char field[64];
        CHECK(pl_proto_decode(text, strlen(text), &req, field, sizeof field) == PL_OK);
        CHECK(req.rq == PL_RQ_VOTE_CAST && req.spec == pl_proto_spec(PL_RQ_VOTE_CAST));
        CHECK(req.type == PL_REQ_BALLOT && req.need == PL_NEED_PERSON);
        pl_request_clear(&req);
        text = "{\"type\":\"vote.nope\",\"id\":3}";
        CHECK(pl_proto_decode(text, strlen(text), &req, field, sizeof field) ==
              PL_ERR_UNKNOWN_TYPE);
        CHECK(req.rq == PL_RQ_UNKNOWN && req.spec == NULL);
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

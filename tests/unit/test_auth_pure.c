/* Unit tests for tokens, sign-in codes, rate limits and the CSV reader. */
#include <stdlib.h>

#include "auth_token.h"
#include "check.h"
#include "csv.h"
#include "rate_limit.h"
#include "signin_code.h"

static void test_tokens(void)
{
    char a[PL_TOKEN_LEN + 1], b[PL_TOKEN_LEN + 1], got[PL_TOKEN_LEN + 1];
    unsigned char ha[32], hb[32];
    CHECK(pl_token_new(a) == 0 && pl_token_new(b) == 0);
    CHECK(strlen(a) == PL_TOKEN_LEN && strcmp(a, b) != 0);
    CHECK(pl_token_hash(a, ha) == 0 && pl_token_hash(b, hb) == 0);
    CHECK(memcmp(ha, hb, 32) != 0);
    CHECK(pl_token_hash("short", ha) == -1);
    char bad[PL_TOKEN_LEN + 1];
    memcpy(bad, a, sizeof bad);
    bad[3] = '+'; /* not base64url */
    CHECK(pl_token_hash(bad, ha) == -1);

    char cookie[200];
    snprintf(cookie, sizeof cookie, "theme=dark; plenum_session=%s; other=1", a);
    CHECK(pl_token_from_cookie(cookie, got) == 0 && strcmp(got, a) == 0);
    snprintf(cookie, sizeof cookie, "plenum_session=%s", b);
    CHECK(pl_token_from_cookie(cookie, got) == 0 && strcmp(got, b) == 0);
    CHECK(pl_token_from_cookie("plenum_session=abc", got) == -1);
    CHECK(pl_token_from_cookie("xplenum_session=abc; y=2", got) == -1);
    CHECK(pl_token_from_cookie("", got) == -1);
    snprintf(cookie, sizeof cookie, "Bearer %s", a);
    CHECK(pl_token_from_bearer(cookie, got) == 0 && strcmp(got, a) == 0);
    snprintf(cookie, sizeof cookie, "bearer   %s  ", b);
    CHECK(pl_token_from_bearer(cookie, got) == 0 && strcmp(got, b) == 0);
    CHECK(pl_token_from_bearer("Basic dXNlcjpwYXNz", got) == -1);
    CHECK(pl_token_from_bearer(NULL, got) == -1);
    char hex[65];
    unsigned char bytes[] = {0x00, 0xff, 0x1a};
    pl_hex(bytes, 3, hex);
    CHECK_STR(hex, "00ff1a");
}

static void test_codes(void)
{
    char c[PL_CODE_PRINTED + 1], n[PL_CODE_SYMBOLS + 1], m[PL_CODE_SYMBOLS + 1];
    CHECK(pl_signin_code_new(c) == 0);
    CHECK(strlen(c) == PL_CODE_PRINTED && c[5] == '-');
    CHECK(pl_signin_code_normalize(c, n) == 0 && strlen(n) == PL_CODE_SYMBOLS);
    CHECK(pl_signin_code_normalize("abcde-fghjk", n) == 0);
    CHECK_STR(n, "ABCDEFGHJK");
    CHECK(pl_signin_code_normalize(" ab cde fgh jk ", m) == 0 && strcmp(m, n) == 0);
    CHECK(pl_signin_code_normalize("OIL00-11111", n) == 0);
    CHECK_STR(n, "0110011111");
    CHECK(pl_signin_code_normalize("ABCDE-FGHJ", n) == -1);   /* too short */
    CHECK(pl_signin_code_normalize("ABCDE-FGHJKM", n) == -1); /* too long */
    CHECK(pl_signin_code_normalize("ABCDE-FGHJU", n) == -1);  /* U is not used */
    CHECK(pl_signin_code_normalize("ÂBCDE-FGHJK", n) == -1);
    CHECK(pl_signin_code_normalize("", n) == -1);
}

static void test_bucket(void)
{
    struct pl_bucket b;
    int64_t t = 1000000;
    pl_bucket_init(&b, 5, t);
    int taken = 0;
    for (int i = 0; i < 10; i++)
        taken += pl_bucket_take(&b, 1.0, 5, t);
    CHECK(taken == 5); /* the burst */
    CHECK(pl_bucket_take(&b, 1.0, 5, t + 500000) == 0);
    CHECK(pl_bucket_take(&b, 1.0, 5, t + 1000000) == 1); /* one per second */
    CHECK(pl_bucket_take(&b, 1.0, 5, t + 1000001) == 0);
    /* A long pause refills only up to the burst. */
    taken = 0;
    for (int i = 0; i < 10; i++)
        taken += pl_bucket_take(&b, 1.0, 5, t + 100000000);
    CHECK(taken == 5);
}

static void test_throttle(void)
{
    struct pl_throttle *t = pl_throttle_new(6, 60, 4000);
    int delay, retry;
    int64_t now = 5000000;
    CHECK(pl_throttle_check(t, "a", now, &delay, &retry) == 0 && delay == 0);
    CHECK(pl_throttle_fail(t, "a", now) == 0);
    CHECK(pl_throttle_check(t, "a", now, &delay, &retry) == 0 && delay == 0);
    CHECK(pl_throttle_fail(t, "a", now) == 0); /* 2 = lock_after/3: slowed from here */
    CHECK(pl_throttle_check(t, "a", now, &delay, &retry) == 0 && delay == 250);
    CHECK(pl_throttle_fail(t, "a", now) == 0);
    CHECK(pl_throttle_check(t, "a", now, &delay, &retry) == 0 && delay == 500);
    CHECK(pl_throttle_fail(t, "a", now) == 0);
    CHECK(pl_throttle_fail(t, "a", now) == 0);
    CHECK(pl_throttle_fail(t, "a", now) == 1); /* the 6th locks */
    CHECK(pl_throttle_check(t, "a", now, &delay, &retry) == 1 && retry == 60);
    CHECK(pl_throttle_check(t, "a", now + 59000000, &delay, &retry) == 1 && retry == 1);
    /* Other keys are unaffected. */
    CHECK(pl_throttle_check(t, "b", now, &delay, &retry) == 0 && delay == 0);
    /* After the lock: free again, and a single failure does not re-lock. */
    CHECK(pl_throttle_check(t, "a", now + 61000000, &delay, &retry) == 0);
    CHECK(pl_throttle_fail(t, "a", now + 61000000) == 0);
    CHECK(pl_throttle_check(t, "a", now + 61000000, &delay, &retry) == 0);
    /* Success forgets. */
    pl_throttle_fail(t, "c", now);
    pl_throttle_fail(t, "c", now);
    pl_throttle_reset(t, "c");
    CHECK(pl_throttle_check(t, "c", now, &delay, &retry) == 0 && delay == 0);
    /* The delay is capped. */
    struct pl_throttle *t2 = pl_throttle_new(1000, 60, 4000);
    for (int i = 0; i < 400; i++)
        pl_throttle_fail(t2, "x", now);
    CHECK(pl_throttle_check(t2, "x", now, &delay, &retry) == 0 && delay == 4000);
    /* Memory stays bounded under many addresses once they age out. */
    char key[32];
    for (int i = 0; i < 30000; i++) {
        snprintf(key, sizeof key, "10.0.%d.%d", i / 256, i % 256);
        pl_throttle_fail(t2, key, now + (int64_t)i * 10000);
    }
    CHECK(pl_throttle_size(t2) < 12000);
    pl_throttle_free(t);
    pl_throttle_free(t2);
    pl_throttle_free(NULL);
}

struct rows {
    int n;
    char text[1024];
};

static int collect(void *user, int row, int nfields, char **fields)
{
    struct rows *r = user;
    r->n++;
    size_t l = strlen(r->text);
    snprintf(r->text + l, sizeof r->text - l, "%d:", row);
    for (int i = 0; i < nfields; i++) {
        l = strlen(r->text);
        snprintf(r->text + l, sizeof r->text - l, "[%s]", fields[i]);
    }
    l = strlen(r->text);
    snprintf(r->text + l, sizeof r->text - l, "\n");
    return 0;
}

static int stop_at_2(void *user, int row, int nfields, char **fields)
{
    (void)user, (void)nfields, (void)fields;
    return row == 2 ? 7 : 0;
}

/* Issue 20: per-account attempts, counted when they start; an exponential
 * backoff with separate gates for failing and clean addresses, no lock. */
static void test_backoff(void)
{
    struct pl_backoff *b = pl_backoff_new(3, 900, 60, 5);
    int retry;
    bool started;
    int64_t now = 1000000000;
    /* Three attempts at once (as parallel requests): all let through and
     * counted before any answer; the third starts the backoff. */
    CHECK(pl_backoff_try(b, "a", false, now, &retry, &started) == 0 && !started);
    CHECK(pl_backoff_try(b, "a", false, now, &retry, &started) == 0 && !started);
    CHECK(pl_backoff_try(b, "a", false, now, &retry, &started) == 0 && started);
    /* The fourth at once waits 1 s, from a dirty or a clean address. */
    CHECK(pl_backoff_try(b, "a", false, now, &retry, &started) == 1 && retry == 1);
    CHECK(pl_backoff_try(b, "a", true, now, &retry, &started) == 1 && retry == 1);
    /* Then 2 s, 4 s, ... doubling with each attempt let through. */
    now += 1000000;
    CHECK(pl_backoff_try(b, "a", false, now, &retry, &started) == 0 && !started);
    CHECK(pl_backoff_try(b, "a", false, now + 1999999, &retry, &started) == 1 && retry == 1);
    now += 2000000;
    CHECK(pl_backoff_try(b, "a", false, now, &retry, &started) == 0);
    CHECK(pl_backoff_try(b, "a", false, now, &retry, &started) == 1 && retry == 4);
    for (int i = 0; i < 10; i++) {
        now += 3600000000LL / 60; /* a minute: past any wait */
        CHECK(pl_backoff_try(b, "a", false, now, &retry, &started) == 0);
    }
    /* The dirty gate is capped at max_s (60 s), the clean one at 5 s: the
     * owner from an address with no failures waits seconds. */
    CHECK(pl_backoff_try(b, "a", false, now + 1000000, &retry, &started) == 1 && retry == 59);
    CHECK(pl_backoff_try(b, "a", true, now + 1000000, &retry, &started) == 1 && retry == 4);
    CHECK(pl_backoff_try(b, "a", true, now + 5000000, &retry, &started) == 0);
    /* A success forgets everything; other accounts were never affected. */
    CHECK(pl_backoff_try(b, "b", false, now, &retry, &started) == 0);
    pl_backoff_reset(b, "a");
    CHECK(pl_backoff_try(b, "a", false, now + 5000001, &retry, &started) == 0 && !started);
    /* An account quiet for the window starts again from nothing. */
    for (int i = 0; i < 3; i++)
        pl_backoff_try(b, "c", false, now, &retry, &started);
    CHECK(pl_backoff_try(b, "c", false, now, &retry, &started) == 1);
    CHECK(pl_backoff_try(b, "c", false, now + 901000000LL, &retry, &started) == 0 && !started);
    /* Memory stays bounded under many accounts once they age out. */
    char key[32];
    for (int i = 0; i < 30000; i++) {
        snprintf(key, sizeof key, "user%d", i);
        pl_backoff_try(b, key, true, now + (int64_t)i * 100000, &retry, &started);
    }
    CHECK(pl_backoff_size(b) < 20000);
    pl_backoff_free(b);
    pl_backoff_free(NULL);
    /* The address side: an attempt counted early can be taken back. */
    struct pl_throttle *t = pl_throttle_new(50, 900, 8000);
    pl_throttle_fail(t, "10.0.0.1", now);
    CHECK(pl_throttle_failures(t, "10.0.0.1", now) == 1);
    pl_throttle_forgive(t, "10.0.0.1");
    CHECK(pl_throttle_failures(t, "10.0.0.1", now) == 0 && pl_throttle_size(t) == 0);
    pl_throttle_forgive(t, "10.0.0.2"); /* nothing to forgive */
    pl_throttle_free(t);
}

static void test_csv(void)
{
    struct rows r = {0};
    char err[128];
    const char *ok = "\xEF\xBB\xBFlogin,name\r\nan,\"Nguyễn Văn \"\"An\"\"\"\n\nbinh,\"Lê, Bình\"";
    CHECK(pl_csv_parse(ok, strlen(ok), collect, &r, err, sizeof err) == 0);
    CHECK(r.n == 3);
    CHECK_STR(r.text, "1:[login][name]\n2:[an][Nguyễn Văn \"An\"]\n4:[binh][Lê, Bình]\n");
    memset(&r, 0, sizeof r);
    CHECK(pl_csv_parse("a,,\n", 4, collect, &r, err, sizeof err) == 0);
    CHECK_STR(r.text, "1:[a][][]\n");
    CHECK(pl_csv_parse("a\nb\nc\n", 6, stop_at_2, NULL, err, sizeof err) == 7);

    const struct {
        const char *in;
        const char *msg;
    } bad[] = {
        {"a,\"b\n", "row 1: a quoted field is not closed"},
        {"a\nb\"c\n", "row 2: a quote inside an unquoted field"},
        {"a,\"b\"c\n", "row 1: text after a closing quote"},
        {"ok\n\xff\xfe\n", "row 2: not valid UTF-8 text"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&r, 0, sizeof r);
        err[0] = '\0';
        CHECK(pl_csv_parse(bad[i].in, strlen(bad[i].in), collect, &r, err, sizeof err) == -1);
        CHECK_STR(err, bad[i].msg);
    }
    char big[40 * 3 + 2];
    memset(big, ',', sizeof big);
    big[sizeof big - 2] = '\n';
    big[sizeof big - 1] = '\0';
    CHECK(pl_csv_parse(big, strlen(big), collect, &r, err, sizeof err) == -1);
    CHECK(strstr(err, "more than 32 fields") != NULL);
}

int main(void)
{
    test_tokens();
    test_codes();
    test_bucket();
    test_throttle();
    test_backoff();
    test_csv();
    return check_report("test_auth_pure");
}

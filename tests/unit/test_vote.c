/*
 * Unit tests for server/session/vote.c without a socket or a database: the session
 * is tests/data/live_doc.json with one vote (id 50) added, rebuilt by
 * pl_live_from_json as after a restart. Covered: what a secret ballot
 * derives from its nonce (ballot key, check, commitment, receipt), deciding
 * a ballot (pl_vote_check_cast: new, duplicate, change, and each refusal),
 * a nonce being its voter's own (in a group commit, after it, after a
 * restart), the secretary's manual entry, closing (pl_vote_check), and
 * counting (pl_vote_count, pl_vote_check_counted, pl_ballot_digest).
 *
 * Each case is a function named for what it shows; main() prints each name
 * as it runs it. The session's members (live_doc.json): 1 chair, 2 vice
 * chair, 4 5 6 delegates, 3 secretary, 7 staff; 4 and 5 are present; 31
 * seats.
 */
#include <stdlib.h>

#include <glib.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "check.h"
#include "live.h"
#include "proto.h"
#include "vote.h"

#define NONCE_A "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define NONCE_B "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
#define NONCE_C "CCCCCCCCCCCCCCCCCCCCCCCC"

#define CHAIR     1
#define SECRETARY 3
#define STAFF     7

static struct pl_identity ids[8];

static const struct pl_identity *who(int person)
{
    ids[person].person_id = person;
    ids[person].signin_id = 100 + person;
    ids[person].login = "x";
    ids[person].display_name = "x";
    return &ids[person];
}

/*
 * The test session with one vote (id 50, on item 102): kind and state as
 * named, options a JSON object text ("{}" for none), eligible a JSON array
 * text of person ids, voted (stolen; NULL: nobody) as the database holds who
 * voted. The caller owns the result (pl_live_free).
 */
static struct pl_live *load(const char *kind, const char *state, const char *options,
                            const char *eligible, json_t *voted)
{
    json_error_t e;
    json_t *doc = json_load_file(PL_TEST_DATA "/live_doc.json", 0, &e);
    if (!doc) {
        fprintf(stderr, "live_doc.json: %s line %d\n", e.text, e.line);
        exit(1);
    }
    json_t *vote =
        json_pack("{s:i, s:i, s:s, s:s, s:s, s:s, s:[], s:o, s:o, s:o}", "id", 50, "item_id", 102,
                  "kind", kind, "question", "Biểu quyết", "rule", "total_majority", "state", state,
                  "candidates", "options", json_loads(options, 0, NULL), "eligible",
                  json_loads(eligible, 0, NULL), "voted", voted ? voted : json_array());
    json_object_set_new(doc, "votes", json_pack("[o]", vote));
    char err[128];
    struct pl_live *l = pl_live_from_json(doc, err, sizeof err);
    json_decref(doc);
    if (!l) {
        fprintf(stderr, "load: %s\n", err);
        exit(1);
    }
    return l;
}

/* An open secret ballot for delegates 4, 5 and 6. */
static struct pl_live *load_secret(const char *options)
{
    return load("secret", "open", options, "[4, 5, 6]", NULL);
}

/* Decides one ballot of person (type "vote.cast" or "vote.enter"; for
 * vote.enter, person is the secretary and for whom it is entered) into c
 * (cleared on refusal). choice is stolen (NULL: none sent); nonce NULL:
 * none sent. */
static enum pl_err decide(struct pl_live *l, GHashTable *batch, const char *type, int person,
                          int64_t for_whom, json_t *choice, const char *nonce, struct pl_cast *c,
                          const char **reason)
{
    json_t *req = json_pack("{s:i}", "vote_id", 50);
    if (choice)
        json_object_set_new(req, "choice", choice);
    if (nonce)
        json_object_set_new(req, "nonce", json_string(nonce));
    if (for_whom)
        json_object_set_new(req, "person_id", json_integer(for_whom));
    enum pl_err err =
        pl_vote_check_cast(l, who(person), pl_proto_find(type)->id, req, batch, 0, c, reason);
    json_decref(req);
    return err;
}

/* vote.cast of person: choice a motion's word, nonce NULL for open kinds. */
static enum pl_err cast(struct pl_live *l, GHashTable *batch, int person, const char *choice,
                        const char *nonce, struct pl_cast *c, const char **reason)
{
    return decide(l, batch, "vote.cast", person, 0, json_string(choice), nonce, c, reason);
}

/* Applies the decided ballots as their group commit does (PL_OP_VOTE_CASTS);
 * the casts stay the caller's. */
static void commit(struct pl_live *l, struct pl_cast *casts[], int n)
{
    struct pl_change ch = {0};
    ch.op = PL_OP_VOTE_CASTS;
    ch.vote_id = 50;
    ch.casts = g_ptr_array_new();
    for (int i = 0; i < n; i++)
        g_ptr_array_add(ch.casts, casts[i]);
    pl_vote_apply(l, &ch);
    pl_change_clear(&ch);
}

/* Decides and commits one ballot that must be accepted. */
static void cast_and_commit(struct pl_live *l, int person, const char *choice, const char *nonce)
{
    GHashTable *batch = g_hash_table_new(g_int64_hash, g_int64_equal);
    struct pl_cast c, *cs[] = {&c};
    const char *why = NULL;
    CHECK(cast(l, batch, person, choice, nonce, &c, &why) == PL_OK);
    commit(l, cs, 1);
    pl_cast_clear(&c);
    g_hash_table_destroy(batch);
}

static void sha256_tag(const char *tag, const char *nonce, unsigned char out[32])
{
    /* The test's own derivation, as server/session/vote.h states it:
     * SHA-256(tag | NUL | nonce). */
    GString *s = g_string_new(tag);
    g_string_append_c(s, '\0');
    g_string_append(s, nonce);
    unsigned int n = 0;
    EVP_Digest(s->str, s->len, out, &n, EVP_sha256(), NULL);
    g_string_free(s, TRUE);
}

static bool all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i])
            return false;
    }
    return true;
}

/* --- secret-ballot derivation ---------------------------------------------------- */

static void secret_ballot_derives_key_check_commit_and_receipt_from_its_nonce(void)
{
    struct pl_live *l = load_secret("{}");
    GHashTable *batch = g_hash_table_new(g_int64_hash, g_int64_equal);
    struct pl_cast c;
    const char *why = NULL;
    CHECK(cast(l, batch, 4, "for", NONCE_A, &c, &why) == PL_OK && c.outcome == PL_CAST_NEW);
    CHECK(c.secret);
    CHECK_STR(c.choice, "\"for\"");

    unsigned char want[32];
    sha256_tag("ballot", NONCE_A, want);
    CHECK(memcmp(c.key, want, 32) == 0);
    sha256_tag("check", NONCE_A, want);
    CHECK(memcmp(c.check, want, 32) == 0);
    unsigned int n = 0;
    HMAC(EVP_sha256(), NONCE_A, (int)strlen(NONCE_A), (const unsigned char *)"\"for\"", 5, want,
         &n);
    CHECK(memcmp(c.commit, want, 32) == 0);
    /* Separate hash domains: the key stored with the choice is not the
     * check kept with the voter's name. */
    CHECK(memcmp(c.key, c.check, 32) != 0);

    /* The receipt: the first 16 bytes of SHA-256("receipt" | NUL | nonce),
     * 5 bits each, in Crockford's base32, grouped by 4. */
    unsigned char r[32];
    sha256_tag("receipt", NONCE_A, r);
    static const char b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    char receipt[24];
    int o = 0;
    for (int i = 0; i < 16; i++) {
        if (i && i % 4 == 0)
            receipt[o++] = '-';
        receipt[o++] = b32[r[i] & 31];
    }
    receipt[o] = '\0';
    CHECK_STR(c.receipt, receipt);
    CHECK(strlen(c.receipt) == 19 && c.receipt[4] == '-' && c.receipt[9] == '-' &&
          c.receipt[14] == '-');
    pl_cast_clear(&c);
    CHECK(c.choice == NULL && all_zero(c.key, 32)); /* cleared: nothing of the ballot left */
    g_hash_table_destroy(batch);
    pl_live_free(l);
}

static void same_nonce_gives_same_key_and_receipt_whatever_the_choice(void)
{
    struct pl_live *l = load_secret("{}");
    GHashTable *batch = g_hash_table_new(g_int64_hash, g_int64_equal);
    struct pl_cast a, b, c;
    const char *why = NULL;
    CHECK(cast(l, batch, 4, "for", NONCE_A, &a, &why) == PL_OK);
    CHECK(cast(l, batch, 4, "against", NONCE_A, &b, &why) == PL_OK);
    CHECK(cast(l, batch, 4, "for", NONCE_B, &c, &why) == PL_OK);
    /* The nonce alone makes the key, check and receipt; the commitment
     * binds the choice too. */
    CHECK(memcmp(a.key, b.key, 32) == 0 && memcmp(a.check, b.check, 32) == 0);
    CHECK_STR(a.receipt, b.receipt);
    CHECK(memcmp(a.commit, b.commit, 32) != 0);
    /* Another nonce: nothing in common. */
    CHECK(memcmp(a.key, c.key, 32) != 0 && memcmp(a.check, c.check, 32) != 0);
    CHECK(strcmp(a.receipt, c.receipt) != 0);
    pl_cast_clear(&a);
    pl_cast_clear(&b);
    pl_cast_clear(&c);
    g_hash_table_destroy(batch);
    pl_live_free(l);
}

static void open_kinds_derive_nothing_and_keep_the_choice(void)
{
    struct pl_live *l = load("named", "open", "{}", "[4, 5, 6]", NULL);
    GHashTable *batch = g_hash_table_new(g_int64_hash, g_int64_equal);
    struct pl_cast c;
    const char *why = NULL;
    /* A nonce sent with a named vote is ignored, not hashed. */
    CHECK(cast(l, batch, 4, "abstain", NONCE_A, &c, &why) == PL_OK && c.outcome == PL_CAST_NEW);
    CHECK(!c.secret);
    CHECK_STR(c.choice, "\"abstain\"");
    CHECK(all_zero(c.key, 32) && all_zero(c.check, 32) && c.receipt[0] == '\0');
    struct pl_cast *cs[] = {&c};
    commit(l, cs, 1);
    int64_t four = 4;
    const struct pl_voted *vd = g_hash_table_lookup(pl_vote_find(l, 50)->voted, &four);
    CHECK(vd && vd->choice && strcmp(vd->choice, "\"abstain\"") == 0 && vd->entered_by == 0);
    pl_cast_clear(&c);
    g_hash_table_destroy(batch);
    pl_live_free(l);
}

static void secret_ballot_remembers_check_and_commit_not_the_choice(void)
{
    struct pl_live *l = load_secret("{}");
    cast_and_commit(l, 4, "against", NONCE_A);
    int64_t four = 4;
    const struct pl_voted *vd = g_hash_table_lookup(pl_vote_find(l, 50)->voted, &four);
    unsigned char want[32];
    sha256_tag("check", NONCE_A, want);
    CHECK(vd && vd->choice == NULL && memcmp(vd->check, want, 32) == 0 &&
          !all_zero(vd->commit, 32));
    pl_live_free(l);
}

static void nonce_must_be_128_bits_of_base64url(void)
{
    struct pl_live *l = load_secret("{}");
    GHashTable *batch = g_hash_table_new(g_int64_hash, g_int64_equal);
    struct pl_cast c;
    const char *why = NULL;
    static const char *const bad[] = {
        "AAAAAAAAAAAAAAAAAAAAA", /* 21 symbols: under 128 bits */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* 65 */
        "AAAAAAAAAAAAAAAAAAAAAAA+", /* base64, not base64url */
        "AAAAAAAAAAAAAAAAAAAAAAA=",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        why = NULL;
        CHECK(cast(l, batch, 4, "for", bad[i], &c, &why) == PL_ERR_BAD_FIELD);
        CHECK_STR(why, "nonce");
        CHECK(c.choice == NULL);
    }
    CHECK(cast(l, batch, 4, "for", NULL, &c, &why) == PL_ERR_BAD_FIELD);
    CHECK_STR(why, "nonce");
    CHECK(cast(l, batch, 4, "for", "AAAAAAAAAAAAAAAAAAAA-_", &c, &why) == PL_OK); /* 22 */
    pl_cast_clear(&c);
    g_hash_table_destroy(batch);
    pl_live_free(l);
}

/* --- a nonce is its voter's own -------------------------------------------------- */

static void nonce_is_its_voters_own_within_a_group_commit(void)
{
    struct pl_live *l = load_secret("{}");
    GHashTable *batch = g_hash_table_new(g_int64_hash, g_int64_equal);
    struct pl_cast a, b, x;
    const char *why = NULL;
    /* 4 casts with A; 5 with the same nonce is refused, whatever the
     * choice, and 4's repeat is a duplicate. */
    CHECK(cast(l, batch, 4, "for", NONCE_A, &a, &why) == PL_OK && a.outcome == PL_CAST_NEW);
    g_hash_table_insert(batch, &a.person_id, &a);
    CHECK(cast(l, batch, 5, "against", NONCE_A, &x, &why) == PL_ERR_NONCE_IN_USE);
    CHECK_STR(why, "nonce");
    CHECK(cast(l, batch, 5, "for", NONCE_A, &x, &why) == PL_ERR_NONCE_IN_USE);
    CHECK(cast(l, batch, 4, "for", NONCE_A, &x, &why) == PL_OK && x.outcome == PL_CAST_DUPLICATE);
    pl_cast_clear(&x);
    CHECK(cast(l, batch, 5, "against", NONCE_B, &b, &why) == PL_OK && b.outcome == PL_CAST_NEW);
    CHECK(strcmp(a.receipt, b.receipt) != 0);
    pl_cast_clear(&a);
    pl_cast_clear(&b);
    g_hash_table_destroy(batch);
    pl_live_free(l);
}

static void nonce_is_its_voters_own_after_commit(void)
{
    struct pl_live *l = load_secret("{}");
    cast_and_commit(l, 4, "for", NONCE_A);
    cast_and_commit(l, 5, "against", NONCE_B);
    GHashTable *batch = g_hash_table_new(g_int64_hash, g_int64_equal);
    struct pl_cast x;
    const char *why = NULL;
    CHECK(cast(l, batch, 6, "for", NONCE_A, &x, &why) == PL_ERR_NONCE_IN_USE);
    CHECK(cast(l, batch, 6, "abstain", NONCE_B, &x, &why) == PL_ERR_NONCE_IN_USE);
    CHECK(cast(l, batch, 4, "for", NONCE_A, &x, &why) == PL_OK && x.outcome == PL_CAST_DUPLICATE);
    pl_cast_clear(&x);
    g_hash_table_destroy(batch);
    pl_live_free(l);
}

/* Who voted in vote 50 as the session document holds it: {person_id, check,
 * commit} in hex. New reference. */
static json_t *voted_rows(const struct pl_live *l)
{
    json_t *voted = json_array();
    GHashTableIter it;
    gpointer k, val;
    g_hash_table_iter_init(&it, pl_vote_find(l, 50)->voted);
    while (g_hash_table_iter_next(&it, &k, &val)) {
        const struct pl_voted *vd = val;
        char check[65], commit_hex[65];
        for (int i = 0; i < 32; i++) {
            snprintf(check + 2 * i, 3, "%02x", vd->check[i]);
            snprintf(commit_hex + 2 * i, 3, "%02x", vd->commit[i]);
        }
        json_array_append_new(voted,
                              json_pack("{s:I, s:s, s:s}", "person_id", (json_int_t) * (int64_t *)k,
                                        "check", check, "commit", commit_hex));
    }
    return voted;
}

static void nonce_is_its_voters_own_after_a_restart(void)
{
    struct pl_live *l = load_secret("{}");
    cast_and_commit(l, 4, "for", NONCE_A);
    cast_and_commit(l, 5, "against", NONCE_B);
    json_t *voted = voted_rows(l);
    pl_live_free(l);
    /* Rebuilt from the document: the checks come back from the
     * participation rows. */
    l = load("secret", "open", "{}", "[4, 5, 6]", voted);
    GHashTable *batch = g_hash_table_new(g_int64_hash, g_int64_equal);
    struct pl_cast x;
    const char *why = NULL;
    CHECK(cast(l, batch, 6, "for", NONCE_A, &x, &why) == PL_ERR_NONCE_IN_USE);
    CHECK(cast(l, batch, 5, "against", NONCE_B, &x, &why) == PL_OK &&
          x.outcome == PL_CAST_DUPLICATE);
    pl_cast_clear(&x);
    CHECK(cast(l, batch, 6, "for", NONCE_C, &x, &why) == PL_OK && x.outcome == PL_CAST_NEW);
    pl_cast_clear(&x);
    g_hash_table_destroy(batch);
    pl_live_free(l);
}

/* --- cast, duplicate, change ----------------------------------------------------- */

static void same_ballot_again_is_a_duplicate(void)
{
    struct pl_live *l = load("named", "open", "{}", "[4, 5, 6]", NULL);
    GHashTable *batch = g_hash_table_new(g_int64_hash, g_int64_equal);
    struct pl_cast a, x;
    const char *why = NULL;
    /* In the same group commit, then after it committed. */
    CHECK(cast(l, batch, 4, "for", NULL, &a, &why) == PL_OK && a.outcome == PL_CAST_NEW);
    g_hash_table_insert(batch, &a.person_id, &a);
    CHECK(cast(l, batch, 4, "for", NULL, &x, &why) == PL_OK && x.outcome == PL_CAST_DUPLICATE);
    pl_cast_clear(&x);
    struct pl_cast *cs[] = {&a};
    commit(l, cs, 1);
    g_hash_table_remove_all(batch);
    pl_cast_clear(&a);
    CHECK(cast(l, batch, 4, "for", NULL, &x, &why) == PL_OK && x.outcome == PL_CAST_DUPLICATE);
    pl_cast_clear(&x);
    g_hash_table_destroy(batch);
    pl_live_free(l);
}

static void change_of_an_open_ballot_only_where_the_vote_allows_it(void)
{
    GHashTable *batch = g_hash_table_new(g_int64_hash, g_int64_equal);
    struct pl_cast x;
    const char *why = NULL;
    struct pl_live *l = load("named", "open", "{}", "[4, 5, 6]", NULL);
    cast_and_commit(l, 4, "for", NULL);
    CHECK(cast(l, batch, 4, "against", NULL, &x, &why) == PL_ERR_ALREADY_VOTED);
    CHECK_STR(why, "change_not_allowed");
    pl_live_free(l);

    l = load("named", "open", "{\"allow_change\": true}", "[4, 5, 6]", NULL);
    cast_and_commit(l, 4, "for", NULL);
    CHECK(cast(l, batch, 4, "against", NULL, &x, &why) == PL_OK && x.outcome == PL_CAST_CHANGED);
    struct pl_cast *cs[] = {&x};
    commit(l, cs, 1);
    int64_t four = 4;
    const struct pl_voted *vd = g_hash_table_lookup(pl_vote_find(l, 50)->voted, &four);
    CHECK(vd && strcmp(vd->choice, "\"against\"") == 0); /* the last choice counts */
    pl_cast_clear(&x);
    g_hash_table_destroy(batch);
    pl_live_free(l);
}

static void change_of_a_secret_ballot_needs_its_own_nonce(void)
{
    GHashTable *batch = g_hash_table_new(g_int64_hash, g_int64_equal);
    struct pl_cast x;
    const char *why = NULL;
    struct pl_live *l = load_secret("{\"allow_change\": true}");
    cast_and_commit(l, 4, "for", NONCE_A);
    /* The same nonce, another choice: a change (it replaces the ballot
     * whose key the nonce gives). */
    CHECK(cast(l, batch, 4, "against", NONCE_A, &x, &why) == PL_OK && x.outcome == PL_CAST_CHANGED);
    pl_cast_clear(&x);
    /* Another nonce would be a second ballot: refused. */
    CHECK(cast(l, batch, 4, "against", NONCE_B, &x, &why) == PL_ERR_ALREADY_VOTED);
    CHECK_STR(why, "already_voted");
    pl_live_free(l);

    l = load_secret("{}");
    cast_and_commit(l, 4, "for", NONCE_A);
    CHECK(cast(l, batch, 4, "against", NONCE_A, &x, &why) == PL_ERR_ALREADY_VOTED);
    CHECK_STR(why, "change_not_allowed");
    g_hash_table_destroy(batch);
    pl_live_free(l);
}

/* --- refusals -------------------------------------------------------------------- */

static void refused_when_not_eligible(void)
{
    GHashTable *batch = g_hash_table_new(g_int64_hash, g_int64_equal);
    struct pl_cast x;
    const char *why = NULL;
    /* Eligible: 4 only (present when it opened). 5 checked in since; 1 is
     * a delegate who is not present. */
    struct pl_live *l = load("named", "open", "{}", "[4]", NULL);
    CHECK(cast(l, batch, 5, "for", NULL, &x, &why) == PL_ERR_NOT_ELIGIBLE);
    CHECK_STR(why, "not_eligible");
    CHECK(cast(l, batch, CHAIR, "for", NULL, &x, &why) == PL_ERR_NOT_ELIGIBLE);
    pl_live_free(l);
    /* With late check-in allowed, 5 may vote; 1, still absent, may not. */
    l = load("named", "open", "{\"late_checkin\": true}", "[4]", NULL);
    CHECK(cast(l, batch, 5, "for", NULL, &x, &why) == PL_OK && x.outcome == PL_CAST_NEW);
    pl_cast_clear(&x);
    CHECK(cast(l, batch, CHAIR, "for", NULL, &x, &why) == PL_ERR_NOT_ELIGIBLE);
    g_hash_table_destroy(batch);
    pl_live_free(l);
}

static void refused_when_not_a_delegate(void)
{
    struct pl_live *l = load("named", "open", "{}", "[4, 5, 6]", NULL);
    GHashTable *batch = g_hash_table_new(g_int64_hash, g_int64_equal);
    struct pl_cast x;
    const char *why = NULL;
    CHECK(cast(l, batch, SECRETARY, "for", NULL, &x, &why) == PL_ERR_FORBIDDEN);
    CHECK_STR(why, "delegates_only");
    CHECK(cast(l, batch, STAFF, "for", NULL, &x, &why) == PL_ERR_FORBIDDEN);
    g_hash_table_destroy(batch);
    pl_live_free(l);
}

static void refused_when_the_vote_is_not_open(void)
{
    static const struct {
        const char *state, *reason;
    } cases[] = {{"prepared", "vote_not_open"},
                 {"closed", "vote_closed"},
                 {"counted", "vote_closed"},
                 {"cancelled", "vote_closed"}};
    GHashTable *batch = g_hash_table_new(g_int64_hash, g_int64_equal);
    struct pl_cast x;
    const char *why = NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct pl_live *l = load("secret", cases[i].state, "{}", "[4, 5, 6]", NULL);
        CHECK(cast(l, batch, 4, "for", NONCE_A, &x, &why) == PL_ERR_VOTE_CLOSED);
        CHECK_STR(why, cases[i].reason);
        pl_live_free(l);
    }
    /* A vote the session does not have. */
    struct pl_live *l = load_secret("{}");
    json_t *req = json_pack("{s:i, s:s, s:s}", "vote_id", 51, "choice", "for", "nonce", NONCE_A);
    CHECK(pl_vote_check_cast(l, who(4), PL_RQ_VOTE_CAST, req, batch, 0, &x, &why) ==
          PL_ERR_NOT_FOUND);
    CHECK_STR(why, "vote_id");
    json_decref(req);
    g_hash_table_destroy(batch);
    pl_live_free(l);
}

static void refused_on_a_choice_not_on_the_ballot(void)
{
    struct pl_live *l = load_secret("{}");
    GHashTable *batch = g_hash_table_new(g_int64_hash, g_int64_equal);
    struct pl_cast x;
    const char *why = NULL;
    CHECK(cast(l, batch, 4, "maybe", NONCE_A, &x, &why) == PL_ERR_BAD_CHOICE);
    CHECK_STR(why, "choice");
    CHECK(cast(l, batch, 4, "For", NONCE_A, &x, &why) == PL_ERR_BAD_CHOICE);
    CHECK(decide(l, batch, "vote.cast", 4, 0, json_integer(1), NONCE_A, &x, &why) ==
          PL_ERR_BAD_CHOICE);
    CHECK(decide(l, batch, "vote.cast", 4, 0, NULL, NONCE_A, &x, &why) == PL_ERR_BAD_CHOICE);
    /* An election's "choose" on a motion is not a motion's choice either. */
    CHECK(decide(l, batch, "vote.cast", 4, 0, json_pack("{s:[i]}", "choose", 1), NONCE_A, &x,
                 &why) == PL_ERR_BAD_CHOICE);
    g_hash_table_destroy(batch);
    pl_live_free(l);
}

static void secretary_enters_open_ballots_of_present_delegates_only(void)
{
    GHashTable *batch = g_hash_table_new(g_int64_hash, g_int64_equal);
    struct pl_cast x;
    const char *why = NULL;
    struct pl_live *l = load("named", "open", "{}", "[4, 5, 6]", NULL);
    /* 4 has no ballot: entered, marked as the secretary's. */
    CHECK(decide(l, batch, "vote.enter", SECRETARY, 4, json_string("for"), NULL, &x, &why) ==
          PL_OK);
    CHECK(x.outcome == PL_CAST_NEW && x.person_id == 4 && x.entered_by == SECRETARY);
    pl_cast_clear(&x);
    /* 6 is not present. */
    CHECK(decide(l, batch, "vote.enter", SECRETARY, 6, json_string("for"), NULL, &x, &why) ==
          PL_ERR_NOT_ELIGIBLE);
    CHECK_STR(why, "not_present");
    /* 5 cast their own: never entered over. */
    cast_and_commit(l, 5, "against", NULL);
    CHECK(decide(l, batch, "vote.enter", SECRETARY, 5, json_string("against"), NULL, &x, &why) ==
          PL_ERR_ALREADY_VOTED);
    CHECK_STR(why, "cast_by_delegate");
    /* A delegate may not enter a ballot. */
    CHECK(decide(l, batch, "vote.enter", 6, 4, json_string("for"), NULL, &x, &why) ==
          PL_ERR_FORBIDDEN);
    CHECK_STR(why, "secretary_only");
    pl_live_free(l);
    /* No one enters a secret ballot for someone else. */
    l = load_secret("{}");
    CHECK(decide(l, batch, "vote.enter", SECRETARY, 4, json_string("for"), NONCE_A, &x, &why) ==
          PL_ERR_FORBIDDEN);
    CHECK_STR(why, "no_manual_entry_for_secret_ballots");
    g_hash_table_destroy(batch);
    pl_live_free(l);
}

/* --- closing and counting -------------------------------------------------------- */

static void close_is_the_chairs_and_ends_casting(void)
{
    struct pl_live *l = load("named", "open", "{}", "[4, 5, 6]", NULL);
    cast_and_commit(l, 4, "for", NULL);
    json_t *req = json_pack("{s:i}", "vote_id", 50);
    struct pl_change ch = {0};
    const char *why = NULL;
    CHECK(pl_vote_decide_close(l, who(4), req, &ch, &why) == PL_ERR_FORBIDDEN);
    CHECK_STR(why, "chair_only");
    pl_change_clear(&ch);
    CHECK(pl_vote_decide_close(l, who(CHAIR), req, &ch, &why) == PL_OK);
    CHECK(ch.op == PL_OP_VOTE_CLOSE && strcmp(ch.event, "vote.closed") == 0);
    CHECK(json_integer_value(json_object_get(ch.data, "cast_count")) == 1);
    CHECK(json_integer_value(json_object_get(ch.data, "eligible_count")) == 3);
    pl_vote_apply(l, &ch);
    pl_change_clear(&ch);
    CHECK(pl_vote_find(l, 50)->state == PL_VS_CLOSED);
    CHECK(pl_vote_decide_close(l, who(CHAIR), req, &ch, &why) == PL_ERR_INVALID_STATE);
    CHECK_STR(why, "vote_not_open");
    pl_change_clear(&ch);
    GHashTable *batch = g_hash_table_new(g_int64_hash, g_int64_equal);
    struct pl_cast x;
    CHECK(cast(l, batch, 5, "for", NULL, &x, &why) == PL_ERR_VOTE_CLOSED);
    CHECK_STR(why, "vote_closed");
    g_hash_table_destroy(batch);
    json_decref(req);
    pl_live_free(l);
}

/* What the database holds of a named vote's ballots: records
 * [{person_id, choice}], the choice as canonical JSON text. */
static json_t *records(void)
{
    return json_pack("{s:[{s:i, s:s}, {s:i, s:s}, {s:i, s:s}]}", "records", "person_id", 4,
                     "choice", "\"for\"", "person_id", 5, "choice", "\"against\"", "person_id", 6,
                     "choice", "\"for\"");
}

static void counting_a_named_vote_tallies_its_records(void)
{
    struct pl_live *l = load("named", "closed", "{}", "[4, 5, 6]", NULL);
    json_t *stored = records();
    char digest[65];
    json_t *r = pl_vote_count(l, pl_vote_find(l, 50), stored, digest);
    CHECK(json_integer_value(json_object_get(r, "for")) == 2);
    CHECK(json_integer_value(json_object_get(r, "against")) == 1);
    CHECK(json_integer_value(json_object_get(r, "abstain")) == 0);
    CHECK(json_integer_value(json_object_get(r, "cast")) == 3);
    CHECK(json_integer_value(json_object_get(r, "eligible")) == 3);
    CHECK(json_integer_value(json_object_get(r, "total_seats")) == 31);
    CHECK_STR(json_string_value(json_object_get(r, "kind")), "named");
    /* A majority of all 31 seats (16) is not reached by 2. */
    CHECK(json_is_false(json_object_get(r, "passed")));
    CHECK(digest[0] == '\0' && !json_object_get(r, "ballot_digest") &&
          !json_object_get(r, "receipts"));
    json_decref(r);

    /* The counted change: for a closed vote only; the chair publishes it. */
    struct pl_change ch;
    CHECK(pl_vote_check_counted(l, 50, stored, 1000, &ch));
    CHECK(ch.op == PL_OP_VOTE_COUNTED && strcmp(ch.event, "vote.counted") == 0);
    CHECK_STR(json_string_value(json_object_get(ch.data, "awaiting")), "chair");
    CHECK(json_integer_value(json_object_get(ch.data, "cast_count")) == 3);
    CHECK(!json_object_get(ch.data, "for")); /* no tally before publication */
    pl_vote_apply(l, &ch);
    pl_change_clear(&ch);
    CHECK(pl_vote_find(l, 50)->state == PL_VS_COUNTED);
    CHECK(json_integer_value(json_object_get(pl_vote_find(l, 50)->result, "for")) == 2);
    CHECK(!pl_vote_check_counted(l, 50, stored, 1000, &ch)); /* counted once */
    pl_live_free(l);

    l = load("named", "open", "{}", "[4, 5, 6]", NULL);
    CHECK(!pl_vote_check_counted(l, 50, stored, 1000, &ch)); /* not closed yet */
    pl_live_free(l);
    json_decref(stored);
}

/* The ballot chain as server/session/vote.h states it, computed here on its own:
 * h0 = 32 zero bytes, h = SHA-256(h | key | NUL | choice), in hex. */
static void chain(const char *const keys[], const char *const choices[], int n, char out[65])
{
    unsigned char h[32] = {0};
    for (int i = 0; i < n; i++) {
        GByteArray *b = g_byte_array_new();
        g_byte_array_append(b, h, 32);
        g_byte_array_append(b, (const guint8 *)keys[i], (guint)strlen(keys[i]));
        g_byte_array_append(b, (const guint8 *)"", 1);
        g_byte_array_append(b, (const guint8 *)choices[i], (guint)strlen(choices[i]));
        unsigned int len = 0;
        EVP_Digest(b->data, b->len, h, &len, EVP_sha256(), NULL);
        g_byte_array_free(b, TRUE);
    }
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static void counting_a_secret_vote_chains_its_ballots_and_lists_receipts(void)
{
    struct pl_live *l = load("secret", "closed", "{}", "[4, 5, 6]", NULL);
    static const char *const keys[] = {"0a0a", "1b1b", "2c2c"};
    static const char *const choices[] = {"\"against\"", "\"for\"", "\"for\""};
    json_t *stored = json_pack("{s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}], s:[s, s, s]}", "ballots",
                               "key", keys[0], "choice", choices[0], "key", keys[1], "choice",
                               choices[1], "key", keys[2], "choice", choices[2], "receipts",
                               "AAAA-BBBB-CCCC-DDDD", "EEEE-FFFF-GGGG-HHHH", "JJJJ-KKKK-MMMM-NNNN");
    char digest[65], want[65];
    json_t *r = pl_vote_count(l, pl_vote_find(l, 50), stored, digest);
    CHECK(json_integer_value(json_object_get(r, "for")) == 2);
    CHECK(json_integer_value(json_object_get(r, "against")) == 1);
    CHECK(json_integer_value(json_object_get(r, "cast")) == 3);
    CHECK_STR(json_string_value(json_object_get(r, "kind")), "secret");
    chain(keys, choices, 3, want);
    CHECK_STR(digest, want);
    CHECK_STR(json_string_value(json_object_get(r, "ballot_digest")), want);
    CHECK(json_equal(json_object_get(r, "receipts"), json_object_get(stored, "receipts")));
    json_decref(r);

    /* The chain shows any change: one choice, or the order. */
    char other[65];
    json_t *ballots = json_object_get(stored, "ballots");
    json_object_set_new(json_array_get(ballots, 0), "choice", json_string("\"for\""));
    pl_ballot_digest(ballots, other);
    CHECK(strcmp(other, want) != 0);
    json_object_set_new(json_array_get(ballots, 0), "choice", json_string(choices[0]));
    pl_ballot_digest(ballots, other);
    CHECK_STR(other, want);
    json_t *first = json_incref(json_array_get(ballots, 0));
    json_array_remove(ballots, 0);
    json_array_append_new(ballots, first);
    pl_ballot_digest(ballots, other);
    CHECK(strcmp(other, want) != 0);

    /* Its result waits for the counting board, even without one. */
    struct pl_change ch;
    CHECK(pl_vote_check_counted(l, 50, stored, 1000, &ch));
    CHECK_STR(json_string_value(json_object_get(ch.data, "awaiting")), "board");
    CHECK(ch.digest[0] != '\0');
    pl_change_clear(&ch);
    json_decref(stored);
    pl_live_free(l);
}

static void counting_no_ballots_passes_nothing(void)
{
    struct pl_live *l = load("open", "closed", "{}", "[4, 5]", NULL);
    json_t *stored = json_pack("{s:[]}", "records");
    char digest[65];
    json_t *r = pl_vote_count(l, pl_vote_find(l, 50), stored, digest);
    CHECK(json_integer_value(json_object_get(r, "cast")) == 0);
    CHECK(json_is_false(json_object_get(r, "passed")));
    CHECK_STR(json_string_value(json_object_get(r, "kind")), "open");
    json_decref(r);
    json_decref(stored);
    pl_live_free(l);
}

#define RUN(test)                                                                                  \
    do {                                                                                           \
        int failed_before = check_failures;                                                        \
        test();                                                                                    \
        printf("test_vote: %s %s\n", #test, check_failures == failed_before ? "ok" : "FAILED");    \
        fflush(stdout);                                                                            \
    } while (0)

int main(void)
{
    RUN(secret_ballot_derives_key_check_commit_and_receipt_from_its_nonce);
    RUN(same_nonce_gives_same_key_and_receipt_whatever_the_choice);
    RUN(open_kinds_derive_nothing_and_keep_the_choice);
    RUN(secret_ballot_remembers_check_and_commit_not_the_choice);
    RUN(nonce_must_be_128_bits_of_base64url);
    RUN(nonce_is_its_voters_own_within_a_group_commit);
    RUN(nonce_is_its_voters_own_after_commit);
    RUN(nonce_is_its_voters_own_after_a_restart);
    RUN(same_ballot_again_is_a_duplicate);
    RUN(change_of_an_open_ballot_only_where_the_vote_allows_it);
    RUN(change_of_a_secret_ballot_needs_its_own_nonce);
    RUN(refused_when_not_eligible);
    RUN(refused_when_not_a_delegate);
    RUN(refused_when_the_vote_is_not_open);
    RUN(refused_on_a_choice_not_on_the_ballot);
    RUN(secretary_enters_open_ballots_of_present_delegates_only);
    RUN(close_is_the_chairs_and_ends_casting);
    RUN(counting_a_named_vote_tallies_its_records);
    RUN(counting_a_secret_vote_chains_its_ballots_and_lists_receipts);
    RUN(counting_no_ballots_passes_nothing);
    return check_report("test_vote");
}

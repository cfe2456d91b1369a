/* Unit tests for deciding ballots (server/vote.c, pl_vote_check_cast)
 * without a socket or a database: a secret ballot's nonce is its voter's
 * own, within one group commit, after it committed, and after the session
 * is rebuilt from its document (a restart). */
#include <stdlib.h>

#include <glib.h>
#include <jansson.h>

#include "check.h"
#include "live.h"
#include "vote.h"

#define NONCE_A "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define NONCE_B "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"

static struct pl_identity ids[8];

static const struct pl_identity *who(int person)
{
    ids[person].person_id = person;
    ids[person].session_id = 100 + person;
    ids[person].login = "x";
    ids[person].display_name = "x";
    return &ids[person];
}

/* The test session (tests/data/live_doc.json) with one open secret vote
 * (id 50) for delegates 4, 5 and 6, and voted (may be NULL) as the
 * database holds who voted. The caller owns the result. */
static struct pl_live *load(json_t *voted)
{
    json_error_t e;
    json_t *doc = json_load_file(PL_TEST_DATA "/live_doc.json", 0, &e);
    if (!doc) {
        fprintf(stderr, "live_doc.json: %s line %d\n", e.text, e.line);
        exit(1);
    }
    json_t *vote = json_pack("{s:i, s:i, s:s, s:s, s:s, s:s, s:[], s:{}, s:[i, i, i], s:o}", "id",
                             50, "item_id", 102, "kind", "secret", "question", "Kín", "rule",
                             "total_majority", "state", "open", "candidates", "options", "eligible",
                             4, 5, 6, "voted", voted ? voted : json_array());
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

/* Decides one vote.cast of person with nonce into c (cleared on refusal). */
static enum pl_err cast(struct pl_live *l, GHashTable *batch, int person, const char *choice,
                        const char *nonce, struct pl_cast *c, const char **reason)
{
    json_t *req = json_pack("{s:i, s:s, s:s}", "vote_id", 50, "choice", choice, "nonce", nonce);
    enum pl_err err = pl_vote_check_cast(l, who(person), PL_RQ_VOTE_CAST, req, batch, 0, c, reason);
    json_decref(req);
    return err;
}

int main(void)
{
    struct pl_live *l = load(NULL);
    GHashTable *batch = g_hash_table_new(g_int64_hash, g_int64_equal);
    struct pl_cast a, b, x;
    const char *why = NULL;

    /* One group commit: 4 casts with A; 5 with the same nonce is refused,
     * whatever the choice, and 4's repeat is a duplicate. */
    CHECK(cast(l, batch, 4, "for", NONCE_A, &a, &why) == PL_OK && a.outcome == PL_CAST_NEW);
    g_hash_table_insert(batch, &a.person_id, &a);
    CHECK(cast(l, batch, 5, "against", NONCE_A, &x, &why) == PL_ERR_NONCE_IN_USE);
    CHECK_STR(why, "nonce");
    CHECK(cast(l, batch, 5, "for", NONCE_A, &x, &why) == PL_ERR_NONCE_IN_USE);
    CHECK(cast(l, batch, 4, "for", NONCE_A, &x, &why) == PL_OK && x.outcome == PL_CAST_DUPLICATE);
    pl_cast_clear(&x);
    CHECK(cast(l, batch, 5, "against", NONCE_B, &b, &why) == PL_OK && b.outcome == PL_CAST_NEW);
    CHECK(strcmp(a.receipt, b.receipt) != 0);
    g_hash_table_insert(batch, &b.person_id, &b);

    /* Committed: the same, against memory. */
    struct pl_change ch = {0};
    ch.op = PL_OP_VOTE_CASTS;
    ch.vote_id = 50;
    ch.casts = g_ptr_array_new();
    g_ptr_array_add(ch.casts, &a);
    g_ptr_array_add(ch.casts, &b);
    pl_vote_apply(l, &ch);
    g_ptr_array_free(ch.casts, TRUE);
    g_hash_table_remove_all(batch);
    CHECK(cast(l, batch, 6, "for", NONCE_A, &x, &why) == PL_ERR_NONCE_IN_USE);
    CHECK(cast(l, batch, 6, "abstain", NONCE_B, &x, &why) == PL_ERR_NONCE_IN_USE);
    CHECK(cast(l, batch, 4, "for", NONCE_A, &x, &why) == PL_OK && x.outcome == PL_CAST_DUPLICATE);
    pl_cast_clear(&x);

    /* Rebuilt from the document (a restart): the checks come back from the
     * participation rows. */
    json_t *voted = json_array();
    const struct pl_vote *v = pl_vote_find(l, 50);
    GHashTableIter it;
    gpointer k, val;
    g_hash_table_iter_init(&it, v->voted);
    while (g_hash_table_iter_next(&it, &k, &val)) {
        const struct pl_voted *vd = val;
        char check[65], commit[65];
        for (int i = 0; i < 32; i++) {
            snprintf(check + 2 * i, 3, "%02x", vd->check[i]);
            snprintf(commit + 2 * i, 3, "%02x", vd->commit[i]);
        }
        json_array_append_new(voted,
                              json_pack("{s:I, s:s, s:s}", "person_id", (json_int_t) * (int64_t *)k,
                                        "check", check, "commit", commit));
    }
    pl_cast_clear(&a);
    pl_cast_clear(&b);
    pl_live_free(l);
    l = load(voted);
    CHECK(cast(l, batch, 6, "for", NONCE_A, &x, &why) == PL_ERR_NONCE_IN_USE);
    CHECK(cast(l, batch, 5, "against", NONCE_B, &x, &why) == PL_OK &&
          x.outcome == PL_CAST_DUPLICATE);
    pl_cast_clear(&x);
    CHECK(cast(l, batch, 6, "for", "CCCCCCCCCCCCCCCCCCCCCCCC", &x, &why) == PL_OK &&
          x.outcome == PL_CAST_NEW);
    pl_cast_clear(&x);

    g_hash_table_destroy(batch);
    pl_live_free(l);
    return check_report("test_vote");
}

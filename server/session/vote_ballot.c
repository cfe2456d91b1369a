/*
 * Ballots of a live session's votes (see vote.h, "Secrecy"): checking a
 * cast or a secretary's entry against the vote, the canonical choice, the
 * secret derivations (ballot key, check, commitment, receipt) from the
 * voter's nonce, the digest of a vote's ballots, and the notice of a group
 * commit's batch. The votes themselves (deciding, counting, applying) are
 * in vote.c.
 */
#include "vote.h"
#include "vote_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth_token.h"
#include "live.h"

/* --- ballots ----------------------------------------------------------------------- */

static bool is_candidate(const struct pl_vote *v, const char *key)
{
    char *end;
    long long id = strtoll(key, &end, 10);
    if (*end || id <= 0)
        return false;
    for (size_t i = 0; i < json_array_size(v->candidates); i++) {
        if (pl_vote_jint(json_array_get(v->candidates, i), "id") == id)
            return true;
    }
    return false;
}

/* Checks a choice against the ballot; returns its canonical JSON or NULL. */
static char *canonical_choice(const struct pl_vote *v, const json_t *choice)
{
    if (v->kind == PL_VOTE_OPEN || v->kind == PL_VOTE_NAMED || v->kind == PL_VOTE_SECRET) {
        if (pl_vote_name_index(pl_vote_motion_choices, 3, json_string_value(choice)) < 0)
            return NULL;
    } else if (v->kind == PL_VOTE_ELECTION && !v->mark_mode) {
        /* {"choose": [candidate ids]}: up to `seats`, distinct. */
        const json_t *ch = json_object_get(choice, "choose");
        if (!json_is_object(choice) || json_object_size(choice) != 1 || !json_is_array(ch) ||
            json_array_size(ch) > (size_t)v->seats)
            return NULL;
        for (size_t i = 0; i < json_array_size(ch); i++) {
            char key[24];
            const json_t *x = json_array_get(ch, i);
            if (!json_is_integer(x))
                return NULL;
            snprintf(key, sizeof key, "%lld", (long long)json_integer_value(x));
            if (!is_candidate(v, key))
                return NULL;
            for (size_t j = 0; j < i; j++) {
                if (json_integer_value(json_array_get(ch, j)) == json_integer_value(x))
                    return NULL;
            }
        }
    } else {
        /* Marks or pl_vote_ratings: {"<candidate id>": value}, every candidate. */
        const char *const *allowed =
            v->kind == PL_VOTE_CONFIDENCE ? pl_vote_ratings : pl_vote_motion_choices;
        int nallowed = v->kind == PL_VOTE_CONFIDENCE ? 3 : 2;
        const json_t *marks =
            json_object_get(choice, v->kind == PL_VOTE_CONFIDENCE ? "ratings" : "marks");
        if (!json_is_object(choice) || json_object_size(choice) != 1 || !json_is_object(marks) ||
            json_object_size(marks) != json_array_size(v->candidates))
            return NULL;
        const char *key;
        const json_t *val;
        json_object_foreach((json_t *)marks, key, val)
        {
            if (!is_candidate(v, key) ||
                pl_vote_name_index(allowed, nallowed, json_string_value(val)) < 0)
                return NULL;
        }
    }
    return json_dumps(choice, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

static void sha256_tagged(const char *tag, const char *nonce, unsigned char out[32])
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    unsigned int n = 0;
    EVP_DigestInit_ex(m, EVP_sha256(), NULL);
    EVP_DigestUpdate(m, tag, strlen(tag));
    EVP_DigestUpdate(m, "\0", 1);
    EVP_DigestUpdate(m, nonce, strlen(nonce));
    EVP_DigestFinal_ex(m, out, &n);
    EVP_MD_CTX_free(m);
}

static bool valid_nonce(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 22 || n > 64)
        return false; /* at least 128 bits of base64url */
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

/*
 * Whether check (the hash of a nonce) already belongs to a voter other than
 * voter: among those who voted, or among the ballots decided in this batch.
 * A nonce is its voter's own: the ballot key and the receipt derive from it
 * alone, so a second voter with the same nonce would share one ballot.
 * Costs O(voters + batch) per ballot: a council has at most a few hundred
 * seats.
 */
static bool nonce_taken(const struct pl_vote *v, GHashTable *batch, int64_t voter,
                        const unsigned char check[32])
{
    GHashTableIter it;
    gpointer k, val;
    g_hash_table_iter_init(&it, v->voted);
    while (g_hash_table_iter_next(&it, &k, &val)) {
        const struct pl_voted *vd = val;
        if (*(const int64_t *)k != voter && memcmp(vd->check, check, 32) == 0)
            return true;
    }
    g_hash_table_iter_init(&it, batch);
    while (g_hash_table_iter_next(&it, &k, &val)) {
        const struct pl_cast *b = val;
        if (b->person_id != voter && b->secret && memcmp(b->check, check, 32) == 0)
            return true;
    }
    return false;
}

void pl_cast_clear(struct pl_cast *c)
{
    /* A secret choice does not outlive its write, not even in freed memory. */
    if (c->choice)
        OPENSSL_cleanse(c->choice, strlen(c->choice));
    g_free(c->choice);
    memset(c, 0, sizeof *c);
}

enum pl_err pl_vote_check_cast(const struct pl_live *l, const struct pl_identity *who,
                               enum pl_rq rq, const json_t *req, GHashTable *batch,
                               int64_t expected, struct pl_cast *c, const char **reason)
{
    memset(c, 0, sizeof *c);
    bool delegate;
    enum pl_role role = pl_live_role(l, who, &delegate);
    bool manual = rq == PL_RQ_VOTE_ENTER;
    int64_t voter = who->person_id;
    if (manual) {
        if (!pl_role_runs_sitting(role) && role != PL_ROLE_SECRETARY)
            PL_REFUSE(PL_ERR_FORBIDDEN, "secretary_only");
        voter = json_integer_value(json_object_get(req, "person_id"));
    } else if (!delegate) {
        PL_REFUSE(PL_ERR_FORBIDDEN, "delegates_only");
    }
    struct pl_vote *v = pl_vote_find(l, json_integer_value(json_object_get(req, "vote_id")));
    if (!v || (expected && v->id != expected))
        PL_REFUSE(PL_ERR_NOT_FOUND, "vote_id");
    if (v->state != PL_VS_OPEN)
        PL_REFUSE(PL_ERR_VOTE_CLOSED, v->state == PL_VS_PREPARED ? "vote_not_open" : "vote_closed");
    if (manual && pl_vote_is_secret(v->kind))
        PL_REFUSE(PL_ERR_FORBIDDEN, "no_manual_entry_for_secret_ballots");
    if (manual && !g_hash_table_contains(l->present, &voter))
        PL_REFUSE(PL_ERR_NOT_ELIGIBLE, "not_present");
    /* Eligible: present when the vote opened, or (if allowed) checked in since. */
    if (!g_hash_table_contains(v->eligible, &voter) &&
        !(v->late_checkin && g_hash_table_contains(l->present, &voter)))
        PL_REFUSE(PL_ERR_NOT_ELIGIBLE, "not_eligible");
    char *choice = canonical_choice(v, json_object_get(req, "choice"));
    if (!choice)
        PL_REFUSE(PL_ERR_BAD_CHOICE, "choice");
    c->person_id = voter;
    c->entered_by = manual ? who->person_id : 0;
    c->choice = choice;
    c->secret = pl_vote_is_secret(v->kind);
    const struct pl_cast *in_batch = g_hash_table_lookup(batch, &voter);
    const struct pl_voted *before = g_hash_table_lookup(v->voted, &voter);
    if (c->secret) {
        const char *nonce = json_string_value(json_object_get(req, "nonce"));
        if (!valid_nonce(nonce)) {
            pl_cast_clear(c);
            PL_REFUSE(PL_ERR_BAD_FIELD, "nonce");
        }
        sha256_tagged("ballot", nonce, c->key);
        sha256_tagged("check", nonce, c->check);
        unsigned int n = 0;
        HMAC(EVP_sha256(), nonce, (int)strlen(nonce), (const unsigned char *)choice, strlen(choice),
             c->commit, &n);
        unsigned char r[32];
        sha256_tagged("receipt", nonce, r);
        /* A receipt: 16 symbols of Crockford base32, printed in groups of 4. */
        static const char b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        int o = 0;
        for (int i = 0; i < 16; i++) {
            if (i && i % 4 == 0)
                c->receipt[o++] = '-';
            c->receipt[o++] = b32[r[i] & 31];
        }
        c->receipt[o] = '\0';
        if (nonce_taken(v, batch, voter, c->check)) {
            pl_cast_clear(c);
            PL_REFUSE(PL_ERR_NONCE_IN_USE, "nonce");
        }
        const unsigned char *prev_check = in_batch ? in_batch->check
                                          : before ? before->check
                                                   : NULL;
        const unsigned char *prev_commit = in_batch ? in_batch->commit
                                           : before ? before->commit
                                                    : NULL;
        if (prev_check) {
            bool same_voter_key = memcmp(prev_check, c->check, 32) == 0;
            if (same_voter_key && memcmp(prev_commit, c->commit, 32) == 0) {
                c->outcome = PL_CAST_DUPLICATE; /* a retry: same acknowledgement */
                return PL_OK;
            }
            if (!same_voter_key || !v->allow_change) {
                pl_cast_clear(c);
                PL_REFUSE(PL_ERR_ALREADY_VOTED,
                          same_voter_key ? "change_not_allowed" : "already_voted");
            }
            c->outcome = PL_CAST_CHANGED;
            return PL_OK;
        }
        c->outcome = PL_CAST_NEW;
        return PL_OK;
    }
    const char *prev = in_batch ? in_batch->choice : before ? before->choice : NULL;
    int64_t prev_entered_by = in_batch ? in_batch->entered_by : before ? before->entered_by : 0;
    /* The secretary enters a ballot only for a delegate who has not cast
     * one: never over (nor a repeat of) the delegate's own, whatever the
     * vote's options. */
    if (prev && manual && !prev_entered_by) {
        pl_cast_clear(c);
        PL_REFUSE(PL_ERR_ALREADY_VOTED, "cast_by_delegate");
    }
    if (prev) {
        if (strcmp(prev, choice) == 0) {
            c->outcome = PL_CAST_DUPLICATE;
            return PL_OK;
        }
        if (!v->allow_change) {
            pl_cast_clear(c);
            PL_REFUSE(PL_ERR_ALREADY_VOTED,
                      prev_entered_by && !manual ? "entered_by_secretary" : "change_not_allowed");
        }
        c->outcome = PL_CAST_CHANGED;
        return PL_OK;
    }
    c->outcome = PL_CAST_NEW;
    return PL_OK;
}

void pl_ballot_digest(const json_t *ballots, char digest[65])
{
    unsigned char h[32] = {0};
    size_t i;
    const json_t *b;
    json_array_foreach(ballots, i, b)
    {
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        unsigned int n = 0;
        const char *key = json_string_value(json_object_get(b, "key"));
        const char *choice = json_string_value(json_object_get(b, "choice"));
        EVP_DigestInit_ex(m, EVP_sha256(), NULL);
        EVP_DigestUpdate(m, h, 32);
        EVP_DigestUpdate(m, key ? key : "", key ? strlen(key) : 0);
        EVP_DigestUpdate(m, "\0", 1);
        EVP_DigestUpdate(m, choice ? choice : "", choice ? strlen(choice) : 0);
        EVP_DigestFinal_ex(m, h, &n);
        EVP_MD_CTX_free(m);
    }
    pl_hex(h, 32, digest);
}

void pl_vote_batch_event(const struct pl_live *l, struct pl_change *ch)
{
    const struct pl_vote *v = pl_vote_find(l, ch->vote_id);
    int added = 0;
    json_t *named = json_array();
    GHashTable *in_batch = g_hash_table_new(g_int64_hash, g_int64_equal);
    for (guint i = 0; i < ch->casts->len; i++) {
        const struct pl_cast *c = g_ptr_array_index(ch->casts, i);
        if (c->outcome == PL_CAST_NEW)
            added++;
        if (v->kind == PL_VOTE_NAMED && v->live_named && c->outcome != PL_CAST_DUPLICATE) {
            json_array_append_new(named, json_pack("{s:I, s:o}", "person_id",
                                                   (json_int_t)c->person_id, "choice",
                                                   json_loads(c->choice, JSON_DECODE_ANY, NULL)));
            g_hash_table_add(in_batch, (gpointer)&c->person_id);
        }
    }
    /* Notices are coalesced, so each carries every choice so far. */
    if (v->kind == PL_VOTE_NAMED && v->live_named) {
        GHashTableIter it;
        gpointer k, val;
        g_hash_table_iter_init(&it, v->voted);
        while (g_hash_table_iter_next(&it, &k, &val)) {
            const struct pl_voted *vd = val;
            if (!g_hash_table_contains(in_batch, k) && vd->choice)
                json_array_append_new(
                    named, json_pack("{s:I, s:o}", "person_id", (json_int_t) * (int64_t *)k,
                                     "choice", json_loads(vd->choice, JSON_DECODE_ANY, NULL)));
        }
    }
    g_hash_table_destroy(in_batch);
    ch->op = PL_OP_VOTE_CASTS;
    /* No event: a batch of ballots is recorded in the vote's tables, and
     * progress goes out as a coalesced notice (hub.c), so neither the log
     * nor the broadcasts say when anyone voted. data is the notice. */
    ch->event = NULL;
    ch->data = json_pack("{s:I, s:i, s:i}", "vote_id", (json_int_t)v->id, "cast_count",
                         (int)g_hash_table_size(v->voted) + added, "eligible_count",
                         (int)g_hash_table_size(v->eligible));
    if (json_array_size(named))
        json_object_set_new(ch->data, "named", named);
    else
        json_decref(named);
}

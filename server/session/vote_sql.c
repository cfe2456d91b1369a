/* SQL for votes; see vote_sql.h. */
#include "vote_sql.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>

#include "auth_token.h"
#include "sql_params.h"
#include "vote.h"

#define T "to_timestamp($3::bigint / 1000.0)"

const char pl_vote_stored_sql[] =
    "SELECT jsonb_build_object("
    "'records', coalesce((SELECT jsonb_agg(jsonb_build_object('person_id', person_id, 'choice',"
    " choice::text) ORDER BY person_id) FROM vote_record WHERE session_id = $1 AND vote_id = $2),"
    " '[]'),"
    "'ballots', coalesce((SELECT jsonb_agg(jsonb_build_object('key', encode(ballot_key, 'hex'),"
    " 'choice', choice::text) ORDER BY ballot_key) FROM ballot WHERE session_id = $1"
    " AND vote_id = $2), '[]'),"
    "'receipts', coalesce((SELECT jsonb_agg(receipt ORDER BY receipt) FROM ballot_receipt"
    " WHERE session_id = $1 AND vote_id = $2), '[]'))";

const char *pl_vote_stored_sql_for_audit(void)
{
    return pl_vote_stored_sql;
}

/* Each in its own transaction (CLUSTER may not share one with the rewrite:
 * the dead versions must be committed dead before they can be dropped). */
const struct pl_vote_compact_step pl_vote_compact[PL_VOTE_COMPACT_STEPS] = {
    {"rewrite who voted in person order",
     "WITH d AS (DELETE FROM vote_participation WHERE session_id = $1 AND vote_id = $2"
     " RETURNING person_id, nonce_check, commitment) INSERT INTO vote_participation"
     " (session_id, vote_id, person_id, nonce_check, commitment) SELECT $1, $2, person_id,"
     " nonce_check, commitment FROM d ORDER BY person_id",
     2},
    {"rewrite the ballot table", "CLUSTER ballot USING ballot_pkey", 0},
    {"rewrite the receipt table", "CLUSTER ballot_receipt USING ballot_receipt_pkey", 0},
    {"rewrite the participation table", "CLUSTER vote_participation USING vote_participation_pkey",
     0},
};

/* The CTEs that replace vote id's ballots and receipts by copies inserted in
 * one statement in key order: every copy gets this transaction's xmin and
 * one cmin, and new ctids in key order, so nothing of the transaction (and
 * so the group of voters) that first wrote a ballot stays on it. The dead
 * originals are dropped by pl_vote_compact after the commit. */
static void rewrite_ballots(GString *s, int id)
{
    g_string_append_printf(
        s,
        ", bd AS (DELETE FROM ballot WHERE session_id = $1 AND vote_id = $%d RETURNING "
        "ballot_key, choice), bi AS (INSERT INTO ballot (session_id, vote_id, ballot_key, choice) "
        "SELECT $1, $%d, ballot_key, choice FROM bd ORDER BY ballot_key)"
        ", rd AS (DELETE FROM ballot_receipt WHERE session_id = $1 AND vote_id = $%d RETURNING "
        "receipt), ri AS (INSERT INTO ballot_receipt (session_id, vote_id, receipt) SELECT $1, "
        "$%d, receipt FROM rd ORDER BY receipt)",
        id, id, id, id);
}

static json_t *hexs(const unsigned char b[32])
{
    char h[65];
    pl_hex(b, 32, h);
    return json_string(h);
}

/* Fisher-Yates with the CSPRNG: the order ballots reach the database in
 * says nothing about the order they arrived in. */
static void shuffle(json_t *a)
{
    size_t n = json_array_size(a);
    for (size_t i = n; i > 1; i--) {
        uint32_t r;
        RAND_bytes((unsigned char *)&r, sizeof r);
        size_t j = r % i;
        json_t *x = json_incref(json_array_get(a, i - 1));
        json_array_set(a, i - 1, json_array_get(a, j));
        json_array_set_new(a, j, x);
    }
}

void pl_vote_sql(const struct pl_live *l, const struct pl_change *ch, GString *s, GPtrArray *p)
{
    const struct pl_vote *v = ch->new_vote ? ch->new_vote : pl_vote_find(l, ch->vote_id);
    int id = pl_param_int(p, ch->vote_id), a, b, c;
    switch (ch->op) {
    case PL_OP_VOTE_PREPARE: {
        json_t *board = json_array();
        for (guint i = 0; i < v->board->len; i++)
            json_array_append_new(board, json_integer(g_array_index(v->board, int64_t, i)));
        int item = pl_param_int(p, v->item_id),
            kind = pl_param(p, g_strdup(pl_vote_kind_name(v->kind)));
        int q = pl_param(p, g_strdup(v->question)),
            rule = pl_param(p, g_strdup(pl_rule_name(v->rule)));
        int seats = pl_param_int(p, v->seats),
            mode = pl_param(p, g_strdup(v->mark_mode ? "mark" : "choose"));
        int cands = pl_param_json(p, json_incref(v->candidates));
        int opts =
            pl_param_json(p, json_pack("{s:b, s:b, s:b, s:i}", "allow_change", v->allow_change,
                                       "live_named", v->live_named, "late_checkin", v->late_checkin,
                                       "duration_s", v->duration_s));
        int brd = pl_param_json(p, board);
        g_string_append_printf(s,
                               ", x AS (INSERT INTO vote (session_id, id, agenda_item_id, kind, "
                               "question, rule, seats, mode, candidates, options, board, state) "
                               "VALUES ($1, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d::jsonb, "
                               "$%d::jsonb, $%d::jsonb, 'prepared'))",
                               id, item, kind, q, rule, seats, mode, cands, opts, brd);
        break;
    }
    case PL_OP_VOTE_OPEN:
        a = pl_param_int(p, ch->seconds);
        b = pl_param_json(p, json_incref(ch->eligible));
        g_string_append_printf(s,
                               ", x AS (UPDATE vote SET state = 'open', opened_at = " T
                               ", closes_at = CASE WHEN $%d::int > 0 THEN " T
                               " + make_interval(secs => $%d::int) END, eligible = $%d::jsonb "
                               "WHERE session_id = $1 AND id = $%d)",
                               a, a, b, id);
        break;
    case PL_OP_VOTE_CASTS: {
        json_t *people = json_array(), *ballots = json_array(), *changed = json_array(),
               *receipts = json_array();
        for (guint i = 0; i < ch->casts->len; i++) {
            const struct pl_cast *cs = g_ptr_array_index(ch->casts, i);
            if (cs->outcome == PL_CAST_DUPLICATE)
                continue;
            json_t *choice = json_loads(cs->choice, JSON_DECODE_ANY, NULL);
            if (!cs->secret) {
                json_t *r = json_pack("{s:I, s:o}", "person_id", (json_int_t)cs->person_id,
                                      "choice", choice);
                if (cs->entered_by)
                    json_object_set_new(r, "entered_by", json_integer(cs->entered_by));
                json_array_append_new(people, r);
                continue;
            }
            json_array_append_new(
                people, json_pack("{s:I, s:o, s:o}", "person_id", (json_int_t)cs->person_id,
                                  "nonce_check", hexs(cs->check), "commitment", hexs(cs->commit)));
            /* A new ballot is inserted and must not meet a row with its key
             * (nonce_taken() makes sure; the primary key would refuse the
             * batch); only a change, by the nonce's own voter, updates. */
            json_array_append_new(cs->outcome == PL_CAST_NEW ? ballots : changed,
                                  json_pack("{s:o, s:o}", "k", hexs(cs->key), "choice", choice));
            if (cs->outcome == PL_CAST_NEW)
                json_array_append_new(receipts, json_string(cs->receipt));
        }
        if (!v || !pl_vote_is_secret(v->kind)) {
            a = pl_param_json(p, people);
            json_decref(ballots);
            json_decref(changed);
            json_decref(receipts);
            g_string_append_printf(
                s,
                ", x AS (INSERT INTO vote_record (session_id, vote_id, person_id, choice, "
                "entered_by, recorded_at) SELECT $1, $%d, r.person_id, r.choice, r.entered_by, " T
                " FROM jsonb_to_recordset($%d::jsonb) AS r(person_id bigint, choice jsonb, "
                "entered_by bigint) ON CONFLICT (session_id, vote_id, person_id) DO UPDATE SET "
                "choice = EXCLUDED.choice, entered_by = EXCLUDED.entered_by, recorded_at = "
                "EXCLUDED.recorded_at)",
                id, a);
            break;
        }
        shuffle(ballots);
        shuffle(changed);
        shuffle(receipts);
        a = pl_param_json(p, people);
        b = pl_param_json(p, ballots);
        c = pl_param_json(p, receipts);
        int d = pl_param_json(p, changed);
        g_string_append_printf(
            s,
            ", x AS (INSERT INTO vote_participation (session_id, vote_id, person_id, nonce_check, "
            "commitment) SELECT $1, $%d, r.person_id, decode(r.nonce_check, 'hex'), "
            "decode(r.commitment, 'hex') FROM jsonb_to_recordset($%d::jsonb) AS r(person_id "
            "bigint, nonce_check text, commitment text) ON CONFLICT (session_id, vote_id, "
            "person_id) DO UPDATE SET commitment = EXCLUDED.commitment)"
            ", y AS (INSERT INTO ballot (session_id, vote_id, ballot_key, choice) SELECT $1, $%d, "
            "decode(b.k, 'hex'), b.choice FROM jsonb_to_recordset($%d::jsonb) AS b(k text, choice "
            "jsonb))"
            ", u AS (UPDATE ballot SET choice = b.choice FROM jsonb_to_recordset($%d::jsonb) AS "
            "b(k text, choice jsonb) WHERE session_id = $1 AND vote_id = $%d AND ballot_key = "
            "decode(b.k, 'hex'))"
            ", z AS (INSERT INTO ballot_receipt (session_id, vote_id, receipt) SELECT $1, $%d, r "
            "FROM jsonb_array_elements_text($%d::jsonb) AS r)",
            id, a, id, b, d, id, id, c);
        break;
    }
    case PL_OP_VOTE_CLOSE:
        g_string_append_printf(s,
                               ", x AS (UPDATE vote SET state = 'closed', closed_at = " T
                               " WHERE session_id = $1 AND id = $%d)",
                               id);
        if (v && pl_vote_is_secret(v->kind))
            rewrite_ballots(s, id);
        break;
    case PL_OP_VOTE_COUNTED:
        a = pl_param_json(p, json_incref(ch->result));
        b = pl_param(p, ch->digest[0] ? g_strdup(ch->digest) : NULL);
        g_string_append_printf(s,
                               ", x AS (UPDATE vote SET state = 'counted', result = $%d::jsonb, "
                               "ballot_digest = $%d WHERE session_id = $1 AND id = $%d)",
                               a, b, id);
        break;
    case PL_OP_VOTE_CONFIRM:
        a = pl_param_int(p, ch->a);
        b = pl_param(p, g_strdup(ch->publish ? "t" : "f"));
        g_string_append_printf(s,
                               ", x AS (UPDATE vote SET confirmed = confirmed || "
                               "to_jsonb($%d::bigint), state = CASE WHEN $%d::boolean THEN "
                               "'published' ELSE state END, published_at = CASE WHEN "
                               "$%d::boolean THEN " T " ELSE published_at END WHERE session_id = "
                               "$1 AND id = $%d)",
                               a, b, b, id);
        break;
    case PL_OP_VOTE_PUBLISH:
        g_string_append_printf(s,
                               ", x AS (UPDATE vote SET state = 'published', published_at = " T
                               " WHERE session_id = $1 AND id = $%d)",
                               id);
        break;
    case PL_OP_VOTE_CANCEL:
        g_string_append_printf(s,
                               ", x AS (UPDATE vote SET state = 'cancelled', closed_at = "
                               "coalesce(closed_at, " T ") WHERE session_id = $1 AND id = $%d)",
                               id);
        if (v && pl_vote_is_secret(v->kind))
            rewrite_ballots(s, id); /* cancelled while open: its ballots stay, unlinked */
        break;
    default:
        break;
    }
}

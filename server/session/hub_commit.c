/*
 * A session's pipeline (hub_priv.h): one command at a time, decided against
 * memory, written, and only once committed applied, broadcast and answered
 * (written()). Ballots at the head of the queue go in one group commit;
 * a session that may lag the database reloads first. The floor-overrun and
 * vote-close timers queue system commands here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub_priv.h"
#include "live_sql.h"
#include "log.h"
#include "metrics.h"
#include "vote.h"

/* The most ballots written in one statement (group commit). */
#define MAX_BATCH 2000

static void cast_free(gpointer p)
{
    pl_cast_clear(p);
    g_free(p);
}

static bool is_ballot(const struct op *op)
{
    return op->spec && op->spec->kind == PL_REQ_BALLOT;
}

/* refuse(), with the numbers behind the reason as "detail" (taken; NULL:
 * none), so a client can say "19 present, 20 needed". */
static void refuse_detail(struct pl_client *c, const json_t *re, enum pl_err err,
                          const char *reason, json_t *detail)
{
    if (!c) { /* gone: nobody to tell */
        json_decref(detail);
        return;
    }
    pl_client_send_text(c, pl_proto_encode_refusal_detail(re, err, reason, detail, c->lang));
}

/* --- vote.tally ------------------------------------------------------------------ */

/* A vote.tally waiting for the database. */
struct tally_ask {
    struct pl_client_ref *from; /* who asked: a reference */
    json_t *re;                 /* the request's id; owned */
};

static void tally_answered(void *user, const PGresult *res, enum pl_err err)
{
    struct tally_ask *t = user;
    struct pl_client *c = pl_client_get(t->from);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (c && err == PL_OK) {
        pl_client_reply(c, t->re, json_loads(PQgetvalue(res, 0, 0), 0, NULL));
    } else if (c && state && strcmp(state, "P0001") == 0) {
        /* vote_tally_for's refusal: its code and reason (005_admin style). */
        const char *code = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        enum pl_err refusal = PL_ERR_FORBIDDEN;
        for (int k = 0; k < PL_ERR__COUNT; k++)
            if (code && strcmp(pl_err_code((enum pl_err)k), code) == 0)
                refusal = (enum pl_err)k;
        refuse(c, t->re, refusal, PQresultErrorField(res, PG_DIAG_MESSAGE_HINT));
    } else if (c) {
        refuse(c, t->re, err == PL_OK ? PL_ERR_INTERNAL : err, NULL);
    }
    pl_client_release(t->from);
    json_decref(t->re);
    g_free(t);
}

/* Answers vote.tally with what vote_tally_for (schema/015_access.sql) lets
 * the asker see. The vote's row is written in the transaction of each of
 * its events, so the database is never behind memory. */
static void ask_tally(struct pl_entry *e, struct pl_client *from, const struct op *op)
{
    struct tally_ask *t = g_new0(struct tally_ask, 1);
    t->from = pl_client_hold(from);
    t->re = json_incref(op->id);
    char person[24], session[24], vote[24];
    snprintf(person, sizeof person, "%lld", (long long)(from->who ? from->who->person_id : 0));
    snprintf(session, sizeof session, "%lld", (long long)e->id);
    snprintf(vote, sizeof vote, "%lld", (long long)op->ch.vote_id);
    const char *p[4] = {person, from->who && from->who->is_admin ? "t" : "f", session, vote};
    pl_store_query(e->hub->store, "SELECT vote_tally_for($1, $2, $3, $4)::text", 4, p,
                   WRITE_TIMEOUT_MS, tally_answered, t);
}

/* --- the command pipeline ---------------------------------------------------------- */

static gboolean on_overrun(gpointer data)
{
    struct pl_entry *e = data;
    e->overrun_timer = 0;
    struct op *op = g_new0(struct op, 1);
    op->system_overrun = true;
    op->type = "floor.overrun";
    g_queue_push_tail(&e->pending, op);
    pl_hub_commit_kick(e);
    return G_SOURCE_REMOVE;
}

static gboolean on_vote_close(gpointer data)
{
    struct pl_entry *e = data;
    e->vote_timer = 0;
    struct op *op = g_new0(struct op, 1);
    op->system_vote_close = true;
    op->type = "vote.close";
    g_queue_push_tail(&e->pending, op);
    pl_hub_commit_kick(e);
    return G_SOURCE_REMOVE;
}

void pl_hub_commit_schedule(struct pl_entry *e)
{
    if (e->vote_timer) {
        g_source_remove(e->vote_timer);
        e->vote_timer = 0;
    }
    int64_t closes = pl_vote_next_close(e->live);
    if (closes) {
        int64_t wait = closes - now_ms();
        e->vote_timer = g_timeout_add((guint)(wait > 0 ? wait + 5 : 0), on_vote_close, e);
    }
    if (e->overrun_timer) {
        g_source_remove(e->overrun_timer);
        e->overrun_timer = 0;
    }
    int64_t deadline = pl_live_deadline(e->live);
    if (deadline) {
        int64_t wait = deadline - now_ms();
        e->overrun_timer = g_timeout_add((guint)(wait > 0 ? wait + 5 : 0), on_overrun, e);
    }
}

static void reloaded(void *user, const PGresult *res, enum pl_err err)
{
    struct pl_entry *e = user;
    e->store_request = 0;
    json_t *doc =
        err == PL_OK && PQntuples(res) == 1 ? json_loads(PQgetvalue(res, 0, 0), 0, NULL) : NULL;
    char msg[256];
    struct pl_live *live = doc ? pl_live_from_json(doc, msg, sizeof msg) : NULL;
    if (!live) {
        json_decref(doc);
        /* Still unreachable: try again when the next command comes (or
         * the database is back: pl_hub_refresh). A count is kept: nobody
         * would send it again, and the vote would stay uncounted. */
        GQueue keep = G_QUEUE_INIT;
        struct op *op;
        while ((op = g_queue_pop_head(&e->pending)) != NULL) {
            if (op->count_vote) {
                g_queue_push_tail(&keep, op);
                continue;
            }
            if (op_client(op))
                refuse(op_client(op), op->id, PL_ERR_DB_UNAVAILABLE, NULL);
            pl_hub_op_free(op);
        }
        e->pending = keep;
        return;
    }
    int64_t old = e->live->seq;
    pl_log_info("session %lld reloaded at seq %lld (was %lld)", (long long)e->id,
                (long long)live->seq, (long long)old);
    pl_live_free(e->live);
    e->live = live;
    e->stale = false;
    e->reload_now = false;
    /* Events that committed while we could not tell: send them now. */
    pl_hub_ring_from_doc(e, doc, old, true);
    json_decref(doc);
    for (struct pl_client *c = e->clients; c; c = c->next) {
        bool delegate;
        c->role = pl_live_role(live, c->who, &delegate);
    }
    pl_hub_commit_schedule(e);
    pl_hub_count_watch_orphans(e);
    pl_hub_commit_kick(e);
}

static void reply_ballot(struct op *b, int64_t seq)
{
    static const char *const outcomes[] = {"recorded", "changed", "duplicate"};
    (void)seq;
    json_t *data = json_pack("{s:I, s:s}", "vote_id",
                             (json_int_t)json_integer_value(json_object_get(b->root, "vote_id")),
                             "outcome", outcomes[b->outcome]);
    if (b->receipt[0])
        json_object_set_new(data, "receipt", json_string(b->receipt));
    pl_hist_observe(&pl_metrics.vote_ack, g_get_monotonic_time() - b->t0);
    reply_ok(op_client(b), b->id, data);
}

static void written(void *user, const PGresult *res, enum pl_err err)
{
    struct pl_entry *e = user;
    struct op *op = e->busy;
    e->busy = NULL;
    e->store_request = 0;
    if (err != PL_OK) {
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
        /* 40001: the event log's guard saw a newer event; 23505 on its key:
         * a concurrent writer (an edit from the admin page) took the seq; on
         * a ballot's or receipt's key: another node recorded a ballot with
         * the same nonce, which memory, once reloaded, will refuse. */
        bool raced = state && (strcmp(state, "40001") == 0 ||
                               (strcmp(state, "23505") == 0 && constraint &&
                                (strcmp(constraint, "session_event_pkey") == 0 ||
                                 strcmp(constraint, "ballot_pkey") == 0 ||
                                 strcmp(constraint, "ballot_receipt_pkey") == 0)));
        if (state && strcmp(state, "23505") == 0 && constraint &&
            strcmp(constraint, "command_key_pkey") == 0 && op_client(op) && !op->key_retried) {
            /* Its key committed meanwhile: an earlier attempt that was
             * answered outcome_unknown and went through when the database
             * resumed. Reload, then the retry is answered as a repeat. */
            e->stale = true;
            op->key_retried = true;
            pl_change_clear(&op->ch);
            g_queue_push_head(&e->pending, op);
            pl_hub_commit_kick(e);
            return;
        }
        if (pl_err_database(err) || raced) {
            /* Not written (db_unavailable), unknown outcome, or another
             * writer got there first: memory may be behind the database.
             * Reload before the next command; a retry with the same
             * idempotency key (or nonce) is then answered from what did
             * commit. */
            e->stale = true;
            err = pl_err_database(err) ? err : PL_ERR_CONFLICT;
        } else {
            pl_log_error("could not write %s for session %lld: %s", op->type, (long long)e->id,
                         res ? PQresultErrorMessage(res) : "no result");
        }
        if (op_client(op))
            refuse(op_client(op), op->id, err, NULL);
        for (guint i = 0; op->batch && i < op->batch->len; i++) {
            /* Not acknowledged (outcome_unknown: perhaps written): the voter
             * retries with the same nonce, and if this write did commit,
             * the retry is answered as a repeat. */
            struct op *b = g_ptr_array_index(op->batch, i);
            if (op_client(b))
                refuse(op_client(b), b->id, err, NULL);
        }
        pl_hub_op_free(op);
        pl_hub_commit_kick(e);
        return;
    }
    /* Committed: now, and only now, memory changes and the world hears. */
    if (op->ch.op == PL_OP_VOTE_CLOSE && e->notice) {
        /* The last progress goes out before the close is heard. */
        if (e->notice_timer)
            g_source_remove(e->notice_timer);
        e->notice_timer = 0;
        pl_hub_notice_send(e);
    }
    pl_live_apply(e->live, &op->ch);
    if (op->ch.event) {
        struct ring_event *r = pl_hub_ring_push(e, op->ch.seq, op->ch.now_ms, op->ch.event,
                                                op->ch.public, op->ch.data);
        pl_hub_broadcast(e, r);
        pl_hub_tell_observer(e, op->ch.event, op->ch.data);
    } else if (op->ch.op == PL_OP_VOTE_CASTS) {
        pl_hub_notice_queue(e, op->ch.data, op->ch.public);
        pl_hub_notice_entered(e, &op->ch);
    }
    if (op->batch) {
        for (guint i = 0; i < op->batch->len; i++) {
            struct op *b = g_ptr_array_index(op->batch, i);
            if (op_client(b))
                reply_ballot(b, op->ch.seq);
        }
    } else if (op_client(op)) {
        pl_hist_observe(&pl_metrics.event_commit, g_get_monotonic_time() - op->t0);
        reply_ok(op_client(op), op->id, json_pack("{s:I}", "seq", (json_int_t)op->ch.seq));
    }
    const struct pl_vote *ended = pl_vote_find(e->live, op->ch.vote_id);
    if (op->ch.op == PL_OP_VOTE_CLOSE ||
        (op->ch.op == PL_OP_VOTE_CANCEL && ended && pl_vote_is_secret(ended->kind))) {
        /* Count at once, before anything queued after the close; a secret
         * vote cancelled is not counted, but its rows are compacted the
         * same way (pl_hub_count_start). */
        struct op *count = g_new0(struct op, 1);
        count->count_vote = op->ch.vote_id;
        count->type = "vote.count";
        g_queue_push_head(&e->pending, count);
    }
    pl_hub_op_free(op);
    pl_hub_commit_schedule(e);
    pl_hub_commit_kick(e);
}

/* Writes op's decided change; written() finishes it. */
void pl_hub_commit_write(struct pl_entry *e, struct op *op)
{
    GPtrArray *params = g_ptr_array_new_with_free_func(g_free);
    char *sql = pl_live_change_sql(e->live, &op->ch, params);
    e->busy = op;
    e->store_request =
        pl_store_query(e->hub->store, sql, (int)params->len, (const char *const *)params->pdata,
                       WRITE_TIMEOUT_MS, written, e);
    g_free(sql);
    g_ptr_array_free(params, TRUE);
}

/* Decides the consecutive ballots at the head of the queue together and
 * writes them in one statement (group commit): a burst of hundreds costs one
 * commit. Ballots refused are answered at once. */
static void start_batch(struct pl_entry *e)
{
    GHashTable *in_batch = g_hash_table_new(g_int64_hash, g_int64_equal);
    struct op *batch = g_new0(struct op, 1);
    batch->type = "vote.cast";
    batch->batch = g_ptr_array_new_with_free_func((GDestroyNotify)pl_hub_op_free);
    batch->ch.casts = g_ptr_array_new_with_free_func(cast_free);
    int64_t vote_id = 0;
    while (!g_queue_is_empty(&e->pending) && batch->ch.casts->len < MAX_BATCH) {
        struct op *op = g_queue_peek_head(&e->pending);
        if (!is_ballot(op))
            break;
        g_queue_pop_head(&e->pending);
        struct pl_client *from = op_client(op);
        if (!from) { /* its client left before its turn: nothing was acknowledged */
            pl_hub_op_free(op);
            continue;
        }
        struct pl_cast *c = g_new0(struct pl_cast, 1);
        const char *reason = NULL;
        enum pl_err err = pl_vote_check_cast(e->live, from->who, op->spec->id, op->root, in_batch,
                                             vote_id, c, &reason);
        if (err != PL_OK) {
            refuse(from, op->id, err, reason);
            pl_hub_op_free(op);
            g_free(c);
            continue;
        }
        vote_id = json_integer_value(json_object_get(op->root, "vote_id"));
        g_strlcpy(op->receipt, c->receipt, sizeof op->receipt);
        op->outcome = (int)c->outcome;
        bool again = g_hash_table_contains(in_batch, &c->person_id);
        if (c->outcome == PL_CAST_DUPLICATE && !again) {
            /* A retry of a ballot committed earlier: the same answer now. */
            reply_ballot(op, e->live->seq);
            cast_free(c);
            pl_hub_op_free(op);
            continue;
        }
        g_ptr_array_add(batch->batch, op);
        if (c->outcome == PL_CAST_DUPLICATE) {
            cast_free(c); /* a repeat within the batch: answered with it */
            continue;
        }
        struct pl_cast *first = again ? g_hash_table_lookup(in_batch, &c->person_id) : NULL;
        if (first) {
            /* A change of a ballot decided in this batch: one row per voter
             * is written, with the latest choice (first keeps its outcome,
             * which says whether the row is inserted or updated). */
            g_free(first->choice);
            first->choice = c->choice;
            c->choice = NULL;
            memcpy(first->commit, c->commit, sizeof first->commit);
            cast_free(c);
            continue;
        }
        g_ptr_array_add(batch->ch.casts, c);
        g_hash_table_insert(in_batch, &c->person_id, c);
    }
    g_hash_table_destroy(in_batch);
    if (batch->ch.casts->len == 0) {
        pl_hub_op_free(batch);
        return;
    }
    batch->ch.seq = 0; /* no event, no seq */
    batch->ch.now_ms = now_ms();
    batch->ch.vote_id = vote_id;
    batch->ch.public = pl_live_public_now(e->live);
    pl_vote_batch_event(e->live, &batch->ch);
    pl_hub_commit_write(e, batch);
}

/* A command sent again with the idempotency key of one that committed (the
 * first attempt's answer was lost, or was outcome_unknown): answers as the
 * first was answered, with its seq, and does nothing. A key used before
 * for another request type is refused. Returns false if the key is new or
 * absent: the command is decided as usual. */
static bool repeated(struct pl_entry *e, struct op *op)
{
    struct pl_client *from = op_client(op); /* here for its turn: not gone */
    const char *key = json_string_value(json_object_get(op->root, "key"));
    const char *type = NULL;
    int64_t seq =
        key && from && from->who ? pl_live_key_seq(e->live, from->who->person_id, key, &type) : 0;
    if (!seq)
        return false;
    if (pl_proto_find(type) != op->spec) /* the type recorded with the key */
        pl_client_refuse(from, op->id, PL_ERR_DUPLICATE, "key", "key_used");
    else
        reply_ok(from, op->id, json_pack("{s:I, s:b}", "seq", (json_int_t)seq, "repeated", 1));
    return true;
}

/* Runs the next pending command if none is being written. */
void pl_hub_commit_kick(struct pl_entry *e)
{
    /* Behind what the database committed (another node wrote): reload,
     * between writes, even with nothing waiting. */
    if (!e->busy && !e->store_request && e->notified_seq > e->live->seq) {
        e->stale = true;
        e->reload_now = true;
    }
    while (!e->busy && !e->store_request) {
        if (e->stale) {
            char param[24];
            snprintf(param, sizeof param, "%lld", (long long)e->id);
            const char *p[1] = {param};
            if (g_queue_is_empty(&e->pending) && !e->reload_now)
                return; /* reload lazily, when there is work */
            e->store_request = pl_store_query(e->hub->store, pl_live_load_sql, 1, p,
                                              WRITE_TIMEOUT_MS, reloaded, e);
            return;
        }
        struct op *head = g_queue_peek_head(&e->pending);
        if (!head)
            return;
        if (is_ballot(head)) {
            start_batch(e);
            continue;
        }
        struct op *op = g_queue_pop_head(&e->pending);
        if (op->count_vote) {
            pl_hub_count_start(e, op);
            return;
        }
        if (op->system_vote_close) {
            if (!pl_vote_check_autoclose(e->live, now_ms(), &op->ch)) {
                pl_hub_op_free(op);
                continue;
            }
            pl_hub_commit_write(e, op);
            return;
        }
        struct pl_client *from = op_client(op);
        if (!from && !op->system_overrun) {
            pl_hub_op_free(op); /* its client left before its turn */
            continue;
        }
        if (!op->system_overrun && repeated(e, op)) {
            pl_hub_op_free(op);
            continue;
        }
        const char *reason = NULL;
        enum pl_err err = PL_OK;
        if (op->system_overrun) {
            if (!pl_live_check_overrun(e->live, now_ms(), &op->ch)) {
                pl_hub_op_free(op);
                continue;
            }
        } else {
            err = pl_live_check(e->live, from->who, op->spec->id, op->root, now_ms(), &op->ch,
                                &reason);
        }
        if (err != PL_OK) {
            refuse_detail(from, op->id, err, reason,
                          pl_live_refusal_detail(e->live, op->spec->id, op->root, reason));
            pl_hub_op_free(op);
            continue;
        }
        if (!op->ch.event) {
            /* A read-only request (vote.tally): answered by the database. */
            ask_tally(e, from, op);
            pl_hub_op_free(op);
            continue;
        }
        const char *key = json_string_value(json_object_get(op->root, "key"));
        if (key && from) {
            op->ch.key = g_strdup(key);
            op->ch.key_type = op->spec->type;
        }
        pl_hub_commit_write(e, op);
        return;
    }
}

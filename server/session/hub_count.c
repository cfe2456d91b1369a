/*
 * Counting a closed vote (hub_priv.h): for secret kinds first the
 * compaction steps (pl_vote_compact), then the read of what is stored, the
 * count, and its write through the pipeline like any change. Also the
 * counts a node owes after a load or a reload (orphans).
 */
#include <stdio.h>

#include "hub_priv.h"
#include "log.h"
#include "vote.h"
#include "vote_sql.h"

/* Queues a count for every vote that is closed and not counted. A count of
 * a vote counted meanwhile (by this node or another) does nothing:
 * pl_vote_check_counted() wants it closed. */
void pl_hub_count_queue(struct pl_entry *e)
{
    for (guint i = 0; i < e->live->votes->len; i++) {
        const struct pl_vote *v = g_ptr_array_index(e->live->votes, i);
        if (v->state != PL_VS_CLOSED)
            continue;
        struct op *count = g_new0(struct op, 1);
        count->count_vote = v->id;
        count->type = "vote.count";
        g_queue_push_tail(&e->pending, count);
    }
}

/* How long a vote another node closed may stay uncounted before this node
 * counts it. The closing node counts at once (milliseconds); this is for
 * when it died in between and no node restarts to load the session. */
#define ORPHAN_COUNT_MS 5000

static gboolean on_orphan_count(gpointer data)
{
    struct pl_entry *e = data;
    e->orphan_timer = 0;
    pl_hub_count_queue(e);
    pl_hub_commit_kick(e);
    return G_SOURCE_REMOVE;
}

/* After a reload: a closed, uncounted vote is given ORPHAN_COUNT_MS to be
 * counted by whoever closed it (its vote.counted reloads this node again,
 * and the timer then finds nothing to do). */
void pl_hub_count_watch_orphans(struct pl_entry *e)
{
    if (e->orphan_timer)
        return;
    for (guint i = 0; i < e->live->votes->len; i++) {
        const struct pl_vote *v = g_ptr_array_index(e->live->votes, i);
        if (v->state == PL_VS_CLOSED) {
            e->orphan_timer = g_timeout_add(ORPHAN_COUNT_MS, on_orphan_count, e);
            return;
        }
    }
}

static void count_read(void *user, const PGresult *res, enum pl_err err)
{
    struct pl_entry *e = user;
    struct op *op = e->busy;
    e->busy = NULL;
    e->store_request = 0;
    json_t *stored =
        err == PL_OK && PQntuples(res) == 1 ? json_loads(PQgetvalue(res, 0, 0), 0, NULL) : NULL;
    if (!stored || !pl_vote_check_counted(e->live, op->count_vote, stored, now_ms(), &op->ch)) {
        /* The database went away: the vote stays closed and is counted when
         * the session has reloaded (the next command retries). */
        json_decref(stored);
        if (err != PL_OK) {
            e->stale = true;
            struct op *again = g_new0(struct op, 1);
            again->count_vote = op->count_vote;
            again->type = "vote.count";
            g_queue_push_head(&e->pending, again);
        }
        pl_hub_op_free(op);
        pl_hub_commit_kick(e);
        return;
    }
    json_decref(stored);
    pl_hub_commit_write(e, op);
}

static void count_compacted(void *user, const PGresult *res, enum pl_err err);

/* Runs op's next step: a step of pl_vote_compact, then the read of what is
 * stored (count_read), unless the vote was cancelled (nothing to count). */
static void count_next(struct pl_entry *e, struct op *op)
{
    char sid[24], vid[24];
    snprintf(sid, sizeof sid, "%lld", (long long)e->id);
    snprintf(vid, sizeof vid, "%lld", (long long)op->count_vote);
    const char *p[2] = {sid, vid};
    if (op->compact_step < PL_VOTE_COMPACT_STEPS) {
        const struct pl_vote_compact_step *st = &pl_vote_compact[op->compact_step];
        e->store_request = pl_store_query(e->hub->store, st->sql, st->nparams, p,
                                          WRITE_TIMEOUT_MS * 3, count_compacted, e);
        return;
    }
    const struct pl_vote *v = pl_vote_find(e->live, op->count_vote);
    if (!v || v->state != PL_VS_CLOSED) {
        e->busy = NULL;
        pl_hub_op_free(op);
        pl_hub_commit_kick(e);
        return;
    }
    e->store_request =
        pl_store_query(e->hub->store, pl_vote_stored_sql, 2, p, WRITE_TIMEOUT_MS, count_read, e);
}

static void count_compacted(void *user, const PGresult *res, enum pl_err err)
{
    struct pl_entry *e = user;
    struct op *op = e->busy;
    (void)res;
    e->store_request = 0;
    /* Not fatal to the count: the dead versions stay in the pages until
     * the next secret vote's compaction (or a VACUUM FULL) drops them. */
    if (err != PL_OK)
        pl_log_warn("could not %s: %s", pl_vote_compact[op->compact_step].what, pl_err_code(err));
    op->compact_step++;
    count_next(e, op);
}

/* Counts a closed vote: for secret kinds first drop every trace of when each
 * ballot arrived (pl_vote_compact; the close already rewrote the ballots),
 * then read what is stored, count, and write the result like any change. */
void pl_hub_count_start(struct pl_entry *e, struct op *op)
{
    struct pl_vote *v = pl_vote_find(e->live, op->count_vote);
    e->busy = op;
    op->compact_step = v && pl_vote_is_secret(v->kind) ? 0 : PL_VOTE_COMPACT_STEPS;
    count_next(e, op);
}

/*
 * The database side of votes (store layer): the CTEs that write a vote
 * change inside the statement of live_sql.c, the query that reads what a
 * closed vote holds for counting, and the statements that leave a closed
 * secret vote's rows without a trace of who cast which ballot when.
 */
#ifndef PL_VOTE_SQL_H
#define PL_VOTE_SQL_H

#include <glib.h>

#include "live.h"

/* Appends the CTEs for a PL_OP_VOTE_* change to s ($1..$7 as live_sql.c). */
void pl_vote_sql(const struct pl_live *l, const struct pl_change *ch, GString *s, GPtrArray *p);

/* $1 session, $2 vote: one JSON document {records, ballots, receipts}. */
extern const char pl_vote_stored_sql[];

/* pl_vote_stored_sql, for the audit command (a function: admin.c links it
 * without the hub). */
const char *pl_vote_stored_sql_for_audit(void);

/*
 * What happens after a secret vote's close (or cancel) has committed, which
 * rewrote the vote's ballots and receipts in key order in its own
 * transaction: the participation rows are rewritten in person order (who
 * voted, not when), then the three tables are rewritten without the dead
 * row versions that still carry the xmin of the transaction each ballot
 * arrived in. Run in order, each as one statement; nparams: 0, or 2 for
 * $1 session, $2 vote. CLUSTER takes an exclusive lock on the whole table
 * for as long as the rewrite lasts.
 */
struct pl_vote_compact_step {
    const char *what; /* for the log: "could not %s" */
    const char *sql;
    int nparams;
};
#define PL_VOTE_COMPACT_STEPS 4
extern const struct pl_vote_compact_step pl_vote_compact[PL_VOTE_COMPACT_STEPS];

/* For the session document: the votes of session $1 with what the server
 * remembers of each voter. */
#define PL_VOTES_DOC_SQL                                                                           \
    "'votes', coalesce((SELECT jsonb_agg(jsonb_build_object('id', v.id, 'item_id',"                \
    " coalesce(v.agenda_item_id, 0), 'kind', v.kind, 'question', v.question, 'rule', v.rule,"      \
    " 'seats', v.seats, 'mode', v.mode, 'candidates', v.candidates, 'options', v.options,"         \
    " 'board', v.board, 'confirmed', v.confirmed, 'state', v.state, 'eligible', v.eligible,"       \
    " 'opened_ms', (extract(epoch FROM v.opened_at) * 1000)::bigint,"                              \
    " 'closes_ms', (extract(epoch FROM v.closes_at) * 1000)::bigint, 'result', v.result,"          \
    " 'voted', CASE WHEN v.kind IN ('open', 'named') THEN coalesce((SELECT"                        \
    " jsonb_agg(jsonb_build_object('person_id', r.person_id, 'choice', r.choice, 'entered_by',"    \
    " coalesce(r.entered_by, 0))) FROM"                                                            \
    " vote_record r WHERE r.session_id = v.session_id AND r.vote_id = v.id), '[]') ELSE"           \
    " coalesce((SELECT jsonb_agg(jsonb_build_object('person_id', p.person_id, 'check',"            \
    " encode(p.nonce_check, 'hex'), 'commit', encode(p.commitment, 'hex'))) FROM"                  \
    " vote_participation p WHERE p.session_id = v.session_id AND p.vote_id = v.id), '[]') END)"    \
    " ORDER BY v.id) FROM vote v WHERE v.session_id = $1), '[]')"

#endif

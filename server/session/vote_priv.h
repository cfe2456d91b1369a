/*
 * Inside the vote module: what vote.c and vote_ballot.c share. Not for
 * callers outside server/session/vote*.c; they use vote.h.
 *
 * vote.c owns the votes (loading, deciding, counting, applying) and these
 * helpers; vote_ballot.c checks ballots and derives their secrets.
 */
#ifndef PL_VOTE_PRIV_H
#define PL_VOTE_PRIV_H

#include <stdint.h>

#include <jansson.h>

/* The choices on a motion, and the ratings of a confidence vote, in the
 * order a count keeps them (for, against, abstain; high, confidence, low). */
extern const char *const pl_vote_motion_choices[3];
extern const char *const pl_vote_ratings[3];

/* The index of s among the n names, or -1 (also when s is NULL). */
int pl_vote_name_index(const char *const *names, int n, const char *s);
/* The integer field k of o, 0 when absent. */
int64_t pl_vote_jint(const json_t *o, const char *k);

#endif

/*
 * Counting votes: the majority rules of DOMAIN.md and their thresholds,
 * motions, elections (winners, ties for the last seat) and confidence votes.
 * Pure functions over counts; no voter is ever known here.
 */
#ifndef PL_VOTE_TALLY_H
#define PL_VOTE_TALLY_H

#include <stdbool.h>

#include <jansson.h>

enum pl_rule {
    PL_RULE_TOTAL_MAJORITY = 0, /* more than half of all seats (HĐND default) */
    PL_RULE_PRESENT_MAJORITY,   /* more than half of the delegates present (eligible) */
    PL_RULE_CAST_MAJORITY,      /* more than half of the ballots cast (abstentions count) */
    PL_RULE_TOTAL_TWO_THIRDS,   /* at least two-thirds of all seats (dismissals) */
    PL_RULE_CAST_TWO_THIRDS,    /* at least two-thirds of the ballots cast */
    PL_RULE__COUNT
};

/* -1 if unknown. */
int pl_rule_parse(const char *name);
const char *pl_rule_name(enum pl_rule rule);

/* The smallest number of votes for that passes, and the base it is
 * computed from (seats, present or cast) in *base. */
int pl_rule_threshold(enum pl_rule rule, int total_seats, int present, int cast, int *base);

/* A motion's result: {"rule","base","threshold","for","against","abstain",
 * "cast","passed"}. New reference. */
json_t *pl_tally_motion(enum pl_rule rule, int total_seats, int present, int n_for, int n_against,
                        int n_abstain);

/*
 * An election for `seats` seats: candidates is the ballot's candidate list
 * [{"id":..,"name":..}], votes[i] the votes for candidate i, cast the
 * ballots cast. A candidate needs more than half of total_seats; among them
 * the most votes win; a tie for the last seat is reported (no one of the
 * tied is elected) for a re-vote. Result: {"rule","threshold","seats",
 * "cast","candidates":[{"id","name","votes","elected"}],"elected":[ids],
 * "tie":[ids] or null,"seats_filled"}. New reference.
 */
json_t *pl_tally_election(const json_t *candidates, const int *votes, int seats, int total_seats,
                          int cast);

/*
 * A confidence vote: persons [{"id","name"}], high/conf/low counts per
 * person. Flags those rated low by more than half, and by at least
 * two-thirds, of total_seats. New reference.
 */
json_t *pl_tally_confidence(const json_t *persons, const int *high, const int *conf, const int *low,
                            int total_seats, int cast);

#endif

/* Counting votes; see vote_tally.h. */
#include "vote_tally.h"

#include <stdlib.h>
#include <string.h>

static const char *const rule_names[PL_RULE__COUNT] = {
    "total_majority", "present_majority", "cast_majority", "total_two_thirds", "cast_two_thirds"};

int pl_rule_parse(const char *name)
{
    for (int i = 0; name && i < PL_RULE__COUNT; i++) {
        if (strcmp(name, rule_names[i]) == 0)
            return i;
    }
    return -1;
}

const char *pl_rule_name(enum pl_rule rule)
{
    return (unsigned)rule < PL_RULE__COUNT ? rule_names[rule] : rule_names[0];
}

int pl_rule_threshold(enum pl_rule rule, int total_seats, int present, int cast, int *base)
{
    switch (rule) {
    case PL_RULE_PRESENT_MAJORITY:
        *base = present;
        return present / 2 + 1; /* more than half */
    case PL_RULE_CAST_MAJORITY:
        *base = cast;
        return cast / 2 + 1;
    case PL_RULE_TOTAL_TWO_THIRDS:
        *base = total_seats;
        return (2 * total_seats + 2) / 3; /* at least two-thirds: ceil(2n/3) */
    case PL_RULE_CAST_TWO_THIRDS:
        *base = cast;
        return (2 * cast + 2) / 3;
    case PL_RULE_TOTAL_MAJORITY:
    default:
        *base = total_seats;
        return total_seats / 2 + 1;
    }
}

json_t *pl_tally_motion(enum pl_rule rule, int total_seats, int present, int n_for, int n_against,
                        int n_abstain)
{
    int cast = n_for + n_against + n_abstain, base;
    int threshold = pl_rule_threshold(rule, total_seats, present, cast, &base);
    /* Nothing passes on no votes, whatever the base. */
    bool passed = n_for >= threshold && n_for > 0;
    return json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:b}", "rule", pl_rule_name(rule), "base",
                     base, "threshold", threshold, "for", n_for, "against", n_against, "abstain",
                     n_abstain, "cast", cast, "passed", passed);
}

struct ranked {
    int index, votes;
};

static int by_votes_desc(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    return x->votes != y->votes ? y->votes - x->votes : x->index - y->index;
}

json_t *pl_tally_election(const json_t *candidates, const int *votes, int seats, int total_seats,
                          int cast)
{
    size_t n = json_array_size(candidates);
    int threshold = total_seats / 2 + 1;
    struct ranked *q = calloc(n ? n : 1, sizeof *q);
    size_t nq = 0;
    for (size_t i = 0; i < n; i++) {
        if (votes[i] >= threshold)
            q[nq++] = (struct ranked){(int)i, votes[i]};
    }
    qsort(q, nq, sizeof *q, by_votes_desc);
    bool *elected = calloc(n ? n : 1, sizeof *elected);
    json_t *tie = json_null();
    int filled = 0;
    if (nq <= (size_t)seats) {
        for (size_t k = 0; k < nq; k++)
            elected[q[k].index] = true;
        filled = (int)nq;
    } else {
        /* More qualify than there are seats: the top `seats` win, unless the
         * last seat is tied, in which case those tied go to a re-vote. */
        int last = q[seats - 1].votes;
        bool tied = q[seats].votes == last;
        for (size_t k = 0; k < nq; k++) {
            if (q[k].votes > last || (!tied && (int)k < seats)) {
                elected[q[k].index] = true;
                filled++;
            }
        }
        if (tied) {
            tie = json_array();
            for (size_t k = 0; k < nq; k++) {
                if (q[k].votes == last)
                    json_array_append_new(tie, json_incref(json_object_get(
                                                   json_array_get(candidates, q[k].index), "id")));
            }
        }
    }
    json_t *list = json_array(), *won = json_array();
    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(candidates, i);
        json_array_append_new(
            list, json_pack("{s:O, s:O, s:i, s:b}", "id", json_object_get(c, "id"), "name",
                            json_object_get(c, "name"), "votes", votes[i], "elected", elected[i]));
        if (elected[i])
            json_array_append(won, json_object_get(c, "id"));
    }
    free(q);
    free(elected);
    return json_pack("{s:s, s:i, s:i, s:i, s:i, s:o, s:o, s:o, s:i}", "rule",
                     "total_majority_most_votes", "base", total_seats, "threshold", threshold,
                     "seats", seats, "cast", cast, "candidates", list, "elected", won, "tie", tie,
                     "seats_filled", filled);
}

json_t *pl_tally_confidence(const json_t *persons, const int *high, const int *conf, const int *low,
                            int total_seats, int cast)
{
    json_t *list = json_array();
    int half = total_seats / 2 + 1, two_thirds = (2 * total_seats + 2) / 3;
    for (size_t i = 0; i < json_array_size(persons); i++) {
        const json_t *p = json_array_get(persons, i);
        json_array_append_new(
            list, json_pack("{s:O, s:O, s:i, s:i, s:i, s:b, s:b}", "id", json_object_get(p, "id"),
                            "name", json_object_get(p, "name"), "high", high[i], "confidence",
                            conf[i], "low", low[i], "low_over_half", low[i] >= half,
                            "low_two_thirds", low[i] >= two_thirds));
    }
    return json_pack("{s:s, s:i, s:i, s:i, s:i, s:o}", "rule", "confidence", "base", total_seats,
                     "low_over_half_threshold", half, "low_two_thirds_threshold", two_thirds,
                     "cast", cast, "persons", list);
}

/* Unit tests for server/session/vote_tally.c: every majority rule at its boundary,
 * elections with and without ties, confidence thresholds. */
#include "check.h"
#include "vote_tally.h"

static int passed(enum pl_rule r, int total, int present, int f, int a, int ab)
{
    json_t *t = pl_tally_motion(r, total, present, f, a, ab);
    int p = json_is_true(json_object_get(t, "passed"));
    json_decref(t);
    return p;
}

static int threshold(enum pl_rule r, int total, int present, int cast)
{
    int base;
    return pl_rule_threshold(r, total, present, cast, &base);
}

int main(void)
{
    /* More than half of the total seats: 30 seats -> 16, 31 -> 16. */
    CHECK(threshold(PL_RULE_TOTAL_MAJORITY, 30, 25, 20) == 16);
    CHECK(threshold(PL_RULE_TOTAL_MAJORITY, 31, 25, 20) == 16);
    CHECK(!passed(PL_RULE_TOTAL_MAJORITY, 30, 28, 15, 13, 0)); /* exactly half fails */
    CHECK(passed(PL_RULE_TOTAL_MAJORITY, 30, 28, 16, 12, 0));  /* one more than half */
    CHECK(!passed(PL_RULE_TOTAL_MAJORITY, 30, 20, 15, 0, 0));  /* all present for, still short */
    /* More than half of those present. */
    CHECK(threshold(PL_RULE_PRESENT_MAJORITY, 30, 20, 18) == 11);
    CHECK(!passed(PL_RULE_PRESENT_MAJORITY, 30, 20, 10, 5, 5));
    CHECK(passed(PL_RULE_PRESENT_MAJORITY, 30, 20, 11, 5, 4));
    /* More than half of the ballots cast; abstentions are cast ballots. */
    CHECK(!passed(PL_RULE_CAST_MAJORITY, 30, 20, 10, 9, 1)); /* 10 of 20 */
    CHECK(passed(PL_RULE_CAST_MAJORITY, 30, 20, 10, 9, 0));  /* 10 of 19 */
    /* Two-thirds of the seats: 30 -> 20, 31 -> 21 (20.67 rounds up). */
    CHECK(threshold(PL_RULE_TOTAL_TWO_THIRDS, 30, 0, 0) == 20);
    CHECK(threshold(PL_RULE_TOTAL_TWO_THIRDS, 31, 0, 0) == 21);
    CHECK(threshold(PL_RULE_TOTAL_TWO_THIRDS, 33, 0, 0) == 22);
    CHECK(passed(PL_RULE_TOTAL_TWO_THIRDS, 30, 30, 20, 10, 0)); /* exactly two-thirds */
    CHECK(!passed(PL_RULE_TOTAL_TWO_THIRDS, 30, 30, 19, 11, 0));
    CHECK(!passed(PL_RULE_TOTAL_TWO_THIRDS, 31, 31, 20, 11, 0));
    /* Two-thirds of the ballots cast. */
    CHECK(passed(PL_RULE_CAST_TWO_THIRDS, 30, 30, 12, 6, 0));  /* 12 of 18 */
    CHECK(!passed(PL_RULE_CAST_TWO_THIRDS, 30, 30, 11, 6, 0)); /* 11 of 17 < 11.33 */
    CHECK(!passed(PL_RULE_CAST_MAJORITY, 30, 30, 0, 0, 0));    /* no ballots: nothing passes */
    json_t *t = pl_tally_motion(PL_RULE_TOTAL_MAJORITY, 30, 28, 16, 10, 2);
    CHECK_STR(json_string_value(json_object_get(t, "rule")), "total_majority");
    CHECK(json_integer_value(json_object_get(t, "threshold")) == 16);
    CHECK(json_integer_value(json_object_get(t, "cast")) == 28);
    json_decref(t);
    CHECK(pl_rule_parse("cast_two_thirds") == PL_RULE_CAST_TWO_THIRDS);
    CHECK(pl_rule_parse("bogus") == -1 && pl_rule_parse(NULL) == -1);

    /* Elections: 30 seats, need 16 votes; 2 seats. */
    json_t *cands = json_loads("[{\"id\":1,\"name\":\"A\"},{\"id\":2,\"name\":\"B\"},"
                               "{\"id\":3,\"name\":\"C\"},{\"id\":4,\"name\":\"D\"}]",
                               0, NULL);
    int v1[] = {20, 18, 16, 15};
    json_t *e = pl_tally_election(cands, v1, 2, 30, 28);
    CHECK(json_array_size(json_object_get(e, "elected")) == 2);
    CHECK(json_integer_value(json_array_get(json_object_get(e, "elected"), 0)) == 1);
    CHECK(json_integer_value(json_array_get(json_object_get(e, "elected"), 1)) == 2);
    CHECK(json_is_null(json_object_get(e, "tie")));
    CHECK(json_integer_value(json_object_get(e, "threshold")) == 16);
    json_decref(e);
    /* A tie for the last seat: A elected, B and C to a re-vote. */
    int v2[] = {22, 17, 17, 3};
    e = pl_tally_election(cands, v2, 2, 30, 28);
    CHECK(json_array_size(json_object_get(e, "elected")) == 1);
    CHECK(json_array_size(json_object_get(e, "tie")) == 2);
    CHECK(json_integer_value(json_object_get(e, "seats_filled")) == 1);
    json_decref(e);
    /* Tied but not both needed? Two seats, three qualify, tie for the first
     * two places only: both elected, no tie. */
    int v3[] = {18, 18, 16, 1};
    e = pl_tally_election(cands, v3, 2, 30, 28);
    CHECK(json_array_size(json_object_get(e, "elected")) == 2 &&
          json_is_null(json_object_get(e, "tie")));
    json_decref(e);
    /* Fewer qualify than seats: the seat stays empty. */
    int v4[] = {16, 15, 15, 15};
    e = pl_tally_election(cands, v4, 2, 30, 28);
    CHECK(json_array_size(json_object_get(e, "elected")) == 1);
    CHECK(json_integer_value(json_object_get(e, "seats_filled")) == 1);
    json_decref(e);
    /* Exactly half is not enough. */
    int v5[] = {15, 0, 0, 0};
    e = pl_tally_election(cands, v5, 1, 30, 28);
    CHECK(json_array_size(json_object_get(e, "elected")) == 0);
    json_decref(e);

    /* Confidence: 30 seats; low by more than half = 16, two-thirds = 20. */
    int hi[] = {10, 2, 0, 0}, co[] = {5, 13, 10, 10}, lo[] = {15, 15, 20, 16};
    json_t *c = pl_tally_confidence(cands, hi, co, lo, 30, 30);
    json_t *ps = json_object_get(c, "persons");
    CHECK(!json_is_true(json_object_get(json_array_get(ps, 0), "low_over_half"))); /* 15 */
    CHECK(json_is_true(json_object_get(json_array_get(ps, 3), "low_over_half")));  /* 16 */
    CHECK(!json_is_true(json_object_get(json_array_get(ps, 3), "low_two_thirds")));
    CHECK(json_is_true(json_object_get(json_array_get(ps, 2), "low_two_thirds"))); /* 20 */
    CHECK(json_integer_value(json_object_get(c, "low_two_thirds_threshold")) == 20);
    json_decref(c);
    json_decref(cands);
    return check_report("test_vote_tally");
}

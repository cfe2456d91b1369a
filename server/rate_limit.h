/*
 * Rate limiting, with time passed in (microseconds, monotonic) so the logic
 * is unit-tested without sleeping:
 * - pl_bucket: a token bucket for messages per connection;
 * - pl_throttle: failed-login counting per key (an account or an address),
 *   with a growing delay and then a lockout.
 */
#ifndef PL_RATE_LIMIT_H
#define PL_RATE_LIMIT_H

#include <stdint.h>

struct pl_bucket {
    double tokens;
    int64_t last_us;
};

/* Starts full (burst tokens). */
void pl_bucket_init(struct pl_bucket *b, double burst, int64_t now_us);

/* Takes one token if there is one: returns 1, else 0. Refills at
 * rate_per_s up to burst. */
int pl_bucket_take(struct pl_bucket *b, double rate_per_s, double burst, int64_t now_us);

struct pl_throttle;

/*
 * lock_after failures of one key within window_s lock it for window_s from
 * the last failure; from lock_after/3 failures on, each attempt is answered
 * after a delay doubling from 250 ms up to max_delay_ms.
 */
struct pl_throttle *pl_throttle_new(int lock_after, int window_s, int max_delay_ms);
void pl_throttle_free(struct pl_throttle *t);

/* Returns 0 if key may try now (*delay_ms says how long to hold the answer),
 * or 1 if it is locked (*retry_after_s says for how long). */
int pl_throttle_check(struct pl_throttle *t, const char *key, int64_t now_us, int *delay_ms,
                      int *retry_after_s);

/* Records a failure; returns 1 if this failure locked the key. */
int pl_throttle_fail(struct pl_throttle *t, const char *key, int64_t now_us);

/* Forgets the key's failures (after a success). */
void pl_throttle_reset(struct pl_throttle *t, const char *key);

/* Number of keys tracked (bounded: old entries are pruned). */
unsigned pl_throttle_size(const struct pl_throttle *t);

#endif

/*
 * Rate limiting, with time passed in (microseconds, monotonic) so the logic
 * is unit-tested without sleeping:
 * - pl_bucket: a token bucket for messages per connection;
 * - pl_throttle: failed-login counting per key (an address), with a
 *   growing delay and then a lockout;
 * - pl_backoff: login attempts per account, counted when they start (before
 *   the password is hashed, so parallel guesses cannot outrun the count),
 *   with an exponential backoff instead of a lockout.
 */
#ifndef PL_RATE_LIMIT_H
#define PL_RATE_LIMIT_H

#include <stdbool.h>
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

/* Takes back one failure recorded before the outcome was known (an attempt
 * counted when it started, which then succeeded). */
void pl_throttle_forgive(struct pl_throttle *t, const char *key);

/* The failures the key has in its current window (0: none recorded). */
int pl_throttle_failures(struct pl_throttle *t, const char *key, int64_t now_us);

/* Number of keys tracked (bounded: old entries are pruned). */
unsigned pl_throttle_size(const struct pl_throttle *t);

struct pl_backoff;

/*
 * Per-account attempts within window_s (from the last one). The first
 * start_after attempts go at once; from then on attempts are let through one
 * at a time, spaced by a wait doubling from 1 s with each attempt up to
 * max_s. Addresses that have failed before ("dirty") and addresses with no
 * failures ("clean") have separate gates, and the clean gate's wait is at
 * most clean_max_s: guesses from known addresses push back the guessers,
 * while the owner from a clean address waits seconds, not max_s.
 */
struct pl_backoff *pl_backoff_new(int start_after, int window_s, int max_s, int clean_max_s);
void pl_backoff_free(struct pl_backoff *b);

/* An attempt for key from a clean or dirty address. Returns 0 and counts
 * it as a failure until pl_backoff_reset says otherwise (*started: this
 * attempt started the backoff), or 1 if the gate is closed (*retry_after_s:
 * when it opens; nothing counted). */
int pl_backoff_try(struct pl_backoff *b, const char *key, bool clean, int64_t now_us,
                   int *retry_after_s, bool *started);

/* Forgets key's attempts (a correct password). */
void pl_backoff_reset(struct pl_backoff *b, const char *key);

/* Number of keys tracked (bounded like pl_throttle's). */
unsigned pl_backoff_size(const struct pl_backoff *b);

#endif

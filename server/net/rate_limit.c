/* Token buckets and failed-login throttling; see rate_limit.h. */
#include "rate_limit.h"

#include <glib.h>

/* Beyond this many tracked keys, entries older than the window are pruned
 * so an attacker cycling addresses cannot grow memory without bound. */
#define PL_THROTTLE_PRUNE_AT 10000

void pl_bucket_init(struct pl_bucket *b, double burst, int64_t now_us)
{
    b->tokens = burst;
    b->last_us = now_us;
}

int pl_bucket_take(struct pl_bucket *b, double rate_per_s, double burst, int64_t now_us)
{
    if (now_us > b->last_us) {
        b->tokens += (double)(now_us - b->last_us) / 1e6 * rate_per_s;
        if (b->tokens > burst)
            b->tokens = burst;
        b->last_us = now_us;
    }
    if (b->tokens < 1.0)
        return 0;
    b->tokens -= 1.0;
    return 1;
}

struct entry {
    int failures;
    int64_t first_us; /* start of the counting window */
    int64_t last_us;  /* last failure */
    int64_t locked_until_us;
};

struct pl_throttle {
    GHashTable *keys; /* char * -> struct entry * */
    int lock_after;
    int64_t window_us;
    int max_delay_ms;
};

struct pl_throttle *pl_throttle_new(int lock_after, int window_s, int max_delay_ms)
{
    struct pl_throttle *t = g_new0(struct pl_throttle, 1);
    t->keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    t->lock_after = lock_after;
    t->window_us = (int64_t)window_s * 1000000;
    t->max_delay_ms = max_delay_ms;
    return t;
}

void pl_throttle_free(struct pl_throttle *t)
{
    if (!t)
        return;
    g_hash_table_destroy(t->keys);
    g_free(t);
}

static struct entry *current(struct pl_throttle *t, const char *key, int64_t now_us)
{
    struct entry *e = g_hash_table_lookup(t->keys, key);
    if (e && e->locked_until_us <= now_us && now_us - e->first_us > t->window_us) {
        g_hash_table_remove(t->keys, key);
        e = NULL;
    }
    return e;
}

int pl_throttle_check(struct pl_throttle *t, const char *key, int64_t now_us, int *delay_ms,
                      int *retry_after_s)
{
    *delay_ms = 0;
    *retry_after_s = 0;
    struct entry *e = current(t, key, now_us);
    if (!e)
        return 0;
    if (e->locked_until_us > now_us) {
        *retry_after_s = (int)((e->locked_until_us - now_us + 999999) / 1000000);
        return 1;
    }
    int slow_after = t->lock_after / 3 > 0 ? t->lock_after / 3 : 1;
    if (e->failures >= slow_after) {
        int shift = MIN(e->failures - slow_after, 10);
        *delay_ms = MIN(250 << shift, t->max_delay_ms);
    }
    return 0;
}

static void prune(struct pl_throttle *t, int64_t now_us)
{
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, t->keys);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        struct entry *e = v;
        if (e->locked_until_us <= now_us && now_us - e->first_us > t->window_us)
            g_hash_table_iter_remove(&it);
    }
}

int pl_throttle_fail(struct pl_throttle *t, const char *key, int64_t now_us)
{
    struct entry *e = current(t, key, now_us);
    if (!e) {
        if (g_hash_table_size(t->keys) >= PL_THROTTLE_PRUNE_AT)
            prune(t, now_us);
        e = g_new0(struct entry, 1);
        e->first_us = now_us;
        g_hash_table_insert(t->keys, g_strdup(key), e);
    }
    e->failures++;
    e->last_us = now_us;
    if (e->failures >= t->lock_after && e->locked_until_us <= now_us) {
        e->locked_until_us = now_us + t->window_us;
        /* A new window starts with the lockout, so an expired lock does
         * not re-lock on the next single failure. */
        e->first_us = e->locked_until_us;
        e->failures = 0;
        return 1;
    }
    return 0;
}

void pl_throttle_reset(struct pl_throttle *t, const char *key)
{
    g_hash_table_remove(t->keys, key);
}

unsigned pl_throttle_size(const struct pl_throttle *t)
{
    return g_hash_table_size(t->keys);
}

void pl_throttle_forgive(struct pl_throttle *t, const char *key)
{
    struct entry *e = g_hash_table_lookup(t->keys, key);
    if (e && e->failures > 0 && --e->failures == 0 && e->locked_until_us == 0)
        g_hash_table_remove(t->keys, key);
}

int pl_throttle_failures(struct pl_throttle *t, const char *key, int64_t now_us)
{
    struct entry *e = current(t, key, now_us);
    return e ? e->failures : 0;
}

/* --- per-account backoff -------------------------------------------------------------- */

struct attempts {
    int count;          /* attempts in the window, each a failure until reset */
    int64_t last_us;    /* the last attempt: the window runs from it */
    int64_t next_us[2]; /* when the gate opens: [0] dirty addresses, [1] clean ones */
};

struct pl_backoff {
    GHashTable *keys; /* char * -> struct attempts * */
    int start_after;
    int64_t window_us, max_us, clean_max_us;
};

struct pl_backoff *pl_backoff_new(int start_after, int window_s, int max_s, int clean_max_s)
{
    struct pl_backoff *b = g_new0(struct pl_backoff, 1);
    b->keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    b->start_after = start_after;
    b->window_us = (int64_t)window_s * 1000000;
    b->max_us = (int64_t)max_s * 1000000;
    b->clean_max_us = (int64_t)MIN(clean_max_s, max_s) * 1000000;
    return b;
}

void pl_backoff_free(struct pl_backoff *b)
{
    if (!b)
        return;
    g_hash_table_destroy(b->keys);
    g_free(b);
}

static bool stale(const struct pl_backoff *b, const struct attempts *a, int64_t now_us)
{
    return now_us - a->last_us > b->window_us && a->next_us[0] <= now_us;
}

int pl_backoff_try(struct pl_backoff *b, const char *key, bool clean, int64_t now_us,
                   int *retry_after_s, bool *started)
{
    *retry_after_s = 0;
    *started = false;
    struct attempts *a = g_hash_table_lookup(b->keys, key);
    if (a && stale(b, a, now_us)) {
        g_hash_table_remove(b->keys, key);
        a = NULL;
    }
    if (a && a->count >= b->start_after && now_us < a->next_us[clean]) {
        *retry_after_s = (int)((a->next_us[clean] - now_us + 999999) / 1000000);
        return 1;
    }
    if (!a) {
        if (g_hash_table_size(b->keys) >= PL_THROTTLE_PRUNE_AT) {
            GHashTableIter it;
            gpointer k, v;
            g_hash_table_iter_init(&it, b->keys);
            while (g_hash_table_iter_next(&it, &k, &v))
                if (stale(b, v, now_us))
                    g_hash_table_iter_remove(&it);
        }
        a = g_new0(struct attempts, 1);
        g_hash_table_insert(b->keys, g_strdup(key), a);
    }
    a->count++;
    a->last_us = now_us;
    if (a->count >= b->start_after) {
        /* 1 s, 2 s, 4 s... from the attempt that reaches start_after. */
        int shift = MIN(a->count - b->start_after, 30);
        int64_t wait = MIN((int64_t)1000000 << shift, b->max_us);
        a->next_us[0] = now_us + wait;
        a->next_us[1] = now_us + MIN(wait, b->clean_max_us);
        *started = a->count == b->start_after;
    }
    return 0;
}

void pl_backoff_reset(struct pl_backoff *b, const char *key)
{
    g_hash_table_remove(b->keys, key);
}

unsigned pl_backoff_size(const struct pl_backoff *b)
{
    return g_hash_table_size(b->keys);
}

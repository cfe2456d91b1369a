/*
 * Counters and latency histograms for GET /metrics (Prometheus text format,
 * version 0.0.4). One process-wide set, touched only on the main loop (the
 * store's callbacks, the hub and the transports all run there), so there is
 * no locking.
 */
#ifndef PL_METRICS_H
#define PL_METRICS_H

#include <stdint.h>

#include <glib.h>

#define PL_HIST_BUCKETS 12

struct pl_histogram {
    uint64_t counts[PL_HIST_BUCKETS + 1]; /* per upper bound, then +Inf; not cumulative */
    double sum;                           /* seconds */
    uint64_t count;
};

struct pl_metrics {
    uint64_t ws_messages_in;     /* complete messages received */
    uint64_t ws_messages_out;    /* frames written */
    uint64_t ws_dropped;         /* clients dropped for a full outgoing queue */
    uint64_t ws_refused_full;    /* upgrades refused at --max-connections */
    uint64_t ws_refused_address; /* anonymous upgrades refused at --max-anonymous-per-address */
    uint64_t http_body_timeouts; /* requests closed at --http-body-timeout */
    uint64_t http_requests;
    uint64_t db_errors;               /* statements that failed (unreachable, refused, timed out) */
    struct pl_histogram vote_ack;     /* ballot received to acknowledged (after commit) */
    struct pl_histogram db_statement; /* a statement sent to its answer */
    struct pl_histogram event_commit; /* a session change decided to committed and broadcast */
};

extern struct pl_metrics pl_metrics;

/* Records one observation of us microseconds. */
void pl_hist_observe(struct pl_histogram *h, int64_t us);

/* Appends a histogram named name (with help) in the text format. */
void pl_hist_write(GString *out, const char *name, const char *help, const struct pl_histogram *h);

/* The upper bounds of the buckets, seconds. */
extern const double pl_hist_bounds[PL_HIST_BUCKETS];

#endif

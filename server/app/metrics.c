/*
 * Histograms with fixed bounds from 0.5 ms to 5 s: the range that matters
 * for a vote's acknowledgement and a database commit on a council's server.
 */
#include "metrics.h"

struct pl_metrics pl_metrics;

const double pl_hist_bounds[PL_HIST_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

void pl_hist_observe(struct pl_histogram *h, int64_t us)
{
    double s = (double)(us < 0 ? 0 : us) / 1e6;
    int i = 0;
    while (i < PL_HIST_BUCKETS && s > pl_hist_bounds[i])
        i++;
    h->counts[i]++;
    h->sum += s;
    h->count++;
}

void pl_hist_write(GString *out, const char *name, const char *help, const struct pl_histogram *h)
{
    g_string_append_printf(out, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    uint64_t cum = 0;
    for (int i = 0; i < PL_HIST_BUCKETS; i++) {
        cum += h->counts[i];
        char le[G_ASCII_DTOSTR_BUF_SIZE];
        g_ascii_dtostr(le, sizeof le, pl_hist_bounds[i]);
        g_string_append_printf(out, "%s_bucket{le=\"%s\"} %llu\n", name, le,
                               (unsigned long long)cum);
    }
    cum += h->counts[PL_HIST_BUCKETS];
    char sum[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_dtostr(sum, sizeof sum, h->sum);
    g_string_append_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %s\n%s_count %llu\n", name,
                           (unsigned long long)cum, name, sum, name, (unsigned long long)h->count);
}

/* libFuzzer harness: the MPEG-TS pass-through splitter (media/ts_split.c),
 * fed what an SRT sender could send.
 *
 * The first byte picks how the rest is fed: in pieces of that many bytes
 * (0: 1316, an SRT message), with arrival times 10 ms apart. Beyond "no
 * crash, no over-read", it checks what the segment files and the playlist
 * rely on: every part is whole packets; parts come in segment order, a
 * segment's first one (and only it) independent, opening with the PAT, and
 * the one before it last; a segment opens (opened, cut) before its parts;
 * nothing is reported after the stream is refused; what comes out is no
 * more than what went in plus the tables copied at each segment. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ts_split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct state {
    unsigned opened, cuts, segments_seen;
    bool any_part, prev_last, refused;
    unsigned seg;
    size_t out;
};

static void on_opened(void *ctx, uint64_t at)
{
    (void)at;
    struct state *s = ctx;
    if (s->opened++ || s->any_part || s->refused)
        abort();
}

static void on_cut(void *ctx, uint64_t at)
{
    (void)at;
    struct state *s = ctx;
    if (!s->opened || s->refused)
        abort();
    s->cuts++;
}

static void on_part(void *ctx, unsigned seg, GBytes *data, uint64_t dur, bool independent,
                    bool last)
{
    (void)dur;
    struct state *s = ctx;
    gsize n;
    const uint8_t *d = g_bytes_get_data(data, &n);
    if (!s->opened || s->refused || n == 0 || n % PL_TS_PACKET != 0)
        abort();
    for (gsize o = 0; o < n; o += PL_TS_PACKET)
        if (d[o] != 0x47)
            abort();
    bool new_seg = !s->any_part || seg != s->seg;
    if (s->any_part && seg != s->seg && seg != s->seg + 1)
        abort();
    if (independent != new_seg || (s->any_part && s->prev_last != new_seg))
        abort();
    if (independent && (((unsigned)(d[1] & 0x1F) << 8 | d[2]) != 0 || seg > s->cuts))
        abort();
    s->segments_seen += new_seg;
    s->seg = seg;
    s->any_part = true;
    s->prev_last = last;
    s->out += n;
    g_bytes_unref(data);
}

static void on_unsupported(void *ctx, const char *what)
{
    struct state *s = ctx;
    if (s->refused || !what || !*what)
        abort();
    s->refused = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t step = data[0] ? data[0] : 1316;
    data++;
    size--;
    struct state s = {0};
    struct pl_ts_sink sink = {.ctx = &s,
                              .opened = on_opened,
                              .cut = on_cut,
                              .part = on_part,
                              .unsupported = on_unsupported};
    struct pl_ts_split *t = pl_ts_split_new(&sink, 1000000000, 200000000);
    uint64_t at = 1000000000;
    for (size_t o = 0; o < size; o += step, at += 10000000)
        pl_ts_split_feed(t, data + o, size - o < step ? size - o : step, at);
    pl_ts_split_finish(t);
    struct pl_ts_split_stats st;
    pl_ts_split_get_stats(t, &st);
    pl_ts_split_free(t);
    if (s.any_part && !s.prev_last)
        abort();
    if (s.segments_seen != (s.opened ? s.cuts + 1 : 0) && s.any_part)
        abort();
    if (s.out > size + (size_t)st.segments * 2 * PL_TS_PACKET)
        abort();
    return 0;
}

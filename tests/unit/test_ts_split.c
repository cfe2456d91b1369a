/*
 * Unit tests for the MPEG-TS pass-through splitter (media/ts_split.c): an
 * SRT sender's transport stream cut into segments at keyframes and into
 * LL-HLS parts, every segment opening with the tables, no PES split
 * between parts, times from the pictures, streams plenumd does not record
 * refused, bytes out of sync skipped. The streams are made here, packet by
 * packet, as an encoder's muxer makes them (tests/integration/test_media.py
 * sends real ones from GStreamer over SRT).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "check.h"
#include "ts_split.h"

#define VIDEO_PID 0x100
#define AUDIO_PID 0x101
#define PMT_PID   0x1000
#define DATA_PID  0x102
#define FRAME     3600u /* 25 fps, 90 kHz */
#define AFRAME    1920u /* AAC at 48 kHz: 1024 samples */
#define MS        UINT64_C(1000000)

/* --- making a transport stream ---------------------------------------------- */

struct gen {
    GByteArray *out;
    uint8_t cc[0x2000];
    bool rai; /* keyframes flagged random-access */
    bool sps; /* keyframes carry an SPS and an IDR slice */
    uint8_t video_type, audio_type;
    bool data; /* a metadata stream (DATA_PID) with one PES, sent once */
};

static void packetize(struct gen *g, unsigned pid, const uint8_t *d, size_t n, bool rai)
{
    bool first = true;
    while (n > 0 || first) {
        uint8_t pkt[PL_TS_PACKET];
        size_t af = first && rai ? 2 : 0;
        size_t room = 184 - af;
        size_t take = n < room ? n : room;
        if (take < room || af)
            af = 184 - take;
        pkt[0] = 0x47;
        pkt[1] = (uint8_t)((first ? 0x40 : 0) | (pid >> 8));
        pkt[2] = (uint8_t)(pid & 0xFF);
        pkt[3] = (uint8_t)((af ? 0x30 : 0x10) | (g->cc[pid]++ & 0x0F));
        if (af) {
            pkt[4] = (uint8_t)(af - 1);
            if (af >= 2) {
                pkt[5] = first && rai ? 0x40 : 0x00;
                memset(pkt + 6, 0xFF, af - 2);
            }
        }
        memcpy(pkt + 4 + af, d, take);
        g_byte_array_append(g->out, pkt, PL_TS_PACKET);
        d += take;
        n -= take;
        first = false;
    }
}

static void put_ts(uint8_t *p, unsigned prefix, uint64_t ts)
{
    ts &= (UINT64_C(1) << 33) - 1;
    p[0] = (uint8_t)(prefix << 4 | ((ts >> 29) & 0x0E) | 1);
    p[1] = (uint8_t)(ts >> 22);
    p[2] = (uint8_t)(((ts >> 14) & 0xFE) | 1);
    p[3] = (uint8_t)(ts >> 7);
    p[4] = (uint8_t)(((ts << 1) & 0xFE) | 1);
}

static void psi(struct gen *g, unsigned pid, const uint8_t *sec, size_t n)
{
    uint8_t payload[184];
    memset(payload, 0xFF, sizeof payload);
    payload[0] = 0; /* pointer field */
    memcpy(payload + 1, sec, n);
    packetize(g, pid, payload, sizeof payload, false);
}

static void tables(struct gen *g)
{
    const uint8_t pat[] = {0x00,           0xB0, 13, 0, 1, 0xC1, 0, 0, 0, 1, 0xE0 | (PMT_PID >> 8),
                           PMT_PID & 0xFF, 0,    0,  0, 0};
    psi(g, 0, pat, sizeof pat);
    /* The header, the picture's and the sound's entries, the data
     * stream's when g->data, and a CRC the splitter does not check. */
    uint8_t pmt[32] = {0x02, 0xB0, 0, 0, 1, 0xC1, 0, 0, 0xE0 | (VIDEO_PID >> 8), VIDEO_PID & 0xFF,
                       0xF0, 0};
    size_t n = 12;
    const uint8_t es[3][5] = {
        {g->video_type, 0xE0 | (VIDEO_PID >> 8), VIDEO_PID & 0xFF, 0xF0, 0},
        {g->audio_type, 0xE0 | (AUDIO_PID >> 8), AUDIO_PID & 0xFF, 0xF0, 0},
        {0x15, 0xE0 | (DATA_PID >> 8), DATA_PID & 0xFF, 0xF0, 0},
    };
    for (int i = 0; i < (g->data ? 3 : 2); i++) {
        memcpy(pmt + n, es[i], 5);
        n += 5;
    }
    n += 4;
    pmt[2] = (uint8_t)(n - 3);
    psi(g, PMT_PID, pmt, n);
}

/* A picture at dts (shown one frame later), key or not, of about size
 * bytes. */
static void picture(struct gen *g, uint64_t dts, bool key, size_t size)
{
    uint8_t *pes = g_malloc(size + 64);
    size_t n = 0;
    const uint8_t head[] = {0, 0, 1, 0xE0, 0, 0, 0x80, 0xC0, 10};
    memcpy(pes, head, sizeof head);
    put_ts(pes + 9, 3, dts + FRAME);
    put_ts(pes + 14, 1, dts);
    n = 19;
    const uint8_t aud[] = {0, 0, 0, 1, 0x09, 0xF0};
    memcpy(pes + n, aud, sizeof aud);
    n += sizeof aud;
    const uint8_t sps[] = {0, 0, 0, 1, 0x67, 0x64, 0, 0x1F, 0, 0, 0, 1, 0x65};
    const uint8_t slice[] = {0, 0, 0, 1, 0x41};
    if (key && g->sps) {
        memcpy(pes + n, sps, sizeof sps);
        n += sizeof sps;
    } else {
        memcpy(pes + n, slice, sizeof slice);
        n += sizeof slice;
    }
    memset(pes + n, 0xAB, size - n);
    packetize(g, VIDEO_PID, pes, size, key && g->rai);
    g_free(pes);
}

static void sound(struct gen *g, uint64_t pts, size_t size)
{
    uint8_t *pes = g_malloc(size);
    const uint8_t head[] = {
        0, 0, 1, 0xC0, (uint8_t)((size - 6) >> 8), (uint8_t)((size - 6) & 0xFF), 0x80, 0x80, 5};
    memcpy(pes, head, sizeof head);
    put_ts(pes + 9, 2, pts);
    memset(pes + 14, 0xCD, size - 14);
    packetize(g, AUDIO_PID, pes, size, false);
    g_free(pes);
}

/* frames pictures from frame first on (a keyframe every 25th), sound
 * interleaved by time, the tables every 100 ms; the stream opens in the
 * middle of a sound PES (a packet without its start). */
static GByteArray *stream(struct gen *g, uint64_t dts0, unsigned first, unsigned frames)
{
    g->out = g_byte_array_new();
    uint8_t tail[PL_TS_PACKET] = {0x47, AUDIO_PID >> 8, AUDIO_PID & 0xFF, 0x10};
    memset(tail + 4, 0xCD, sizeof tail - 4);
    g_byte_array_append(g->out, tail, sizeof tail);
    uint64_t next_sound = dts0, next_tables = dts0;
    for (unsigned f = first; f < first + frames; f++) {
        uint64_t dts = dts0 + (uint64_t)(f - first) * FRAME;
        while (next_tables <= dts) {
            tables(g);
            next_tables += 9000;
        }
        /* As a muxer interleaves: the sound's packets between the
         * picture's, so that a PES of sound is in progress when a picture
         * (and a part) begins. */
        GByteArray *out = g->out, *snd = g_byte_array_new(), *pic = g_byte_array_new();
        g->out = snd;
        while (next_sound <= dts) {
            sound(g, next_sound, 380); /* three packets */
            next_sound += AFRAME;
        }
        g->out = pic;
        picture(g, dts, f % 25 == 0, f % 25 == 0 ? 9000 : 2500);
        if (g->data && f == first + 30) { /* one cue, sent once */
            uint8_t cue[100] = {0, 0, 1, 0xBD, 0, 94, 0x80, 0x80, 5};
            put_ts(cue + 9, 2, dts);
            packetize(g, DATA_PID, cue, sizeof cue, false);
        }
        g->out = out;
        guint si = 0, pi = 0;
        while (si < snd->len || pi < pic->len) {
            if (si < snd->len) {
                g_byte_array_append(out, snd->data + si, PL_TS_PACKET);
                si += PL_TS_PACKET;
            }
            if (pi < pic->len) {
                g_byte_array_append(out, pic->data + pi, PL_TS_PACKET);
                pi += PL_TS_PACKET;
            }
        }
        g_byte_array_free(snd, TRUE);
        g_byte_array_free(pic, TRUE);
    }
    return g->out;
}

static struct gen gen_default(void)
{
    return (struct gen){.rai = true, .sps = true, .video_type = 0x1B, .audio_type = 0x0F};
}

/* --- what the splitter reports ------------------------------------------------ */

struct part {
    unsigned seg;
    GBytes *data;
    uint64_t dur;
    bool independent, last;
};

struct seen {
    int opened;
    uint64_t opened_at;
    GArray *cuts;  /* uint64_t */
    GArray *parts; /* struct part */
    char *unsupported;
    int unsupported_n;
    guint before_finish; /* parts reported before the end of the stream */
};

static void s_opened(void *ctx, uint64_t at)
{
    struct seen *s = ctx;
    s->opened++;
    s->opened_at = at;
}

static void s_cut(void *ctx, uint64_t at)
{
    g_array_append_val(((struct seen *)ctx)->cuts, at);
}

static void s_part(void *ctx, unsigned seg, GBytes *data, uint64_t dur, bool independent, bool last)
{
    struct part p = {seg, data, dur, independent, last};
    g_array_append_val(((struct seen *)ctx)->parts, p);
}

static void s_unsupported(void *ctx, const char *what)
{
    struct seen *s = ctx;
    s->unsupported_n++;
    g_free(s->unsupported);
    s->unsupported = g_strdup(what);
}

static void seen_init(struct seen *s)
{
    memset(s, 0, sizeof *s);
    s->cuts = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    s->parts = g_array_new(FALSE, FALSE, sizeof(struct part));
}

static void seen_clear(struct seen *s)
{
    for (guint i = 0; i < s->parts->len; i++)
        g_bytes_unref(g_array_index(s->parts, struct part, i).data);
    g_array_free(s->parts, TRUE);
    g_array_free(s->cuts, TRUE);
    g_free(s->unsupported);
}

/* Splits ts fed step bytes at a time, arriving at an even rate over
 * seconds (as a sender's bit rate spreads it: keyframes take longer), into
 * s. */
static struct pl_ts_split_stats split_over(struct seen *s, const GByteArray *ts, size_t step,
                                           double seconds)
{
    seen_init(s);
    struct pl_ts_sink sink = {
        .ctx = s, .opened = s_opened, .cut = s_cut, .part = s_part, .unsupported = s_unsupported};
    struct pl_ts_split *t = pl_ts_split_new(&sink, 1000 * MS, 200 * MS);
    for (size_t o = 0; o < ts->len; o += step) {
        size_t n = MIN(step, ts->len - o);
        double at = 5.0 + seconds * (double)o / (double)MAX(ts->len, 1);
        pl_ts_split_feed(t, ts->data + o, n, (uint64_t)(at * 1e9));
    }
    s->before_finish = s->parts->len;
    pl_ts_split_finish(t);
    struct pl_ts_split_stats st;
    pl_ts_split_get_stats(t, &st);
    pl_ts_split_free(t);
    return st;
}

/* A stream of frames pictures, split. */
static struct pl_ts_split_stats split(struct seen *s, const GByteArray *ts, size_t step,
                                      unsigned frames)
{
    return split_over(s, ts, step, frames * 0.04);
}

static unsigned pid_of(const uint8_t *p)
{
    return ((unsigned)(p[1] & 0x1F) << 8) | p[2];
}

/* The checks every split stream passes: parts of whole packets, segments
 * in order, each segment's first part independent and opening with the
 * PAT, the PMT and a keyframe's first packet, the last one last, and no
 * stream's PES split between parts. */
static void check_parts(const struct seen *s)
{
    unsigned seg = 0;
    for (guint i = 0; i < s->parts->len; i++) {
        const struct part *p = &g_array_index(s->parts, struct part, i);
        gsize n;
        const uint8_t *d = g_bytes_get_data(p->data, &n);
        CHECK(n > 0 && n % PL_TS_PACKET == 0);
        CHECK(p->seg == seg || p->seg == seg + 1);
        CHECK(p->independent == (i == 0 || p->seg == seg + 1));
        if (i > 0)
            CHECK(g_array_index(s->parts, struct part, i - 1).last == p->independent);
        seg = p->seg;
        if (p->independent && n >= 3 * PL_TS_PACKET) {
            CHECK(pid_of(d) == 0 && pid_of(d + PL_TS_PACKET) == PMT_PID);
            CHECK(pid_of(d + 2 * PL_TS_PACKET) == VIDEO_PID && (d[2 * PL_TS_PACKET + 1] & 0x40));
        }
        bool video_seen = false, audio_seen = false;
        for (gsize o = 0; o < n; o += PL_TS_PACKET) {
            unsigned pid = pid_of(d + o);
            bool pusi = d[o + 1] & 0x40;
            if (pid == VIDEO_PID && !video_seen) {
                CHECK(pusi);
                video_seen = true;
            }
            if (pid == AUDIO_PID && !audio_seen) {
                CHECK(pusi);
                audio_seen = true;
            }
        }
    }
    if (s->parts->len > 0)
        CHECK(g_array_index(s->parts, struct part, s->parts->len - 1).last);
}

static GBytes *joined(const struct seen *s)
{
    GByteArray *all = g_byte_array_new();
    for (guint i = 0; i < s->parts->len; i++) {
        gsize n;
        const uint8_t *d = g_bytes_get_data(g_array_index(s->parts, struct part, i).data, &n);
        g_byte_array_append(all, d, (guint)n);
    }
    return g_byte_array_free_to_bytes(all);
}

static unsigned count_starts(const uint8_t *d, size_t n, unsigned pid)
{
    unsigned c = 0;
    for (size_t o = 0; o + PL_TS_PACKET <= n; o += PL_TS_PACKET)
        c += pid_of(d + o) == pid && (d[o + 1] & 0x40);
    return c;
}

/* --- the tests ---------------------------------------------------------------- */

static void segments_and_parts(void)
{
    struct gen g = gen_default();
    /* frames 15..139: the first keyframe is frame 25; keyframes 25, 50, 75,
     * 100, 125: five segments, the last ending with the stream. */
    GByteArray *ts = stream(&g, 900000, 15, 125);
    struct seen s;
    struct pl_ts_split_stats st = split(&s, ts, 1316, 125);
    CHECK(s.opened == 1);
    CHECK(s.cuts->len == 4);
    CHECK(st.segments == 5);
    CHECK(st.video_pid == VIDEO_PID);
    CHECK(st.skipped == 0);
    CHECK(s.unsupported_n == 0);
    check_parts(&s);
    /* Cuts a second apart on the pictures' clock, from the first keyframe's
     * arrival. */
    for (guint i = 0; i < s.cuts->len; i++) {
        uint64_t prev = i == 0 ? s.opened_at : g_array_index(s.cuts, uint64_t, i - 1);
        CHECK(g_array_index(s.cuts, uint64_t, i) - prev == 1000 * MS);
    }
    /* Parts of 200-240 ms (five of 200 ms a second at 25 fps), and each
     * segment's parts add up to its second. */
    uint64_t sum = 0;
    unsigned parts_in_seg = 0;
    for (guint i = 0; i < s.parts->len; i++) {
        const struct part *p = &g_array_index(s.parts, struct part, i);
        sum += p->dur;
        parts_in_seg++;
        CHECK(p->dur >= 40 * MS && p->dur <= 240 * MS);
        if (p->last) {
            /* the last segment: frames 125-139, ended by the stream */
            CHECK(sum == (i + 1 < s.parts->len ? 1000 : 600) * MS);
            CHECK(parts_in_seg == (i + 1 < s.parts->len ? 5u : 3u));
            sum = 0;
            parts_in_seg = 0;
        }
    }
    /* Every sound and picture PES from the first keyframe on is in exactly
     * one part; what came before it is not. */
    GBytes *all = joined(&s);
    gsize n;
    const uint8_t *d = g_bytes_get_data(all, &n);
    CHECK(count_starts(d, n, VIDEO_PID) == 115);
    unsigned sound_in = 0;
    bool keyed = false;
    for (size_t o = 0; o < ts->len; o += PL_TS_PACKET) {
        const uint8_t *p = ts->data + o;
        keyed |= pid_of(p) == VIDEO_PID && (p[1] & 0x40) && (p[3] & 0x20) && (p[5] & 0x40);
        sound_in += keyed && pid_of(p) == AUDIO_PID && (p[1] & 0x40);
    }
    if (count_starts(d, n, AUDIO_PID) != sound_in)
        fprintf(stderr, "sound: %u out, %u in\n", count_starts(d, n, AUDIO_PID), sound_in);
    CHECK(count_starts(d, n, AUDIO_PID) == sound_in);
    CHECK(st.dropped > 0);

    /* Fed a byte at a time, or in odd pieces: the same bytes out. */
    size_t steps[] = {1, 7, 188, 1000, 65536};
    for (size_t i = 0; i < G_N_ELEMENTS(steps); i++) {
        struct seen s2;
        split(&s2, ts, steps[i], 125);
        GBytes *all2 = joined(&s2);
        CHECK(g_bytes_equal(all, all2));
        CHECK(s2.cuts->len == 4);
        g_bytes_unref(all2);
        seen_clear(&s2);
    }
    g_bytes_unref(all);
    seen_clear(&s);
    g_byte_array_free(ts, TRUE);
}

/* Keyframes found by either sign alone; a wrap of the 33-bit clock cuts
 * nothing short. */
static void keyframes_and_wrap(void)
{
    for (int mode = 0; mode < 3; mode++) {
        struct gen g = gen_default();
        g.rai = mode != 1;
        g.sps = mode != 0;
        uint64_t dts0 = mode == 2 ? (UINT64_C(1) << 33) - 2 * 90000 : 0;
        GByteArray *ts = stream(&g, dts0, 0, 100);
        struct seen s;
        split(&s, ts, 1316, 100);
        CHECK(s.opened == 1);
        CHECK(s.cuts->len == 3);
        check_parts(&s);
        for (guint i = 0; i < s.cuts->len; i++) {
            uint64_t prev = i == 0 ? s.opened_at : g_array_index(s.cuts, uint64_t, i - 1);
            CHECK(g_array_index(s.cuts, uint64_t, i) - prev == 1000 * MS);
        }
        seen_clear(&s);
        g_byte_array_free(ts, TRUE);
    }
    /* Neither sign: no keyframe, nothing opens. */
    struct gen g = gen_default();
    g.rai = g.sps = false;
    GByteArray *ts = stream(&g, 0, 0, 60);
    struct seen s;
    split(&s, ts, 1316, 60);
    CHECK(s.opened == 0 && s.parts->len == 0);
    seen_clear(&s);
    g_byte_array_free(ts, TRUE);
}

/* A sparse data stream (a cue sent once) beside the sound: a part is
 * reported once the sound has moved on, not held until the next part
 * begins (which would add a part's length to the live latency). */
static void sparse_data(void)
{
    struct gen g = gen_default();
    g.data = true;
    GByteArray *ts = stream(&g, 0, 0, 60);
    struct seen s;
    split(&s, ts, 188, 60);
    CHECK(s.opened == 1 && s.unsupported_n == 0);
    check_parts(&s);
    CHECK(s.parts->len >= 10);
    CHECK(s.before_finish + 1 == s.parts->len); /* only the open part was held */
    GBytes *all = joined(&s);
    gsize n;
    const uint8_t *d = g_bytes_get_data(all, &n);
    CHECK(count_starts(d, n, DATA_PID) == 1);
    g_bytes_unref(all);
    seen_clear(&s);
    g_byte_array_free(ts, TRUE);
}

/* Garbage between packets (a sender's broken message): skipped, the rest
 * cut as before. */
static void resync(void)
{
    struct gen g = gen_default();
    GByteArray *ts = stream(&g, 0, 0, 100);
    GByteArray *bad = g_byte_array_new();
    const uint8_t junk[] = {0x00, 0x11, 0x22, 0x33, 0x44};
    for (size_t o = 0; o < ts->len; o += 1316) {
        g_byte_array_append(bad, ts->data + o, (guint)MIN(1316, ts->len - o));
        if ((o / 1316) % 50 == 49)
            g_byte_array_append(bad, junk, sizeof junk);
    }
    struct seen s;
    struct pl_ts_split_stats st = split(&s, bad, 1316, 100);
    CHECK(st.skipped > 0);
    CHECK(s.opened == 1 && s.cuts->len == 3);
    check_parts(&s);
    seen_clear(&s);
    g_byte_array_free(bad, TRUE);
    g_byte_array_free(ts, TRUE);
}

/* A picture or sound plenumd does not record: refused once, by name,
 * nothing written. */
static void refused(void)
{
    const struct {
        uint8_t video, audio;
        const char *says;
    } cases[] = {
        {0x24, 0x0F, "video/x-h265 (stream type 0x24)"},
        {0x10, 0x0F, "video/mpeg, mpegversion=4 (stream type 0x10)"},
        {0x02, 0x0F, "video/mpeg, mpegversion=2"},
        {0x1B, 0x03, "audio/mpeg, mpegversion=1"},
        {0x1B, 0x81, "audio/x-ac3"},
        {0x06, 0x0F, "no H.264 video"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct gen g = gen_default();
        g.video_type = cases[i].video;
        g.audio_type = cases[i].audio;
        GByteArray *ts = stream(&g, 0, 0, 60);
        struct seen s;
        split(&s, ts, 1316, 60);
        CHECK(s.unsupported_n == 1);
        CHECK(s.unsupported && strstr(s.unsupported, cases[i].says));
        CHECK(s.opened == 0 && s.parts->len == 0);
        seen_clear(&s);
        g_byte_array_free(ts, TRUE);
    }
    /* A sender that changes its program to a picture plenumd does not
     * record: refused there, what came before it whole. */
    {
        struct gen g = gen_default();
        GByteArray *ts = stream(&g, 0, 0, 60);
        g.video_type = 0x24;
        GByteArray *hevc = stream(&g, 60 * FRAME, 60, 30);
        g_byte_array_append(ts, hevc->data, hevc->len);
        g_byte_array_free(hevc, TRUE);
        struct seen s;
        split(&s, ts, 1316, 90);
        CHECK(s.opened == 1 && s.cuts->len == 2 && s.unsupported_n == 1);
        CHECK(s.parts->len > 0);
        check_parts(&s);
        seen_clear(&s);
        g_byte_array_free(ts, TRUE);
    }
    /* Data beside the program (here: type 0x15, metadata) passes. */
    struct gen g = gen_default();
    g.audio_type = 0x15;
    GByteArray *ts = stream(&g, 0, 0, 60);
    struct seen s;
    split(&s, ts, 1316, 60);
    CHECK(s.unsupported_n == 0 && s.opened == 1);
    seen_clear(&s);
    g_byte_array_free(ts, TRUE);
}

/* Nothing but noise, or nothing at all: no report, no crash. */
static void noise(void)
{
    struct seen s;
    GByteArray *ts = g_byte_array_new();
    GRand *r = g_rand_new_with_seed(7);
    for (int i = 0; i < 200000; i++) {
        uint8_t b = (uint8_t)g_rand_int(r);
        g_byte_array_append(ts, &b, 1);
    }
    g_rand_free(r);
    split(&s, ts, 1316, 2);
    CHECK(s.opened == 0 && s.parts->len == 0);
    seen_clear(&s);
    g_byte_array_set_size(ts, 0);
    split(&s, ts, 1316, 0);
    CHECK(s.opened == 0 && s.parts->len == 0);
    seen_clear(&s);
    g_byte_array_free(ts, TRUE);
}

int main(void)
{
    segments_and_parts();
    keyframes_and_wrap();
    resync();
    sparse_data();
    refused();
    noise();
    return check_report("test_ts_split");
}

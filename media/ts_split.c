/* The MPEG-TS pass-through splitter; see ts_split.h. */
#include "ts_split.h"

#include <string.h>

#define MAX_ES    16
#define NULL_PID  0x1FFF
#define TS_MASK   ((UINT64_C(1) << 33) - 1)   /* PTS and DTS are 33 bits of 90 kHz */
#define EARLY_NS  (100 * UINT64_C(1000000))   /* a keyframe this early still cuts */
#define JUMP_NS   (30 * UINT64_C(1000000000)) /* a longer step is a discontinuity */
#define DRIFT_NS  (2 * UINT64_C(1000000000))  /* timestamps vs arrival: re-anchor */
#define MAX_CHUNK (4u << 20)                  /* a part this big ends without a picture start */

struct es {
    uint16_t pid;
    uint8_t type;
    bool started; /* a PES start went into a part: later packets follow it */
    bool in_old;  /* its PES in progress at the last cut goes on in the old part */
};

/* A part being filled. */
struct chunk {
    GByteArray *buf; /* owned; NULL: no part */
    unsigned seg;
    bool independent, last;
    bool has_dts;
    uint64_t dts0; /* its first picture's decoding time (90 kHz) */
    uint64_t at0;  /* when that picture arrived */
    uint64_t dur;  /* known once the next part began */
};

struct pl_ts_split {
    struct pl_ts_sink sink;
    uint64_t segment_ns, part_ns;
    uint8_t carry[PL_TS_PACKET];
    size_t carried;
    uint8_t pat[PL_TS_PACKET], pmt[PL_TS_PACKET];
    bool have_pat, have_pmt;
    int pmt_pid, video_pid;
    struct es es[MAX_ES];
    int n_es;
    bool started, dead;
    struct chunk cur, old;
    unsigned seg;
    uint64_t seg_dts;            /* the current segment's keyframe */
    uint64_t last_dts, step_dts; /* the latest picture and the last step */
    bool have_last;
    bool anchored;                  /* anchor_dts ↔ anchor_at */
    uint64_t anchor_dts, anchor_at; /* a picture's time and its arrival */
    uint64_t last_at, last_cut_at;  /* the latest arrival; the latest time reported */
    struct pl_ts_split_stats stats;
};

/* a - b of two 33-bit times, signed (the shorter way round the wrap). */
static int64_t ticks_diff(uint64_t a, uint64_t b)
{
    uint64_t d = (a - b) & TS_MASK;
    return d >= (UINT64_C(1) << 32) ? (int64_t)d - (int64_t)(UINT64_C(1) << 33) : (int64_t)d;
}

static int64_t ticks_ns(int64_t ticks)
{
    return ticks * 100000 / 9;
}

static uint64_t read_ts(const uint8_t *p)
{
    return ((uint64_t)(p[0] >> 1) & 7) << 30 | (uint64_t)p[1] << 22 | (uint64_t)(p[2] >> 1) << 15 |
           (uint64_t)p[3] << 7 | (uint64_t)(p[4] >> 1);
}

/* The decoding time of a PES starting at p (n bytes in this packet): the
 * DTS, or the PTS when there is none (they are the same). False without. */
static bool pes_time(const uint8_t *p, size_t n, uint64_t *dts)
{
    if (n < 14 || p[0] != 0 || p[1] != 0 || p[2] != 1 || !(p[7] & 0x80))
        return false;
    if ((p[7] & 0xC0) == 0xC0 && n >= 19 && (size_t)p[8] >= 10)
        *dts = read_ts(p + 14);
    else
        *dts = read_ts(p + 9);
    return true;
}

/* Whether a picture's first packet starts a keyframe: the random-access
 * flag, or an IDR slice or a sequence parameter set among the NAL units in
 * this packet (senders send SPS and PPS with every keyframe). */
static bool keyframe(const uint8_t *pkt, const uint8_t *pes, size_t n)
{
    if ((pkt[3] & 0x20) && pkt[4] > 0 && (pkt[5] & 0x40))
        return true;
    if (n < 9 || (size_t)9 + pes[8] >= n)
        return false;
    for (size_t i = 9 + (size_t)pes[8]; i + 3 < n; i++) {
        if (pes[i] == 0 && pes[i + 1] == 0 && pes[i + 2] == 1) {
            unsigned type = pes[i + 3] & 0x1F;
            if (type == 5 || type == 7)
                return true;
            i += 2;
        }
    }
    return false;
}

/* What a PMT stream type is, in GStreamer's words where plenumd refuses
 * it; NULL for what is recorded (H.264, AAC) or passed through untouched
 * (data, subtitles, cues). */
static const char *refused_type(uint8_t type)
{
    switch (type) {
    case 0x01:
        return "video/mpeg, mpegversion=1";
    case 0x02:
        return "video/mpeg, mpegversion=2";
    case 0x10:
        return "video/mpeg, mpegversion=4";
    case 0x24:
        return "video/x-h265";
    case 0x33:
        return "video/x-h266";
    case 0x42:
        return "video/x-cavs";
    case 0xD1:
        return "video/x-dirac";
    case 0xEA:
        return "video/x-wmv";
    case 0x03:
    case 0x04:
        return "audio/mpeg, mpegversion=1";
    case 0x81:
        return "audio/x-ac3";
    case 0x87:
        return "audio/x-eac3";
    default:
        return NULL;
    }
}

static void flush(struct pl_ts_split *t);

/* AAC in ADTS or LATM: the sound plenumd records. */
static bool is_sound(uint8_t type)
{
    return type == 0x0F || type == 0x11;
}

static void refuse(struct pl_ts_split *t, const char *what)
{
    flush(t); /* what was taken is written: the segments so far stay whole */
    t->dead = true;
    if (t->sink.unsupported)
        t->sink.unsupported(t->sink.ctx, what);
}

/* A PSI section starting in this packet's payload p (n bytes): its body
 * (after the 8-byte header, before the CRC) in *body, *len; false when it
 * is not table_id or does not fit in the packet. */
static bool section(const uint8_t *p, size_t n, uint8_t table_id, const uint8_t **body, size_t *len)
{
    if (n < 1 || (size_t)1 + p[0] + 12 > n)
        return false;
    const uint8_t *s = p + 1 + p[0];
    size_t room = n - 1 - p[0];
    size_t slen = ((size_t)(s[1] & 0x0F) << 8) | s[2];
    if (s[0] != table_id || slen < 9 || 3 + slen > room || !(s[5] & 1)) /* current_next */
        return false;
    *body = s + 8;
    *len = slen - 5 - 4;
    return true;
}

static void parse_pat(struct pl_ts_split *t, const uint8_t *pkt, const uint8_t *p, size_t n)
{
    const uint8_t *b;
    size_t len;
    if (!section(p, n, 0x00, &b, &len))
        return;
    for (size_t i = 0; i + 4 <= len; i += 4) {
        unsigned program = (unsigned)b[i] << 8 | b[i + 1];
        if (program != 0) {
            t->pmt_pid = ((b[i + 2] & 0x1F) << 8) | b[i + 3];
            memcpy(t->pat, pkt, PL_TS_PACKET);
            t->have_pat = true;
            return;
        }
    }
}

static struct es *find_es(struct pl_ts_split *t, unsigned pid)
{
    for (int i = 0; i < t->n_es; i++)
        if (t->es[i].pid == pid)
            return &t->es[i];
    return NULL;
}

static void parse_pmt(struct pl_ts_split *t, const uint8_t *pkt, const uint8_t *p, size_t n)
{
    const uint8_t *b;
    size_t len;
    if (!section(p, n, 0x02, &b, &len) || len < 4)
        return;
    size_t i = 4 + (((size_t)(b[2] & 0x0F) << 8) | b[3]);
    struct es es[MAX_ES];
    int n_es = 0, video = -1;
    for (; i + 5 <= len; i += 5 + (((size_t)(b[i + 3] & 0x0F) << 8) | b[i + 4])) {
        uint8_t type = b[i];
        unsigned pid = ((unsigned)(b[i + 1] & 0x1F) << 8) | b[i + 2];
        const char *refused = refused_type(type);
        if (refused) {
            char what[96];
            g_snprintf(what, sizeof what, "%s (stream type 0x%02x)", refused, type);
            refuse(t, what);
            return;
        }
        if (type == 0x1B && video < 0)
            video = (int)pid;
        if (n_es < MAX_ES) {
            struct es *old = find_es(t, pid);
            es[n_es] = (struct es){.pid = (uint16_t)pid, .type = type};
            if (old && old->type == type)
                es[n_es] = *old;
            n_es++;
        }
    }
    if (video < 0) {
        refuse(t, "no H.264 video in the program");
        return;
    }
    memcpy(t->es, es, sizeof es);
    t->n_es = n_es;
    t->video_pid = video;
    memcpy(t->pmt, pkt, PL_TS_PACKET);
    t->have_pmt = true;
}

/* The caller's clock for a picture with time dts that arrived at at: the
 * arrival of an anchor picture plus the pictures' own time since; moved to
 * the arrival when the two part by more than DRIFT_NS (a sender that
 * restarted its clock). Never before the time reported last. */
static uint64_t clock_of(struct pl_ts_split *t, uint64_t dts, uint64_t at)
{
    int64_t media = t->anchored ? ticks_ns(ticks_diff(dts, t->anchor_dts)) : 0;
    int64_t real = t->anchored ? (int64_t)(at - t->anchor_at) : 0;
    if (!t->anchored || media < 0 || media - real > (int64_t)DRIFT_NS ||
        real - media > (int64_t)DRIFT_NS) {
        t->anchored = true;
        t->anchor_dts = dts;
        t->anchor_at = at;
        media = 0;
    }
    uint64_t c = t->anchor_at + (uint64_t)media;
    if (t->last_cut_at && c <= t->last_cut_at)
        c = t->last_cut_at + 1000000;
    t->last_cut_at = c;
    return c;
}

/* How long c lasted, its successor starting at dts (has_dts) and at. */
static uint64_t chunk_dur(const struct chunk *c, bool has_dts, uint64_t dts, uint64_t at)
{
    if (c->has_dts && has_dts) {
        int64_t d = ticks_ns(ticks_diff(dts, c->dts0));
        if (d > 0 && (uint64_t)d <= JUMP_NS)
            return (uint64_t)d;
    }
    return at > c->at0 ? at - c->at0 : 1000000;
}

static void post(struct pl_ts_split *t, struct chunk *c)
{
    if (!c->buf)
        return;
    GBytes *data = g_byte_array_free_to_bytes(c->buf);
    c->buf = NULL;
    if (t->sink.part)
        t->sink.part(t->sink.ctx, c->seg, data, c->dur, c->independent, c->last);
    else
        g_bytes_unref(data);
}

/* The old part is complete: every stream moved on (or the next cut came). */
static void post_old(struct pl_ts_split *t)
{
    for (int i = 0; i < t->n_es; i++)
        t->es[i].in_old = false;
    post(t, &t->old);
}

/* A new part begins with the picture at dts (when has_dts) that arrived
 * at; a new segment when segment. The part it follows goes on taking the
 * rest of each stream's PES in progress. */
static void begin(struct pl_ts_split *t, bool has_dts, uint64_t dts, uint64_t at, bool segment)
{
    if (t->old.buf)
        post_old(t);
    bool first = !t->cur.buf;
    if (!first) {
        t->cur.dur = chunk_dur(&t->cur, has_dts, dts, at);
        t->cur.last = segment;
        t->old = t->cur;
    }
    if (segment && !first)
        t->seg++;
    t->cur = (struct chunk){.buf = g_byte_array_sized_new(64 * 1024),
                            .seg = t->seg,
                            .independent = segment,
                            .has_dts = has_dts,
                            .dts0 = dts,
                            .at0 = at};
    if (segment) {
        t->stats.segments++;
        t->seg_dts = dts;
        g_byte_array_append(t->cur.buf, t->pat, PL_TS_PACKET);
        g_byte_array_append(t->cur.buf, t->pmt, PL_TS_PACKET);
        uint64_t c = clock_of(t, dts, at);
        if (first && t->sink.opened)
            t->sink.opened(t->sink.ctx, c);
        else if (!first && t->sink.cut)
            t->sink.cut(t->sink.ctx, c);
    }
    if (first)
        return;
    /* The sound's PES in progress finishes in the old part (a frame, tens
     * of ms); a data stream's (cues, metadata: sparse, often minutes apart)
     * is not waited for, or every part would wait for the next. */
    bool waiting = false;
    for (int i = 0; i < t->n_es; i++) {
        struct es *e = &t->es[i];
        e->in_old = e->started && is_sound(e->type);
        waiting |= e->in_old;
    }
    if (!waiting)
        post_old(t);
}

/* A picture's first packet: maybe the start, a new segment or a part. */
static void picture(struct pl_ts_split *t, const uint8_t *pkt, const uint8_t *pes, size_t n,
                    uint64_t at)
{
    uint64_t dts = 0;
    if (!pes_time(pes, n, &dts))
        return;
    bool key = keyframe(pkt, pes, n);
    if (!t->started) {
        if (!key || !t->have_pat || !t->have_pmt)
            return;
        t->started = true;
        begin(t, true, dts, at, true);
    } else {
        int64_t since_seg = ticks_ns(ticks_diff(dts, t->seg_dts));
        bool jump = since_seg < 0 || (uint64_t)since_seg > JUMP_NS;
        if (key && (jump || (uint64_t)since_seg + EARLY_NS >= t->segment_ns)) {
            begin(t, true, dts, at, true);
        } else {
            int64_t since_part = t->cur.has_dts ? ticks_ns(ticks_diff(dts, t->cur.dts0)) : 0;
            if (!t->cur.has_dts || since_part < 0 || (uint64_t)since_part >= t->part_ns)
                begin(t, true, dts, at, false);
        }
    }
    int64_t step = ticks_diff(dts, t->last_dts);
    if (!t->have_last || step > 0) {
        if (t->have_last && ticks_ns(step) <= (int64_t)JUMP_NS)
            t->step_dts = (uint64_t)step;
        t->last_dts = dts;
        t->have_last = true;
    }
}

static void packet(struct pl_ts_split *t, const uint8_t *pkt, uint64_t at)
{
    unsigned pid = ((unsigned)(pkt[1] & 0x1F) << 8) | pkt[2];
    bool pusi = pkt[1] & 0x40;
    unsigned afc = (pkt[3] >> 4) & 3;
    size_t off = 4;
    t->stats.packets++;
    if (pid == NULL_PID) {
        t->stats.dropped++;
        return;
    }
    if (afc & 2)
        off = 5 + (size_t)pkt[4];
    const uint8_t *p = pkt + off;
    size_t n = (afc & 1) && off < PL_TS_PACKET ? PL_TS_PACKET - off : 0;
    if (pusi && n > 0) {
        if (pid == 0)
            parse_pat(t, pkt, p, n);
        else if ((int)pid == t->pmt_pid)
            parse_pmt(t, pkt, p, n);
        else if ((int)pid == t->video_pid)
            picture(t, pkt, p, n, at);
        if (t->dead)
            return;
    }
    if (!t->started) {
        t->stats.dropped++;
        return;
    }
    struct es *e = find_es(t, pid);
    struct chunk *into = &t->cur;
    if (e && !e->started) {
        if (!pusi) { /* the rest of a PES begun before the start */
            t->stats.dropped++;
            return;
        }
        e->started = true;
    } else if (e && e->in_old && t->old.buf) {
        if (pusi) {
            e->in_old = false;
        } else {
            into = &t->old;
        }
    }
    g_byte_array_append(into->buf, pkt, PL_TS_PACKET);
    if (e && !e->in_old && into == &t->cur && t->old.buf) {
        bool waiting = false;
        for (int i = 0; i < t->n_es; i++)
            waiting |= t->es[i].in_old;
        if (!waiting)
            post_old(t);
    }
    if (t->cur.buf->len >= MAX_CHUNK)
        begin(t, false, 0, at, false);
}

struct pl_ts_split *pl_ts_split_new(const struct pl_ts_sink *sink, uint64_t segment_ns,
                                    uint64_t part_ns)
{
    struct pl_ts_split *t = g_new0(struct pl_ts_split, 1);
    t->sink = *sink;
    t->segment_ns = segment_ns;
    t->part_ns = part_ns;
    t->pmt_pid = -1;
    t->video_pid = -1;
    return t;
}

void pl_ts_split_feed(struct pl_ts_split *t, const uint8_t *data, size_t n, uint64_t at)
{
    t->last_at = at;
    while (n > 0 && !t->dead) {
        if (t->carried > 0) {
            size_t take = MIN(PL_TS_PACKET - t->carried, n);
            memcpy(t->carry + t->carried, data, take);
            t->carried += take;
            data += take;
            n -= take;
            if (t->carried == PL_TS_PACKET) {
                t->carried = 0;
                packet(t, t->carry, at);
            }
        } else if (data[0] != 0x47) {
            const uint8_t *sync = memchr(data, 0x47, n);
            size_t skip = sync ? (size_t)(sync - data) : n;
            t->stats.skipped += skip;
            data += skip;
            n -= skip;
        } else if (n >= PL_TS_PACKET) {
            packet(t, data, at);
            data += PL_TS_PACKET;
            n -= PL_TS_PACKET;
        } else {
            memcpy(t->carry, data, n);
            t->carried = n;
            n = 0;
        }
    }
}

/* Reports what is held: the part waiting for its streams, and the current
 * one as its segment's last. */
static void flush(struct pl_ts_split *t)
{
    if (t->old.buf)
        post_old(t);
    if (t->cur.buf) {
        int64_t held = ticks_ns(ticks_diff(t->last_dts, t->cur.dts0) + (int64_t)t->step_dts);
        bool timed = t->cur.has_dts && t->have_last && held > 0 && (uint64_t)held <= JUMP_NS;
        t->cur.dur = timed ? (uint64_t)held : chunk_dur(&t->cur, false, 0, t->last_at);
        t->cur.last = true;
        post(t, &t->cur);
    }
}

void pl_ts_split_finish(struct pl_ts_split *t)
{
    if (t->dead)
        return;
    flush(t);
    t->dead = true;
}

void pl_ts_split_free(struct pl_ts_split *t)
{
    if (!t)
        return;
    if (t->cur.buf)
        g_byte_array_unref(t->cur.buf);
    if (t->old.buf)
        g_byte_array_unref(t->old.buf);
    g_free(t);
}

void pl_ts_split_get_stats(const struct pl_ts_split *t, struct pl_ts_split_stats *out)
{
    *out = t->stats;
    out->video_pid = t->video_pid < 0 ? 0 : (unsigned)t->video_pid;
}

/* The streaming playlist (live.m3u8) of a public stream, written by plenumd
 * itself across the stream's runs, with its LL-HLS parts (RFC 8216bis:
 * EXT-X-PART for the last PART_SEGMENTS segments and the open one, a
 * preload hint for the next part, blocking reload); see media_priv.h. A
 * player that sends no _HLS_ parameters and ignores the part tags reads it
 * as the plain playlist it always was. */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "log.h"
#include "media_priv.h"

/* Segments in the streaming playlist: a sliding window, so a viewer re-fetches
 * about 1 KB a second however long the sitting; the whole sitting is the
 * VOD playlist, built from the record (server/net/net_media.c). Ten seconds
 * hold the players' live position (0.75 s behind the edge with LL-HLS, a
 * plain-HLS player 3 segments) with room for their catching up after a
 * stall (public.js jumps to the edge when more than 6 behind). */
#define LIVE_WINDOW 10

void pl_media_part_free(gpointer p)
{
    struct part *t = p;
    if (!t)
        return;
    g_bytes_unref(t->data);
    g_free(t);
}

void pl_media_playlist_seg_free(gpointer p)
{
    struct window_seg *g = p;
    if (g->parts)
        g_ptr_array_unref(g->parts);
    g_free(g->file);
    g_free(g->date);
    g_free(g);
}

static void parts_text(GString *t, const GPtrArray *parts)
{
    for (guint i = 0; parts && i < parts->len; i++) {
        const struct part *p = g_ptr_array_index(parts, i);
        g_string_append_printf(
            t, "#EXT-X-PART:DURATION=%.3f,URI=\"part-%s-%" G_GUINT64_FORMAT ".ts\"%s\n",
            p->dur_ms / 1000.0, p->run, p->n, p->independent ? ",INDEPENDENT=YES" : "");
    }
}

/* Makes s's live playlist (s->live_text), writes it to live.m3u8 when
 * to_disk (atomically: a reader never sees half a file), and tells the
 * HTTP side (pl_media_on_live). */
static void playlist_update(struct stream *s, bool ended, bool to_disk)
{
    if (!s->public || g_queue_is_empty(&s->window))
        return;
    s->ended = ended;
    GString *t = g_string_new("#EXTM3U\n#EXT-X-VERSION:3\n");
    g_string_append_printf(t, "#EXT-X-TARGETDURATION:%u\n", s->target_s);
    if (!ended)
        /* Three parts behind the edge: the spec's floor for a player that
         * must have a part's successor announced before it needs it. */
        g_string_append_printf(t,
                               "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=%.3f\n"
                               "#EXT-X-PART-INF:PART-TARGET=%.3f\n",
                               3 * PART_TARGET_MS / 1000.0, PART_TARGET_MS / 1000.0);
    g_string_append_printf(
        t, "#EXT-X-MEDIA-SEQUENCE:%" G_GUINT64_FORMAT "\n#EXT-X-DISCONTINUITY-SEQUENCE:%u\n",
        s->window_seq, s->window_disc);
    bool first = true;
    for (GList *l = s->window.head; l; l = l->next) {
        const struct window_seg *g = l->data;
        if (g->disc && !first)
            g_string_append(t, "#EXT-X-DISCONTINUITY\n");
        if (g->disc || first)
            g_string_append_printf(t, "#EXT-X-PROGRAM-DATE-TIME:%s\n", g->date);
        if (!ended)
            parts_text(t, g->parts);
        g_string_append_printf(t, "#EXTINF:%.3f,\n%s\n", g->dur_ms / 1000.0, g->file);
        first = false;
    }
    if (ended) {
        g_string_append(t, "#EXT-X-ENDLIST\n");
    } else if (s->open_run[0]) {
        /* The segment being written: its parts so far, then the next. */
        if (s->open_parts && s->open_parts->len && strcmp(s->open_run, s->window_run) != 0)
            g_string_append(t, "#EXT-X-DISCONTINUITY\n");
        parts_text(t, s->open_parts);
        g_string_append_printf(
            t, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part-%s-%" G_GUINT64_FORMAT ".ts\"\n",
            s->open_run, s->next_part);
    }
    if (to_disk) {
        char *path = g_build_filename(s->dir, "live.m3u8", NULL);
        GError *e = NULL;
        if (!g_file_set_contents(path, t->str, (gssize)t->len, &e)) {
            pl_log_warn("media: sitting %lld: cannot write the streaming playlist: %s",
                        (long long)s->sitting, e->message);
            g_error_free(e);
        }
        g_free(path);
    }
    if (s->live_text)
        g_bytes_unref(s->live_text);
    s->live_text = g_string_free_to_bytes(t);
    if (s->m->live_cb)
        s->m->live_cb(s->m->live_user, s->sitting);
}

void pl_media_playlist_part(struct stream *s, struct run *r, GBytes *data, guint dur_ms,
                            bool independent)
{
    if (!s->open_parts)
        s->open_parts = g_ptr_array_new_with_free_func(pl_media_part_free);
    if (strcmp(s->open_run, r->id) != 0) {
        /* Another run: what an earlier one left open never closes. */
        g_ptr_array_set_size(s->open_parts, 0);
        g_strlcpy(s->open_run, r->id, sizeof s->open_run);
    }
    struct part *p = g_new0(struct part, 1);
    p->data = data;
    g_strlcpy(p->run, r->id, sizeof p->run);
    p->n = r->parts++;
    p->dur_ms = dur_ms;
    p->independent = independent;
    g_ptr_array_add(s->open_parts, p);
    s->next_part = r->parts;
    playlist_update(s, false, false);
}

void pl_media_playlist_write(struct stream *s, bool ended)
{
    playlist_update(s, ended, true);
}

void pl_media_playlist_append(struct stream *s, const struct run *r, const char *file, guint dur_ms,
                              int64_t start_us)
{
    struct window_seg *g = g_new0(struct window_seg, 1);
    g->file = g_strdup(file);
    g->dur_ms = dur_ms;
    GDateTime *dt = g_date_time_new_from_unix_utc(start_us / G_USEC_PER_SEC);
    char *secs = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S");
    g->date = g_strdup_printf("%s.%03dZ", secs, (int)(start_us % G_USEC_PER_SEC / 1000));
    g_free(secs);
    g_date_time_unref(dt);
    g->disc = s->window_run[0] && strcmp(s->window_run, r->id) != 0;
    /* The open parts are this segment's (the cutter posts a segment's last
     * part before multifilesink says it closed the file). */
    if (s->open_parts && s->open_parts->len && strcmp(s->open_run, r->id) == 0) {
        g->parts = s->open_parts;
        s->open_parts = NULL;
    }
    guint n = 0;
    for (GList *l = s->window.tail; l; l = l->prev)
        if (++n > PART_SEGMENTS) {
            struct window_seg *old = l->data;
            if (old->parts)
                g_ptr_array_unref(old->parts);
            old->parts = NULL;
        }
    g_strlcpy(s->window_run, r->id, sizeof s->window_run);
    g_queue_push_tail(&s->window, g);
    while (g_queue_get_length(&s->window) > LIVE_WINDOW) {
        pl_media_playlist_seg_free(g_queue_pop_head(&s->window));
        s->window_seq++;
        struct window_seg *head = g_queue_peek_head(&s->window);
        if (head->disc) { /* its tag leaves with the segment before it */
            head->disc = false;
            s->window_disc++;
        }
    }
    s->target_s = MAX(s->target_s, MAX(SEGMENT_S, (dur_ms + 500) / 1000));
    /* In memory only: the HTTP side serves it from there. Rewriting the
     * file each second cost a new inode, an fsync and a rename per segment
     * on the main thread (a third of its CPU while passing a stream
     * through, docs/benchmarks.md) for a copy nothing read; the file is
     * written once, ended, when the sitting closes. */
    playlist_update(s, false, false);
}

/* --- what the HTTP side asks (media.h) ------------------------------------------------ */

void pl_media_on_live(struct pl_media *m, pl_media_live_cb cb, void *user)
{
    m->live_cb = cb;
    m->live_user = user;
}

GBytes *pl_media_live_playlist(const struct pl_media *m, int64_t sitting_id)
{
    const struct stream *s = g_hash_table_lookup(m->streams, &sitting_id);
    return s && s->public && s->live_text ? g_bytes_ref(s->live_text) : NULL;
}

static const struct stream *live_stream(const struct pl_media *m, int64_t sitting, guint *wait_ms)
{
    const struct stream *s = g_hash_table_lookup(m->streams, &sitting);
    if (!s || !s->public || s->window.length == 0)
        return NULL;
    /* The spec's bound on a blocking request: three target durations. */
    *wait_ms = 3000 * MAX(s->target_s, 1);
    return s;
}

enum pl_media_live pl_media_live_has(const struct pl_media *m, int64_t sitting_id, int64_t msn,
                                     int64_t part, guint *wait_ms)
{
    const struct stream *s = live_stream(m, sitting_id, wait_ms);
    if (!s)
        return PL_LIVE_GONE;
    if (s->ended)
        return PL_LIVE_READY;
    /* The open segment (being written) follows the window's last; it is
     * in the playlist once it has a part. */
    int64_t open = (int64_t)(s->window_seq + s->window.length);
    guint have = s->open_parts ? s->open_parts->len : 0;
    int64_t last = have ? open : open - 1;
    if (msn > last + 2)
        return PL_LIVE_TOO_FAR; /* the spec's limit: 400 */
    if (msn < open)
        return PL_LIVE_READY; /* a closed segment, every part of it too */
    if (msn == open && part >= 0 && part < (int64_t)have)
        return PL_LIVE_READY;
    return PL_LIVE_WAIT;
}

/* "part-<16 hex>-<n>.ts": the run into run, n into *n. */
static bool part_name(const char *name, char run[17], guint64 *n)
{
    if (strncmp(name, "part-", 5) != 0)
        return false;
    name += 5;
    for (int i = 0; i < 16; i++)
        if (!g_ascii_isxdigit(name[i]) || g_ascii_isupper(name[i]))
            return false;
    memcpy(run, name, 16);
    run[16] = '\0';
    name += 16;
    if (*name++ != '-' || !g_ascii_isdigit(*name))
        return false;
    int digits = 0;
    const char *d = name;
    while (g_ascii_isdigit(*name))
        name++, digits++;
    if (digits > 12 || (digits > 1 && *d == '0') || strcmp(name, ".ts") != 0)
        return false;
    *n = g_ascii_strtoull(d, NULL, 10);
    return true;
}

static const struct part *find_part(const GPtrArray *parts, const char *run, guint64 n)
{
    for (guint i = 0; parts && i < parts->len; i++) {
        const struct part *p = g_ptr_array_index(parts, i);
        if (p->n == n && strcmp(p->run, run) == 0)
            return p;
    }
    return NULL;
}

enum pl_media_live pl_media_live_part(const struct pl_media *m, int64_t sitting_id,
                                      const char *name, GBytes **data, guint *wait_ms)
{
    *data = NULL;
    char run[17];
    guint64 n = 0;
    const struct stream *s = live_stream(m, sitting_id, wait_ms);
    if (!s || !part_name(name, run, &n))
        return PL_LIVE_GONE;
    const struct part *p = find_part(s->open_parts, run, n);
    for (GList *l = s->window.tail; l && !p; l = l->prev)
        p = find_part(((const struct window_seg *)l->data)->parts, run, n);
    if (p) {
        *data = g_bytes_ref(p->data);
        return PL_LIVE_READY;
    }
    if (!s->ended && strcmp(run, s->open_run) == 0 && n == s->next_part)
        return PL_LIVE_WAIT;
    return PL_LIVE_GONE;
}

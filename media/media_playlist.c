/* The streaming playlist (live.m3u8) of a public stream, written by plenumd
 * itself across the stream's runs; see media_priv.h. */
#include <string.h>

#include <glib.h>

#include "log.h"
#include "media_priv.h"

/* Segments in the streaming playlist: a sliding window, so a viewer re-fetches
 * about 1 KB a second however long the sitting; the whole sitting is the
 * VOD playlist, built from the record (server/net/net_media.c). Ten seconds
 * hold the players' live position (2 segments behind the edge) with room
 * for their catching up after a stall (public.js jumps to the edge when
 * more than 6 behind). */
#define LIVE_WINDOW 10

void pl_media_playlist_seg_free(gpointer p)
{
    struct window_seg *g = p;
    g_free(g->file);
    g_free(g->date);
    g_free(g);
}

/* Rewrites live.m3u8 (atomically: players never read half a file). */
void pl_media_playlist_write(struct stream *s, bool ended)
{
    if (!s->public || g_queue_is_empty(&s->window))
        return;
    GString *t = g_string_new("#EXTM3U\n#EXT-X-VERSION:3\n");
    g_string_append_printf(t,
                           "#EXT-X-TARGETDURATION:%u\n#EXT-X-MEDIA-SEQUENCE:%" G_GUINT64_FORMAT
                           "\n#EXT-X-DISCONTINUITY-SEQUENCE:%u\n",
                           s->target_s, s->window_seq, s->window_disc);
    bool first = true;
    for (GList *l = s->window.head; l; l = l->next) {
        const struct window_seg *g = l->data;
        if (g->disc && !first)
            g_string_append(t, "#EXT-X-DISCONTINUITY\n");
        if (g->disc || first)
            g_string_append_printf(t, "#EXT-X-PROGRAM-DATE-TIME:%s\n", g->date);
        g_string_append_printf(t, "#EXTINF:%.3f,\n%s\n", g->dur_ms / 1000.0, g->file);
        first = false;
    }
    if (ended)
        g_string_append(t, "#EXT-X-ENDLIST\n");
    char *path = g_build_filename(s->dir, "live.m3u8", NULL);
    GError *e = NULL;
    if (!g_file_set_contents(path, t->str, (gssize)t->len, &e)) {
        pl_log_warn("media: sitting %lld: cannot write the streaming playlist: %s",
                    (long long)s->sitting, e->message);
        g_error_free(e);
    }
    g_free(path);
    g_string_free(t, TRUE);
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
    pl_media_playlist_write(s, false);
}

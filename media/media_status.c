/* What the media says of itself: the status (pl_media_status, for the
 * admin page and the metrics) and what a citizen's page may know
 * (pl_media_public_state); see media.h. */
#include <string.h>

#include <glib.h>
#include <jansson.h>

#include "media_priv.h"
#include "media_url.h"

/* A stream's state (see media.h). */
static const char *stream_state(const struct stream *s)
{
    const struct run *r = s->src;
    return s->stop_wanted       ? "stopping"
           : r && r->delivering ? "live"
           : s->reason          ? "error"
           : !r                 ? "retrying"
           : s->passthrough     ? "waiting" /* an SRT listener waits for its sender */
                                : "starting";
}

const char *pl_media_state(const struct pl_media *m)
{
    return m->off ? "off" : m->missing ? "error" : "ok";
}

const char *pl_media_public_state(const struct pl_media *m, int64_t sitting_id, int *segments,
                                  const char **reason)
{
    *segments = 0;
    *reason = NULL;
    if (m->off)
        return "off";
    const struct stream *s = g_hash_table_lookup(m->streams, &sitting_id);
    if (!s || !s->public)
        return "none"; /* a closed sitting is indistinguishable from none */
    *segments = (int)s->window.length;
    /* The slate is a livestream too: what a viewer would see. */
    if (s->window.length > 0 && !s->stop_wanted)
        return "live";
    const char *state = stream_state(s);
    if (strcmp(state, "error") == 0)
        *reason = s->reason;
    return state;
}

json_t *pl_media_status(const struct pl_media *m)
{
    json_t *list = json_array();
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, m->streams);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        const struct stream *s = v;
        const struct run *r = s->src;
        char *shown = s->source ? pl_media_source_redacted(s->source) : NULL;
        json_array_append_new(
            list, json_pack("{s:I, s:s, s:s?, s:b, s:b, s:b, s:i, s:i, s:I, s:s?, s:s?, s:s}",
                            "sitting_id", (json_int_t)s->sitting, "state", stream_state(s),
                            "reason", s->reason, "public", s->public, "recording",
                            r && r->delivering, "slate", s->slate != NULL, "segments", s->segments,
                            "bitrate_kbps", (int)(s->kbps + 0.5), "dropped_frames",
                            (json_int_t)(r ? r->dropped : 0), "error", s->error, "source", shown,
                            "path", s->passthrough ? "passthrough" : "encode"));
        g_free(shown);
        if (s->restream_url && s->public) {
            char *to = pl_media_restream_redacted(s->restream_url);
            json_object_set_new(json_array_get(list, json_array_size(list) - 1), "restream",
                                json_pack("{s:s, s:s, s:i, s:s?}", "url", to, "state",
                                          s->rs.pipeline && !s->rs.error ? "sending"
                                          : s->rs.error                  ? "error"
                                                                         : "starting",
                                          "segments", s->rs.segments, "error", s->rs.error));
            g_free(to);
        }
    }
    char *server = pl_media_source_redacted(m->cfg->media_source);
    json_t *status = json_pack("{s:s, s:s, s:s?, s:s?, s:o}", "source", server, "state",
                               pl_media_state(m), "reason", m->missing ? "missing_elements" : NULL,
                               "error", m->missing, "streams", list);
    g_free(server);
    return status;
}

const char *pl_media_public_root(const struct pl_media *m)
{
    return m->off ? NULL : m->public_root;
}

bool pl_media_streaming(const struct pl_media *m, int64_t sitting_id)
{
    const struct stream *s = g_hash_table_lookup(m->streams, &sitting_id);
    return s && s->public && s->window.length > 0;
}

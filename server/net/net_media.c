/*
 * GET /media/<sitting>/...: what citizens' players fetch.
 *   live.m3u8        the live playlist (only while a public sitting streams),
 *                    from media's memory, Cache-Control: no-cache; with
 *                    LL-HLS parts. A blocking
 *                    reload (?_HLS_msn=M[&_HLS_part=P]) is held until the
 *                    playlist has that part (see "Held requests" below)
 *   part-<run>-<n>.ts an LL-HLS part, from memory, immutable; the preload
 *                    hint (the part being written) is held until it exists
 *   vod.m3u8         every recorded segment of the sitting, built from the
 *                    record (an EVENT playlist while the sitting is open, VOD
 *                    with ENDLIST once it closed; discontinuities between
 *                    runs), no-cache
 *   seg-<run>-<n>.ts a segment, immutable: cached for a year (nginx or a CDN
 *                    in front can keep it)
 *   chapters.json    the agenda items, speakers and votes on the recording's
 *   chapters.vtt     timeline (WebVTT chapters track)
 *   state.json       {"state", "reason"?, "segments"}: whether the sitting is
 *                    streamed now (pl_media_public_state), from memory, no-cache;
 *                    the public page asks this, not live.m3u8, until it
 *                    is "live" (a 404 is not a state)
 * Only sittings public when recorded are served (their files live under
 * media/public/); a closed sitting is recorded, never served here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "net_http.h"
#include "server.h"

#define MEDIA_DB_TIMEOUT_MS 5000
#define PART_NAME_MAX       48 /* "part-<16 hex>-<up to 12 digits>.ts" and its NUL */

/*
 * Held requests (LL-HLS). A blocking playlist reload, or the preload-hinted
 * part, asked before it exists is parked here: no answer is queued, lws
 * keeps the connection, and nothing polls. Each time a sitting's live
 * playlist changes, media calls live_changed() (pl_media_on_live), which
 * answers the requests of that sitting that can now be answered: the
 * answer is queued (pl_http_respond copies it and asks lws for
 * WRITEABLE), so it is written, as every answer, from the writeable
 * callback. A request not answered within three target durations gets the
 * spec's 503; one that would be the hls_max_held'th-and-one is refused
 * with 503 server_busy at once, so held connections cannot exhaust the
 * server. A connection that goes away is forgotten (pl_media_http_forget
 * from pl_http_req_clear).
 *
 * One server per process and loop thread only: the list is the file's.
 */
struct held {
    struct lws *wsi;        /* borrowed: forgotten before lws frees it */
    struct pl_http_req *hr; /* wsi's request state (lws owns it) */
    int64_t sitting, msn, part;
    char part_name[PART_NAME_MAX]; /* a part's file name, or "" for the playlist */
    guint timer;                   /* the deadline (GLib source) */
};

static GQueue held_list = G_QUEUE_INIT;
static bool live_watched; /* live_changed() is media's live callback */

static void held_free(GList *link)
{
    struct held *h = link->data;
    if (h->timer)
        g_source_remove(h->timer);
    h->hr->held = NULL;
    g_queue_delete_link(&held_list, link);
    g_free(h);
}

void pl_media_http_forget(struct pl_http_req *hr)
{
    if (hr->held)
        held_free(hr->held);
}

/* The live playlist, from media's memory (it changes with every part). */
static int respond_playlist(struct lws *wsi, struct pl_http_req *hr, int64_t sitting)
{
    GBytes *text = pl_media_live_playlist(pl_server_from_wsi(wsi)->media, sitting);
    if (!text)
        return pl_http_respond_error(wsi, hr, 404, PL_ERR_NOT_FOUND, "sitting", 0);
    gsize len = 0;
    const char *bytes = g_bytes_get_data(text, &len);
    hr->cache_control = "no-cache";
    pl_http_respond(wsi, hr, 200, "application/vnd.apple.mpegurl", bytes, len);
    g_bytes_unref(text);
    return 0;
}

static void respond_part(struct lws *wsi, struct pl_http_req *hr, GBytes *data)
{
    gsize len = 0;
    const char *bytes = g_bytes_get_data(data, &len);
    /* A part never changes once it exists (its name is not reused). */
    hr->cache_control = "public, max-age=31536000, immutable";
    pl_http_respond(wsi, hr, 200, "video/mp2t", bytes, len);
}

/* Answers the request held at link if it can be (or must: gone), and
 * forgets it then. Returns whether it did. */
static bool held_try(GList *link, struct pl_server *srv)
{
    struct held *h = link->data;
    struct lws *wsi = h->wsi;
    struct pl_http_req *hr = h->hr;
    guint wait_ms = 0;
    GBytes *data = NULL;
    enum pl_media_live st =
        h->part_name[0] ? pl_media_live_part(srv->media, h->sitting, h->part_name, &data, &wait_ms)
                        : pl_media_live_has(srv->media, h->sitting, h->msn, h->part, &wait_ms);
    if (st == PL_LIVE_WAIT)
        return false;
    int64_t sitting = h->sitting;
    held_free(link);
    if (st == PL_LIVE_READY && data)
        respond_part(wsi, hr, data);
    else if (st == PL_LIVE_READY)
        respond_playlist(wsi, hr, sitting);
    else
        pl_http_respond_error(wsi, hr, 404, PL_ERR_NOT_FOUND, NULL, 0);
    if (data)
        g_bytes_unref(data);
    return true;
}

static void live_changed(void *user, int64_t sitting)
{
    struct pl_server *srv = user;
    for (GList *l = held_list.head; l;) {
        GList *next = l->next;
        if (((struct held *)l->data)->sitting == sitting)
            held_try(l, srv);
        l = next;
    }
}

static gboolean held_late(gpointer data)
{
    struct held *h = data;
    h->timer = 0; /* removed by returning G_SOURCE_REMOVE */
    struct lws *wsi = h->wsi;
    struct pl_http_req *hr = h->hr;
    bool part = h->part_name[0] != '\0';
    held_free(hr->held);
    /* RFC 8216bis 6.2.5.2: not there within three target durations. */
    pl_http_respond_refusal(wsi, hr, 503, PL_ERR_INVALID_STATE, part ? NULL : "_HLS_msn", "not_yet",
                            NULL);
    return G_SOURCE_REMOVE;
}

/* Holds the request on wsi (see "Held requests"); refuses it when
 * hls_max_held are held already. */
static int hold(struct lws *wsi, struct pl_http_req *hr, int64_t sitting, int64_t msn, int64_t part,
                const char *part_name, guint wait_ms)
{
    struct pl_server *srv = pl_server_from_wsi(wsi);
    if (held_list.length >= (guint)srv->cfg->hls_max_held) {
        pl_log_info("media: %u LL-HLS requests held already (--hls-max-held); refused one",
                    held_list.length);
        return pl_http_respond_error(wsi, hr, 503, PL_ERR_SERVER_BUSY, NULL, 1);
    }
    if (!live_watched) {
        pl_media_on_live(srv->media, live_changed, srv);
        live_watched = true;
    }
    struct held *h = g_new0(struct held, 1);
    h->wsi = wsi;
    h->hr = hr;
    h->sitting = sitting;
    h->msn = msn;
    h->part = part;
    g_strlcpy(h->part_name, part_name ? part_name : "", sizeof h->part_name);
    h->timer = g_timeout_add(wait_ms, held_late, h);
    g_queue_push_tail(&held_list, h);
    hr->held = held_list.tail;
    hr->phase = PH_WAIT;
    return 0;
}

/* A blocking reload's parameter (?name=N): -1 if absent, -2 if not a
 * decimal number from 0 to 10^12. */
static int64_t hls_arg(struct lws *wsi, const char *key)
{
    char buf[32];
    if (!lws_get_urlarg_by_name(wsi, key, buf, sizeof buf))
        return -1;
    const char *v = buf + strlen(key);
    size_t len = strlen(v);
    if (len == 0 || len > 12 || strspn(v, "0123456789") != len)
        return -2;
    return g_ascii_strtoll(v, NULL, 10);
}

/* live.m3u8: at once, or held for a blocking reload. */
static int live_playlist(struct lws *wsi, struct pl_http_req *hr, int64_t sitting)
{
    struct pl_server *srv = pl_server_from_wsi(wsi);
    int64_t msn = hls_arg(wsi, "_HLS_msn=");
    int64_t part = hls_arg(wsi, "_HLS_part=");
    if (msn == -2 || part == -2)
        return pl_http_respond_refusal(wsi, hr, 400, PL_ERR_BAD_FIELD,
                                       msn == -2 ? "_HLS_msn" : "_HLS_part", "not_a_number", NULL);
    if (part >= 0 && msn < 0)
        return pl_http_respond_refusal(wsi, hr, 400, PL_ERR_BAD_FIELD, "_HLS_msn", "missing", NULL);
    if (msn >= 0) {
        guint wait_ms = 0;
        switch (pl_media_live_has(srv->media, sitting, msn, part, &wait_ms)) {
        case PL_LIVE_WAIT:
            return hold(wsi, hr, sitting, msn, part, NULL, wait_ms);
        case PL_LIVE_TOO_FAR:
            return pl_http_respond_refusal(wsi, hr, 400, PL_ERR_BAD_FIELD, "_HLS_msn", "too_far",
                                           NULL);
        case PL_LIVE_GONE:
            return pl_http_respond_error(wsi, hr, 404, PL_ERR_NOT_FOUND, "sitting", 0);
        case PL_LIVE_READY:
            break;
        }
    }
    return respond_playlist(wsi, hr, sitting);
}

static bool segment_name(const char *s)
{
    /* seg-<16 hex>-<5+ digits>.ts */
    if (strncmp(s, "seg-", 4) != 0)
        return false;
    s += 4;
    for (int i = 0; i < 16; i++, s++)
        if (!g_ascii_isxdigit(*s) || g_ascii_isupper(*s))
            return false;
    if (*s++ != '-')
        return false;
    int digits = 0;
    while (g_ascii_isdigit(*s))
        s++, digits++;
    return digits >= 5 && digits <= 9 && strcmp(s, ".ts") == 0;
}

static void vod_built(void *user, const PGresult *res, enum pl_err err)
{
    struct lws *wsi = user;
    struct pl_http_req *hr = pl_api_answered(wsi, err);
    if (!hr)
        return;
    int n = PQntuples(res);
    if (n == 0) {
        pl_http_respond_error(wsi, hr, 404, PL_ERR_NOT_FOUND, "sitting", 0);
        return;
    }
    bool ended = strcmp(PQgetvalue(res, 0, 4), "closed") == 0;
    long max_ms = 1000;
    for (int i = 0; i < n; i++)
        max_ms = MAX(max_ms, atol(PQgetvalue(res, i, 2)));
    GString *m = g_string_new("#EXTM3U\n#EXT-X-VERSION:3\n");
    g_string_append_printf(m,
                           "#EXT-X-PLAYLIST-TYPE:%s\n#EXT-X-TARGETDURATION:%ld\n"
                           "#EXT-X-MEDIA-SEQUENCE:0\n",
                           ended ? "VOD" : "EVENT", (max_ms + 999) / 1000);
    const char *run = NULL;
    for (int i = 0; i < n; i++) {
        const char *r = PQgetvalue(res, i, 0);
        if (!run || strcmp(run, r) != 0) {
            /* A new run after a restart or a source failure: time jumps. */
            if (run)
                g_string_append(m, "#EXT-X-DISCONTINUITY\n");
            g_string_append_printf(m, "#EXT-X-PROGRAM-DATE-TIME:%s\n", PQgetvalue(res, i, 3));
            run = r;
        }
        g_string_append_printf(m, "#EXTINF:%.3f,\n%s\n", atol(PQgetvalue(res, i, 2)) / 1000.0,
                               PQgetvalue(res, i, 1));
    }
    if (ended)
        g_string_append(m, "#EXT-X-ENDLIST\n");
    hr->cache_control = "no-cache";
    pl_http_respond(wsi, hr, 200, "application/vnd.apple.mpegurl", m->str, m->len);
    g_string_free(m, TRUE);
}

static void vtt_time(GString *s, long ms)
{
    g_string_append_printf(s, "%02ld:%02ld:%02ld.%03ld", ms / 3600000, ms / 60000 % 60,
                           ms / 1000 % 60, ms % 1000);
}

static void chapters_built(void *user, const PGresult *res, enum pl_err err)
{
    struct lws *wsi = user;
    struct pl_http_req *hr = pl_api_answered(wsi, err);
    if (!hr)
        return;
    if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
        pl_http_respond_error(wsi, hr, 404, PL_ERR_NOT_FOUND, "sitting", 0);
        return;
    }
    const char *text = PQgetvalue(res, 0, 0);
    hr->cache_control = "no-cache";
    if (g_str_has_suffix(hr->path, ".json")) {
        pl_http_respond_json(wsi, hr, 200, text);
        return;
    }
    /* WebVTT chapters: each cue runs to the next one (the last to the end). */
    json_t *doc = json_loads(text, 0, NULL);
    json_t *list = json_object_get(doc, "chapters");
    long end = (long)json_integer_value(json_object_get(doc, "duration_ms"));
    GString *v = g_string_new("WEBVTT\n");
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        long from = (long)json_integer_value(json_object_get(c, "offset_ms"));
        json_t *next = json_array_get(list, i + 1);
        long to = next ? (long)json_integer_value(json_object_get(next, "offset_ms")) : end;
        if (to <= from)
            to = from + 1;
        g_string_append_printf(v, "\n%zu\n", i + 1);
        vtt_time(v, from);
        g_string_append(v, " --> ");
        vtt_time(v, to);
        /* A cue's text cannot hold "-->" or a blank line. */
        char *title = g_strdup(json_string_value(json_object_get(c, "label")));
        for (char *p = title; p && *p; p++)
            if (*p == '\n' || *p == '\r')
                *p = ' ';
        char **parts = g_strsplit(title ? title : "", "-->", -1);
        char *safe = g_strjoinv("—>", parts);
        g_strfreev(parts);
        g_string_append_printf(v, "\n%s\n", safe);
        g_free(title);
        g_free(safe);
    }
    json_decref(doc);
    pl_http_respond(wsi, hr, 200, "text/vtt; charset=utf-8", v->str, v->len);
    g_string_free(v, TRUE);
}

/* The sitting is public and so is its session; $1 is the sitting id. */
#define PUBLIC_SITTING                                                                             \
    "SELECT st.id, st.session_id, st.state, st.opened_at, coalesce(st.closed_at, now()) AS "       \
    "closed_at FROM sitting st JOIN session se ON se.id = st.session_id WHERE st.id = $1 AND "     \
    "st.visibility = 'public' AND se.visibility = 'public'"

static const char vod_sql[] =
    "SELECT r.run, s.file, s.duration_ms, to_char(s.started_at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), st.state FROM (" PUBLIC_SITTING
    ") st JOIN recording r ON r.sitting_id = st.id AND r.dir LIKE 'media/public/%' "
    "JOIN media_segment s ON s.recording_id = r.id ORDER BY s.started_at, s.seq";

/* Each chapter's offset: the segments' durations before the one that holds
 * the event, plus how far into it the event came (clamped to the segment,
 * for an event in a gap between runs). */
static const char chapters_sql[] =
    "WITH st AS (" PUBLIC_SITTING "), "
    "seg AS (SELECT s.started_at, s.duration_ms, sum(s.duration_ms) OVER (ORDER BY s.started_at, "
    "s.seq) - s.duration_ms AS before_ms FROM media_segment s JOIN recording r ON r.id = "
    "s.recording_id JOIN st ON r.sitting_id = st.id WHERE r.dir LIKE 'media/public/%'), "
    "ev AS (SELECT e.seq, e.at, e.name, e.data FROM session_event e JOIN st ON e.session_id = "
    "st.session_id WHERE e.public AND e.at >= st.opened_at AND e.at <= st.closed_at AND (e.name "
    "IN ('agenda.activated', 'vote.opened', 'vote.closed') OR (e.name = 'floor.changed' AND "
    "e.data->>'reason' IN ('granted', 'given')))) "
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM st) THEN jsonb_build_object('sitting_id', $1::bigint, "
    "'duration_ms', coalesce((SELECT sum(duration_ms) FROM seg), 0), 'chapters', "
    "coalesce((SELECT jsonb_agg(jsonb_build_object('seq', ev.seq, 'kind', CASE ev.name WHEN "
    "'agenda.activated' THEN 'agenda' WHEN 'floor.changed' THEN 'speaker' WHEN 'vote.opened' "
    "THEN 'vote_opened' ELSE 'vote_closed' END, 'label', CASE ev.name WHEN 'agenda.activated' "
    "THEN ev.data->>'title' WHEN 'floor.changed' THEN ev.data->'turn'->>'name' ELSE (SELECT "
    "v.question FROM vote v WHERE v.id = (ev.data->>'vote_id')::bigint) END, 'at', ev.at, "
    "'offset_ms', coalesce(o.ms, 0)) ORDER BY ev.seq) FROM ev LEFT JOIN LATERAL (SELECT "
    "greatest(0, least(seg.before_ms + seg.duration_ms, seg.before_ms + (extract(epoch FROM "
    "ev.at - seg.started_at) * 1000)::bigint)) AS ms FROM seg WHERE seg.started_at <= ev.at "
    "ORDER BY seg.started_at DESC LIMIT 1) o ON true WHERE EXISTS (SELECT 1 FROM seg)), "
    "'[]'))::text "
    "END";

int pl_media_http(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    struct pl_server *srv = pl_server_from_wsi(wsi);
    const char *root = pl_media_public_root(srv->media);
    char *end = NULL;
    gint64 sitting = g_ascii_strtoll(path + 7, &end, 10);
    if (!end || sitting <= 0 || *end != '/' || strchr(end + 1, '/') ||
        (!root && strcmp(end + 1, "state.json") != 0))
        return pl_http_respond_error(wsi, hr, 404, PL_ERR_NOT_FOUND, NULL, 0);
    const char *name = end + 1;
    if (strcmp(name, "state.json") == 0) {
        int segments = 0;
        const char *reason = NULL;
        const char *state = pl_media_public_state(srv->media, sitting, &segments, &reason);
        json_t *doc =
            json_pack("{s:s, s:s?, s:i}", "state", state, "reason", reason, "segments", segments);
        char *text = json_dumps(doc, JSON_COMPACT);
        json_decref(doc);
        hr->cache_control = "no-cache";
        int rc = pl_http_respond_json(wsi, hr, 200, text);
        free(text);
        return rc;
    }
    char dir[64];
    snprintf(dir, sizeof dir, "sitting-%lld", (long long)sitting);
    if (strcmp(name, "live.m3u8") == 0) {
        if (!pl_media_streaming(srv->media, sitting))
            return pl_http_respond_error(wsi, hr, 404, PL_ERR_NOT_FOUND, "sitting", 0);
        return live_playlist(wsi, hr, sitting);
    }
    if (segment_name(name)) {
        char *file = g_build_filename(root, dir, name, NULL);
        int rc = g_file_test(file, G_FILE_TEST_IS_REGULAR)
                     ? pl_http_serve_file(wsi, hr, file, "public, max-age=31536000, immutable")
                     : pl_http_respond_error(wsi, hr, 404, PL_ERR_NOT_FOUND, NULL, 0);
        g_free(file);
        return rc;
    }
    if (g_str_has_prefix(name, "part-") && strlen(name) < PART_NAME_MAX) {
        GBytes *data = NULL;
        guint wait_ms = 0;
        int rc = 0;
        switch (pl_media_live_part(srv->media, sitting, name, &data, &wait_ms)) {
        case PL_LIVE_READY:
            respond_part(wsi, hr, data);
            g_bytes_unref(data);
            break;
        case PL_LIVE_WAIT:
            rc = hold(wsi, hr, sitting, -1, -1, name, wait_ms);
            break;
        default:
            rc = pl_http_respond_error(wsi, hr, 404, PL_ERR_NOT_FOUND, NULL, 0);
        }
        return rc;
    }
    const char *sql = NULL;
    pl_store_cb done = NULL;
    if (strcmp(name, "vod.m3u8") == 0) {
        sql = vod_sql;
        done = vod_built;
    } else if (strcmp(name, "chapters.json") == 0 || strcmp(name, "chapters.vtt") == 0) {
        sql = chapters_sql;
        done = chapters_built;
    } else {
        return pl_http_respond_error(wsi, hr, 404, PL_ERR_NOT_FOUND, NULL, 0);
    }
    g_strlcpy(hr->path, path, sizeof hr->path);
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)sitting);
    const char *params[1] = {id};
    hr->phase = PH_WAIT;
    hr->db_request = pl_store_query(srv->store, sql, 1, params, MEDIA_DB_TIMEOUT_MS, done, wsi);
    return 0;
}

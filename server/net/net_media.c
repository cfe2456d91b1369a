/*
 * GET /media/<sitting>/...: what citizens' players fetch.
 *   live.m3u8        the live playlist (only while a public sitting streams),
 *                    Cache-Control: no-cache
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

#include "net_http.h"
#include "server.h"

#define MEDIA_DB_TIMEOUT_MS 5000

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
    if (strcmp(name, "live.m3u8") == 0 || segment_name(name)) {
        bool live = strcmp(name, "live.m3u8") == 0;
        if (live && !pl_media_streaming(srv->media, sitting))
            return pl_http_respond_error(wsi, hr, 404, PL_ERR_NOT_FOUND, "sitting", 0);
        char *file = g_build_filename(root, dir, name, NULL);
        int rc = g_file_test(file, G_FILE_TEST_IS_REGULAR)
                     ? pl_http_serve_file(wsi, hr, file,
                                          live ? "no-cache" : "public, max-age=31536000, immutable")
                     : pl_http_respond_error(wsi, hr, 404, PL_ERR_NOT_FOUND, NULL, 0);
        g_free(file);
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

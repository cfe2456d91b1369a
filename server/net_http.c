/*
 * HTTP: the lws callback (each request goes through the route table,
 * net_routes.c, once), the reply helpers the route files share, and the
 * routes of this file: static files from the web root, GET /healthz and
 * GET /metrics. Small generated responses are written from LWS_CALLBACK_HTTP_WRITEABLE in
 * two steps, headers then body, one lws_write() per callback.
 */
#include "net_http.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "log.h"
#include "metrics.h"
#include "rtc.h"
#include "server.h"
#include "static_path.h"

/* How long /healthz waits for the database before reporting it down. */
#define PL_HEALTH_TIMEOUT_MS 2000
#define PL_HSTS              "max-age=31536000; includeSubDomains"

/* Sent with every static file. */
#define PL_SECURITY_HEADERS                                                                        \
    "X-Content-Type-Options: nosniff\x0d\x0a"                                                      \
    "X-Frame-Options: DENY\x0d\x0a"                                                                \
    "Referrer-Policy: no-referrer\x0d\x0a"                                                         \
    "Content-Security-Policy: default-src 'self'; img-src 'self' data:; media-src 'self' blob:; "  \
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'\x0d\x0a"

size_t pl_http_session_size(void)
{
    return sizeof(struct pl_http_req);
}

int pl_http_respond(struct lws *wsi, struct pl_http_req *hr, int status, const char *ctype,
                    const char *body, size_t len)
{
    g_free(hr->body);
    hr->body = g_malloc(LWS_PRE + len + 1);
    memcpy(hr->body + LWS_PRE, body, len);
    hr->body_len = len;
    hr->status = status;
    hr->content_type = ctype;
    hr->phase = PH_HEADERS;
    /* While lws is still reading a request body it holds this back; the
     * request is repeated at LWS_CALLBACK_HTTP_BODY_COMPLETION. */
    lws_callback_on_writable(wsi);
    return 0;
}

/* Answers with o (taken; NULL: out of memory). */
static int respond_json_error(struct lws *wsi, struct pl_http_req *hr, int status, json_t *o)
{
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    const char *fallback = "{\"error\":\"internal\"}";
    pl_http_respond(wsi, hr, status, "application/json", text ? text : fallback,
                    strlen(text ? text : fallback));
    free(text);
    return 0;
}

int pl_http_respond_error(struct lws *wsi, struct pl_http_req *hr, int status, enum pl_err err,
                          const char *field, int retry_after)
{
    json_t *o = json_pack("{s:s, s:s, s:b}", "error", pl_err_code(err), "message",
                          pl_err_message(err, hr->lang), "retryable", pl_err_retryable(err));
    if (o && field && *field)
        json_object_set_new(o, "field", json_string(field));
    if (o && retry_after > 0)
        json_object_set_new(o, "retry_after", json_integer(retry_after));
    hr->retry_after = retry_after;
    return respond_json_error(wsi, hr, status, o);
}

int pl_http_respond_refusal(struct lws *wsi, struct pl_http_req *hr, int status, enum pl_err err,
                            const char *field, const char *reason, json_t *extra)
{
    json_t *o = json_pack("{s:s, s:s, s:b}", "error", pl_err_code(err), "message",
                          pl_err_message(err, hr->lang), "retryable", pl_err_retryable(err));
    if (o && field && *field)
        json_object_set_new(o, "field", json_string(field));
    if (o && reason && *reason)
        json_object_set_new(o, "reason", json_string(reason));
    if (o && extra)
        json_object_update(o, extra);
    return respond_json_error(wsi, hr, status, o);
}

int pl_http_refuse_now(struct lws *wsi, struct pl_http_req *hr, int status, enum pl_err err,
                       const char *field)
{
    json_t *o = json_pack("{s:s, s:s, s:b}", "error", pl_err_code(err), "message",
                          pl_err_message(err, hr->lang), "retryable", pl_err_retryable(err));
    if (o && field && *field)
        json_object_set_new(o, "field", json_string(field));
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!text)
        return -1;
    size_t len = strlen(text);
    unsigned char buf[LWS_PRE + 2048];
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
    if (len > 1024 ||
        lws_add_http_common_headers(wsi, (unsigned)status, "application/json", (lws_filepos_t)len,
                                    &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"connection:",
                                    (const unsigned char *)"close", 5, &p, end) ||
        (pl_server_from_wsi(wsi)->tls &&
         lws_add_http_header_by_name(wsi, (const unsigned char *)"strict-transport-security:",
                                     (const unsigned char *)PL_HSTS, sizeof PL_HSTS - 1, &p,
                                     end)) ||
        lws_finalize_http_header(wsi, &p, end)) {
        free(text);
        return -1;
    }
    memcpy(p, text, len);
    p += len;
    free(text);
    /* Headers and body in one write (HTTP/1.1 only here): the connection
     * closes right after, so nothing may stay queued. */
    lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_FINAL);
    return -1;
}

int pl_http_respond_status(struct lws *wsi, struct pl_http_req *hr, int status)
{
    char body[128];
    const char *what = status == 404   ? "not_found"
                       : status == 405 ? "method_not_allowed"
                       : status == 413 ? "payload_too_large"
                                       : "error";
    int n = snprintf(body, sizeof body, "{\"error\":\"%s\",\"status\":%d}", what, status);
    return pl_http_respond(wsi, hr, status, "application/json", body, (size_t)n);
}

void pl_http_peer(struct lws *wsi, char *buf, size_t len)
{
    buf[0] = '\0';
    lws_get_peer_simple(wsi, buf, len);
    /* Behind a trusted reverse proxy the client is the last address the
     * proxy appended to X-Forwarded-For (nginx's $proxy_add_x_forwarded_for);
     * earlier entries came from the client and prove nothing. */
    const struct pl_server *srv = pl_server_from_wsi(wsi);
    bool trusted = false;
    for (char **p = srv->trusted_proxies; p && *p && !trusted; p++)
        trusted = strcmp(*p, buf) == 0;
    char xff[512];
    if (!trusted || lws_hdr_copy(wsi, xff, sizeof xff, WSI_TOKEN_X_FORWARDED_FOR) <= 0)
        return;
    char *last = strrchr(xff, ',');
    last = g_strstrip(last ? last + 1 : xff);
    unsigned char addr[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, last, addr) == 1 || inet_pton(AF_INET6, last, addr) == 1)
        g_strlcpy(buf, last, len);
}

bool pl_http_is_json(const char *ctype)
{
    /* RFC 9110 8.3: media-type = type "/" subtype *( OWS ";" OWS parameter ). */
    static const char json[] = "application/json";
    while (*ctype == ' ' || *ctype == '\t')
        ctype++;
    if (g_ascii_strncasecmp(ctype, json, sizeof json - 1) != 0)
        return false;
    ctype += sizeof json - 1;
    while (*ctype == ' ' || *ctype == '\t')
        ctype++;
    return *ctype == '\0' || *ctype == ';';
}

bool pl_http_origin_ok(struct lws *wsi)
{
    char origin[256];
    int n = lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN);
    if (n <= 0)
        return lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0; /* absent: not a browser */
    return pl_server_origin_allowed(pl_server_from_wsi(wsi), origin);
}

/* A request body not whole by its deadline: one byte every few seconds
 * would otherwise hold the connection for ever (lws's own timeout restarts
 * with every byte). */
static gboolean body_late(gpointer data)
{
    struct pl_http_req *hr = data;
    hr->body_timer = 0;
    pl_metrics.http_body_timeouts++;
    char address[64];
    pl_http_peer(hr->body_wsi, address, sizeof address);
    pl_log_info("closing a connection from %s: its request body did not arrive within its "
                "deadline",
                address);
    /* Closed at its next byte (lws restarts its own timeout with each one,
     * which would undo this kill) or at once if none comes. */
    hr->body_expired = true;
    lws_set_timeout(hr->body_wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
    return G_SOURCE_REMOVE;
}

void pl_http_body_deadline(struct lws *wsi, struct pl_http_req *hr, unsigned seconds)
{
    if (hr->body_timer)
        g_source_remove(hr->body_timer);
    hr->body_wsi = wsi;
    hr->body_timer = g_timeout_add_seconds(seconds, body_late, hr);
}

void pl_http_req_clear(struct lws *wsi, struct pl_http_req *hr)
{
    if (hr->body_timer) {
        g_source_remove(hr->body_timer);
        hr->body_timer = 0;
    }
    if (hr->db_request) {
        pl_store_cancel(pl_server_from_wsi(wsi)->store, hr->db_request);
        hr->db_request = 0;
    }
    pl_api_cancel(hr);
    g_free(hr->body);
    hr->body = NULL;
    g_free(hr->set_cookie);
    hr->set_cookie = NULL;
    if (hr->req_body) {
        g_string_free(hr->req_body, TRUE);
        hr->req_body = NULL;
    }
    pl_upload_free(hr->upload);
    hr->upload = NULL;
    g_free(hr->disposition);
    hr->disposition = NULL;
    json_decref(hr->api);
    hr->api = NULL;
    pl_identity_clear(&hr->who);
    hr->who_known = hr->signed_in = false;
}

static void health_done(void *user, const PGresult *res, enum pl_err err)
{
    struct lws *wsi = user;
    struct pl_http_req *hr = lws_wsi_user(wsi);
    struct pl_server *srv = pl_server_from_wsi(wsi);
    hr->db_request = 0;

    double uptime = (double)(g_get_monotonic_time() - srv->started_us) / 1e6;
    json_t *db = json_object();
    int db_ok = err == PL_OK && res && PQntuples(res) == 1;
    int version = db_ok ? atoi(PQgetvalue(res, 0, 0)) : -1;
    json_object_set_new(db, "ok", json_boolean(db_ok));
    if (db_ok) {
        json_object_set_new(db, "schema_version", json_integer(version));
        json_object_set_new(db, "latency_ms",
                            json_real((double)(g_get_monotonic_time() - hr->db_t0) / 1000.0));
    } else {
        /* A read: outcome_unknown (sent, no answer) is just unavailable. */
        json_object_set_new(db, "error",
                            json_string(pl_err_code(err == PL_OK           ? PL_ERR_INTERNAL
                                                    : pl_err_database(err) ? PL_ERR_DB_UNAVAILABLE
                                                                           : err)));
    }
    int healthy = db_ok && version == srv->schema_version;
    json_t *root =
        json_pack("{s:s, s:s, s:f, s:o, s:i, s:{s:i}, s:o}", "status", healthy ? "ok" : "degraded",
                  "version", PL_VERSION, "uptime_s", uptime, "database", db,
                  "schema_version_expected", srv->schema_version, "connections", "websocket",
                  (int)srv->conn_count, "media", pl_media_status(srv->media));
    char *text = root ? json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(root);
    if (!text) {
        pl_http_respond_status(wsi, hr, 500);
        return;
    }
    pl_http_respond(wsi, hr, healthy ? 200 : 503, "application/json", text, strlen(text));
    free(text);
}

/* GET /healthz: the process, the database (a real statement, with its
 * latency) and the media, for a load balancer or a monitor. */
int pl_http_health(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    (void)path;
    struct pl_server *srv = pl_server_from_wsi(wsi);
    hr->phase = PH_WAIT;
    hr->db_t0 = g_get_monotonic_time();
    hr->db_request =
        pl_store_query(srv->store, "SELECT coalesce(max(version), 0) FROM schema_migrations", 0,
                       NULL, PL_HEALTH_TIMEOUT_MS, health_done, wsi);
    return 0;
}

int pl_http_serve_file(struct lws *wsi, struct pl_http_req *hr, const char *file,
                       const char *cache_control)
{
    (void)hr;
    struct pl_server *srv = pl_server_from_wsi(wsi);
    char extra[1024];
    snprintf(extra, sizeof extra, "%s%s%s%s", PL_SECURITY_HEADERS,
             srv->tls ? "Strict-Transport-Security: " PL_HSTS "\x0d\x0a" : "",
             cache_control ? "Cache-Control: " : "", cache_control ? cache_control : "");
    if (cache_control)
        g_strlcat(extra, "\x0d\x0a", sizeof extra);
    int n = lws_serve_http_file(wsi, file, pl_static_mime(file), extra, (int)strlen(extra));
    if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi)))
        return -1;
    return 0;
}

/* Whether a scraper may read /metrics: from loopback (the client's address,
 * after a trusted proxy's X-Forwarded-For), from an address of
 * --metrics-allow, or with "Authorization: Bearer <--metrics-token>". The
 * numbers say how many are connected and who voted when: not for the
 * internet, with or without a proxy in front. */
bool pl_http_metrics_allowed(struct lws *wsi)
{
    const struct pl_config *cfg = pl_server_from_wsi(wsi)->cfg;
    char address[64];
    pl_http_peer(wsi, address, sizeof address);
    struct in6_addr a6;
    struct in_addr a4;
    if ((inet_pton(AF_INET, address, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127) ||
        (inet_pton(AF_INET6, address, &a6) == 1 &&
         (IN6_IS_ADDR_LOOPBACK(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127))))
        return true;
    if (cfg->metrics_allow) {
        char **allow = g_strsplit(cfg->metrics_allow, ",", -1);
        bool found = false;
        for (char **p = allow; *p && !found; p++)
            found = strcmp(g_strstrip(*p), address) == 0;
        g_strfreev(allow);
        if (found)
            return true;
    }
    char auth[512];
    if (!cfg->metrics_token ||
        lws_hdr_copy(wsi, auth, sizeof auth, WSI_TOKEN_HTTP_AUTHORIZATION) <= 0 ||
        g_ascii_strncasecmp(auth, "Bearer ", 7) != 0)
        return false;
    const char *given = auth + 7;
    size_t n = strlen(cfg->metrics_token);
    /* Constant time in the token's bytes. */
    return strlen(given) == n && CRYPTO_memcmp(given, cfg->metrics_token, n) == 0;
}

/* GET /metrics: the Prometheus text format (0.0.4). Counters and
 * histograms from metrics.c, gauges read now: connections by role, sessions
 * in memory, each sitting's media, the process's memory and descriptors. */
int pl_http_metrics(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    (void)path;
    struct pl_server *srv = pl_server_from_wsi(wsi);
    GString *out = g_string_new(NULL);
    const struct pl_metrics *m = &pl_metrics;
    unsigned by_role[PL_ROLE_CHAIR + 1], unjoined;
    pl_ws_count_roles(srv, by_role, &unjoined);
    g_string_append(out, "# HELP plenum_websocket_connections Open WebSocket connections by the "
                         "role in the session they joined.\n"
                         "# TYPE plenum_websocket_connections gauge\n");
    for (int r = 0; r <= PL_ROLE_CHAIR; r++)
        g_string_append_printf(out, "plenum_websocket_connections{role=\"%s\"} %u\n",
                               r == PL_ROLE_NONE ? "observer" : pl_role_name((enum pl_role)r),
                               by_role[r]);
    g_string_append_printf(out, "plenum_websocket_connections{role=\"not_joined\"} %u\n", unjoined);
    const struct {
        const char *name, *help;
        uint64_t value;
    } counters[] = {
        {"plenum_websocket_messages_in_total", "WebSocket messages received.", m->ws_messages_in},
        {"plenum_websocket_messages_out_total", "WebSocket frames sent.", m->ws_messages_out},
        {"plenum_websocket_dropped_total", "Clients dropped for not reading their messages.",
         m->ws_dropped},
        {"plenum_websocket_refused_full_total",
         "WebSocket upgrades refused because --max-connections were open (or the anonymous share "
         "of them).",
         m->ws_refused_full},
        {"plenum_websocket_refused_address_total",
         "Anonymous WebSocket upgrades refused at --max-anonymous-per-address.",
         m->ws_refused_address},
        {"plenum_http_body_timeouts_total",
         "HTTP requests whose body did not arrive within --http-body-timeout.",
         m->http_body_timeouts},
        {"plenum_http_requests_total", "HTTP requests.", m->http_requests},
        {"plenum_db_errors_total", "Database statements that failed or timed out.", m->db_errors},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(counters); i++)
        g_string_append_printf(out, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", counters[i].name,
                               counters[i].help, counters[i].name, counters[i].name,
                               (unsigned long long)counters[i].value);
    pl_hist_write(out, "plenum_vote_ack_seconds",
                  "From a ballot's arrival to its acknowledgement after the commit.", &m->vote_ack);
    pl_hist_write(out, "plenum_db_statement_seconds",
                  "From a statement queued to its answer from PostgreSQL.", &m->db_statement);
    pl_hist_write(out, "plenum_event_commit_seconds",
                  "From a session command's arrival to its event committed and broadcast.",
                  &m->event_commit);
    g_string_append_printf(out,
                           "# HELP plenum_sessions_loaded Sessions held in memory.\n"
                           "# TYPE plenum_sessions_loaded gauge\nplenum_sessions_loaded %u\n",
                           pl_hub_sessions(srv->hub));
    g_string_append_printf(out,
                           "# HELP plenum_database_up 1 while the connection to PostgreSQL is "
                           "established, 0 during an outage.\n"
                           "# TYPE plenum_database_up gauge\nplenum_database_up %d\n"
                           "# HELP plenum_websocket_connections_max --max-connections.\n"
                           "# TYPE plenum_websocket_connections_max gauge\n"
                           "plenum_websocket_connections_max %d\n",
                           pl_store_connected(srv->store), srv->cfg->max_connections);
    g_string_append_printf(out,
                           "# HELP plenum_rtc_participants Remote participants connected to a "
                           "room (WebRTC).\n"
                           "# TYPE plenum_rtc_participants gauge\nplenum_rtc_participants %u\n",
                           srv->rtc ? pl_rtc_count(srv->rtc, 0) : 0);
    json_t *media = pl_media_status(srv->media);
    json_t *streams = json_object_get(media, "streams");
    static const char *const states[] = {"starting", "waiting", "live",
                                         "retrying", "error",   "stopping"};
    const char *overall = pl_media_state(srv->media);
    g_string_append_printf(out,
                           "# HELP plenum_media_up 1 while the media can record and stream (every "
                           "GStreamer element it needs is installed), 0 when not or off.\n"
                           "# TYPE plenum_media_up gauge\nplenum_media_up %d\n"
                           "# HELP plenum_media_state The media's state (1 for the current one).\n"
                           "# TYPE plenum_media_state gauge\n",
                           strcmp(overall, "ok") == 0);
    static const char *const overall_states[] = {"ok", "error", "off"};
    for (size_t k = 0; k < G_N_ELEMENTS(overall_states); k++)
        g_string_append_printf(out, "plenum_media_state{state=\"%s\"} %d\n", overall_states[k],
                               strcmp(overall, overall_states[k]) == 0);
    g_string_append(out, "# HELP plenum_media_stream_state A sitting's media state (1 for the "
                         "current one).\n# TYPE plenum_media_stream_state gauge\n");
    size_t i;
    json_t *st;
    json_array_foreach(streams, i, st)
    {
        const char *state = json_string_value(json_object_get(st, "state"));
        for (size_t k = 0; k < G_N_ELEMENTS(states); k++)
            g_string_append_printf(out,
                                   "plenum_media_stream_state{sitting=\"%lld\",state=\"%s\"} %d\n",
                                   (long long)json_integer_value(json_object_get(st, "sitting_id")),
                                   states[k], state && strcmp(state, states[k]) == 0);
    }
    const struct {
        const char *name, *key, *help;
    } media_gauges[] = {
        {"plenum_media_bitrate_kbps", "bitrate_kbps", "A sitting's recorded bitrate, kbit/s."},
        {"plenum_media_dropped_frames", "dropped_frames", "Frames a sitting's encoder dropped."},
        {"plenum_media_segments", "segments", "Segments a sitting's current run wrote."},
        {"plenum_media_slate", "slate", "1 while the livestream shows the slate."},
    };
    for (size_t k = 0; k < G_N_ELEMENTS(media_gauges); k++) {
        g_string_append_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", media_gauges[k].name,
                               media_gauges[k].help, media_gauges[k].name);
        json_array_foreach(streams, i, st)
        {
            json_t *v = json_object_get(st, media_gauges[k].key);
            g_string_append_printf(out, "%s{sitting=\"%lld\"} %lld\n", media_gauges[k].name,
                                   (long long)json_integer_value(json_object_get(st, "sitting_id")),
                                   json_is_boolean(v) ? (long long)json_is_true(v)
                                                      : (long long)json_integer_value(v));
        }
    }
    json_decref(media);
    /* The process: resident memory and open descriptors (Linux). */
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    unsigned fds = 0;
    GDir *d = g_dir_open("/proc/self/fd", 0, NULL);
    if (d) {
        while (g_dir_read_name(d))
            fds++;
        g_dir_close(d);
    }
    g_string_append_printf(out,
                           "# HELP plenum_resident_memory_bytes Resident memory of plenumd.\n"
                           "# TYPE plenum_resident_memory_bytes gauge\n"
                           "plenum_resident_memory_bytes %lld\n"
                           "# HELP plenum_open_fds Open file descriptors of plenumd.\n"
                           "# TYPE plenum_open_fds gauge\nplenum_open_fds %u\n"
                           "# HELP plenum_uptime_seconds Seconds since plenumd started.\n"
                           "# TYPE plenum_uptime_seconds gauge\nplenum_uptime_seconds %.3f\n",
                           (long long)resident * sysconf(_SC_PAGESIZE), fds,
                           (double)(g_get_monotonic_time() - srv->started_us) / 1e6);
    pl_http_respond(wsi, hr, 200, "text/plain; version=0.0.4; charset=utf-8", out->str, out->len);
    g_string_free(out, TRUE);
    return 0;
}

int pl_http_serve_file_as(struct lws *wsi, struct pl_http_req *hr, const char *file,
                          const char *mime, const char *headers)
{
    (void)hr;
    struct pl_server *srv = pl_server_from_wsi(wsi);
    char *extra =
        g_strdup_printf("%s%s%s", PL_SECURITY_HEADERS,
                        srv->tls ? "Strict-Transport-Security: " PL_HSTS "\x0d\x0a" : "", headers);
    int n = lws_serve_http_file(wsi, file, mime, extra, (int)strlen(extra));
    g_free(extra);
    if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi)))
        return -1;
    return 0;
}

/* Third-party code from npm (web/package.json, installed by deploy/deps.sh),
 * served under /vendor/ by name only: node_modules itself is not served. */
static const struct {
    const char *url, *file;
} vendor[] = {
    {"/vendor/hls.mjs", "node_modules/hls.js/dist/hls.mjs"},
};

/* Any other GET: a file under the web root (static_path.c decides which). */
int pl_http_static(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    struct pl_server *srv = pl_server_from_wsi(wsi);
    char file[PATH_MAX];
    if (strncmp(path, "/node_modules/", 14) == 0)
        return pl_http_respond_status(wsi, hr, 404);
    for (size_t i = 0; i < G_N_ELEMENTS(vendor); i++) {
        if (strcmp(path, vendor[i].url) == 0) {
            int n = snprintf(file, sizeof file, "%s/%s", srv->web_root, vendor[i].file);
            if (n < 0 || (size_t)n >= sizeof file || !g_file_test(file, G_FILE_TEST_IS_REGULAR))
                return pl_http_respond_status(wsi, hr, 404);
            return pl_http_serve_file(wsi, hr, file, "no-cache");
        }
    }
    if (pl_static_resolve(srv->web_root, path, file, sizeof file) != 0 ||
        !pl_static_servable(srv->web_root, file))
        return pl_http_respond_status(wsi, hr, 404);
    return pl_http_serve_file(wsi, hr, file, "no-cache");
}

static int add_header(struct lws *wsi, const char *name, const char *value, unsigned char **p,
                      unsigned char *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value, (int)strlen(value), p, end);
}

static int write_pending(struct lws *wsi, struct pl_http_req *hr)
{
    if (hr->phase == PH_HEADERS) {
        unsigned char buf[LWS_PRE + 2048];
        unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
        char retry[16];
        snprintf(retry, sizeof retry, "%d", hr->retry_after);
        if (lws_add_http_common_headers(wsi, (unsigned)hr->status, hr->content_type,
                                        (lws_filepos_t)hr->body_len, &p, end) ||
            add_header(wsi, "cache-control:", hr->cache_control ? hr->cache_control : "no-store",
                       &p, end) ||
            add_header(wsi, "x-content-type-options:", "nosniff", &p, end) ||
            (pl_server_from_wsi(wsi)->tls &&
             add_header(wsi, "strict-transport-security:", PL_HSTS, &p, end)) ||
            (hr->set_cookie && add_header(wsi, "set-cookie:", hr->set_cookie, &p, end)) ||
            (hr->retry_after > 0 && add_header(wsi, "retry-after:", retry, &p, end)) ||
            (hr->content_sha256[0] &&
             add_header(wsi, "x-content-sha256:", hr->content_sha256, &p, end)) ||
            (hr->disposition &&
             add_header(wsi, "content-disposition:", hr->disposition, &p, end)) ||
            (hr->csp && add_header(wsi, "content-security-policy:", hr->csp, &p, end)) ||
            lws_finalize_write_http_header(wsi, start, &p, end))
            return -1;
        hr->phase = PH_BODY;
        lws_callback_on_writable(wsi);
        return 0;
    }
    if (hr->phase == PH_BODY) {
        int n = lws_write(wsi, hr->body + LWS_PRE, hr->body_len, LWS_WRITE_HTTP_FINAL);
        size_t want = hr->body_len;
        g_free(hr->body);
        hr->body = NULL;
        hr->phase = PH_DONE;
        if (n < (int)want)
            return -1;
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    return 0;
}

int pl_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                     size_t len)
{
    struct pl_http_req *hr = user;
    struct pl_server *srv;

    switch (reason) {
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        /* Origin, sign-in and per-account limits for WebSocket upgrades. */
        return pl_ws_confirm_upgrade(wsi);

    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* A WebSocket upgrade that asked for no subprotocol we speak lands
         * on this, the default protocol: refuse it. */
        return 1;

    case LWS_CALLBACK_HTTP: {
        srv = pl_server_from_wsi(wsi);
        /* A kept-alive connection reuses hr: release the last request's. */
        pl_http_req_clear(wsi, hr);
        memset(hr, 0, sizeof *hr);
        /* The page's language (?lang=, which the pages send) before the
         * browser's: a Vietnamese page in an English browser answers in
         * Vietnamese. */
        char lang[64];
        if (lws_get_urlarg_by_name(wsi, "lang=", lang, sizeof lang))
            hr->lang = pl_lang_parse(lang + strlen("lang="));
        else
            hr->lang = lws_hdr_copy(wsi, lang, sizeof lang, WSI_TOKEN_HTTP_ACCEPT_LANGUAGE) > 0
                           ? pl_lang_parse(lang)
                           : PL_LANG_VI;
        pl_metrics.http_requests++;
        if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 ||
            lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0)
            pl_http_body_deadline(wsi, hr, (unsigned)srv->cfg->http_body_timeout_s);
        const char *path = in;
        /* A decoded %00 would silently cut the path short: refuse it. */
        if (strlen(path) != len)
            return pl_http_respond_status(wsi, hr, 404);
        return pl_route_begin(wsi, hr, path);
    }

    case LWS_CALLBACK_HTTP_BODY:
        if (hr->body_expired)
            return -1;
        return pl_route_body(wsi, hr, in, len);

    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (hr->body_timer) {
            g_source_remove(hr->body_timer);
            hr->body_timer = 0;
        }
        return pl_route_body_complete(wsi, hr);

    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (hr->phase == PH_HEADERS || hr->phase == PH_BODY)
            return write_pending(wsi, hr);
        break;

    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        /* Either may be the last word on this request's state. */
        if (hr)
            pl_http_req_clear(wsi, hr);
        break;

    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

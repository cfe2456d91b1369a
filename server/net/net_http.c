/*
 * HTTP: the lws callback (each request goes through the route table,
 * net_routes.c, once, when its headers are complete), the request's state
 * and its body deadline, and two routes: static files from the web root and
 * GET /healthz. Answers are queued with net_reply.c's helpers and written
 * from LWS_CALLBACK_HTTP_WRITEABLE (pl_http_write_pending).
 */
#include "net_http.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "metrics.h"
#include "rtc.h"
#include "server.h"
#include "static_path.h"

/* How long /healthz waits for the database before reporting it down. */
#define PL_HEALTH_TIMEOUT_MS 2000

size_t pl_http_session_size(void)
{
    return sizeof(struct pl_http_req);
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
    pl_net_kill_soon(hr->body_wsi);
    return G_SOURCE_REMOVE;
}

void pl_net_kill_soon(struct lws *wsi)
{
    lws_set_timeout(wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
    lws_cancel_service(lws_get_context(wsi));
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
    pl_media_http_forget(hr);
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
            return pl_http_write_pending(wsi, hr);
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

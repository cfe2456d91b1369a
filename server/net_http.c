/*
 * HTTP: static files from the web root, and GET /healthz. Small generated
 * responses (health, errors) are written from LWS_CALLBACK_HTTP_WRITEABLE in
 * two steps, headers then body, one lws_write() per callback.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "server.h"
#include "static_path.h"

/* How long /healthz waits for the database before reporting it down. */
#define PL_HEALTH_TIMEOUT_MS 2000

/* Sent with every static file and generated response. */
#define PL_SECURITY_HEADERS                                                                        \
    "X-Content-Type-Options: nosniff\x0d\x0a"                                                      \
    "X-Frame-Options: DENY\x0d\x0a"                                                                \
    "Referrer-Policy: no-referrer\x0d\x0a"                                                         \
    "Content-Security-Policy: default-src 'self'; img-src 'self' data:; "                          \
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'\x0d\x0a"

enum phase { PH_IDLE = 0, PH_WAIT_DB, PH_HEADERS, PH_BODY };

struct http_session {
    enum phase phase;
    int status;
    const char *content_type; /* static storage */
    unsigned char *body;      /* LWS_PRE headroom then body_len bytes; owned */
    size_t body_len;
    uint64_t db_request; /* pending store request, 0 if none */
    gint64 db_t0;        /* when the health query was sent */
};

size_t pl_http_session_size(void)
{
    return sizeof(struct http_session);
}

/* Takes a copy of body and schedules the response. */
static int respond(struct lws *wsi, struct http_session *hs, int status, const char *ctype,
                   const char *body, size_t len)
{
    g_free(hs->body);
    hs->body = g_malloc(LWS_PRE + len + 1);
    memcpy(hs->body + LWS_PRE, body, len);
    hs->body_len = len;
    hs->status = status;
    hs->content_type = ctype;
    hs->phase = PH_HEADERS;
    /* While lws is still reading a request body it holds this back; the
     * request is repeated at LWS_CALLBACK_HTTP_BODY_COMPLETION. */
    lws_callback_on_writable(wsi);
    return 0;
}

static int respond_error(struct lws *wsi, struct http_session *hs, int status)
{
    char body[128];
    const char *what = status == 404 ? "not found" : status == 405 ? "method not allowed" : "error";
    int n = snprintf(body, sizeof body, "{\"error\":\"%s\",\"status\":%d}\n", what, status);
    return respond(wsi, hs, status, "application/json", body, (size_t)n);
}

static void health_done(void *user, const PGresult *res, enum pl_err err)
{
    struct lws *wsi = user;
    struct http_session *hs = lws_wsi_user(wsi);
    struct pl_server *srv = pl_server_from_wsi(wsi);
    hs->db_request = 0;

    double uptime = (double)(g_get_monotonic_time() - srv->started_us) / 1e6;
    json_t *db = json_object();
    int db_ok = err == PL_OK && res && PQntuples(res) == 1;
    int version = db_ok ? atoi(PQgetvalue(res, 0, 0)) : -1;
    json_object_set_new(db, "ok", json_boolean(db_ok));
    if (db_ok) {
        json_object_set_new(db, "schema_version", json_integer(version));
        json_object_set_new(db, "latency_ms",
                            json_real((double)(g_get_monotonic_time() - hs->db_t0) / 1000.0));
    } else {
        json_object_set_new(db, "error",
                            json_string(pl_err_code(err == PL_OK ? PL_ERR_INTERNAL : err)));
    }
    int healthy = db_ok && version == srv->schema_version;
    json_t *root = json_pack("{s:s, s:s, s:f, s:o, s:i, s:{s:i}}", "status",
                             healthy ? "ok" : "degraded", "version", PL_VERSION, "uptime_s", uptime,
                             "database", db, "schema_version_expected", srv->schema_version,
                             "connections", "websocket", (int)srv->conn_count);
    char *text = root ? json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(root);
    if (!text) {
        respond_error(wsi, hs, 500);
        return;
    }
    respond(wsi, hs, healthy ? 200 : 503, "application/json", text, strlen(text));
    free(text);
}

static int serve_static(struct lws *wsi, struct http_session *hs, const char *path)
{
    struct pl_server *srv = pl_server_from_wsi(wsi);
    char file[PATH_MAX];
    if (pl_static_resolve(srv->web_root, path, file, sizeof file) != 0)
        return respond_error(wsi, hs, 404);
    static const char extra[] = PL_SECURITY_HEADERS "Cache-Control: no-cache\x0d\x0a";
    int n = lws_serve_http_file(wsi, file, pl_static_mime(file), extra, (int)strlen(extra));
    if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi)))
        return -1;
    return 0;
}

static int write_pending(struct lws *wsi, struct http_session *hs)
{
    if (hs->phase == PH_HEADERS) {
        unsigned char buf[LWS_PRE + 2048];
        unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
        if (lws_add_http_common_headers(wsi, (unsigned)hs->status, hs->content_type,
                                        (lws_filepos_t)hs->body_len, &p, end) ||
            lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                        (const unsigned char *)"no-store", 8, &p, end) ||
            lws_add_http_header_by_name(wsi, (const unsigned char *)"x-content-type-options:",
                                        (const unsigned char *)"nosniff", 7, &p, end) ||
            lws_finalize_write_http_header(wsi, start, &p, end))
            return -1;
        hs->phase = PH_BODY;
        lws_callback_on_writable(wsi);
        return 0;
    }
    if (hs->phase == PH_BODY) {
        int n = lws_write(wsi, hs->body + LWS_PRE, hs->body_len, LWS_WRITE_HTTP_FINAL);
        g_free(hs->body);
        hs->body = NULL;
        hs->phase = PH_IDLE;
        if (n < (int)hs->body_len)
            return -1;
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    return 0;
}

int pl_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                     size_t len)
{
    struct http_session *hs = user;
    struct pl_server *srv;

    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* A WebSocket upgrade that asked for no subprotocol we speak lands
         * on this, the default protocol: refuse it. */
        return 1;

    case LWS_CALLBACK_HTTP: {
        srv = pl_server_from_wsi(wsi);
        memset(hs, 0, sizeof *hs);
        const char *path = in;
        if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0)
            return respond_error(wsi, hs, 405);
        /* A decoded %00 would silently cut the path short: refuse it. */
        if (strlen(path) != len)
            return respond_error(wsi, hs, 404);
        if (strcmp(path, "/healthz") == 0) {
            hs->phase = PH_WAIT_DB;
            hs->db_t0 = g_get_monotonic_time();
            hs->db_request = pl_store_query(
                srv->store, "SELECT coalesce(max(version), 0) FROM schema_migrations", 0, NULL,
                PL_HEALTH_TIMEOUT_MS, health_done, wsi);
            return 0;
        }
        return serve_static(wsi, hs, path);
    }

    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (hs->phase == PH_HEADERS || hs->phase == PH_BODY)
            return write_pending(wsi, hs);
        break;

    case LWS_CALLBACK_HTTP_BODY:
        /* No route takes a body yet; it is read and discarded. */
        return 0;

    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (hs->phase == PH_HEADERS)
            lws_callback_on_writable(wsi);
        return 0;

    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        /* Either may be the last word on this request's state. */
        if (hs && hs->db_request) {
            pl_store_cancel(pl_server_from_wsi(wsi)->store, hs->db_request);
            hs->db_request = 0;
        }
        if (hs) {
            g_free(hs->body);
            hs->body = NULL;
        }
        break;

    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

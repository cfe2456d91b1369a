/*
 * The reply helpers every HTTP route file uses (net_http.h): a generated
 * answer is queued on the request (pl_http_respond and the error shapes
 * built on it) and written from LWS_CALLBACK_HTTP_WRITEABLE by
 * pl_http_write_pending, headers then body, one lws_write() each; a file
 * is handed to lws with the security headers; a refusal at the headers may
 * be written at once and the connection closed (pl_http_refuse_now). The
 * answers to a store callback (database failure, a refusal raised by an SQL
 * function, a JSON cell) are here too, so every route answers them alike.
 */
#include "net_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "server.h"
#include "static_path.h"

#define PL_HSTS "max-age=31536000; includeSubDomains"

/* Sent with every static file. */
#define PL_SECURITY_HEADERS                                                                        \
    "X-Content-Type-Options: nosniff\x0d\x0a"                                                      \
    "X-Frame-Options: DENY\x0d\x0a"                                                                \
    "Referrer-Policy: no-referrer\x0d\x0a"                                                         \
    "Content-Security-Policy: default-src 'self'; img-src 'self' data:; media-src 'self' blob:; "  \
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'\x0d\x0a"

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

int pl_http_respond_json(struct lws *wsi, struct pl_http_req *hr, int status, const char *text)
{
    return pl_http_respond(wsi, hr, status, "application/json", text, strlen(text));
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

static int add_header(struct lws *wsi, const char *name, const char *value, unsigned char **p,
                      unsigned char *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value, (int)strlen(value), p, end);
}

int pl_http_write_pending(struct lws *wsi, struct pl_http_req *hr)
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

/* --- the answers to a store callback ------------------------------------------- */

void pl_api_db_failed(struct lws *wsi, struct pl_http_req *hr, enum pl_err err)
{
    pl_http_respond_error(wsi, hr, pl_err_database(err) ? 503 : 500, err, NULL, 0);
}

struct pl_http_req *pl_api_answered(struct lws *wsi, enum pl_err err)
{
    struct pl_http_req *hr = lws_wsi_user(wsi);
    hr->db_request = 0;
    if (err == PL_OK)
        return hr;
    pl_api_db_failed(wsi, hr, err);
    return NULL;
}

/* Answers 200 with the JSON text the query built in its first cell. */
void pl_api_json_answered(void *user, const PGresult *res, enum pl_err err)
{
    struct lws *wsi = user;
    struct pl_http_req *hr = pl_api_answered(wsi, err);
    if (!hr)
        return;
    const char *text = PQgetvalue(res, 0, 0);
    pl_http_respond_json(wsi, hr, 200, text);
}

/* --- refusals from the SQL functions ------------------------------------------- */

static const struct {
    const char *code;
    enum pl_err err;
    int status;
} refusals[] = {
    {"forbidden", PL_ERR_FORBIDDEN, 403},
    {"not_found", PL_ERR_NOT_FOUND, 404},
    {"invalid_state", PL_ERR_INVALID_STATE, 409},
    {"duplicate", PL_ERR_DUPLICATE, 409},
    {"bad_field", PL_ERR_BAD_FIELD, 400},
    {"missing_field", PL_ERR_MISSING_FIELD, 400},
    {"unauthenticated", PL_ERR_UNAUTHENTICATED, 401},
    {"standing_too_high", PL_ERR_STANDING, 403},
    {"other_council", PL_ERR_OTHER_COUNCIL, 403},
    {"needs_reset", PL_ERR_NEEDS_RESET, 403},
    /* A CSV row's contact refused by the checks in admin_input.c, passed
     * through admin_import_all with the rows the database refused. */
    {"bad_email", PL_ERR_BAD_EMAIL, 400},
    {"bad_phone", PL_ERR_BAD_PHONE, 400},
};

/* Answers a failed admin or records statement: a refusal raised by
 * schema/005_admin.sql, 009_records.sql or 015_access.sql (SQLSTATE P0001, see there) with its
 * code, field, reason and row, or the person it concerns ("person_id", DETAIL 'person N');
 * anything else as a database failure. rows: for an import, the answer also lists the refused
 * row as "rows", as the checks made here do. */
void pl_api_refused(struct lws *wsi, struct pl_http_req *hr, const PGresult *res, enum pl_err err,
                    bool rows)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *code = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (err == PL_OK || !state || strcmp(state, "P0001") != 0 || !code) {
        if (res && err == PL_ERR_INTERNAL)
            pl_log_error("admin statement failed: %s", PQresultErrorMessage(res));
        pl_api_db_failed(wsi, hr, err == PL_OK ? PL_ERR_INTERNAL : err);
        return;
    }
    size_t k = 0;
    while (k < G_N_ELEMENTS(refusals) && strcmp(refusals[k].code, code) != 0)
        k++;
    if (k == G_N_ELEMENTS(refusals)) {
        pl_log_error("admin statement refused with unknown code %s", code);
        pl_api_db_failed(wsi, hr, PL_ERR_INTERNAL);
        return;
    }
    const char *field = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
    const char *reason = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
    const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
    json_t *extra = NULL;
    int row = 0;
    long long person = 0;
    json_t *list =
        rows && detail && strncmp(detail, "rows ", 5) == 0 ? json_loads(detail + 5, 0, NULL) : NULL;
    if (json_is_array(list)) /* admin_import_all: every refused row of the file */
        extra = json_pack("{s:O, s:O}", "row", json_object_get(json_array_get(list, 0), "row"),
                          "rows", list);
    else if (detail && sscanf(detail, "row %d", &row) == 1 && rows)
        extra = json_pack("{s:i, s:[{s:i, s:s?, s:s}]}", "row", row, "rows", "row", row, "field",
                          field && *field ? field : NULL, "error", code);
    else if (detail && sscanf(detail, "person %lld", &person) == 1)
        extra = json_pack("{s:I}", "person_id", (json_int_t)person); /* whom it concerns */
    pl_http_respond_refusal(wsi, hr, refusals[k].status, refusals[k].err, field, reason, extra);
    json_decref(extra);
    json_decref(list);
}

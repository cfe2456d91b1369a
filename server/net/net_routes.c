/*
 * Every HTTP route plenumd answers, in one table, and the checks they share
 * (net_routes.h says the order). A request is looked up once, at its
 * headers; the route stays on the request (hr->route) for its body.
 */
#include "net_routes.h"

#include <stdio.h>
#include <string.h>

#include "identity.h"
#include "net_http.h"
#include "seclog.h"
#include "server.h"

/* Request bodies larger than these are refused with 413. */
#define MAX_SMALL   PL_HTTP_MAX_BODY       /* sign-in: a login and a password */
#define MAX_RECORDS (128 * 1024)           /* a petition, the minutes' notes */
#define MAX_ADMIN   PL_HTTP_MAX_ADMIN_BODY /* a CSV file of people, a whole agenda */

/* The usual shapes of a route: a GET answered from its headers, and a POST
 * whose JSON body (up to max bytes, from a page of an allowed Origin) is read
 * whole before its handler runs. */
#define GET(path, rights, begin)                                                                   \
    {                                                                                              \
        path, PL_METHOD_GET, 0, rights, 0, NULL, begin, NULL, NULL                                 \
    }
#define GET_PREFIX(path, rights, begin)                                                            \
    {                                                                                              \
        path, PL_METHOD_GET, PL_ROUTE_PREFIX, rights, 0, NULL, begin, NULL, NULL                   \
    }
#define POST_JSON(path, rights, max, done)                                                         \
    {                                                                                              \
        path, PL_METHOD_POST, PL_ROUTE_JSON, rights, max, NULL, NULL, NULL, done                   \
    }

#define ANYONE    PL_RIGHTS_ANYONE
#define SIGNED_IN PL_RIGHTS_SIGNED_IN

static int not_found(struct lws *wsi, struct pl_http_req *hr, const char *path);

/* Looked up in order: the first entry whose path matches names the path;
 * further entries with the same path string are its other methods. So an
 * exact path comes before a prefix that covers it, and "/" (the web root's
 * files) comes last. */
/* clang-format off */
static const struct pl_route routes[] = {
    /* sign-in (net_api.c) */
    POST_JSON("/api/login",                 ANYONE,    MAX_SMALL,   pl_api_login),
    /* Any body, any type: signing out needs only the cookie or the Bearer token. */
    {"/api/logout", PL_METHOD_POST, 0, ANYONE, MAX_SMALL, NULL, NULL, NULL, pl_api_logout},
    GET("/api/session",                     SIGNED_IN,              pl_api_session_info),
    GET("/api/sessions",                    ANYONE,                 pl_api_sessions_list),

    /* administration (net_admin.c): the SQL functions decide which councils */
    GET("/api/admin/people",                SIGNED_IN,              pl_admin_people),
    POST_JSON("/api/admin/codes",           SIGNED_IN, MAX_ADMIN,   pl_admin_codes),
    POST_JSON("/api/admin/person",          SIGNED_IN, MAX_ADMIN,   pl_admin_person),
    POST_JSON("/api/admin/import",          SIGNED_IN, MAX_ADMIN,   pl_admin_import),
    GET("/api/admin/sessions",              SIGNED_IN,              pl_admin_sessions),
    POST_JSON("/api/admin/session",         SIGNED_IN, MAX_ADMIN,   pl_admin_session),
    POST_JSON("/api/admin/reset",           SIGNED_IN, MAX_ADMIN,   pl_admin_reset),
    GET("/api/account/notices",             SIGNED_IN,              pl_admin_notices),

    /* records (net_records.c): the SQL functions decide per session and council */
    GET("/api/documents",                   ANYONE,                 pl_records_documents),
    /* A document upload streams to disk (up to --max-upload-mb): staff only,
     * decided at the headers. */
    {"/api/documents", PL_METHOD_POST, PL_ROUTE_UNREAD, PL_RIGHTS_STAFF, 0, "upload",
     pl_records_upload_begin, pl_records_upload_body, pl_records_upload_done},
    GET("/api/documents/file",              ANYONE,                 pl_records_file),
    GET("/api/documents/opens",             SIGNED_IN,              pl_records_opens),
    GET("/api/minutes",                     ANYONE,                 pl_records_minutes),
    POST_JSON("/api/minutes/notes",         SIGNED_IN, MAX_RECORDS, pl_records_notes),
    POST_JSON("/api/minutes/finalise",      SIGNED_IN, MAX_RECORDS, pl_records_finalise),
    GET("/api/petitions",                   SIGNED_IN,              pl_records_petitions),
    POST_JSON("/api/petitions",             SIGNED_IN, MAX_RECORDS, pl_records_petition_add),
    POST_JSON("/api/petitions/action",      SIGNED_IN, MAX_RECORDS, pl_records_petition_act),
    GET("/api/search",                      ANYONE,                 pl_records_search),
    GET("/api/dashboard",                   SIGNED_IN,              pl_records_dashboard),
    GET("/api/public/councils",             ANYONE,                 pl_records_councils),
    GET("/api/public/meetings",             ANYONE,                 pl_records_meetings),
    GET("/api/public/archive",              ANYONE,                 pl_records_archive),
    POST_JSON("/api/public/petitions",      ANYONE,    MAX_RECORDS, pl_records_public_petition),
    POST_JSON("/api/public/petitions/status", ANYONE,  MAX_RECORDS, pl_records_petition_status),
    GET("/api/public/schedule",             ANYONE,                 pl_records_schedule),
    /* Any other /api/ path, by any method: 404. */
    {"/api/", PL_METHOD_ANY, PL_ROUTE_PREFIX, ANYONE, 0, NULL, not_found, NULL, NULL},

    /* operations (net_http.c, net_metrics.c) */
    GET("/healthz",                         ANYONE,                 pl_http_health),
    GET("/metrics",                         PL_RIGHTS_SCRAPER,      pl_http_metrics),
    /* recordings and the livestream (net_media.c) */
    GET_PREFIX("/media/",                   ANYONE,                 pl_media_http),
    /* the pages (net_http.c, static_path.c) */
    GET_PREFIX("/",                         ANYONE,                 pl_http_static),
};
/* clang-format on */

static int not_found(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    (void)path;
    return pl_http_respond_status(wsi, hr, 404);
}

static bool path_matches(const struct pl_route *r, const char *path)
{
    if (r->flags & PL_ROUTE_PREFIX)
        return strncmp(path, r->path, strlen(r->path)) == 0;
    return strcmp(path, r->path) == 0;
}

const struct pl_route *pl_route_find(const char *path, unsigned method, bool *known)
{
    const char *named = NULL; /* the path string of the first match */
    for (size_t i = 0; i < G_N_ELEMENTS(routes); i++) {
        const struct pl_route *r = &routes[i];
        if (named ? strcmp(r->path, named) != 0 : !path_matches(r, path))
            continue;
        named = r->path;
        if (r->methods & method)
            return r;
    }
    *known = named != NULL;
    return NULL;
}

const struct pl_route *pl_route_table(size_t *n)
{
    *n = G_N_ELEMENTS(routes);
    return routes;
}

const struct pl_identity *pl_route_who(struct lws *wsi, struct pl_http_req *hr)
{
    if (!hr->who_known) {
        hr->who_known = true;
        hr->signed_in = pl_api_signed_in(wsi, &hr->who);
    }
    return hr->signed_in ? &hr->who : NULL;
}

/* The /api/ routes answer a refusal in the API's error shape; the others
 * with the bare status body. */
static bool api_path(const char *path)
{
    return strncmp(path, "/api/", 5) == 0;
}

/* 0 if the requester may call r, else the HTTP status of the refusal, with
 * its code in *err; the caller answers it (queued, or at once and closing
 * for PL_ROUTE_UNREAD). roles: also check a STAFF route's role, not only the
 * sign-in (an upload checks its Origin between the two); a refusal for the
 * role is put in the security log, as "<name>_refused". */
static int rights_refusal(struct lws *wsi, struct pl_http_req *hr, const struct pl_route *r,
                          bool roles, enum pl_err *err)
{
    const struct pl_identity *who;
    switch (r->rights) {
    case PL_RIGHTS_ANYONE:
        return 0;
    case PL_RIGHTS_SCRAPER:
        *err = PL_ERR_FORBIDDEN;
        return pl_http_metrics_allowed(wsi) ? 0 : 403;
    case PL_RIGHTS_SIGNED_IN:
    case PL_RIGHTS_STAFF:
        who = pl_route_who(wsi, hr);
        if (!who) {
            *err = PL_ERR_UNAUTHENTICATED;
            return 401;
        }
        if (r->rights == PL_RIGHTS_STAFF && roles && !who->is_admin && !who->is_staff) {
            char address[64], event[64];
            pl_http_peer(wsi, address, sizeof address);
            snprintf(event, sizeof event, "%s_refused", r->name ? r->name : "route");
            pl_seclog(pl_server_from_wsi(wsi)->store, event, who->person_id, NULL, address,
                      "not_staff");
            *err = PL_ERR_FORBIDDEN;
            return 403;
        }
        return 0;
    }
    return 0;
}

/* A page from elsewhere may not sign people in or out, nor change anything. */
static bool origin_refused(struct lws *wsi, const char *path, bool log)
{
    if (pl_http_origin_ok(wsi))
        return false;
    if (log) {
        char address[64];
        pl_http_peer(wsi, address, sizeof address);
        pl_seclog(pl_server_from_wsi(wsi)->store, "api_origin_refused", 0, NULL, address, path);
    }
    return true;
}

/* A streamed upload: everything that can refuse it is decided now, and a
 * refusal closes the connection unread, so nobody the route does not admit
 * makes plenumd read (or store) its body. */
static int begin_unread(struct lws *wsi, struct pl_http_req *hr, const struct pl_route *r,
                        const char *path)
{
    enum pl_err err = PL_OK;
    int status = rights_refusal(wsi, hr, r, false, &err);
    if (status)
        return pl_http_refuse_now(wsi, hr, status, err, NULL);
    if (origin_refused(wsi, path, false))
        return pl_http_refuse_now(wsi, hr, 403, PL_ERR_ORIGIN, NULL);
    status = rights_refusal(wsi, hr, r, true, &err);
    if (status)
        return pl_http_refuse_now(wsi, hr, status, err, NULL);
    int rc = r->begin(wsi, hr, path);
    /* Still waiting (not refused by the handler): the body is its. */
    hr->reading_body = rc == 0 && hr->phase == PH_WAIT;
    return rc;
}

/* The body is whole (or there is none): the checks that need it, then the
 * route's handler. */
static int body_done(struct lws *wsi, struct pl_http_req *hr)
{
    const struct pl_route *r = hr->route;
    if (hr->body_too_large)
        return pl_http_respond_status(wsi, hr, 413);
    char ctype[128];
    if ((r->flags & PL_ROUTE_JSON) &&
        (lws_hdr_copy(wsi, ctype, sizeof ctype, WSI_TOKEN_HTTP_CONTENT_TYPE) <= 0 ||
         !pl_http_is_json(ctype)))
        return pl_http_respond_error(wsi, hr, 415, PL_ERR_MEDIA_TYPE, NULL, 0);
    enum pl_err err = PL_OK;
    int status = rights_refusal(wsi, hr, r, true, &err);
    if (status)
        return pl_http_respond_error(wsi, hr, status, err, NULL, 0);
    return r->body_done(wsi, hr);
}

int pl_route_begin(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    unsigned method = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0    ? PL_METHOD_GET
                      : lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0 ? PL_METHOD_POST
                                                                          : PL_METHOD_OTHER;
    bool known = false;
    const struct pl_route *r = pl_route_find(path, method, &known);
    if (!r) {
        if (!known)
            return pl_http_respond_status(wsi, hr, 404);
        return api_path(path) ? pl_http_respond_error(wsi, hr, 405, PL_ERR_BAD_FIELD, "method", 0)
                              : pl_http_respond_status(wsi, hr, 405);
    }
    hr->route = r;
    g_strlcpy(hr->path, path, sizeof hr->path);
    if (r->flags & PL_ROUTE_UNREAD)
        return begin_unread(wsi, hr, r, path);
    if (!r->body_done) {
        enum pl_err err = PL_OK;
        int status = rights_refusal(wsi, hr, r, true, &err);
        if (status)
            return pl_http_respond_error(wsi, hr, status, err, NULL, 0);
        return r->begin(wsi, hr, path);
    }
    if (origin_refused(wsi, path, true))
        return pl_http_respond_error(wsi, hr, 403, PL_ERR_ORIGIN, NULL, 0);
    hr->req_body = g_string_new(NULL);
    hr->phase = PH_WAIT;
    /* A POST that announces no body (no Content-Length, not chunked) gets no
     * BODY_COMPLETION from lws: it is decided at once. */
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0 &&
        lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) <= 0)
        return body_done(wsi, hr);
    hr->reading_body = true;
    return 0;
}

int pl_route_body(struct lws *wsi, struct pl_http_req *hr, const void *in, size_t len)
{
    if (!hr->reading_body)
        return 0; /* a body nobody asked for (a GET's): dropped */
    if (hr->route->body)
        return hr->route->body(wsi, hr, in, len);
    if (hr->body_too_large)
        return 0;
    if (hr->req_body->len + len > hr->route->max_body)
        hr->body_too_large = true; /* read on, store nothing, answer 413 at the end */
    else
        g_string_append_len(hr->req_body, in, (gssize)len);
    return 0;
}

int pl_route_body_complete(struct lws *wsi, struct pl_http_req *hr)
{
    if (hr->reading_body && hr->phase == PH_WAIT) {
        hr->reading_body = false;
        if (hr->route->flags & PL_ROUTE_UNREAD)
            return hr->route->body_done(wsi, hr);
        return body_done(wsi, hr);
    }
    /* Answered before its body ended: lws held the answer back until now. */
    if (hr->phase == PH_HEADERS)
        lws_callback_on_writable(wsi);
    return 0;
}

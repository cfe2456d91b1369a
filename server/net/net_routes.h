/*
 * The HTTP route table (net_routes.c): one record per route, in the spirit
 * of lwan's modules. net_http.c looks a request up once, when its headers
 * are complete, and keeps the route on the request (hr->route); the checks
 * every route shares (method, who may call, Origin, body size, media type)
 * are made here, in one order, and only then is a route file's handler
 * called. A route file (net_api.c, net_admin.c, net_records.c, net_media.c,
 * net_http.c) holds handlers only; it never compares a path.
 *
 * The order of the checks, which the clients' error codes depend on:
 *   at the headers:  404 unknown /api/ path; 405 wrong method;
 *                    for a route without a body: rights (401/403), begin;
 *                    for a JSON POST: Origin (403 origin), then the body is read;
 *                    for a streamed upload (PL_ROUTE_UNREAD): sign-in (401),
 *                    Origin (403), role (403), begin; each refusal closes the
 *                    connection with the body unread.
 *   body complete:   413 payload_too_large; 415 media_type (PL_ROUTE_JSON);
 *                    rights (401); body_done.
 */
#ifndef PL_NET_ROUTES_H
#define PL_NET_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include <libwebsockets.h>

struct pl_http_req;
struct pl_identity;

/* Methods a route answers (a bit set). HEAD, PUT, DELETE... are all
 * PL_METHOD_OTHER, which only the /api/ catch-all (404) takes: 405 on
 * every other route. */
enum {
    PL_METHOD_GET = 1 << 0,
    PL_METHOD_POST = 1 << 1,
    PL_METHOD_OTHER = 1 << 2,
    PL_METHOD_ANY = PL_METHOD_GET | PL_METHOD_POST | PL_METHOD_OTHER,
};

/* Who may call a route. The transport knows only the sign-in's own facts;
 * which council someone manages is decided by the SQL function behind the
 * route, in the same statement as the write. */
enum pl_route_rights {
    PL_RIGHTS_ANYONE = 0, /* public; a handler may still ask pl_route_who */
    PL_RIGHTS_SIGNED_IN,  /* a live sign-in (cookie or Bearer), else 401 unauthenticated */
    PL_RIGHTS_STAFF,      /* signed in, administrator or staff somewhere, else 403 forbidden
                             (logged as "<name>_refused") */
    PL_RIGHTS_SCRAPER,    /* loopback, --metrics-allow or --metrics-token, else 403 forbidden */
};

enum {
    PL_ROUTE_PREFIX = 1 << 0, /* path is a prefix ("/media/"), not the whole path */
    PL_ROUTE_JSON = 1 << 1,   /* the body must be application/json, else 415 */
    PL_ROUTE_UNREAD = 1 << 2, /* the body streams to body(); refusals close it unread */
};

/* Handlers. begin: at the headers (a GET answers, or starts a statement
 * whose callback answers); path is the request's, borrowed for the call.
 * body: a chunk of a streamed body (PL_ROUTE_UNREAD). body_done: the body
 * is whole, in hr->req_body (or streamed). Each returns the lws callback's
 * value: 0, or -1 to close the connection. */
typedef int (*pl_route_begin_fn)(struct lws *wsi, struct pl_http_req *hr, const char *path);
typedef int (*pl_route_body_fn)(struct lws *wsi, struct pl_http_req *hr, const void *in,
                                size_t len);
typedef int (*pl_route_done_fn)(struct lws *wsi, struct pl_http_req *hr);

struct pl_route {
    const char *path;
    unsigned methods;            /* PL_METHOD_* */
    unsigned flags;              /* PL_ROUTE_* */
    enum pl_route_rights rights; /* who may call */
    size_t max_body;             /* a read body's limit in bytes; 0 for a route without one */
    const char *name;            /* a STAFF route's refusal is logged as "<name>_refused" */
    pl_route_begin_fn begin;     /* NULL for a route that reads a body first */
    pl_route_body_fn body;       /* PL_ROUTE_UNREAD only */
    pl_route_done_fn body_done;  /* NULL for a route without a body */
};

/* The route for path and method (PL_METHOD_*), or NULL; *known says whether
 * the path has a route at all (a NULL with *known is a 405). The table is
 * static: the pointer is valid for the process's life. */
const struct pl_route *pl_route_find(const char *path, unsigned method, bool *known);

/* The whole table, in lookup order (*n entries), for tests and docs. */
const struct pl_route *pl_route_table(size_t *n);

/* LWS_CALLBACK_HTTP: looks the request up, makes the checks above, calls
 * begin or starts reading the body. path: the request's, borrowed. */
int pl_route_begin(struct lws *wsi, struct pl_http_req *hr, const char *path);

/* LWS_CALLBACK_HTTP_BODY and _BODY_COMPLETION for the route on hr. */
int pl_route_body(struct lws *wsi, struct pl_http_req *hr, const void *in, size_t len);
int pl_route_body_complete(struct lws *wsi, struct pl_http_req *hr);

/* Who made the request: the sign-in's identity (owned by hr, valid until the
 * request ends), or NULL if none. Looked up once per request, at the first
 * call; a route with rights has called it before its handler runs. */
const struct pl_identity *pl_route_who(struct lws *wsi, struct pl_http_req *hr);

/* --- the handlers the table names, by route file ------------------------------ */

/* net_http.c */
int pl_http_health(struct lws *wsi, struct pl_http_req *hr, const char *path);
int pl_http_static(struct lws *wsi, struct pl_http_req *hr, const char *path);

/* net_metrics.c; allowed: PL_RIGHTS_SCRAPER */
int pl_http_metrics(struct lws *wsi, struct pl_http_req *hr, const char *path);
bool pl_http_metrics_allowed(struct lws *wsi);

/* net_media.c: GET /media/<sitting>/... */
int pl_media_http(struct lws *wsi, struct pl_http_req *hr, const char *path);

/* net_api.c */
int pl_api_login(struct lws *wsi, struct pl_http_req *hr);
int pl_api_logout(struct lws *wsi, struct pl_http_req *hr);
int pl_api_session_info(struct lws *wsi, struct pl_http_req *hr, const char *path);
int pl_api_sessions_list(struct lws *wsi, struct pl_http_req *hr, const char *path);

/* net_admin.c */
int pl_admin_people(struct lws *wsi, struct pl_http_req *hr, const char *path);
int pl_admin_codes(struct lws *wsi, struct pl_http_req *hr);
int pl_admin_person(struct lws *wsi, struct pl_http_req *hr);
int pl_admin_import(struct lws *wsi, struct pl_http_req *hr);
int pl_admin_sessions(struct lws *wsi, struct pl_http_req *hr, const char *path);
int pl_admin_session(struct lws *wsi, struct pl_http_req *hr);
int pl_admin_reset(struct lws *wsi, struct pl_http_req *hr);
int pl_admin_notices(struct lws *wsi, struct pl_http_req *hr, const char *path);

/* net_records.c */
int pl_records_documents(struct lws *wsi, struct pl_http_req *hr, const char *path);
int pl_records_upload_begin(struct lws *wsi, struct pl_http_req *hr, const char *path);
int pl_records_upload_body(struct lws *wsi, struct pl_http_req *hr, const void *in, size_t len);
int pl_records_upload_done(struct lws *wsi, struct pl_http_req *hr);
int pl_records_file(struct lws *wsi, struct pl_http_req *hr, const char *path);
int pl_records_opens(struct lws *wsi, struct pl_http_req *hr, const char *path);
int pl_records_minutes(struct lws *wsi, struct pl_http_req *hr, const char *path);
int pl_records_notes(struct lws *wsi, struct pl_http_req *hr);
int pl_records_finalise(struct lws *wsi, struct pl_http_req *hr);
int pl_records_petitions(struct lws *wsi, struct pl_http_req *hr, const char *path);
int pl_records_petition_add(struct lws *wsi, struct pl_http_req *hr);
int pl_records_petition_act(struct lws *wsi, struct pl_http_req *hr);
int pl_records_search(struct lws *wsi, struct pl_http_req *hr, const char *path);
int pl_records_dashboard(struct lws *wsi, struct pl_http_req *hr, const char *path);
int pl_records_councils(struct lws *wsi, struct pl_http_req *hr, const char *path);
int pl_records_meetings(struct lws *wsi, struct pl_http_req *hr, const char *path);
int pl_records_archive(struct lws *wsi, struct pl_http_req *hr, const char *path);
int pl_records_public_petition(struct lws *wsi, struct pl_http_req *hr);
int pl_records_petition_status(struct lws *wsi, struct pl_http_req *hr);
int pl_records_schedule(struct lws *wsi, struct pl_http_req *hr, const char *path);

#endif

/*
 * Private to the HTTP transport (net_*.c): the per-request state lws
 * allocates for each HTTP connection, and the reply helpers every route
 * file uses to queue a small generated response. Responses are written from
 * LWS_CALLBACK_HTTP_WRITEABLE, headers then body, one lws_write() each.
 * Which handler answers which path is the route table's (net_routes.h).
 */
#ifndef PL_NET_HTTP_H
#define PL_NET_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>
#include <libwebsockets.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "errors.h"
#include "identity.h"
#include "net_routes.h"

/* Request bodies larger than this are refused with 413; the administration
 * routes that take a CSV file or a whole agenda allow more. */
#define PL_HTTP_MAX_BODY       8192
#define PL_HTTP_MAX_ADMIN_BODY (512 * 1024)

enum pl_http_phase { PH_IDLE = 0, PH_WAIT, PH_HEADERS, PH_BODY, PH_DONE };

struct pl_login_op; /* net_api.c */

struct pl_http_req {
    enum pl_http_phase phase;
    int status;
    const char *content_type; /* static storage */
    unsigned char *body;      /* LWS_PRE headroom then body_len bytes; owned */
    size_t body_len;
    char *set_cookie;             /* Set-Cookie value or NULL; owned */
    int retry_after;              /* seconds for Retry-After, 0: none */
    const char *cache_control;    /* static storage; NULL: no-store */
    enum pl_lang lang;            /* for messages in error bodies */
    char path[128];               /* the request's path (cut at 127 bytes), for logs */
    const struct pl_route *route; /* found once at the headers (static table), NULL before */
    bool reading_body;            /* the route waits for its body (BODY_COMPLETION) */
    GString *req_body;            /* request body being read; owned, NULL if none */
    bool body_too_large;
    bool who_known;         /* pl_route_who has looked the sign-in up */
    bool signed_in;         /* ... and found one: who is it */
    struct pl_identity who; /* owned (pl_identity_clear) */
    uint64_t db_request;    /* pending store request, 0 if none */
    gint64 db_t0;
    struct pl_login_op *op;   /* pending login; owned */
    json_t *api;              /* an admin request's state between steps; owned */
    struct pl_upload *upload; /* a document upload in progress; owned */
    char content_sha256[65];  /* X-Content-SHA256 of the answer, "" for none */
    char *disposition;        /* Content-Disposition of the answer; owned, may be NULL */
    const char *csp;          /* Content-Security-Policy of the answer; static, may be NULL */
    guint body_timer;         /* the request body's deadline (GLib source), 0 if none */
    struct lws *body_wsi;     /* the connection body_timer closes; borrowed */
    bool body_expired;        /* past the deadline: close at the next byte */
    GList *held;              /* its place among net_media.c's held LL-HLS requests, or NULL */
};

/* Closes wsi at lws's next turn, without a close frame, from anywhere on
 * the loop thread. lws_set_timeout alone is not enough outside an lws
 * callback: on the libuv loop lws re-arms its timer only after it serviced
 * a socket, so a kill asked for from a GLib timer waited for unrelated
 * traffic. lws_cancel_service wakes it. */
void pl_net_kill_soon(struct lws *wsi);

/* Sets the deadline by which the request body must be whole (from now),
 * replacing the one set at the headers (--http-body-timeout); past it the
 * connection is closed. */
void pl_http_body_deadline(struct lws *wsi, struct pl_http_req *hr, unsigned seconds);

/* Queues a response; body is copied. Returns 0 (the lws callback's value). */
int pl_http_respond(struct lws *wsi, struct pl_http_req *hr, int status, const char *ctype,
                    const char *body, size_t len);

/* Queues a JSON text (copied) as the answer. Returns 0. */
int pl_http_respond_json(struct lws *wsi, struct pl_http_req *hr, int status, const char *text);

/* Writes what pl_http_respond queued, from LWS_CALLBACK_HTTP_WRITEABLE: the
 * headers at one call, the body at the next. Returns the callback's value. */
int pl_http_write_pending(struct lws *wsi, struct pl_http_req *hr);

/* Queues the bare status body {"error": "not_found"|"method_not_allowed"|
 * "payload_too_large"|"error", "status": N} of a route-level refusal. */
int pl_http_respond_status(struct lws *wsi, struct pl_http_req *hr, int status);

/* Queues a JSON error body {"error": code, "message": ..., "retryable": ...}
 * with field (may be NULL) and retry_after (0: none). */
int pl_http_respond_error(struct lws *wsi, struct pl_http_req *hr, int status, enum pl_err err,
                          const char *field, int retry_after);

/* Answers at once, from LWS_CALLBACK_HTTP, with the same JSON error body,
 * and closes the connection without reading the request body (a refused
 * upload must not be read). Returns -1: the callback's value. */
int pl_http_refuse_now(struct lws *wsi, struct pl_http_req *hr, int status, enum pl_err err,
                       const char *field);

/* The same with a reason (a word saying which rule refused, may be NULL)
 * and extra members merged into the body (borrowed, may be NULL). */
int pl_http_respond_refusal(struct lws *wsi, struct pl_http_req *hr, int status, enum pl_err err,
                            const char *field, const char *reason, json_t *extra);

/* Serves a file with the security headers and, if not NULL, this
 * Cache-Control value. */
int pl_http_serve_file(struct lws *wsi, struct pl_http_req *hr, const char *file,
                       const char *cache_control);

/* The same with the media type given and more header lines ("Name: value\r\n"
 * each), for files whose name says nothing (session documents). */
int pl_http_serve_file_as(struct lws *wsi, struct pl_http_req *hr, const char *file,
                          const char *mime, const char *headers);

/* Forgets hr if net_media.c holds it (an LL-HLS blocking request). */
void pl_media_http_forget(struct pl_http_req *hr);

/* Releases what hr owns and cancels its pending work. */
void pl_http_req_clear(struct lws *wsi, struct pl_http_req *hr);

/* 1 if the request carries a live sign-in (cookie or Bearer); fills who
 * (net_api.c). Route handlers ask pl_route_who, which calls this once. */
int pl_api_signed_in(struct lws *wsi, struct pl_identity *who);

/* The answers to a store callback (net_reply.c). */
/* Answers a failed statement: 503 when the database is unreachable, else 500. */
void pl_api_db_failed(struct lws *wsi, struct pl_http_req *hr, enum pl_err err);
/* The start of a store callback for the request on wsi: it no longer waits;
 * on failure (err) it is answered 503/500 and NULL returned, else its state. */
struct pl_http_req *pl_api_answered(struct lws *wsi, enum pl_err err);
/* Store callback (user: the wsi): answers 200 with the JSON of the first cell. */
void pl_api_json_answered(void *user, const PGresult *res, enum pl_err err);
/* Answers a failed statement: a refusal raised by the SQL functions
 * (SQLSTATE P0001: code, field, reason; rows: an import's row) with its HTTP
 * status, anything else as a database failure. */
void pl_api_refused(struct lws *wsi, struct pl_http_req *hr, const PGresult *res, enum pl_err err,
                    bool rows);

/* A document upload's state (net_records.c), owned by hr->upload. */
struct pl_upload;
void pl_upload_free(struct pl_upload *up);

/* Cancels a pending login (net_api.c). */
void pl_api_cancel(struct pl_http_req *hr);

/* The peer's address as text, for logs and throttling. */
void pl_http_peer(struct lws *wsi, char *buf, size_t len);

/* Whether a Content-Type value is exactly the media type application/json
 * (any case), alone or followed by parameters (";charset=utf-8"): not a
 * longer type that starts the same ("application/jsonx"). */
bool pl_http_is_json(const char *ctype);

/* Whether the request's Origin header (if any) is allowed. */
bool pl_http_origin_ok(struct lws *wsi);

#endif

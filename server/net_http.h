/*
 * Private to the HTTP transport (net_http.c, net_api.c): the per-request
 * state lws allocates for each HTTP connection, and the helpers that queue a
 * small generated response. Responses are written from
 * LWS_CALLBACK_HTTP_WRITEABLE, headers then body, one lws_write() each.
 */
#ifndef PL_NET_HTTP_H
#define PL_NET_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>
#include <libwebsockets.h>

#include <jansson.h>

#include "errors.h"

/* Request bodies larger than this are refused with 413. */
#define PL_HTTP_MAX_BODY 8192

enum pl_http_phase { PH_IDLE = 0, PH_WAIT, PH_HEADERS, PH_BODY, PH_DONE };

struct pl_login_op; /* net_api.c */

struct pl_http_req {
    enum pl_http_phase phase;
    int status;
    const char *content_type; /* static storage */
    unsigned char *body;      /* LWS_PRE headroom then body_len bytes; owned */
    size_t body_len;
    char *set_cookie;  /* Set-Cookie value or NULL; owned */
    int retry_after;   /* seconds for Retry-After, 0: none */
    enum pl_lang lang; /* for messages in error bodies */
    char path[128];    /* the route, for API requests */
    GString *req_body; /* request body being read; owned, NULL if none */
    bool body_too_large;
    uint64_t db_request; /* pending store request, 0 if none */
    gint64 db_t0;
    struct pl_login_op *op; /* pending login; owned */
    json_t *api;            /* an admin request's state between steps; owned */
};

/* Queues a response; body is copied. Returns 0 (the lws callback's value). */
int pl_http_respond(struct lws *wsi, struct pl_http_req *hr, int status, const char *ctype,
                    const char *body, size_t len);

/* Queues a JSON error body {"error": code, "message": ..., "retryable": ...}
 * with field (may be NULL) and retry_after (0: none). */
int pl_http_respond_error(struct lws *wsi, struct pl_http_req *hr, int status, enum pl_err err,
                          const char *field, int retry_after);

/* Releases what hr owns and cancels its pending work. */
void pl_http_req_clear(struct lws *wsi, struct pl_http_req *hr);

/* /api/... routes (net_api.c). begin runs at LWS_CALLBACK_HTTP; handle once the
 * request body is complete (or at once for bodiless methods). */
int pl_api_begin(struct lws *wsi, struct pl_http_req *hr, const char *path);
int pl_api_handle(struct lws *wsi, struct pl_http_req *hr);
void pl_api_cancel(struct pl_http_req *hr);

/* The peer's address as text, for logs and throttling. */
void pl_http_peer(struct lws *wsi, char *buf, size_t len);

/* Whether the request's Origin header (if any) is allowed. */
bool pl_http_origin_ok(struct lws *wsi);

#endif

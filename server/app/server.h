/*
 * The running server: the GLib main loop, the libwebsockets context on a
 * libuv loop that is one source of it (loop.h), the store, and the list of
 * open WebSocket connections. One instance per process, loop thread only.
 */
#ifndef PL_SERVER_H
#define PL_SERVER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include <glib.h>
#include <libwebsockets.h>

#include "auth.h"
#include "hub.h"
#include "media.h"
#include "config.h"
#include "rate_limit.h"
#include "store.h"

struct pl_ws_conn;
struct pl_meetings;
struct pl_loop;

struct pl_server {
    const struct pl_config *cfg;            /* borrowed; outlives the server */
    GMainLoop *loop;                        /* owned */
    struct pl_loop *evloop;                 /* owned: libuv, lws's sockets (loop.h) */
    struct lws_context *lws;                /* owned */
    struct pl_store *store;                 /* owned */
    struct pl_auth *auth;                   /* owned: the sign-in session cache */
    struct pl_hub *hub;                     /* owned: live sessions and their clients */
    struct pl_media *media;                 /* owned: recording and livestreams */
    struct pl_rtc *rtc;                     /* owned: remote participants' rooms */
    struct pl_meetings *meetings;           /* owned: voter meetings and their clients */
    struct pl_backoff *throttle_account;    /* owned: login attempts per login name */
    GHashTable *login_inflight;             /* owned: address -> password checks running */
    GHashTable *anon_by_address;            /* owned: address -> anonymous WebSockets open */
    struct pl_throttle *throttle_address;   /* owned: failed logins per address */
    struct pl_throttle *throttle_petitions; /* owned: citizens' petitions per address */
    struct pl_throttle *throttle_lookups;   /* owned: missed petition lookups per address */
    char **allowed_origins;                 /* owned, NULL-terminated (g_strsplit) */
    char **trusted_proxies;                 /* owned, NULL-terminated; NULL: none */
    bool tls;                               /* serving HTTPS/WSS */
    char web_root[PATH_MAX];                /* realpath of cfg->web_root */
    gint64 started_us;                      /* g_get_monotonic_time() at start */
    int schema_version;                     /* the newest migration built in */
    struct pl_ws_conn *conns;               /* open WebSocket connections, intrusive list */
    unsigned conn_count;
    bool shutting_down;
    guint shutdown_timer;
    guint keepalive_timer;   /* pl_ws_keepalive, every second */
    guint sig_int, sig_term; /* signal sources */
};

/* Sets up everything and starts listening. conn is the start-up database
 * connection (borrowed), used to load the sign-in sessions. On failure
 * writes one sentence into err and leaves nothing running (pl_server_fini is
 * still safe). */
int pl_server_init(struct pl_server *srv, const struct pl_config *cfg, int schema_version,
                   PGconn *conn, char *err, size_t errlen);

/* Runs the loop until SIGINT/SIGTERM and a graceful close. */
void pl_server_run(struct pl_server *srv);

/* Releases everything init made. Safe on a zeroed or half-built server. */
void pl_server_fini(struct pl_server *srv);

/* Starts a graceful shutdown: WebSocket clients get close 1001, the loop
 * ends when they are gone or the grace period runs out. */
void pl_server_begin_shutdown(struct pl_server *srv);

/* Transport entry points, one per file (net_http.c, net_ws.c). */
int pl_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                     size_t len);
int pl_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len);
size_t pl_http_session_size(void);
/* Checks an upgrade request before it happens: 0 proceed, 1 refused with an
 * HTTP answer written, -1 hang up. */
int pl_ws_confirm_upgrade(struct lws *wsi);
size_t pl_ws_session_size(void);
/* Open WebSocket connections by their role in the session they joined
 * (PL_ROLE_NONE: an observer), and those that joined none. */
void pl_ws_count_roles(const struct pl_server *srv, unsigned by_role[PL_ROLE_CHAIR + 1],
                       unsigned *unjoined);

/* Asks every WebSocket connection to close with 1001 (going away). */
void pl_ws_close_all(struct pl_server *srv);

/* Tells every WebSocket client whether the database is reachable (a
 * "status" message; see docs/protocol.md). */
void pl_ws_broadcast_status(struct pl_server *srv, bool db_up);

/* Pings WebSocket clients silent for --ws-ping-interval and hangs up those
 * silent for --ws-idle-timeout; the server calls it once a second. */
void pl_ws_keepalive(struct pl_server *srv);

/* Closes the WebSockets of a sign-in session that ended, with 1008. */
void pl_ws_close_signin(struct pl_server *srv, int64_t signin_id, enum pl_auth_end_reason why);

/* Open WebSockets of a person. */
unsigned pl_ws_count_person(struct pl_server *srv, int64_t person_id);

/* Whether origin (an Origin header value) is exactly one of the allowed. */
bool pl_server_origin_allowed(const struct pl_server *srv, const char *origin);

/* The server a wsi belongs to. */
struct pl_server *pl_server_from_wsi(struct lws *wsi);

#endif

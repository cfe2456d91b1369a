/*
 * Process-level server setup: the GLib loop, libwebsockets on libuv inside it
 * (loop.c), the store,
 * signals and graceful shutdown. See server.h and docs/architecture.md.
 */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>
#include <openssl/ssl.h>

#include "kdf_pool.h"
#include "log.h"
#include "loop.h"
#include "meeting.h"
#include "rate_limit.h"
#include "rtc.h"

/* Subprotocol name clients must ask for on /ws. */
#define PL_WS_PROTOCOL "plenum.v1"
/* The longest an account's backoff holds an attempt from an address that
 * has no failed logins: the owner signing in while someone guesses waits
 * seconds at most (docs/security.md, "Login limits"). */
#define PL_LOGIN_CLEAN_MAX_S 5

static struct lws_protocols protocols[3];

struct pl_server *pl_server_from_wsi(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

/*
 * libwebsockets reports a busy port only as a generic failure to create the
 * vhost. Try the bind ourselves first so the operator gets one clear line.
 */
static int check_port(const char *bind_addr, int port, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, bind_addr, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        sl = sizeof *s4;
    } else if (inet_pton(AF_INET6, bind_addr, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        sl = sizeof *s6;
    } else {
        snprintf(err, errlen, "--bind \"%s\" is not an IPv4 or IPv6 address", bind_addr);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "could not create a socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc = bind(fd, (struct sockaddr *)&ss, sl);
    int e = errno;
    close(fd);
    if (rc == 0)
        return 0;
    if (e == EADDRINUSE)
        snprintf(err, errlen,
                 "could not listen on %s:%d: address already in use; stop the other server or "
                 "choose another port with --port",
                 bind_addr, port);
    else
        snprintf(err, errlen, "could not listen on %s:%d: %s", bind_addr, port, strerror(e));
    return -1;
}

bool pl_server_origin_allowed(const struct pl_server *srv, const char *origin)
{
    for (char **o = srv->allowed_origins; o && *o; o++) {
        if (strcmp(*o, origin) == 0)
            return true;
    }
    return false;
}

/* A committed event: recording follows the sittings, the remote
 * participants' rooms follow the floor. */
static void on_committed(void *user, int64_t session_id, const char *name, const json_t *data)
{
    struct pl_server *srv = user;
    pl_media_event(srv->media, session_id, name, data);
    pl_rtc_event(srv->rtc, session_id, name, data);
}

/* A remote participant's picture went on or off air in a session's hybrid
 * room: the recording shows the room's picture meanwhile. The two modules
 * know nothing of each other; the sound needs no call (see media.h). */
static void on_rtc_picture(void *user, int64_t session_id, bool remote)
{
    struct pl_server *srv = user;
    if (srv->media && session_id > 0) /* meetings (negative ids) are not recorded */
        pl_media_remote_picture(srv->media, session_id, remote);
}

/* The store lost or regained PostgreSQL: clients show it (their commands
 * are refused with db_unavailable meanwhile, never acknowledged). */
static void on_db_state(void *user, int up)
{
    struct pl_server *srv = user;
    if (srv->lws)
        pl_ws_broadcast_status(srv, up != 0);
}

static void signin_ended(void *user, int64_t signin_id, enum pl_auth_end_reason why)
{
    pl_ws_close_signin(user, signin_id, why);
}

/* Exact origins only: trimmed, no wildcard, no trailing slash or path. */
static int parse_origins(struct pl_server *srv, const struct pl_config *cfg, char *err,
                         size_t errlen)
{
    const char *scheme = srv->tls ? "https" : "http";
    char *list = cfg->allowed_origins ? g_strdup(cfg->allowed_origins)
                                      : g_strdup_printf("%s://localhost:%d,%s://127.0.0.1:%d",
                                                        scheme, cfg->port, scheme, cfg->port);
    srv->allowed_origins = g_strsplit(list, ",", -1);
    if (cfg->trusted_proxies && *cfg->trusted_proxies) {
        srv->trusted_proxies = g_strsplit(cfg->trusted_proxies, ",", -1);
        for (char **p = srv->trusted_proxies; *p; p++)
            g_strstrip(*p);
    }
    g_free(list);
    for (char **o = srv->allowed_origins; *o; o++) {
        g_strstrip(*o);
        const char *rest = strstr(*o, "://");
        if (!rest || strchr(rest + 3, '/') || strchr(*o, '*') || rest[3] == '\0' ||
            (strncmp(*o, "http://", 7) != 0 && strncmp(*o, "https://", 8) != 0)) {
            snprintf(err, errlen,
                     "--allowed-origins: \"%s\" is not an origin like https://hall.example.org "
                     "(scheme, host, optional port; no path, no wildcard)",
                     *o);
            return -1;
        }
    }
    return 0;
}

static int check_readable(const char *what, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "could not read %s \"%s\": %s", what, path, strerror(errno));
        return -1;
    }
    fclose(f);
    return 0;
}

static gboolean on_signal(gpointer data)
{
    struct pl_server *srv = data;
    pl_log_info("received shutdown request, closing connections");
    pl_server_begin_shutdown(srv);
    return G_SOURCE_CONTINUE;
}

static gboolean on_keepalive(gpointer data)
{
    pl_ws_keepalive(data);
    return G_SOURCE_CONTINUE;
}

static gboolean on_shutdown_timer(gpointer data)
{
    struct pl_server *srv = data;
    srv->shutdown_timer = 0;
    if (srv->conn_count)
        pl_log_info("%u connection(s) did not close in time", srv->conn_count);
    g_main_loop_quit(srv->loop);
    return G_SOURCE_REMOVE;
}

void pl_server_begin_shutdown(struct pl_server *srv)
{
    if (srv->shutting_down) {
        /* A second signal: stop now. */
        g_main_loop_quit(srv->loop);
        return;
    }
    srv->shutting_down = true;
    if (srv->conn_count == 0) {
        g_main_loop_quit(srv->loop);
        return;
    }
    pl_ws_close_all(srv);
    srv->shutdown_timer = g_timeout_add((guint)srv->cfg->shutdown_grace_ms, on_shutdown_timer, srv);
}

int pl_server_init(struct pl_server *srv, const struct pl_config *cfg, int schema_version,
                   PGconn *conn, char *err, size_t errlen)
{
    memset(srv, 0, sizeof *srv);
    srv->cfg = cfg;
    srv->schema_version = schema_version;
    srv->started_us = g_get_monotonic_time();

    if (!realpath(cfg->web_root, srv->web_root)) {
        snprintf(err, errlen, "web root \"%s\" not found: %s; set --web-root or PLENUM_WEB_ROOT",
                 cfg->web_root, strerror(errno));
        return -1;
    }
    srv->tls = cfg->tls_cert != NULL;
    if (srv->tls && (check_readable("the TLS certificate", cfg->tls_cert, err, errlen) != 0 ||
                     check_readable("the TLS key", cfg->tls_key, err, errlen) != 0))
        return -1;
    if (parse_origins(srv, cfg, err, errlen) != 0)
        return -1;
    if (check_port(cfg->bind, cfg->port, err, errlen) != 0)
        return -1;

    /* A client that vanishes mid-write must not kill the process. */
    signal(SIGPIPE, SIG_IGN);

    /* Each WebSocket is a descriptor: take the whole hard limit (the soft
     * one is often 1024), and say so if --max-connections cannot be met. */
    struct rlimit nofile = {0, 0};
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
        if (nofile.rlim_cur < nofile.rlim_max) {
            nofile.rlim_cur = nofile.rlim_max;
            setrlimit(RLIMIT_NOFILE, &nofile);
            getrlimit(RLIMIT_NOFILE, &nofile);
        }
        if (nofile.rlim_cur != RLIM_INFINITY && (rlim_t)cfg->max_connections + 64 > nofile.rlim_cur)
            pl_log_warn("--max-connections %d is above what the open-files limit (%llu) allows; "
                        "raise LimitNOFILE or lower it",
                        cfg->max_connections, (unsigned long long)nofile.rlim_cur);
    }

    srv->loop = g_main_loop_new(NULL, FALSE);
    srv->store = pl_store_new(cfg->database_url);
    pl_store_on_state(srv->store, on_db_state, srv);
    srv->auth = pl_auth_new(srv->store, cfg, signin_ended, srv);
    if (pl_auth_load(srv->auth, conn, err, errlen) != 0)
        return -1;
    pl_auth_start(srv->auth);
    srv->hub = pl_hub_new(srv->store);
    if (pl_hub_load(srv->hub, conn, err, errlen) != 0)
        return -1;
    /* Media follows the sittings: those open now start recording again. */
    srv->media = pl_media_new(cfg, srv->store);
    srv->rtc = pl_rtc_new(cfg);
    pl_rtc_on_picture(srv->rtc, on_rtc_picture, srv);
    pl_hub_set_rtc(srv->hub, srv->rtc);
    srv->throttle_petitions = pl_throttle_new(cfg->petitions_per_hour, 3600, 0);
    srv->meetings = pl_meetings_new(srv->store, srv->rtc, srv->throttle_petitions);
    /* A petition's lookup code has 40 secret bits: 10 misses an address
     * per 15 minutes keep guessing hopeless (docs/security.md). */
    srv->throttle_lookups = pl_throttle_new(10, 900, 0);
    pl_hub_set_meetings(srv->hub, srv->meetings);
    pl_hub_observe(srv->hub, on_committed, srv);
    if (pl_media_resume(srv->media, conn, err, errlen) != 0)
        return -1;
    srv->throttle_account = pl_backoff_new(cfg->login_lock_after, cfg->login_lock_s,
                                           cfg->login_backoff_max_s, PL_LOGIN_CLEAN_MAX_S);
    srv->throttle_address = pl_throttle_new(cfg->login_address_lock_after, cfg->login_lock_s, 8000);
    srv->login_inflight = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    srv->anon_by_address = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    pl_kdf_pool_start(2, cfg->login_queue);

    protocols[0] = (struct lws_protocols){
        .name = "http",
        .callback = pl_http_callback,
        .per_session_data_size = pl_http_session_size(),
    };
    protocols[1] = (struct lws_protocols){
        .name = PL_WS_PROTOCOL,
        .callback = pl_ws_callback,
        .per_session_data_size = pl_ws_session_size(),
        /* lws gives each WebSocket a receive buffer of this size for its
         * whole life (the default is 4 KiB, most of an idle connection's
         * memory). Longer messages arrive in pieces, which receive() in
         * net_ws.c joins up to --max-message-bytes; clients send small
         * commands. */
        .rx_buffer_size = 512,
        /* Without this lws would also cut every write into pieces of
         * rx_buffer_size, sending the rest from later writeable callbacks:
         * let a snapshot go in one write. */
        .tx_packet_size = 64 * 1024,
    };

    protocols[2] = (struct lws_protocols){0};

    /* libwebsockets on libuv (epoll), that loop one source of GLib's: see
     * loop.c for why. lws loads its libuv support as a plugin (Debian:
     * libwebsockets-evlib-uv). */
    srv->evloop = pl_loop_new();
    if (!srv->evloop) {
        snprintf(err, errlen, "could not start the event loop (libuv): out of descriptors?");
        return -1;
    }
    void *foreign_loops[1] = {pl_loop_uv(srv->evloop)};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.options =
        LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_DISABLE_IPV6;
    if (strchr(cfg->bind, ':'))
        info.options &= ~(uint64_t)LWS_SERVER_OPTION_DISABLE_IPV6;
    info.foreign_loops = foreign_loops;
    info.pcontext = &srv->lws; /* lws clears it when the context is freed */
    info.port = cfg->port;
    info.iface = cfg->bind;
    info.protocols = protocols;
    info.user = srv;
    info.vhost_name = "plenum";
    info.server_string = "plenumd";
    info.timeout_secs = 10;
    /* No ping or hang-up timers in lws (a zero policy turns them off):
     * pl_ws_keepalive does it, see there for why. */
    static const lws_retry_bo_t no_lws_keepalive = {0};
    info.retry_and_idle_policy = &no_lws_keepalive;
    /* lws sizes its descriptor tables by this (default: the whole limit,
     * which can be a million entries): connections plus room for HTTP,
     * PostgreSQL, media and files. */
    rlim_t fds = (rlim_t)cfg->max_connections + 1024;
    if (nofile.rlim_cur != RLIM_INFINITY && nofile.rlim_cur > 0 && fds > nofile.rlim_cur)
        fds = nofile.rlim_cur;
    info.fd_limit_per_thread = (unsigned)fds;
    if (srv->tls) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = cfg->tls_cert;
        info.ssl_private_key_filepath = cfg->tls_key;
        /* TLS 1.2 and 1.3 only; forward-secret AEAD suites for 1.2. */
        info.ssl_options_set = SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 |
                               SSL_OP_NO_TLSv1_1 | SSL_OP_NO_COMPRESSION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE;
        info.ssl_cipher_list = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                               "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                               "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
        /* HTTP/1.1 only: our static-file headers are written in h1 form. */
        info.alpn = "http/1.1";
    }

    srv->lws = lws_create_context(&info);
    if (!srv->lws) {
        snprintf(err, errlen, "could not start the HTTP server on %s:%d (see the messages above)",
                 cfg->bind, cfg->port);
        return -1;
    }
    srv->keepalive_timer = g_timeout_add_seconds(1, on_keepalive, srv);
    srv->sig_int = g_unix_signal_add(SIGINT, on_signal, srv);
    srv->sig_term = g_unix_signal_add(SIGTERM, on_signal, srv);
    pl_log_info("listening on http://%s:%d (WebSocket /ws, subprotocol %s)", cfg->bind, cfg->port,
                PL_WS_PROTOCOL);
    return 0;
}

void pl_server_run(struct pl_server *srv)
{
    g_main_loop_run(srv->loop);
}

void pl_server_fini(struct pl_server *srv)
{
    guint *sources[] = {&srv->shutdown_timer, &srv->keepalive_timer, &srv->sig_int, &srv->sig_term};
    for (size_t i = 0; i < G_N_ELEMENTS(sources); i++) {
        if (*sources[i]) {
            g_source_remove(*sources[i]);
            *sources[i] = 0;
        }
    }
    /* lws first: closing connections cancels their store requests. */
    if (srv->lws) {
        /* On a foreign libuv loop lws only starts closing its sockets and
         * timers here; they close through the loop, and a second call frees
         * the context once they have (lws 4.1 does not do it from the last
         * close callback when the loop is not its own). lws sets srv->lws
         * to NULL when the context is gone (info.pcontext). */
        lws_context_destroy(srv->lws);
        pl_loop_drain(srv->evloop);
        if (srv->lws) {
            lws_context_destroy(srv->lws);
            pl_loop_drain(srv->evloop);
        }
        if (srv->lws)
            pl_log_warn("libwebsockets did not finish closing");
        srv->lws = NULL;
    }
    /* Running password checks finish; their results are dropped. */
    pl_kdf_pool_stop();
    pl_hub_free(srv->hub);
    srv->hub = NULL;
    pl_meetings_free(srv->meetings); /* after lws: its clients have left the meetings */
    srv->meetings = NULL;
    pl_rtc_free(srv->rtc); /* after lws: its clients have left the rooms */
    srv->rtc = NULL;
    pl_media_free(srv->media);
    srv->media = NULL;
    pl_auth_free(srv->auth);
    srv->auth = NULL;
    pl_backoff_free(srv->throttle_account);
    if (srv->login_inflight)
        g_hash_table_destroy(srv->login_inflight);
    srv->login_inflight = NULL;
    if (srv->anon_by_address)
        g_hash_table_destroy(srv->anon_by_address);
    srv->anon_by_address = NULL;
    pl_throttle_free(srv->throttle_address);
    pl_throttle_free(srv->throttle_petitions);
    pl_throttle_free(srv->throttle_lookups);
    srv->throttle_lookups = NULL;
    srv->throttle_account = NULL;
    srv->throttle_address = srv->throttle_petitions = NULL;
    g_strfreev(srv->allowed_origins);
    g_strfreev(srv->trusted_proxies);
    srv->trusted_proxies = NULL;
    srv->allowed_origins = NULL;
    pl_store_free(srv->store);
    srv->store = NULL;
    pl_loop_free(srv->evloop);
    srv->evloop = NULL;
    if (srv->loop) {
        g_main_loop_unref(srv->loop);
        srv->loop = NULL;
    }
}

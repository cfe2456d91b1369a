/*
 * Process-level server setup: the GLib loop, libwebsockets on it, the store,
 * signals and graceful shutdown. See server.h and docs/architecture.md.
 */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "log.h"

/* Subprotocol name clients must ask for on /ws. */
#define PL_WS_PROTOCOL "plenum.v1"

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

static gboolean on_signal(gpointer data)
{
    struct pl_server *srv = data;
    pl_log_info("received shutdown request, closing connections");
    pl_server_begin_shutdown(srv);
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
                   char *err, size_t errlen)
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
    if (check_port(cfg->bind, cfg->port, err, errlen) != 0)
        return -1;

    /* A client that vanishes mid-write must not kill the process. */
    signal(SIGPIPE, SIG_IGN);

    srv->loop = g_main_loop_new(NULL, FALSE);
    srv->store = pl_store_new(cfg->database_url);

    protocols[0] = (struct lws_protocols){
        .name = "http",
        .callback = pl_http_callback,
        .per_session_data_size = pl_http_session_size(),
    };
    protocols[1] = (struct lws_protocols){
        .name = PL_WS_PROTOCOL,
        .callback = pl_ws_callback,
        .per_session_data_size = pl_ws_session_size(),
        .rx_buffer_size = 0,
    };
    protocols[2] = (struct lws_protocols){0};

    void *foreign_loops[1] = {srv->loop};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.options =
        LWS_SERVER_OPTION_GLIB | LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_DISABLE_IPV6;
    if (strchr(cfg->bind, ':'))
        info.options &= ~(uint64_t)LWS_SERVER_OPTION_DISABLE_IPV6;
    info.foreign_loops = foreign_loops;
    info.port = cfg->port;
    info.iface = cfg->bind;
    info.protocols = protocols;
    info.user = srv;
    info.vhost_name = "plenum";
    info.server_string = "plenumd";
    info.timeout_secs = 10;

    srv->lws = lws_create_context(&info);
    if (!srv->lws) {
        snprintf(err, errlen, "could not start the HTTP server on %s:%d (see the messages above)",
                 cfg->bind, cfg->port);
        return -1;
    }
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
    guint *sources[] = {&srv->shutdown_timer, &srv->sig_int, &srv->sig_term};
    for (size_t i = 0; i < G_N_ELEMENTS(sources); i++) {
        if (*sources[i]) {
            g_source_remove(*sources[i]);
            *sources[i] = 0;
        }
    }
    /* lws first: closing connections cancels their store requests. */
    if (srv->lws) {
        lws_context_destroy(srv->lws);
        srv->lws = NULL;
    }
    pl_store_free(srv->store);
    srv->store = NULL;
    if (srv->loop) {
        g_main_loop_unref(srv->loop);
        srv->loop = NULL;
    }
}

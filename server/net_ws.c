/*
 * The /ws endpoint, subprotocol plenum.v1. Each connection reassembles
 * fragmented text messages (up to PL_PROTO_MAX_MESSAGE), hands each to the
 * protocol dispatcher, and queues replies in a bounded outgoing queue that is
 * drained one lws_write() per LWS_CALLBACK_SERVER_WRITEABLE.
 */
#include <string.h>

#include "frame.h"
#include "log.h"
#include "proto.h"
#include "server.h"

/* A client whose unsent replies exceed either bound is dropped: one slow
 * reader must never hold memory or delay the others. */
#define PL_WS_MAX_QUEUED_FRAMES 1024
#define PL_WS_MAX_QUEUED_BYTES  (4u * 1024 * 1024)

struct pl_ws_conn {
    struct lws *wsi;
    struct pl_ws_conn *prev, *next; /* in srv->conns */
    GQueue out;                     /* struct pl_frame *, each holding a reference */
    size_t out_bytes;
    unsigned char *rx; /* the message being reassembled; owned */
    size_t rx_len;
    bool rx_binary;
    bool closing; /* send close 1001 on the next writeable */
    enum pl_lang lang;
};

size_t pl_ws_session_size(void)
{
    return sizeof(struct pl_ws_conn);
}

static void link_conn(struct pl_server *srv, struct pl_ws_conn *c)
{
    c->prev = NULL;
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    srv->conn_count++;
}

static void unlink_conn(struct pl_server *srv, struct pl_ws_conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else if (srv->conns == c)
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    srv->conn_count--;
}

/* Queues a reply (taking a reference to f). Drops the client if it is too
 * far behind. */
static void enqueue(struct pl_ws_conn *c, struct pl_frame *f)
{
    if (g_queue_get_length(&c->out) >= PL_WS_MAX_QUEUED_FRAMES ||
        c->out_bytes + f->len > PL_WS_MAX_QUEUED_BYTES) {
        pl_log_info("dropping a WebSocket client that stopped reading (%u queued)",
                    g_queue_get_length(&c->out));
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
        return;
    }
    g_queue_push_tail(&c->out, pl_frame_ref(f));
    c->out_bytes += f->len;
    lws_callback_on_writable(c->wsi);
}

static void enqueue_text(struct pl_ws_conn *c, char *text)
{
    if (!text)
        return;
    struct pl_frame *f = pl_frame_new(text, strlen(text));
    free(text);
    if (!f)
        return;
    enqueue(c, f);
    pl_frame_unref(f);
}

void pl_ws_close_all(struct pl_server *srv)
{
    for (struct pl_ws_conn *c = srv->conns; c; c = c->next) {
        c->closing = true;
        lws_callback_on_writable(c->wsi);
    }
}

static void on_message(struct pl_ws_conn *c)
{
    if (c->rx_binary) {
        enqueue_text(c, pl_proto_encode_error(NULL, PL_ERR_BINARY, NULL, c->lang));
        return;
    }
    enqueue_text(c, pl_proto_dispatch((const char *)c->rx, c->rx_len, c->lang));
}

/* The client's language: ?lang=en on the URL, else Accept-Language. */
static enum pl_lang conn_lang(struct lws *wsi)
{
    char buf[64];
    if (lws_get_urlarg_by_name(wsi, "lang=", buf, sizeof buf))
        return pl_lang_parse(buf + strlen("lang="));
    if (lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_ACCEPT_LANGUAGE) > 0)
        return pl_lang_parse(buf);
    return PL_LANG_VI;
}

int pl_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len)
{
    struct pl_ws_conn *c = user;
    struct pl_server *srv;

    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
        char uri[64];
        srv = pl_server_from_wsi(wsi);
        if (srv->shutting_down)
            return 1;
        if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0 || strcmp(uri, "/ws") != 0)
            return 1;
        return 0;
    }

    case LWS_CALLBACK_ESTABLISHED:
        srv = pl_server_from_wsi(wsi);
        memset(c, 0, sizeof *c);
        c->wsi = wsi;
        g_queue_init(&c->out);
        c->lang = conn_lang(wsi);
        link_conn(srv, c);
        pl_log_debug("WebSocket client connected (%u open)", srv->conn_count);
        break;

    case LWS_CALLBACK_RECEIVE:
        if (lws_is_first_fragment(wsi)) {
            c->rx_len = 0;
            c->rx_binary = lws_frame_is_binary(wsi);
        }
        if (c->rx_len + len > PL_PROTO_MAX_MESSAGE) {
            pl_log_info("closing a WebSocket client that sent a message over %d bytes",
                        PL_PROTO_MAX_MESSAGE);
            lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                             (unsigned char *)"message too large", 17);
            return -1;
        }
        if (len) {
            c->rx = g_realloc(c->rx, c->rx_len + len);
            memcpy(c->rx + c->rx_len, in, len);
            c->rx_len += len;
        }
        if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
            on_message(c);
            c->rx_len = 0;
        }
        break;

    case LWS_CALLBACK_SERVER_WRITEABLE: {
        if (c->closing) {
            lws_close_reason(wsi, LWS_CLOSE_STATUS_GOINGAWAY,
                             (unsigned char *)"server shutting down", 20);
            return -1;
        }
        struct pl_frame *f = g_queue_pop_head(&c->out);
        if (!f)
            break;
        c->out_bytes -= f->len;
        int n = lws_write(wsi, pl_frame_payload(f), f->len, LWS_WRITE_TEXT);
        size_t flen = f->len;
        pl_frame_unref(f);
        if (n < (int)flen)
            return -1;
        if (!g_queue_is_empty(&c->out))
            lws_callback_on_writable(wsi);
        break;
    }

    case LWS_CALLBACK_CLOSED:
        srv = pl_server_from_wsi(wsi);
        if (c->wsi) {
            unlink_conn(srv, c);
            struct pl_frame *f;
            while ((f = g_queue_pop_head(&c->out)) != NULL)
                pl_frame_unref(f);
            g_free(c->rx);
            c->rx = NULL;
            c->wsi = NULL;
        }
        if (srv->shutting_down && srv->conn_count == 0)
            g_main_loop_quit(srv->loop);
        break;

    default:
        break;
    }
    return 0;
}

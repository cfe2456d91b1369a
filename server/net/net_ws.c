/*
 * The /ws endpoint, subprotocol plenum.v1.
 *
 * Handshake (LWS_CALLBACK_HTTP_CONFIRM_UPGRADE, then the filter): the path must be /ws,
 * a browser's Origin must be exactly one of the allowed, and a token (the
 * plenum_session cookie or "Authorization: Bearer") must name a live sign-in
 * session; no token makes an anonymous observer. A refusal is an HTTP 403
 * (origin), 401 (token), 429 (too many connections for the account, or
 * anonymous ones from the address) or 503 (the server, or the anonymous
 * share of it, is full), with a security-log line for the first three.
 *
 * Each connection reassembles fragmented text messages (up to
 * --max-message-bytes, else close 1009), passes a token-bucket rate limit
 * (refusals answered with rate_limited; too many in a row close 1008), hands
 * each message to the protocol dispatcher, and queues replies in a bounded
 * outgoing queue drained one lws_write() per LWS_CALLBACK_SERVER_WRITEABLE.
 */
#include <stddef.h>
#include <string.h>

#include <jansson.h>

#include "auth_token.h"
#include "frame.h"
#include "log.h"
#include "metrics.h"
#include "net_http.h"
#include "proto.h"
#include "seclog.h"
#include "server.h"

/* A client whose unsent messages exceed --ws-max-queue-kib is dropped: one
 * slow reader must never hold memory or delay the others. Each queued
 * message is counted with this much on top of its bytes (its list link and
 * reference; the frame itself is shared with the other clients), so a flood
 * of tiny messages is bounded too. */
#define PL_WS_FRAME_OVERHEAD 64
/* The longest a connection closing for the rate limit waits for the answers
 * to its earlier requests (they wait for the database: at most its write
 * timeout). */
#define CLOSE_WAIT_S 15
/* How long a client has to answer our close frame before it is cut. */
#define CLOSE_ACK_S 5

struct pl_ws_conn {
    struct pl_client client; /* what the hub sees of this connection */
    struct lws *wsi;
    struct pl_ws_conn *prev, *next; /* in srv->conns */
    GQueue out;                     /* struct pl_frame *, each holding a reference */
    size_t out_bytes;
    unsigned char *rx; /* the message being reassembled; owned */
    size_t rx_len;
    bool rx_binary;
    bool rx_skip;             /* the current message was refused by the rate limit */
    int close_code;           /* non-zero: close with this on the next writeable */
    bool close_sent;          /* the close frame is out: nothing more is written */
    const char *close_reason; /* static storage */
    bool answer_first;        /* closing, but the requests it sent are answered first */
    enum pl_lang lang;
    bool authenticated;
    struct pl_identity who; /* owned; meaningful when authenticated */
    struct pl_bucket bucket;
    int refused_in_row;
    bool dropping;         /* over its queue limit: being killed, sends nothing more */
    bool ping_due;         /* a ping goes out on the next writeable (pl_ws_keepalive) */
    gint64 heard_us;       /* monotonic time of the last frame or pong from the client */
    gint64 pinged_us;      /* when the last ping was asked for; 0: none since heard_us */
    gint64 ping_jitter_us; /* added to --ws-ping-interval for this connection */
    char address[64];
};

void pl_ws_count_roles(const struct pl_server *srv, unsigned by_role[PL_ROLE_CHAIR + 1],
                       unsigned *unjoined)
{
    *unjoined = 0;
    for (int r = 0; r <= PL_ROLE_CHAIR; r++)
        by_role[r] = 0;
    for (const struct pl_ws_conn *c = srv->conns; c; c = c->next) {
        if (!c->client.joined)
            (*unjoined)++;
        else if ((unsigned)c->client.role <= PL_ROLE_CHAIR)
            by_role[c->client.role]++;
    }
}

/* How deep we are in lws callbacks: a frame is written at once only from
 * outside them (see enqueue). */
static int in_lws;

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

/* Asks for a close with code on the next writeable callback. */
static void close_soon(struct pl_ws_conn *c, int code, const char *reason)
{
    if (c->close_code)
        return;
    c->close_code = code;
    c->close_reason = reason;
    lws_callback_on_writable(c->wsi);
}

/* Writes the close frame (code and reason), from the writeable callback
 * only; the connection then waits for the client's answering close
 * (LWS_CALLBACK_WS_PEER_INITIATED_CLOSE below ends it) or CLOSE_ACK_S.
 * Why not lws_close_reason() and return -1, which has lws send the frame:
 * Debian 12's lws 4.1.6 is built with _DEBUG, and on the libuv loop that
 * build closes a connection whose callback returned -1 a second time at
 * once ("uv repeat test" in lws_service_fd_tsi): before lws's own close
 * frame goes out, or, with ours written first, closing the socket with the
 * client's pongs unread, which the kernel answers with a reset that can
 * overtake the frame. Clients saw 1006, not the code. Waiting for the
 * client's close means nothing of it is left unread. */
#define PL_LWS_WRITE_CLOSE ((enum lws_write_protocol)4) /* lws's own, not in its header */
static int send_close(struct pl_ws_conn *c)
{
    unsigned char buf[LWS_PRE + 125];
    size_t rlen = strlen(c->close_reason);
    if (rlen > 123) /* a control frame's payload is at most 125 bytes */
        rlen = 123;
    buf[LWS_PRE] = (unsigned char)(c->close_code >> 8);
    buf[LWS_PRE + 1] = (unsigned char)(c->close_code & 0xff);
    memcpy(buf + LWS_PRE + 2, c->close_reason, rlen);
    c->close_sent = true;
    if (lws_write(c->wsi, buf + LWS_PRE, 2 + rlen, PL_LWS_WRITE_CLOSE) < 0)
        return -1;
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_ACK, CLOSE_ACK_S);
    return 0;
}

/* A ping with a payload: lws 4.1 does not report an empty pong
 * (LWS_CALLBACK_RECEIVE_PONG comes only with payload bytes), and clients
 * echo the ping's payload in their pong. */
static int send_ping(struct lws *wsi)
{
    unsigned char ping[LWS_PRE + 1];
    ping[LWS_PRE] = 'p';
    return lws_write(wsi, ping + LWS_PRE, 1, LWS_WRITE_PING);
}

/* Whether a frame may be written now rather than queued for WRITEABLE:
 * outside lws's callbacks, nothing queued or held back by lws before it
 * (lws_partial_buffered is a field read), not closing, no ping waiting. */
static bool can_write_now(struct pl_ws_conn *c)
{
    return !in_lws && g_queue_is_empty(&c->out) && !c->close_code && !c->ping_due &&
           !lws_partial_buffered(c->wsi);
}

/* Queues a reply (taking a reference to f). Drops the client if it is too
 * far behind. */
static void enqueue(struct pl_ws_conn *c, struct pl_frame *f)
{
    const struct pl_config *cfg = pl_server_from_wsi(c->wsi)->cfg;
    if (c->dropping || c->close_sent)
        return;
    if (c->out_bytes + f->len + PL_WS_FRAME_OVERHEAD > (size_t)cfg->ws_max_queue_kib * 1024) {
        c->dropping = true;
        pl_log_info("dropping a WebSocket client that stopped reading (%u messages, %zu bytes "
                    "queued)",
                    g_queue_get_length(&c->out), c->out_bytes);
        pl_metrics.ws_dropped++;
        pl_net_kill_soon(c->wsi);
        return;
    }
    /* Nothing waiting, and lws holds nothing of an earlier write: write
     * now, from outside any lws callback (a broadcast or an answer after a
     * commit). Inside lws callbacks writes happen only in WRITEABLE, as
     * STYLE.md requires: lws's state is in the middle of a read or a write
     * there. Out here it is not, and asking for a writeable callback per
     * frame costs four epoll_ctl calls on the libuv loop (libuv replaces a
     * watcher's interest by a delete and an add, once on and once off):
     * measured, 10,000 observers' p99 went from 189 ms to 647 ms that way
     * (docs/benchmarks.md). lws_partial_buffered() is a field read: what
     * the kernel does not take, lws keeps and sends first on the socket's
     * next POLLOUT. */
    if (can_write_now(c)) {
        int n = lws_write(c->wsi, pl_frame_payload(f), f->len, LWS_WRITE_TEXT);
        pl_metrics.ws_messages_out++;
        if (n < (int)f->len) { /* lws keeps what the kernel refuses: a failure */
            c->dropping = true;
            pl_net_kill_soon(c->wsi);
        }
        return;
    }
    g_queue_push_tail(&c->out, pl_frame_ref(f));
    c->out_bytes += f->len + PL_WS_FRAME_OVERHEAD;
    lws_callback_on_writable(c->wsi);
}

/* The hub's way to send to this connection. */
static void client_send(struct pl_client *client, struct pl_frame *f)
{
    struct pl_ws_conn *c =
        (struct pl_ws_conn *)((char *)client - offsetof(struct pl_ws_conn, client));
    if (!c->close_code || c->answer_first)
        enqueue(c, f);
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

/* {"type":"status","database":...}: the database's state as clients should
 * show it. Caller frees. */
static char *status_text(bool db_up, enum pl_lang lang)
{
    json_t *o = json_pack("{s:s, s:s, s:I}", "type", "status", "database",
                          db_up ? "available" : "unavailable", "at_ms",
                          (json_int_t)(g_get_real_time() / 1000));
    if (!db_up) {
        json_object_set_new(o, "message", json_string(pl_err_message(PL_ERR_DB_UNAVAILABLE, lang)));
        json_object_set_new(o, "retryable", json_true());
    }
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

void pl_ws_broadcast_status(struct pl_server *srv, bool db_up)
{
    struct pl_frame *f[2] = {NULL, NULL}; /* per language, shared by its clients */
    for (int l = 0; l < 2; l++) {
        char *text = status_text(db_up, l == 0 ? PL_LANG_VI : PL_LANG_EN);
        if (text) {
            f[l] = pl_frame_new(text, strlen(text));
            free(text);
        }
    }
    for (struct pl_ws_conn *c = srv->conns; c; c = c->next)
        if (!c->close_code && f[c->lang == PL_LANG_EN])
            enqueue(c, f[c->lang == PL_LANG_EN]);
    for (int l = 0; l < 2; l++)
        if (f[l])
            pl_frame_unref(f[l]);
}

void pl_ws_close_all(struct pl_server *srv)
{
    for (struct pl_ws_conn *c = srv->conns; c; c = c->next)
        close_soon(c, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
}

void pl_ws_close_signin(struct pl_server *srv, int64_t signin_id, enum pl_auth_end_reason why)
{
    static const char *const reasons[] = {"signed out", "sign-in expired", "sign-in revoked"};
    for (struct pl_ws_conn *c = srv->conns; c; c = c->next) {
        if (c->authenticated && c->who.signin_id == signin_id)
            close_soon(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, reasons[why]);
    }
}

unsigned pl_ws_count_person(struct pl_server *srv, int64_t person_id)
{
    unsigned n = 0;
    for (struct pl_ws_conn *c = srv->conns; c; c = c->next)
        n += c->authenticated && c->who.person_id == person_id && !c->close_code;
    return n;
}

/*
 * Pings and idle hang-ups, once a second over every connection.
 *
 * Why not lws's own (retry_and_idle_policy): lws 4.1 keeps every
 * connection's ping timer in one list sorted by due time and inserts by
 * walking it from the head; a pong re-arms the timer at the far end, so each
 * pong walks every connection open. Connections opened together are pinged
 * together: 10,000 observers meant 10,000 walks of 10,000 entries every
 * ping interval, a stall of the whole loop that grew with the square of the
 * connections (perf: 30 % of plenumd in lws_dll2_add_sorted with 10,000
 * idle connections). This walk is linear, once a second, and touches only
 * the two timestamps. Any frame from the client counts as a sign of life,
 * not only a pong. Pings are spread (ping_jitter_us) and written at once
 * when nothing else is waiting.
 */
void pl_ws_keepalive(struct pl_server *srv)
{
    const gint64 now = g_get_monotonic_time();
    const gint64 ping_us = (gint64)srv->cfg->ws_ping_s * G_USEC_PER_SEC;
    const gint64 hangup_us = (gint64)srv->cfg->ws_hangup_s * G_USEC_PER_SEC;
    for (struct pl_ws_conn *c = srv->conns; c; c = c->next) {
        if (c->dropping)
            continue;
        gint64 idle = now - c->heard_us;
        if (idle >= hangup_us) {
            pl_log_debug("hanging up a WebSocket client silent for %lld s",
                         (long long)(idle / G_USEC_PER_SEC));
            c->dropping = true;
            pl_net_kill_soon(c->wsi);
        } else if (idle >= ping_us + c->ping_jitter_us &&
                   (!c->pinged_us || now - c->pinged_us >= ping_us) && !c->close_code) {
            c->pinged_us = now;
            if (can_write_now(c)) {
                /* Straight out, as enqueue() writes a frame (a timer is
                 * outside lws's callbacks): no writeable round trip. */
                send_ping(c->wsi);
            } else {
                c->ping_due = true;
                lws_callback_on_writable(c->wsi);
            }
        }
    }
}

static void heard(struct pl_ws_conn *c)
{
    c->heard_us = g_get_monotonic_time();
    c->pinged_us = 0;
}

static void on_message(struct pl_server *srv, struct pl_ws_conn *c)
{
    if (c->authenticated) {
        /* A connection outliving its session is closed by the sweep; until
         * then, refuse to act for it. */
        if (!pl_auth_live(srv->auth, c->who.signin_id)) {
            enqueue_text(c, pl_proto_encode_error(NULL, PL_ERR_SESSION_ENDED, NULL, c->lang));
            close_soon(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "sign-in expired");
            return;
        }
        pl_auth_touch(srv->auth, c->who.signin_id);
    }
    if (c->rx_binary) {
        enqueue_text(c, pl_proto_encode_error(NULL, PL_ERR_BINARY, NULL, c->lang));
        return;
    }
    pl_metrics.ws_messages_in++;
    pl_hub_message(srv->hub, &c->client, (const char *)c->rx, c->rx_len);
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

/* The handshake's token, if it carries one: 1 found, 0 none, -1 malformed. */
static int handshake_token(struct lws *wsi, char token[PL_TOKEN_LEN + 1])
{
    char buf[1024];
    int found = 0;
    if (lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_AUTHORIZATION) > 0) {
        found = 1;
        if (pl_token_from_bearer(buf, token) == 0)
            return 1;
    }
    if (lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_COOKIE) > 0 &&
        strstr(buf, PL_COOKIE_NAME "=")) {
        found = 1;
        if (pl_token_from_cookie(buf, token) == 0)
            return 1;
    }
    return found ? -1 : 0;
}

/*
 * Refuses the upgrade with an HTTP/1.1 status and a JSON error body, written
 * here because LWS_CALLBACK_HTTP_CONFIRM_UPGRADE lets us answer in place
 * (lws_return_http_status would answer HTTP/1.0 at this stage, which strict
 * WebSocket clients cannot parse). Returns 1: the upgrade is refused.
 */
static int refuse(struct lws *wsi, unsigned status, enum pl_err err, const char *event,
                  const char *login, int64_t person_id)
{
    char address[64];
    pl_http_peer(wsi, address, sizeof address);
    if (event) /* NULL: not a security event, and no database write under load */
        pl_seclog(pl_server_from_wsi(wsi)->store, event, person_id, login, address, NULL);
    enum pl_lang l = conn_lang(wsi); /* the page's ?lang=, else Accept-Language */
    char body[512];
    int blen = snprintf(body, sizeof body, "{\"error\":\"%s\",\"message\":\"%s\",\"retryable\":%s}",
                        pl_err_code(err), pl_err_message(err, l),
                        pl_err_retryable(err) ? "true" : "false");
    const char *text = status == 401   ? "Unauthorized"
                       : status == 403 ? "Forbidden"
                       : status == 503 ? "Service Unavailable"
                                       : "Too Many Requests";
    /* HTTP/2 is off (ALPN http/1.1), so the whole answer is one h1 write. */
    unsigned char buf[LWS_PRE + 1024];
    int n = snprintf((char *)buf + LWS_PRE, sizeof buf - LWS_PRE,
                     "HTTP/1.1 %u %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
                     "cache-control: no-store\r\n%sconnection: close\r\n\r\n%s",
                     status, text, blen, status == 503 ? "retry-after: 30\r\n" : "", body);
    if (n <= 0 || (size_t)n >= sizeof buf - LWS_PRE)
        return -1;
    lws_write(wsi, buf + LWS_PRE, (size_t)n, LWS_WRITE_HTTP);
    return 1;
}

/*
 * An anonymous observer's upgrade. The last --reserved-for-members percent
 * of --max-connections are kept for signed-in people (a crowd of observers
 * must not shut the delegates out), and one address may hold at most
 * --max-anonymous-per-address anonymous connections. Counted from
 * srv->anon_by_address, kept by established() and the close.
 */
static int confirm_anonymous(struct lws *wsi, struct pl_server *srv)
{
    const struct pl_config *cfg = srv->cfg;
    unsigned reserved = (unsigned)((int64_t)cfg->max_connections * cfg->reserved_for_members / 100);
    if (srv->conn_count + reserved >= (unsigned)cfg->max_connections) {
        pl_metrics.ws_refused_full++;
        return refuse(wsi, 503, PL_ERR_SERVER_FULL, NULL, NULL, 0);
    }
    char address[64];
    pl_http_peer(wsi, address, sizeof address);
    if (GPOINTER_TO_INT(g_hash_table_lookup(srv->anon_by_address, address)) >=
        cfg->max_anon_per_address) {
        pl_metrics.ws_refused_address++;
        return refuse(wsi, 429, PL_ERR_RATE_LIMITED, NULL, NULL, 0);
    }
    return 0;
}

/* Anonymous connections from address: +1 or -1. */
static void anon_add(struct pl_server *srv, const char *address, int delta)
{
    int n = GPOINTER_TO_INT(g_hash_table_lookup(srv->anon_by_address, address)) + delta;
    if (n <= 0)
        g_hash_table_remove(srv->anon_by_address, address);
    else
        g_hash_table_replace(srv->anon_by_address, g_strdup(address), GINT_TO_POINTER(n));
}

/* Called on the HTTP protocol before any upgrade (see net_http.c). */
int pl_ws_confirm_upgrade(struct lws *wsi)
{
    struct pl_server *srv = pl_server_from_wsi(wsi);
    if (srv->shutting_down)
        return -1;
    if (!pl_http_origin_ok(wsi))
        return refuse(wsi, HTTP_STATUS_FORBIDDEN, PL_ERR_ORIGIN, "ws_refused_origin", NULL, 0);
    /* Capacity before identity: a full server spends nothing on the token. */
    if (srv->conn_count >= (unsigned)srv->cfg->max_connections) {
        pl_metrics.ws_refused_full++;
        return refuse(wsi, 503, PL_ERR_SERVER_FULL, NULL, NULL, 0);
    }
    char token[PL_TOKEN_LEN + 1];
    int t = handshake_token(wsi, token);
    if (t == 0)
        return confirm_anonymous(wsi, srv);
    struct pl_identity who = {0};
    if (t < 0 || pl_auth_check(srv->auth, token, &who) != 0)
        return refuse(wsi, HTTP_STATUS_UNAUTHORIZED, PL_ERR_SESSION_ENDED, "ws_refused_token", NULL,
                      0);
    int rc = 0;
    if (pl_ws_count_person(srv, who.person_id) >= (unsigned)srv->cfg->max_conns_per_account)
        rc = refuse(wsi, 429, PL_ERR_RATE_LIMITED, "ws_refused_too_many", who.login, who.person_id);
    pl_identity_clear(&who);
    return rc;
}

/* The subprotocol's own gate: only the path is left to check here. */
static int filter(struct lws *wsi)
{
    char uri[64];
    if (pl_server_from_wsi(wsi)->shutting_down)
        return 1;
    if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0 || strcmp(uri, "/ws") != 0)
        return 1;
    return 0;
}

static void established(struct lws *wsi, struct pl_ws_conn *c)
{
    struct pl_server *srv = pl_server_from_wsi(wsi);
    memset(c, 0, sizeof *c);
    c->wsi = wsi;
    heard(c);
    /* Connections opened together (a hall's tablets, a crowd arriving for
     * the livestream) are not all pinged in the same second: up to a
     * quarter of the interval later. */
    c->ping_jitter_us = g_random_int_range(0, srv->cfg->ws_ping_s * 250) * (gint64)1000;
    g_queue_init(&c->out);
    c->lang = conn_lang(wsi);
    pl_http_peer(wsi, c->address, sizeof c->address);
    pl_bucket_init(&c->bucket, srv->cfg->ws_rate_burst, g_get_monotonic_time());
    char token[PL_TOKEN_LEN + 1];
    /* The filter accepted this token a moment ago; check again (it is a
     * hash lookup) rather than carry state between the two callbacks. */
    if (handshake_token(wsi, token) == 1 && pl_auth_check(srv->auth, token, &c->who) == 0)
        c->authenticated = true;
    c->client.who = c->authenticated ? &c->who : NULL;
    c->client.lang = c->lang;
    c->client.address = c->address;
    c->client.send = client_send;
    link_conn(srv, c);
    if (!c->authenticated)
        anon_add(srv, c->address, 1);
    /* A client arriving during an outage learns it before its first refusal. */
    if (pl_store_in_outage(srv->store))
        enqueue_text(c, status_text(false, c->lang));
    pl_log_debug("WebSocket client connected (%u open, %s)", srv->conn_count,
                 c->authenticated ? c->who.login : "anonymous");
}

/* A message over the rate limit: not processed, refused with its own id
 * (the client can tell which request to send again). Too many in a row
 * close the connection with 1008, after the refusals already queued: a
 * burst gets every answer and refusal before the close. */
static void rate_refuse(struct pl_server *srv, struct pl_ws_conn *c)
{
    json_t *re = c->rx_binary ? NULL : pl_proto_peek_id((const char *)c->rx, c->rx_len);
    enqueue_text(c, pl_proto_encode_error(re, PL_ERR_RATE_LIMITED, NULL, c->lang));
    json_decref(re);
    if (++c->refused_in_row >= srv->cfg->ws_rate_close_after) {
        pl_seclog(srv->store, "ws_closed_rate_limit", c->who.person_id, c->who.login, c->address,
                  NULL);
        /* Its requests still in the hub (waiting for the database) are
         * answered before the close; a database that never answers does
         * not keep the connection: it goes after CLOSE_WAIT_S whatever. */
        c->answer_first = true;
        close_soon(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "rate limit exceeded");
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, CLOSE_WAIT_S);
    }
}

static int receive(struct lws *wsi, struct pl_ws_conn *c, const void *in, size_t len)
{
    struct pl_server *srv = pl_server_from_wsi(wsi);
    /* Closing (after the rate limit, a sign-in that ended): what is queued
     * still goes out, nothing more is read. */
    if (c->close_code)
        return 0;
    if (lws_is_first_fragment(wsi)) {
        c->rx_len = 0;
        c->rx_binary = lws_frame_is_binary(wsi);
        c->rx_skip = false;
        /* The rate limit counts messages, decided at their first fragment;
         * a refused message is still read to its end (within the size
         * limit), so its refusal can name its id. */
        if (!pl_bucket_take(&c->bucket, srv->cfg->ws_rate_per_minute / 60.0,
                            srv->cfg->ws_rate_burst, g_get_monotonic_time()))
            c->rx_skip = true;
        else
            c->refused_in_row = 0;
    }
    if (c->rx_len + len > (size_t)srv->cfg->max_message_bytes) {
        pl_log_info("closing a WebSocket client that sent a message over %d bytes",
                    srv->cfg->max_message_bytes);
        /* Closed from the writeable callback like every other close (see
         * send_close); meanwhile the rest of the message is not read. */
        g_free(c->rx);
        c->rx = NULL;
        c->rx_len = 0;
        close_soon(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too large");
        return 0;
    }
    if (len) {
        c->rx = g_realloc(c->rx, c->rx_len + len);
        memcpy(c->rx + c->rx_len, in, len);
        c->rx_len += len;
    }
    if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
        if (c->rx_skip)
            rate_refuse(srv, c);
        else
            on_message(srv, c);
        c->rx_len = 0;
    }
    return 0;
}

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                       size_t len);

int pl_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len)
{
    in_lws++;
    int rc = ws_callback(wsi, reason, user, in, len);
    in_lws--;
    return rc;
}

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                       size_t len)
{
    struct pl_ws_conn *c = user;
    struct pl_server *srv;

    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return filter(wsi);

    case LWS_CALLBACK_ESTABLISHED:
        established(wsi, c);
        break;

    case LWS_CALLBACK_RECEIVE:
        heard(c);
        return receive(wsi, c, in, len);

    case LWS_CALLBACK_RECEIVE_PONG:
        heard(c);
        break;

    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        /* Its answer to our close: done (non-zero: lws closes without
         * echoing). A close it starts itself is echoed by lws (0). */
        return c->close_sent ? 1 : 0;

    case LWS_CALLBACK_SERVER_WRITEABLE: {
        if (c->close_sent)
            break;
        if (c->ping_due && !c->close_code) {
            /* One write per callback: the ping, then the queue next time. */
            c->ping_due = false;
            if (send_ping(wsi) < 0)
                return -1;
            if (!g_queue_is_empty(&c->out))
                lws_callback_on_writable(wsi);
            break;
        }
        /* Queued replies go out before a close (an error, then the close). */
        struct pl_frame *f = g_queue_pop_head(&c->out);
        if (!f) {
            /* Closing once everything is said: the queue is empty and, for
             * a rate-limit close, the hub holds no request of it (the
             * answer to the last one asks for this callback again). */
            if (c->close_code && !(c->answer_first && pl_client_pending(&c->client)))
                return send_close(c);
            break;
        }
        c->out_bytes -= f->len + PL_WS_FRAME_OVERHEAD;
        int n = lws_write(wsi, pl_frame_payload(f), f->len, LWS_WRITE_TEXT);
        size_t flen = f->len;
        pl_metrics.ws_messages_out++;
        pl_frame_unref(f);
        if (n < (int)flen)
            return -1;
        if (!g_queue_is_empty(&c->out) ||
            (c->close_code && !(c->answer_first && pl_client_pending(&c->client))))
            lws_callback_on_writable(wsi);
        break;
    }

    case LWS_CALLBACK_CLOSED:
        srv = pl_server_from_wsi(wsi);
        if (c->wsi) {
            pl_hub_client_gone(srv->hub, &c->client);
            unlink_conn(srv, c);
            if (!c->authenticated)
                anon_add(srv, c->address, -1);
            struct pl_frame *f;
            while ((f = g_queue_pop_head(&c->out)) != NULL)
                pl_frame_unref(f);
            g_free(c->rx);
            c->rx = NULL;
            pl_identity_clear(&c->who);
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

/*
 * fanout_load: a C load generator (libwebsockets client, one thread, on a
 * libuv loop) for broadcast fan-out: N observers on one or more nodes,
 * one chair stepping the agenda, and how long each step takes to reach
 * every observer.
 *
 * Usage: fanout_load [--sources K] [--bytes B] OUT.json SESSION_ID CHAIR_TOKEN CLIENTS EVENTS
 *                    SLOW URL [URL...]
 *   URL: ws://HOST:PORT/ws; observers are spread over the URLs in turn, the
 *   chair uses the first. SLOW: that many extra observers that join and then
 *   never read again (their TCP windows fill; the server must drop or skip
 *   them without delaying the others).
 *   --sources K: connection i binds its source address to 127.0.0.(1 + i % K)
 *   (default 1: no binding). One (source address, destination) pair has only
 *   the ephemeral port range (~28,000 ports), so 30,000 connections to one
 *   listening socket need two source addresses.
 *
 * Phases: connect and join every observer (connect rate: all joined over the
 * time taken), print "JOINED <n>" on stdout and wait for a line on stdin (the
 * driver measures the server's memory meanwhile), then EVENTS times: the
 * chair sends agenda.next / agenda.previous, 200 ms apart. The k-th event an
 * observer receives after that is the k-th step, so its delivery latency is
 * its arrival minus the moment that step's request was written. The same
 * program measures the Node.js peer (tests/bench/peer_hub.mjs), which speaks
 * the same few messages.
 *
 * MQTT modes (for mosquitto): MQTT 3.1.1 over WebSocket subprotocol "mqtt"
 * (URL mqtt-ws://HOST:PORT/PATH, through lws) or over plain TCP (URL
 * mqtt://HOST:PORT, libuv alone). Each observer sends CONNECT, then SUBSCRIBE
 * (QoS 0) to one topic; it has joined at SUBACK. The chair is a plain client
 * that, EVENTS times 200 ms apart, PUBLISHes (QoS 0) a B-byte payload
 * (--bytes, the size of plenumd's event) to that topic; latency is timed
 * from the moment the PUBLISH was written, as above. QoS 0 has no
 * acknowledgement, so the next publish is 200 ms after the write (for
 * plenumd and the Node peer it is 200 ms after the request's "ok"); and a
 * broker has no durable commit on the path, whereas plenumd's figure
 * includes its PostgreSQL commit. SESSION_ID and CHAIR_TOKEN are ignored.
 *
 * lws runs on libuv (epoll) rather than its own poll loop: poll() over
 * 10,000 descriptors per wake-up, spinning between events, took most of
 * this program's time and a core the server under test needed, so the
 * figures were the client's as much as the server's.
 */
#include <errno.h>
#include <jansson.h>
#include <uv.h> /* before libwebsockets.h: it enables lws's libuv API */

#include <libwebsockets.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#define MAXURLS     8
#define MAX_JOINING 1000

struct conn {
    struct lws *wsi; /* WebSocket modes */
    uv_tcp_t tcp;    /* MQTT over TCP: the connection itself (tcp.data = this) */
    uv_connect_t connect_req;
    int idx;
    int url;
    bool chair, slow, joined, established;
    char out[512];
    int out_len;
    int events; /* events received since the steps began */
    char *rx;
    size_t rx_len;
};

static struct conn *conns;
static int nobs, nslow, nconn, nevents, njoined, step, steps_acked;
static int64_t session, t_connect0, t_joined;
static int64_t *t_step; /* when each step's request was written */
static double *lat;     /* observers x events, ms; < 0: not received */
static bool go, done;
static char chair_token[128];
static struct {
    char host[128];
    int port;
    char path[64];
} urls[MAXURLS];
static int nurls;
static struct lws_context *ctx;
static uv_loop_t loop;
static uv_timer_t tick; /* wakes the loop so the phases' deadlines are checked */
static bool mqtt;       /* MQTT mode: every URL is mqtt-ws:// or mqtt:// */
static bool tcp;        /* MQTT over plain TCP (mqtt://), on libuv without lws */
static int nsources = 1, payload_bytes = 227;
static const char topic[] = "plenum/agenda";

static void on_tick(uv_timer_t *t)
{
    (void)t;
}

static int64_t now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static void queue(struct conn *c, const char *text)
{
    c->out_len = snprintf(c->out + LWS_PRE, sizeof c->out - LWS_PRE, "%s", text);
    lws_callback_on_writable(c->wsi);
}

static lws_sorted_usec_list_t step_timer;
static void next_step(void);

static void on_step_timer(lws_sorted_usec_list_t *sul)
{
    (void)sul;
    if (step < nevents)
        next_step();
}

/* MQTT over TCP paces the publishes with a libuv timer: lws, with no
 * connection of its own to service, ran its timers late (a second and
 * more). */
static uv_timer_t step_uv;

static void on_step_uv(uv_timer_t *t)
{
    (void)t;
    if (step < nevents)
        next_step();
}

/* WebSocket modes: queues one binary frame (MQTT packets; len must fit
 * c->out) for the next WRITEABLE. TCP: writes it now. */
static void on_tcp_written(uv_write_t *req, int status)
{
    if (status < 0 && !done) {
        fprintf(stderr, "fanout_load: write failed: %s\n", uv_strerror(status));
        exit(1);
    }
    free(req); /* the request and its bytes are one allocation */
}

static void queue_bin(struct conn *c, const unsigned char *buf, int len)
{
    if (tcp) {
        /* libuv writes at once when nothing is queued, so the publisher's
         * step is timed from the write as in the WebSocket modes. */
        uv_write_t *req = malloc(sizeof *req + (size_t)len);
        char *copy = (char *)(req + 1);
        memcpy(copy, buf, (size_t)len);
        uv_buf_t b = uv_buf_init(copy, (unsigned)len);
        if ((unsigned char)buf[0] == 0x30 && c->chair && go && step < nevents) {
            t_step[step++] = now_us();
            if (++steps_acked < nevents)
                uv_timer_start(&step_uv, on_step_uv, 200, 0);
        }
        if (uv_write(req, (uv_stream_t *)&c->tcp, &b, 1, on_tcp_written) != 0) {
            fprintf(stderr, "fanout_load: could not write to connection %d\n", c->idx);
            exit(1);
        }
        return;
    }
    memcpy(c->out + LWS_PRE, buf, (size_t)len);
    c->out_len = len;
    lws_callback_on_writable(c->wsi);
}

/* MQTT's Remaining Length: 7 bits a byte, the high bit saying more follow.
 * Returns the bytes written to p (at most 4). */
static int mqtt_put_length(unsigned char *p, int len)
{
    int n = 0;
    do {
        unsigned char b = (unsigned char)(len % 128);
        len /= 128;
        p[n++] = (unsigned char)(len ? b | 0x80 : b);
    } while (len && n < 4);
    return n;
}

/* Fixed header + body into out; returns the packet's length. */
static int mqtt_packet(unsigned char *out, unsigned char type, const unsigned char *body, int len)
{
    out[0] = type;
    int h = 1 + mqtt_put_length(out + 1, len);
    memcpy(out + h, body, (size_t)len);
    return h + len;
}

static int mqtt_put_string(unsigned char *p, const char *s)
{
    size_t n = strlen(s);
    p[0] = (unsigned char)(n >> 8);
    p[1] = (unsigned char)(n & 0xff);
    memcpy(p + 2, s, n);
    return 2 + (int)n;
}

static void mqtt_connect(struct conn *c)
{
    unsigned char body[64], pkt[80];
    int n = mqtt_put_string(body, "MQTT");
    body[n++] = 4;    /* protocol level: 3.1.1 */
    body[n++] = 0x02; /* clean session */
    body[n++] = 0;    /* keep-alive 0: the broker never times the client out */
    body[n++] = 0;
    char id[24];
    snprintf(id, sizeof id, "fanout-%d", c->idx);
    n += mqtt_put_string(body + n, id);
    queue_bin(c, pkt, mqtt_packet(pkt, 0x10, body, n));
}

static void mqtt_subscribe(struct conn *c)
{
    unsigned char body[64], pkt[80];
    int n = 0;
    body[n++] = 0; /* packet identifier 1 */
    body[n++] = 1;
    n += mqtt_put_string(body + n, topic);
    body[n++] = 0; /* QoS 0 */
    queue_bin(c, pkt, mqtt_packet(pkt, 0x82, body, n));
}

static void next_step(void)
{
    if (mqtt) {
        unsigned char body[512], pkt[520];
        int n = mqtt_put_string(body, topic);
        memset(body + n, 'x', (size_t)payload_bytes);
        n += payload_bytes;
        queue_bin(&conns[0], pkt, mqtt_packet(pkt, 0x30, body, n));
        return;
    }
    char msg[96];
    snprintf(msg, sizeof msg, "{\"type\":\"%s\",\"id\":%d}",
             step % 2 == 0 ? "agenda.next" : "agenda.previous", 100 + step);
    queue(&conns[0], msg);
}

static void joined(struct conn *c)
{
    c->joined = true;
    if (c->slow && tcp) /* from now on it reads nothing */
        uv_read_stop((uv_stream_t *)&c->tcp);
    else if (c->slow)
        lws_rx_flow_control(c->wsi, 0);
    if (++njoined == nconn) {
        t_joined = now_us();
        printf("JOINED %d %.3f\n", nconn, (double)(t_joined - t_connect0) / 1e6);
        fflush(stdout);
    }
}

static void on_message(struct conn *c, const char *buf, size_t len)
{
    if (len > 15 && strncmp(buf, "{\"type\":\"event\"", 15) == 0) {
        /* An observer's broadcast: only after the steps began. */
        if (go && !c->chair && !c->slow && c->events < nevents) {
            lat[(size_t)c->idx * (size_t)nevents + (size_t)c->events] =
                (double)(now_us() - t_step[c->events]) / 1000.0;
            c->events++;
        }
        return;
    }
    json_t *m = json_loadb(buf, len, 0, NULL);
    if (!m)
        return;
    const char *type = json_string_value(json_object_get(m, "type"));
    int re = (int)json_integer_value(json_object_get(m, "re"));
    if (type && strcmp(type, "ok") != 0 && strcmp(type, "pong") != 0 && re) {
        fprintf(stderr, "fanout_load: request %d refused: %s\n", re,
                json_string_value(json_object_get(m, "code")));
        exit(1);
    }
    if (re == 1 && !c->joined) {
        joined(c);
    } else if (re >= 100 && c->chair) {
        if (++steps_acked < nevents)
            lws_sul_schedule(ctx, 0, &step_timer, on_step_timer, 200 * 1000);
    }
    json_decref(m);
}

/* One MQTT packet from the broker (type in the high nibble of b0). */
static void on_mqtt_packet(struct conn *c, unsigned char b0, const unsigned char *body, size_t len)
{
    switch (b0 >> 4) {
    case 2: /* CONNACK: session present, return code */
        if (len < 2 || body[1] != 0) {
            fprintf(stderr, "fanout_load: connection %d: CONNACK refused (%d)\n", c->idx,
                    len < 2 ? -1 : body[1]);
            exit(1);
        }
        if (c->chair) /* the publisher subscribes to nothing */
            joined(c);
        else
            mqtt_subscribe(c);
        break;
    case 9: /* SUBACK: packet identifier, granted QoS */
        if (len < 3 || body[2] == 0x80) {
            fprintf(stderr, "fanout_load: connection %d: SUBSCRIBE refused\n", c->idx);
            exit(1);
        }
        if (!c->joined)
            joined(c);
        break;
    case 3: /* PUBLISH: as an observer's broadcast in plenum.v1 mode */
        if (go && !c->chair && !c->slow && c->events < nevents) {
            lat[(size_t)c->idx * (size_t)nevents + (size_t)c->events] =
                (double)(now_us() - t_step[c->events]) / 1000.0;
            c->events++;
        }
        break;
    default:
        break;
    }
}

/* A WebSocket frame may hold several MQTT packets or part of one: c->rx
 * keeps what is not yet a whole packet. */
static void on_mqtt_bytes(struct conn *c)
{
    const unsigned char *b = (const unsigned char *)c->rx;
    size_t off = 0;
    for (;;) {
        size_t left = c->rx_len - off, len = 0, h = 1;
        size_t mul = 1;
        bool whole_length = false;
        while (h < left && h <= 4) {
            unsigned char d = b[off + h++];
            len += (size_t)(d & 0x7f) * mul;
            mul *= 128;
            if (!(d & 0x80)) {
                whole_length = true;
                break;
            }
        }
        if (!whole_length && h > 4) {
            fprintf(stderr, "fanout_load: bad MQTT length from the broker\n");
            exit(1);
        }
        if (!whole_length || left < h + len)
            break; /* the rest arrives in a later frame */
        on_mqtt_packet(c, b[off], b + off + h, len);
        off += h + len;
    }
    memmove(c->rx, c->rx + off, c->rx_len - off);
    c->rx_len -= off;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    (void)user;
    struct conn *c = (struct conn *)lws_get_opaque_user_data(wsi);
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
        if (c->chair && chair_token[0]) {
            unsigned char **p = (unsigned char **)in, *end = (*p) + len;
            char auth[160];
            snprintf(auth, sizeof auth, "Bearer %s", chair_token);
            if (lws_add_http_header_by_name(wsi, (const unsigned char *)"authorization:",
                                            (unsigned char *)auth, (int)strlen(auth), p, end))
                return -1;
        }
        break;
    case LWS_CALLBACK_CLIENT_ESTABLISHED: {
        c->established = true;
        if (mqtt) {
            mqtt_connect(c);
            break;
        }
        char msg[96];
        snprintf(msg, sizeof msg, "{\"type\":\"join\",\"id\":1,\"session_id\":%lld}",
                 (long long)session);
        queue(c, msg);
        break;
    }
    case LWS_CALLBACK_CLIENT_RECEIVE:
        c->rx = realloc(c->rx, c->rx_len + len);
        memcpy(c->rx + c->rx_len, in, len);
        c->rx_len += len;
        if (mqtt)
            on_mqtt_bytes(c);
        else if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
            on_message(c, c->rx, c->rx_len);
            c->rx_len = 0;
        }
        break;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (c->out_len) {
            bool publish = mqtt && (unsigned char)c->out[LWS_PRE] == 0x30;
            if (c->chair && go && step < nevents &&
                (publish || strncmp(c->out + LWS_PRE, "{\"type\":\"agenda.", 16) == 0))
                t_step[step++] = now_us();
            int n = c->out_len;
            c->out_len = 0;
            if (lws_write(wsi, (unsigned char *)c->out + LWS_PRE, (size_t)n,
                          mqtt ? LWS_WRITE_BINARY : LWS_WRITE_TEXT) < n)
                return -1;
            /* QoS 0 is not acknowledged: the write is the step's end. */
            if (publish && ++steps_acked < nevents)
                lws_sul_schedule(ctx, 0, &step_timer, on_step_timer, 200 * 1000);
        }
        break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        fprintf(stderr, "fanout_load: connection %d failed: %s\n", c ? c->idx : -1,
                in ? (char *)in : "?");
        exit(1);
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (!done && c && !c->slow) {
            fprintf(stderr, "fanout_load: connection %d closed early\n", c->idx);
            exit(1);
        }
        break;
    default:
        break;
    }
    return 0;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *v, size_t n, double p)
{
    if (!n)
        return 0;
    size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

static void on_tcp_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    (void)h;
    (void)hint;
    static char rx[65536]; /* one thread; each read is consumed at once */
    *buf = uv_buf_init(rx, sizeof rx);
}

static void on_tcp_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct conn *c = s->data;
    if (n < 0) {
        if (!done && !c->slow) {
            fprintf(stderr, "fanout_load: connection %d closed early: %s\n", c->idx,
                    uv_strerror((int)n));
            exit(1);
        }
        uv_read_stop(s);
        return;
    }
    c->rx = realloc(c->rx, c->rx_len + (size_t)n);
    memcpy(c->rx + c->rx_len, buf->base, (size_t)n);
    c->rx_len += (size_t)n;
    on_mqtt_bytes(c);
}

static void on_tcp_connected(uv_connect_t *req, int status)
{
    struct conn *c = req->data;
    if (status < 0) {
        fprintf(stderr, "fanout_load: connection %d failed: %s\n", c->idx, uv_strerror(status));
        exit(1);
    }
    c->established = true;
    uv_tcp_nodelay(&c->tcp, 1);
    uv_read_start((uv_stream_t *)&c->tcp, on_tcp_alloc, on_tcp_read);
    mqtt_connect(c);
}

/* MQTT over TCP: libuv alone, no WebSocket. */
static void connect_tcp(struct conn *c)
{
    struct sockaddr_in to, from;
    uv_ip4_addr(urls[c->url].host, urls[c->url].port, &to);
    uv_tcp_init(&loop, &c->tcp);
    c->tcp.data = c;
    c->connect_req.data = c;
    if (nsources > 1) {
        char src[16];
        snprintf(src, sizeof src, "127.0.0.%d", 1 + c->idx % nsources);
        uv_ip4_addr(src, 0, &from);
        if (uv_tcp_bind(&c->tcp, (const struct sockaddr *)&from, 0) != 0) {
            fprintf(stderr, "fanout_load: could not bind %s\n", src);
            exit(1);
        }
    }
    if (uv_tcp_connect(&c->connect_req, &c->tcp, (const struct sockaddr *)&to, on_tcp_connected) !=
        0) {
        fprintf(stderr, "fanout_load: could not connect %d\n", c->idx);
        exit(1);
    }
}

static void connect_one(struct conn *c)
{
    if (tcp) {
        connect_tcp(c);
        return;
    }
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = ctx;
    ci.address = urls[c->url].host;
    ci.port = urls[c->url].port;
    ci.path = urls[c->url].path;
    ci.host = urls[c->url].host;
    ci.protocol = mqtt ? "mqtt" : "plenum.v1";
    ci.opaque_user_data = c;
    /* lws copies iface while connecting; the string need not outlive the
     * call. */
    char src[16];
    if (nsources > 1) {
        snprintf(src, sizeof src, "127.0.0.%d", 1 + c->idx % nsources);
        ci.iface = src;
    }
    c->wsi = lws_client_connect_via_info(&ci);
    if (!c->wsi) {
        fprintf(stderr, "fanout_load: could not connect %d\n", c->idx);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    while (argc > 2 && strncmp(argv[1], "--", 2) == 0) {
        if (strcmp(argv[1], "--sources") == 0)
            nsources = atoi(argv[2]);
        else if (strcmp(argv[1], "--bytes") == 0)
            payload_bytes = atoi(argv[2]);
        else
            break;
        argc -= 2;
        argv += 2;
    }
    if (argc < 8 || nsources < 1 || nsources > 254 || payload_bytes < 1 || payload_bytes > 400) {
        fprintf(stderr, "usage: fanout_load [--sources K] [--bytes B] OUT.json SESSION_ID "
                        "CHAIR_TOKEN CLIENTS EVENTS SLOW URL [URL...]\n");
        return 2;
    }
    const char *out = argv[1];
    session = atoll(argv[2]);
    snprintf(chair_token, sizeof chair_token, "%s", argv[3]);
    nobs = atoi(argv[4]);
    nevents = atoi(argv[5]);
    nslow = atoi(argv[6]);
    for (int i = 7; i < argc && nurls < MAXURLS; i++, nurls++) {
        const char *u = argv[i];
        bool is_tcp = strncmp(u, "mqtt://", 7) == 0;
        bool is_mqtt = is_tcp || strncmp(u, "mqtt-ws://", 10) == 0;
        if (nurls && (is_mqtt != mqtt || is_tcp != tcp)) {
            fprintf(stderr, "fanout_load: all URLs must be of one kind\n");
            return 2;
        }
        mqtt = is_mqtt;
        tcp = is_tcp;
        if (is_tcp) {
            urls[nurls].path[0] = 0;
            if (sscanf(u, "mqtt://%127[^:]:%d", urls[nurls].host, &urls[nurls].port) != 2) {
                fprintf(stderr, "fanout_load: bad URL %s\n", argv[i]);
                return 2;
            }
            continue;
        }
        if (mqtt)
            u += 5; /* the rest reads as ws:// */
        if (sscanf(u, "ws://%127[^:]:%d%63s", urls[nurls].host, &urls[nurls].port,
                   urls[nurls].path) != 3) {
            fprintf(stderr, "fanout_load: bad URL %s\n", argv[i]);
            return 2;
        }
    }
    lws_set_log_level(LLL_ERR, NULL);
    nconn = 1 + nobs + nslow; /* the chair is conns[0] */
    /* lws sizes its descriptor table by the open-files limit and indexes it
     * by descriptor. Passing a smaller fd_limit_per_thread instead makes it
     * find each connection by a linear search of the table on every event
     * (it was 55 % of this program's time at 10,000 connections, enough to
     * make the client the bottleneck of what it measures). */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rlim_t want = (rlim_t)nconn + 64;
        rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max ? rl.rlim_max : want;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    conns = calloc((size_t)nconn, sizeof *conns);
    t_step = calloc((size_t)nevents, sizeof *t_step);
    lat = malloc(sizeof *lat * (size_t)(nobs + 1) * (size_t)nevents);
    for (size_t i = 0; i < (size_t)(nobs + 1) * (size_t)nevents; i++)
        lat[i] = -1;
    static const struct lws_protocols protos[] = {{"plenum.v1", callback, 0, 65536, 0, NULL, 0},
                                                  {"mqtt", callback, 0, 65536, 0, NULL, 0},
                                                  {NULL, NULL, 0, 0, 0, NULL, 0}};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protos;
    info.timeout_secs = 60;
    uv_loop_init(&loop);
    void *foreign_loops[1] = {&loop};
    info.options = LWS_SERVER_OPTION_LIBUV;
    info.foreign_loops = foreign_loops;
    ctx = lws_create_context(&info);
    if (!ctx)
        return 1;
    uv_timer_init(&loop, &tick);
    uv_timer_init(&loop, &step_uv);
    uv_timer_start(&tick, on_tick, 50, 50);
    t_connect0 = now_us();
    int64_t deadline =
        now_us() + (getenv("FANOUT_JOIN_S") ? atoi(getenv("FANOUT_JOIN_S")) : 600) * 1000000LL;
    for (int i = 0; i < nconn; i++) {
        conns[i].idx = i;
        conns[i].chair = i == 0;
        conns[i].slow = i > nobs;
        conns[i].url = i == 0 ? 0 : (i - 1) % nurls;
        connect_one(&conns[i]);
        /* At most MAX_JOINING connections between connect and join: with
         * all of them started at once, lws 4.1 left some thousands of
         * client connections without a socket (at 10,000-18,000 against
         * plenumd, now and then), and the server's accept queue (4,096)
         * overflowed into SYN retries seconds apart. */
        while (i + 1 - njoined >= MAX_JOINING && now_us() < deadline)
            uv_run(&loop, UV_RUN_ONCE);
    }
    /* Give up early when joining stalls, saying how far it got, rather
     * than waiting out the deadline. */
    int last_joined = -1;
    int64_t last_progress = now_us();
    while (njoined < nconn && now_us() < deadline) {
        uv_run(&loop, UV_RUN_ONCE);
        if (njoined != last_joined) {
            last_joined = njoined;
            last_progress = now_us();
        } else if (now_us() - last_progress > 60 * 1000000LL) {
            break;
        }
    }
    if (njoined < nconn) {
        int est = 0;
        for (int i = 0; i < nconn; i++)
            est += conns[i].established;
        fprintf(stderr, "fanout_load: only %d of %d joined (%d connected)\n", njoined, nconn, est);
        return 1;
    }
    /* Wait for the driver (it measures the server's memory while idle). */
    char line[16];
    if (!fgets(line, sizeof line, stdin))
        return 1;
    go = true;
    next_step();
    while (steps_acked < nevents && now_us() < deadline)
        uv_run(&loop, UV_RUN_ONCE);
    /* Let the last broadcasts arrive. */
    int64_t settle = now_us() + 5 * 1000000LL;
    while (now_us() < settle) {
        bool all = true;
        for (int i = 1; i <= nobs && all; i++)
            all = conns[i].events >= nevents;
        if (all)
            break;
        uv_run(&loop, UV_RUN_ONCE);
    }
    done = true;
    /* Every delivery that arrived; the missing ones are counted. */
    size_t n = 0, missing = 0;
    double *all = malloc(sizeof *all * (size_t)nobs * (size_t)nevents);
    for (int i = 1; i <= nobs; i++)
        for (int k = 0; k < nevents; k++) {
            double v = lat[(size_t)i * (size_t)nevents + (size_t)k];
            if (v < 0)
                missing++;
            else
                all[n++] = v;
        }
    qsort(all, n, sizeof *all, cmp);
    double connect_s = (double)(t_joined - t_connect0) / 1e6;
    FILE *o = fopen(out, "w");
    if (!o)
        return 1;
    fprintf(o,
            "{\"observers\": %d, \"slow\": %d, \"events\": %d, \"connect_s\": %.3f, "
            "\"connects_per_s\": %.0f, \"deliveries\": %zu, \"missing\": %zu, \"p50_ms\": %.2f, "
            "\"p99_ms\": %.2f, \"max_ms\": %.2f}\n",
            nobs, nslow, nevents, connect_s, nconn / connect_s, n, missing, pct(all, n, 50),
            pct(all, n, 99), n ? all[n - 1] : 0.0);
    fclose(o);
    free(all);
    /* Reset rather than close: 30,000 sockets in TIME_WAIT would hold
     * their source ports for a minute, and the next run binds the same
     * source addresses. */
    struct linger hard = {1, 0};
    for (int i = 0; i < nconn; i++) {
        uv_os_fd_t ufd = -1;
        int fd = tcp            ? (uv_fileno((uv_handle_t *)&conns[i].tcp, &ufd) == 0 ? ufd : -1)
                 : conns[i].wsi ? (int)lws_get_socket_fd(conns[i].wsi)
                                : -1;
        if (fd >= 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    }
    /* The sockets close with the process; lws_context_destroy() would
     * close 10,000 connections through its O(table) sanity checks first. */
    return missing ? 3 : 0;
}

/*
 * vote_load: a C load generator for plenumd's votes (libwebsockets client,
 * one thread, on a libuv (epoll) loop), so the client is not what is
 * measured.
 *
 * Usage: vote_load HOST PORT SESSION_ID TOKENS_FILE ROUNDS OUT.json BOARD [IDLE]
 * IDLE: this many more WebSockets are opened first and then do nothing
 * (no join, no message; lws answers the server's pings): the idle
 * connections a loop must not pay for on each wake-up. On stdout the
 * client prints "mark sustained-start" and "mark sustained-end" around the
 * sustained rounds, for the driver to sample plenumd's CPU time.
 * BOARD: the counting board's person ids as a JSON array ("[2,3,4]"): a
 * secret vote is prepared only with a board of the council's size.
 * TOKENS_FILE: the chair's token on the first line, one delegate's per line
 * after. Every delegate joins the session and checks in; then round 0 opens
 * a secret vote in which each delegate casts at a random moment within one
 * second (the burst: acknowledgement latency), and rounds 1..ROUNDS each open
 * a vote in which all cast at once (sustained durable ballots per second).
 * A ballot's latency runs from just before its frame is written to the
 * arrival of its "ok", which the server sends only after the commit.
 */
#include <uv.h> /* before libwebsockets.h: it enables lws's libuv API */

#include <libwebsockets.h>
#include <jansson.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define MAXC 4096

struct conn {
    struct lws *wsi;
    int idx;
    char token[64];
    char out[1024]; /* the one message waiting to be written */
    int out_len;
    int joined, checked_in;
    int64_t sent_us; /* when the ballot went out */
    lws_sorted_usec_list_t sul;
    char *rx;
    size_t rx_len;
};

static struct conn conns[MAXC];
static int nconn, ndone, phase, round_no, rounds, ballots_acked;
static int nidle, idle_up, idle_lost; /* the idle connections */
static uv_loop_t loop;
static uv_timer_t tick; /* wakes the loop so the deadline is checked */
static int64_t vote_id, round_start_us, sustained_us;
static const char *host;
static const char *board = "[]"; /* JSON array of person ids, from the command line */
static int port;
static int64_t session;
static struct lws_context *ctx;
static double *lat_burst, *lat_sus;
static int nburst, nsus;

static int64_t now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static void queue(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void queue(struct conn *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    c->out_len = vsnprintf(c->out + LWS_PRE, sizeof c->out - LWS_PRE, fmt, ap);
    va_end(ap);
    lws_callback_on_writable(c->wsi);
}

static void cast_now(struct conn *c)
{
    unsigned char r[16];
    char nonce[33]; /* 128 random bits as 32 hex digits */
    RAND_bytes(r, sizeof r);
    for (int i = 0; i < 16; i++)
        snprintf(nonce + 2 * i, 3, "%02x", r[i]);
    c->out_len = snprintf(
        c->out + LWS_PRE, sizeof c->out - LWS_PRE,
        "{\"type\":\"vote.cast\",\"id\":%d,\"vote_id\":%lld,\"choice\":\"for\",\"nonce\":\"%s\"}",
        1000 + round_no, (long long)vote_id, nonce);
    /* Written at once (another connection's callback or a timer is
     * running, never this one's): a writeable round trip per ballot would
     * cost the client four epoll_ctl calls on libuv, on the same two cores
     * as plenumd. lws keeps what the kernel does not take. */
    if (!lws_partial_buffered(c->wsi)) {
        int n = c->out_len;
        c->out_len = 0;
        c->sent_us = now_us();
        if (lws_write(c->wsi, (unsigned char *)c->out + LWS_PRE, (size_t)n, LWS_WRITE_TEXT) < n) {
            fprintf(stderr, "vote_load: a ballot could not be written\n");
            exit(1);
        }
        return;
    }
    lws_callback_on_writable(c->wsi);
}

static void sul_cast(lws_sorted_usec_list_t *sul)
{
    struct conn *c = lws_container_of(sul, struct conn, sul);
    cast_now(c);
}

static void mark(const char *what)
{
    printf("mark %s\n", what);
    fflush(stdout);
}

static void start_round(void)
{
    if (round_no == 1)
        mark("sustained-start");
    ballots_acked = 0;
    queue(&conns[0],
          "{\"type\":\"vote.prepare\",\"id\":10,\"kind\":\"secret\",\"question\":\"load\","
          "\"board\":%s}",
          board);
}

static void on_chair_reply(json_t *m)
{
    int re = (int)json_integer_value(json_object_get(m, "re"));
    if (strcmp(json_string_value(json_object_get(m, "type")), "ok") != 0) {
        fprintf(stderr, "vote_load: chair request %d refused: %s\n", re,
                json_string_value(json_object_get(m, "code")));
        exit(1);
    }
    if (re == 10) {
        vote_id = json_integer_value(json_object_get(json_object_get(m, "data"), "seq"));
        queue(&conns[0], "{\"type\":\"vote.open\",\"id\":11,\"vote_id\":%lld}", (long long)vote_id);
    } else if (re == 11) {
        round_start_us = now_us();
        for (int i = 1; i < nconn; i++) {
            if (round_no == 0) {
                uint32_t r;
                RAND_bytes((unsigned char *)&r, sizeof r);
                lws_sul_schedule(ctx, 0, &conns[i].sul, sul_cast, (lws_usec_t)(r % 1000000));
            } else {
                cast_now(&conns[i]);
            }
        }
    } else if (re == 12) {
        if (++round_no > rounds) {
            mark("sustained-end");
            phase = 9;
            return;
        }
        start_round();
    }
}

static void on_message(struct conn *c, const char *buf, size_t len)
{
    if (len > 15 && strncmp(buf, "{\"type\":\"event\"", 15) == 0)
        return; /* broadcasts: not what we time */
    json_t *m = json_loadb(buf, len, 0, NULL);
    if (!m)
        return;
    int re = (int)json_integer_value(json_object_get(m, "re"));
    const char *type = json_string_value(json_object_get(m, "type"));
    if (c->idx == 0 && re >= 10 && re < 20) {
        on_chair_reply(m);
    } else if (re == 1) { /* join */
        c->joined = 1;
        if (c->idx == 0) {
            ndone++;
        } else {
            queue(c, "{\"type\":\"attendance.check_in\",\"id\":2}");
        }
    } else if (re == 2) {
        c->checked_in = 1;
        ndone++;
    } else if (re >= 1000) {
        if (strcmp(type, "ok") != 0) {
            fprintf(stderr, "vote_load: ballot refused: %s\n",
                    json_string_value(json_object_get(m, "code")));
            exit(1);
        }
        double ms = (double)(now_us() - c->sent_us) / 1000.0;
        if (round_no == 0)
            lat_burst[nburst++] = ms;
        else
            lat_sus[nsus++] = ms;
        if (++ballots_acked == nconn - 1) {
            if (round_no > 0)
                sustained_us += now_us() - round_start_us;
            queue(&conns[0], "{\"type\":\"vote.close\",\"id\":12,\"vote_id\":%lld}",
                  (long long)vote_id);
        }
    }
    if (ndone == nconn && phase == 0) {
        phase = 1;
        start_round();
    }
    json_decref(m);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct conn *c = (struct conn *)lws_get_opaque_user_data(wsi);
    if (!c) { /* an idle connection */
        if (reason == LWS_CALLBACK_CLIENT_ESTABLISHED)
            idle_up++;
        else if (reason == LWS_CALLBACK_CLIENT_CONNECTION_ERROR ||
                 (reason == LWS_CALLBACK_CLIENT_CLOSED && phase != 9))
            idle_lost++;
        return 0;
    }
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
        unsigned char **p = (unsigned char **)in, *end = (*p) + len;
        char auth[96];
        snprintf(auth, sizeof auth, "Bearer %s", c->token);
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)"authorization:",
                                        (unsigned char *)auth, (int)strlen(auth), p, end))
            return -1;
        break;
    }
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        queue(c, "{\"type\":\"join\",\"id\":1,\"session_id\":%lld}", (long long)session);
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        c->rx = realloc(c->rx, c->rx_len + len);
        memcpy(c->rx + c->rx_len, in, len);
        c->rx_len += len;
        if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
            on_message(c, c->rx, c->rx_len);
            c->rx_len = 0;
        }
        break;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (c->out_len) {
            if (strncmp(c->out + LWS_PRE, "{\"type\":\"vote.cast\"", 19) == 0)
                c->sent_us = now_us();
            int n = c->out_len;
            c->out_len = 0;
            if (lws_write(wsi, (unsigned char *)c->out + LWS_PRE, (size_t)n, LWS_WRITE_TEXT) < n)
                return -1;
        }
        break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        fprintf(stderr, "vote_load: connection %d failed: %s\n", c ? c->idx : -1,
                in ? (char *)in : "?");
        exit(1);
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (phase != 9) {
            fprintf(stderr, "vote_load: connection %d closed early\n", c->idx);
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

static double pct(double *v, int n, double p)
{
    int k = (int)(p / 100.0 * n + 0.5) - 1;
    return v[k < 0 ? 0 : k >= n ? n - 1 : k];
}

static void on_tick(uv_timer_t *t)
{
    (void)t;
}

/* A WebSocket to plenumd's /ws; c NULL for an idle one. */
static struct lws *connect_one(struct conn *c)
{
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = ctx;
    ci.address = host;
    ci.port = port;
    ci.path = "/ws";
    ci.host = host;
    ci.protocol = "plenum.v1";
    ci.opaque_user_data = c;
    return lws_client_connect_via_info(&ci);
}

int main(int argc, char **argv)
{
    if (argc != 8 && argc != 9) {
        fprintf(stderr, "usage: vote_load HOST PORT SESSION_ID TOKENS_FILE ROUNDS OUT.json BOARD "
                        "[IDLE]\n");
        return 2;
    }
    nidle = argc == 9 ? atoi(argv[8]) : 0;
    board = argv[7];
    host = argv[1];
    port = atoi(argv[2]);
    session = atoll(argv[3]);
    rounds = atoi(argv[5]);
    FILE *f = fopen(argv[4], "r");
    if (!f) {
        fprintf(stderr, "vote_load: could not read %s\n", argv[4]);
        return 1;
    }
    while (nconn < MAXC && fgets(conns[nconn].token, sizeof conns[nconn].token, f)) {
        conns[nconn].token[strcspn(conns[nconn].token, "\r\n")] = '\0';
        conns[nconn].idx = nconn;
        nconn++;
    }
    fclose(f);
    struct rlimit rl; /* one descriptor per connection */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rlim_t want = (rlim_t)(nconn + nidle) + 64;
        rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max ? rl.rlim_max : want;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    lat_burst = calloc((size_t)nconn, sizeof(double));
    lat_sus = calloc((size_t)nconn * (size_t)(rounds + 1), sizeof(double));
    lws_set_log_level(LLL_ERR, NULL);
    static const struct lws_protocols protos[] = {{"plenum.v1", callback, 0, 0, 0, NULL, 0},
                                                  {NULL, NULL, 0, 0, 0, NULL, 0}};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protos;
    /* lws's own loop would poll() every descriptor on each wake-up and,
     * given fd_limit_per_thread, find connections by a linear search: with
     * thousands of idle connections the client would measure itself. */
    uv_loop_init(&loop);
    void *foreign_loops[1] = {&loop};
    info.options = LWS_SERVER_OPTION_LIBUV;
    info.foreign_loops = foreign_loops;
    ctx = lws_create_context(&info);
    if (!ctx)
        return 1;
    uv_timer_init(&loop, &tick);
    uv_timer_start(&tick, on_tick, 50, 50);
    int64_t deadline = now_us() + 300 * 1000000LL;
    /* The idle ones first, all up before any delegate joins. */
    for (int i = 0; i < nidle; i++) {
        if (!connect_one(NULL)) {
            fprintf(stderr, "vote_load: could not open idle connection %d\n", i);
            return 1;
        }
        if (i % 100 == 99)
            for (int k = 0; k < 10; k++)
                uv_run(&loop, UV_RUN_NOWAIT);
    }
    while (idle_up + idle_lost < nidle && now_us() < deadline)
        uv_run(&loop, UV_RUN_ONCE);
    if (idle_lost || idle_up < nidle) {
        fprintf(stderr, "vote_load: %d of %d idle connections up (%d failed)\n", idle_up, nidle,
                idle_lost);
        return 1;
    }
    for (int i = 0; i < nconn; i++) {
        conns[i].wsi = connect_one(&conns[i]);
        if (!conns[i].wsi) {
            fprintf(stderr, "vote_load: could not connect %d\n", i);
            return 1;
        }
        if (i % 50 == 49)
            for (int k = 0; k < 20; k++)
                uv_run(&loop, UV_RUN_NOWAIT);
    }
    while (phase != 9 && now_us() < deadline)
        uv_run(&loop, UV_RUN_ONCE);
    if (phase != 9) {
        fprintf(stderr, "vote_load: did not finish (phase %d, round %d, %d acked)\n", phase,
                round_no, ballots_acked);
        return 1;
    }
    if (idle_lost) {
        fprintf(stderr, "vote_load: %d idle connections were closed during the run\n", idle_lost);
        return 1;
    }
    qsort(lat_burst, (size_t)nburst, sizeof(double), cmp);
    qsort(lat_sus, (size_t)nsus, sizeof(double), cmp);
    FILE *o = fopen(argv[6], "w");
    fprintf(o,
            "{\"delegates\": %d, \"burst_p50_ms\": %.2f, \"burst_p99_ms\": %.2f, "
            "\"burst_max_ms\": %.2f, \"sustained_rounds\": %d, \"sustained_ballots\": %d, "
            "\"sustained_seconds\": %.3f, \"sustained_ballots_per_s\": %.0f, "
            "\"sustained_p50_ms\": %.2f, \"sustained_p99_ms\": %.2f, \"idle\": %d}\n",
            nconn - 1, pct(lat_burst, nburst, 50), pct(lat_burst, nburst, 99),
            lat_burst[nburst - 1], rounds, nsus, sustained_us / 1e6, nsus / (sustained_us / 1e6),
            pct(lat_sus, nsus, 50), pct(lat_sus, nsus, 99), nidle);
    fclose(o);
    return 0; /* the process's end closes every connection */
}

/*
 * plenumctl: a command-line client of plenumd's WebSocket protocol plenum.v1,
 * so an operator can sign in, join a session, print live events and perform
 * every chair or delegate action from a script (usage text below).
 *
 * stdout carries only JSON lines (or, for `login`, the token); every failure
 * is one line on stderr. Exit status: 0 ok, 1 connection, protocol or script
 * failure, 2 bad usage, 3 the server answered an error. It runs
 * libwebsockets' own poll loop with one connection at a time, and sends one
 * request at a time, waiting for its reply before the next (the server
 * rate-limits each connection).
 *
 * About 1,100 lines, one file on purpose: a standalone tool built from this
 * file alone (CMakeLists.txt), linking only libwebsockets, jansson and GLib,
 * that operators may copy to another machine.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <jansson.h>
#include <libwebsockets.h>

#define MAX_OUT     (64 * 1024)        /* the server's limit on one message */
#define MAX_IN      (16 * 1024 * 1024) /* a snapshot is big, but never this big */
#define TICK_US     (100 * 1000)       /* how often the loop wakes to check time and signals */
#define RETRY_US    (1000 * 1000)      /* pause before resending a request not done */
#define US_PER_S    1000000
#define DEFAULT_URL "ws://127.0.0.1:8080"

enum { RC_OK = 0, RC_FAIL = 1, RC_USAGE = 2, RC_REFUSED = 3 };

static const char usage_text[] =
    "usage: plenumctl [OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  login                   print a new token (password from PLENUM_PASSWORD, else the\n"
    "                          first line of stdin); needs --login NAME or --code CODE\n"
    "  whoami                  print the whoami reply data\n"
    "  send SESSION_ID TYPE [key=value ...]\n"
    "                          join the session, send one request, print its reply\n"
    "  run SESSION_ID [FILE]   join, then send each line of FILE (or stdin, or -),\n"
    "                          \"TYPE [key=value ...]\", in order; print each reply\n"
    "  watch SESSION_ID        join, print the join reply, then every event\n"
    "\n"
    "Options:\n"
    "  --url URL           ws:// or wss:// address of plenumd (env PLENUM_URL;\n"
    "                      default " DEFAULT_URL "); sign-in uses http(s) there\n"
    "  --token TOKEN       sign in with this token (env PLENUM_TOKEN); none: observer\n"
    "  --login NAME        sign in as NAME first (password as for login)\n"
    "  --code CODE         sign in with a sign-in code first\n"
    "  --origin ORIGIN     send this Origin header\n"
    "  --timeout SECONDS   bound on every wait (default 15); watch: its total duration\n"
    "  --insecure          wss: accept a self-signed or otherwise unverified certificate\n"
    "  --count N           watch: stop after N events\n"
    "  --keep-going        run: go on after an error reply (exit 3 at the end)\n"
    "  -h, --help          print this help\n"
    "\n"
    "key:=JSON sends a JSON value as is: candidates:='[{\"id\":1,\"name\":\"A\"}]'.\n"
    "Session commands that change state get a fresh idempotency key (key=...\n"
    "overrides it). A reply db_unavailable, or outcome_unknown for a request\n"
    "with a key or a ballot, is retried every second with the very same request\n"
    "while --timeout allows; if the outcome stays unknown, outcome_unknown is\n"
    "what is reported (send it again later with the same key=...).\n"
    "key=value: an integer value is sent as a JSON integer, true/false as booleans,\n"
    "anything else as a string. In run scripts, quote as in sh\n"
    "(display.set mode=message message='Nghỉ giải lao'); blank lines and lines\n"
    "starting with # are skipped.\n"
    "Exit status: 0 ok, 1 connection or protocol failure, 2 bad usage,\n"
    "3 the server answered an error (its JSON line on stdout).\n";

struct opts {
    const char *url, *token, *login, *code, *origin;
    double timeout;
    bool timeout_given, insecure, keep_going;
    long count;
    bool tls; /* the rest comes from the URL */
    int port;
    char addr[256], host[300], ws_path[600], api_path[600], ws_shown[1000], api_shown[1000];
};

struct out {
    size_t len;
    unsigned char buf[]; /* LWS_PRE bytes of headroom, then the message */
};

enum stop { GO, STOP_CLOSED, STOP_TIMEOUT, STOP_SIGNAL };

/* One connection (an HTTP sign-in or the WebSocket), its context and what it
 * has produced. */
struct client {
    struct lws_context *ctx;
    struct lws *wsi;
    lws_sorted_usec_list_t tick;
    const char *token, *origin, *shown;
    bool http;
    int status;                     /* HTTP status of the answer or of a refused handshake */
    bool up, done, closing, closed; /* done: the whole HTTP answer arrived */
    GString *rx;                    /* HTTP body, or the WebSocket message being reassembled */
    GQueue outq;                    /* struct out * waiting for WRITEABLE */
    GQueue inbox;                   /* json_t * received, not yet handled */
    json_int_t next_id;
    char err[600];
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * US_PER_S + ts.tv_nsec / 1000;
}

static int64_t deadline_in(const struct opts *o)
{
    return now_us() + (int64_t)(o->timeout * US_PER_S);
}

static void set_err(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The first reason wins: later ones (the close after an error) say less. */
static void set_err(struct client *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!c->err[0])
        vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
}

/* lws says why a connection failed in its own words; say it plainly. */
static const char *connect_reason(const char *in)
{
    if (!in || !*in)
        return "connection failed";
    if (strstr(in, "Unable to connect"))
        return "connection refused or host unreachable";
    if (strstr(in, "read failed"))
        return "the connection was closed during the handshake (a wss:// server?)";
    if (strstr(in, "SSL") || strstr(in, "ssl") || strstr(in, "tls"))
        return "TLS handshake failed (not a TLS server, or a certificate that needs --insecure)";
    return in;
}

static const char *refusal_hint(int status)
{
    return status == 401   ? " (the token is unknown, expired or revoked)"
           : status == 403 ? " (origin not allowed)"
           : status == 404 ? " (no WebSocket endpoint there; check --url)"
           : status == 429 ? " (too many connections for this account)"
                           : "";
}

static int add_header(struct lws *wsi, void *in, size_t len, const char *name, const char *value)
{
    unsigned char **p = in;
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value, (int)strlen(value), p,
                                       *p + len);
}

/* Takes a piece of a message; false if it would grow past MAX_IN. */
static bool take_rx(struct client *c, const void *in, size_t len)
{
    if (c->rx->len + len > MAX_IN) {
        set_err(c, "the answer from %s is over %d bytes", c->shown, MAX_IN);
        return false;
    }
    g_string_append_len(c->rx, in, (gssize)len);
    return true;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct lws_context *ctx = lws_get_context(wsi);
    struct client *c = ctx ? lws_context_user(ctx) : NULL;
    (void)user; /* per-connection user data is not used: one connection per context */
    if (!c)
        return 0;

    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
        char v[600];
        snprintf(v, sizeof v, "Bearer %s", c->token ? c->token : "");
        if ((c->token && add_header(wsi, in, len, "authorization:", v)) ||
            (c->origin && add_header(wsi, in, len, "origin:", c->origin)))
            return -1;
        if (c->http) {
            const struct out *body = g_queue_peek_head(&c->outq);
            snprintf(v, sizeof v, "%zu", body->len);
            if (add_header(wsi, in, len, "content-type:", "application/json") ||
                add_header(wsi, in, len, "content-length:", v))
                return -1;
            lws_client_http_body_pending(wsi, 1);
            lws_callback_on_writable(wsi);
        }
        break;
    }
    case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
        c->status = lws_http_client_http_response(wsi);
        break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (c->status && c->status != 101 && !c->http)
            set_err(c, "handshake refused: HTTP %d%s", c->status, refusal_hint(c->status));
        else
            set_err(c, "could not connect to %s: %s", c->shown, connect_reason(in));
        c->wsi = NULL;
        c->closed = true;
        break;

    case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
    case LWS_CALLBACK_CLIENT_WRITEABLE: {
        struct out *m = g_queue_pop_head(&c->outq);
        if (!m) {
            if (!c->closing)
                break;
            lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
            return -1;
        }
        if (c->http)
            lws_client_http_body_pending(wsi, 0);
        /* One lws_write per callback: lws buffers what the socket does not take. */
        int w = lws_write(wsi, m->buf + LWS_PRE, m->len,
                          c->http ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_TEXT);
        bool short_write = w < (int)m->len;
        explicit_bzero(m->buf, LWS_PRE + m->len); /* a sign-in holds the password */
        g_free(m);
        if (short_write) {
            set_err(c, "could not send to %s", c->shown);
            return -1;
        }
        if (!g_queue_is_empty(&c->outq) || c->closing)
            lws_callback_on_writable(wsi);
        break;
    }

    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
        char buf[LWS_PRE + 4096], *px = buf + LWS_PRE;
        int n = (int)sizeof buf - LWS_PRE;
        return lws_http_client_read(wsi, &px, &n) < 0 ? -1 : 0;
    }
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
        return take_rx(c, in, len) ? 0 : -1;
    case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
        c->done = true;
        break;
    case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
        if (!c->done)
            set_err(c, "%s closed the connection before answering", c->shown);
        c->wsi = NULL;
        c->closed = true;
        break;

    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        c->up = true;
        if (!g_queue_is_empty(&c->outq))
            lws_callback_on_writable(wsi);
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE: {
        if (!take_rx(c, in, len))
            return -1;
        /* A message may come in several fragments, and a fragment in pieces. */
        if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
            break;
        json_t *m = json_loadb(c->rx->str, c->rx->len, 0, NULL);
        g_string_truncate(c->rx, 0);
        if (!json_is_object(m)) {
            json_decref(m);
            set_err(c, "the server sent a message that is not a JSON object");
            return -1;
        }
        g_queue_push_tail(&c->inbox, m);
        break;
    }
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (len >= 2) {
            const unsigned char *b = in;
            set_err(c, "the server closed the connection (%d%s%.*s)", b[0] << 8 | b[1],
                    len > 2 ? ": " : "", (int)(len - 2), (const char *)b + 2);
        }
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        set_err(c, "the server closed the connection");
        c->wsi = NULL;
        c->closed = true;
        break;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    {"plenumctl-http", callback, 0, 0, 0, NULL, 0},
    {"plenum.v1", callback, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* lws's own lines would mix with ours on stderr; its failures reach us as
 * callbacks and are reported there, in one line. */
static void drop_log(int level, const char *line)
{
    (void)level;
    (void)line;
}

/* Keeps poll() from sleeping past our deadlines: lws only wakes for its own timers. */
static void on_tick(lws_sorted_usec_list_t *sul)
{
    struct client *c = lws_container_of(sul, struct client, tick);
    lws_sul_schedule(c->ctx, 0, &c->tick, on_tick, TICK_US);
}

static void queue_text(struct client *c, const char *text, size_t n)
{
    struct out *m = g_malloc(sizeof *m + LWS_PRE + n);
    m->len = n;
    memcpy(m->buf + LWS_PRE, text, n);
    g_queue_push_tail(&c->outq, m);
    if (c->wsi)
        lws_callback_on_writable(c->wsi);
}

/* Sets up a context and starts connecting: the WebSocket, or with body the
 * sign-in POST. Failures come out of the loop (step) as STOP_CLOSED. */
static int client_open(struct client *c, const struct opts *o, const char *token, const char *body)
{
    memset(c, 0, sizeof *c);
    g_queue_init(&c->outq);
    g_queue_init(&c->inbox);
    c->rx = g_string_new(NULL);
    c->token = token;
    c->origin = o->origin;
    c->http = body != NULL;
    c->shown = body ? o->api_shown : o->ws_shown;
    if (body)
        queue_text(c, body, strlen(body));

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.user = c;
    info.gid = info.uid = -1;
    info.fd_limit_per_thread = 16;
    info.timeout_secs = info.connect_timeout_secs = (unsigned)o->timeout + 2;
    info.options = o->tls ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0;
    c->ctx = lws_create_context(&info);
    if (!c->ctx) {
        fprintf(stderr, "plenumctl: could not set up libwebsockets\n");
        return -1;
    }
    lws_sul_schedule(c->ctx, 0, &c->tick, on_tick, TICK_US);

    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = c->ctx;
    ci.address = o->addr;
    ci.port = o->port;
    ci.host = o->host;
    ci.alpn = "http/1.1";
    ci.pwsi = &c->wsi;
    if (o->tls)
        ci.ssl_connection =
            LCCSCF_USE_SSL |
            (o->insecure ? LCCSCF_ALLOW_SELFSIGNED | LCCSCF_ALLOW_EXPIRED |
                               LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK | LCCSCF_ALLOW_INSECURE
                         : 0);
    ci.path = body ? o->api_path : o->ws_path;
    ci.method = body ? "POST" : NULL;
    ci.protocol = body ? NULL : "plenum.v1";
    ci.local_protocol_name = body ? "plenumctl-http" : "plenum.v1";
    if (!lws_client_connect_via_info(&ci)) {
        /* lws resolves the name in there, and says nothing when that fails. */
        struct addrinfo *ai = NULL;
        int g = getaddrinfo(o->addr, NULL, NULL, &ai);
        if (ai)
            freeaddrinfo(ai);
        set_err(c, "could not connect to %s%s%s", c->shown, g ? ": " : "",
                g ? gai_strerror(g) : "");
        c->closed = true;
    }
    return 0;
}

/* Closes a WebSocket with 1000 (briefly) so the server sees a clean end. */
static void client_free(struct client *c)
{
    if (c->wsi && c->up && !c->closed) {
        c->closing = true;
        lws_callback_on_writable(c->wsi);
        for (int64_t end = now_us() + US_PER_S; !c->closed && now_us() < end;)
            lws_service(c->ctx, 0);
    }
    if (c->ctx) {
        lws_sul_cancel(&c->tick);
        lws_context_destroy(c->ctx);
    }
    struct out *m;
    while ((m = g_queue_pop_head(&c->outq))) {
        explicit_bzero(m->buf, LWS_PRE + m->len);
        g_free(m);
    }
    json_t *j;
    while ((j = g_queue_pop_head(&c->inbox)))
        json_decref(j);
    g_string_free(c->rx, TRUE);
}

/* One turn of the loop, unless it is time to stop. */
static enum stop step(struct client *c, int64_t deadline)
{
    if (interrupted)
        return STOP_SIGNAL;
    if (c->closed)
        return STOP_CLOSED;
    if (now_us() >= deadline)
        return STOP_TIMEOUT;
    lws_service(c->ctx, 0);
    return GO;
}

static void report_stop(const struct client *c, enum stop s, const struct opts *o, const char *what,
                        const char *arg)
{
    if (s == STOP_SIGNAL)
        fprintf(stderr, "plenumctl: interrupted\n");
    else if (s == STOP_TIMEOUT)
        fprintf(stderr, "plenumctl: timed out after %g s %s%s\n", o->timeout, what, arg);
    else
        fprintf(stderr, "plenumctl: %s\n", c->err[0] ? c->err : "connection lost");
}

/* Runs the loop until *flag; else says why not and returns -1. */
static int wait_for(struct client *c, const bool *flag, int64_t deadline, const struct opts *o,
                    const char *what, const char *arg)
{
    enum stop s = GO;
    while (!*flag && (s = step(c, deadline)) == GO)
        ;
    if (*flag)
        return 0;
    report_stop(c, s, o, what, arg);
    return -1;
}

/* Prints one JSON value as one line, flushed at once (watch is read live). */
static int print_json(const json_t *j)
{
    if (json_dumpf(j, stdout, JSON_COMPACT) != 0 || fputc('\n', stdout) == EOF ||
        fflush(stdout) != 0) {
        fprintf(stderr, "plenumctl: could not write to stdout: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

static bool has(const json_t *m, const char *key, const char *value)
{
    const char *v = json_string_value(json_object_get(m, key));
    return v && strcmp(v, value) == 0;
}

/* A server error: its JSON line on stdout for scripts, one line on stderr for people. */
static int report_refusal(const json_t *r, const char *where, const char *type)
{
    const char *code = json_string_value(json_object_get(r, "code"));
    const char *msg = json_string_value(json_object_get(r, "message"));
    print_json(r);
    fprintf(stderr, "plenumctl: %s%s refused: %s%s%s\n", where, type, code ? code : "error",
            msg ? ": " : "", msg ? msg : "");
    return RC_REFUSED;
}

/* Session commands that change state take an idempotency key (the
 * server's rule, server/proto/proto_decode.c takes_key): all but ballots, whose
 * nonce or choice already make a retry safe, and vote.tally. */
static bool takes_key(const char *type)
{
    static const char *const groups[] = {"session.", "sitting.", "agenda.",  "attendance.",
                                         "speaker.", "timer.",   "display.", "vote."};
    for (size_t i = 0; i < G_N_ELEMENTS(groups); i++)
        if (g_str_has_prefix(type, groups[i]))
            return strcmp(type, "vote.cast") != 0 && strcmp(type, "vote.enter") != 0 &&
                   strcmp(type, "vote.tally") != 0;
    return false;
}

/* A fresh key: 16 characters, base64url of 96 random bits. Caller frees. */
static char *new_key(void)
{
    unsigned char b[12];
    if (getentropy(b, sizeof b) != 0)
        for (size_t i = 0; i < sizeof b; i++)
            b[i] = (unsigned char)g_random_int();
    char *k = g_base64_encode(b, sizeof b);
    for (char *p = k; *p; p++)
        *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    return k;
}

/* Whether the reply says nothing was done, or perhaps something was, and
 * sending req again as it is (same key, same nonce) is safe. */
static bool resend(const json_t *m, const json_t *req)
{
    const char *type = json_string_value(json_object_get(req, "type"));
    if (has(m, "code", "rate_limited") || has(m, "code", "db_unavailable"))
        return true;
    return has(m, "code", "outcome_unknown") &&
           (json_object_get(req, "key") || strcmp(type, "vote.cast") == 0 ||
            strcmp(type, "vote.enter") == 0);
}

/* Sends one request and waits for its reply; events arriving meanwhile are
 * dropped (watch prints those after its join). A session command gets an
 * idempotency key first. A refusal that means nothing was done
 * (rate_limited, db_unavailable) or that the outcome is unknown (with a key
 * or a ballot: safe to send again) sends the same request again a second
 * later while time allows; once an attempt was outcome_unknown, a later
 * db_unavailable is not reported as "nothing recorded" but the unknown
 * outcome is. Returns the reply, or NULL after saying why there is none. */
static json_t *request(struct client *c, const struct opts *o, json_t *req, int64_t deadline)
{
    const char *type = json_string_value(json_object_get(req, "type"));
    if (takes_key(type) && !json_object_get(req, "key")) {
        char *k = new_key();
        json_object_set_new(req, "key", json_string(k));
        g_free(k);
    }
    json_t *unknown = NULL; /* the first outcome_unknown reply; owned */
    for (;;) {
        json_int_t id = ++c->next_id;
        json_object_set_new(req, "id", json_integer(id));
        char *text = json_dumps(req, JSON_COMPACT);
        if (!text || strlen(text) > MAX_OUT) {
            fprintf(stderr, "plenumctl: the %s request is over the server's limit of %d bytes\n",
                    type, MAX_OUT);
            free(text);
            json_decref(unknown);
            return NULL;
        }
        queue_text(c, text, strlen(text));
        free(text);
        for (int64_t resend_at = 0; !resend_at || now_us() < resend_at;) {
            json_t *m = g_queue_pop_head(&c->inbox);
            if (!m) {
                enum stop s = step(c, deadline);
                if (s != GO) {
                    report_stop(c, s, o, "waiting for the reply to ", type);
                    json_decref(unknown);
                    return NULL;
                }
                continue;
            }
            json_t *re = json_object_get(m, "re");
            /* re is null when the server could not read our id: still ours. */
            bool ours = (json_is_integer(re) && json_integer_value(re) == id) ||
                        (json_is_null(re) && has(m, "type", "error"));
            if (ours && has(m, "code", "outcome_unknown") && !unknown)
                unknown = json_incref(m);
            if (ours && (!resend(m, req) || now_us() + RETRY_US >= deadline)) {
                if (unknown && has(m, "code", "db_unavailable")) {
                    json_decref(m);
                    return unknown;
                }
                json_decref(unknown);
                return m;
            }
            if (ours)
                resend_at = now_us() + RETRY_US;
            json_decref(m);
        }
    }
}

/* The password comes from PLENUM_PASSWORD or the first line of stdin, never
 * from argv where `ps` shows it. On a terminal it is typed without echo. */
static char *read_password(void)
{
    if (getenv("PLENUM_PASSWORD"))
        return strdup(getenv("PLENUM_PASSWORD"));
    struct termios old, quiet;
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        fputs("Password: ", stderr);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (n < 0) {
        free(line);
        return NULL;
    }
    line[strcspn(line, "\r\n")] = '\0';
    return line;
}

/* Signs in over HTTP. Returns the token (to free) or NULL with *rc set after
 * saying why. */
static char *sign_in(const struct opts *o, int *rc)
{
    json_t *body = NULL;
    *rc = RC_FAIL;
    if (o->code) {
        body = json_pack("{s:s}", "code", o->code);
    } else {
        char *pw = read_password();
        if (!pw) {
            fprintf(stderr, "plenumctl: no password: set PLENUM_PASSWORD or give it as the first "
                            "line of stdin\n");
            return NULL;
        }
        body = json_pack("{s:s, s:s}", "login", o->login, "password", pw);
        explicit_bzero(pw, strlen(pw));
        free(pw);
    }
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text) {
        fprintf(stderr, "plenumctl: the login, password or code is not valid UTF-8\n");
        return NULL;
    }
    struct client c;
    json_t *answer = NULL;
    char *token = NULL;
    if (client_open(&c, o, NULL, text) == 0 &&
        wait_for(&c, &c.done, deadline_in(o), o, "waiting for the sign-in answer from ",
                 o->api_shown) == 0) {
        answer = json_loadb(c.rx->str, c.rx->len, 0, NULL);
        const char *t = json_string_value(json_object_get(answer, "token"));
        const char *code = json_string_value(json_object_get(answer, "error"));
        const char *msg = json_string_value(json_object_get(answer, "message"));
        if (c.status == 200 && t) {
            token = strdup(t);
            *rc = RC_OK;
        } else if (code) {
            print_json(answer);
            fprintf(stderr, "plenumctl: sign-in refused: HTTP %d %s%s%s\n", c.status, code,
                    msg ? ": " : "", msg ? msg : "");
            *rc = RC_REFUSED;
        } else {
            fprintf(stderr, "plenumctl: sign-in failed: HTTP %d from %s\n", c.status, o->api_shown);
        }
    }
    explicit_bzero(text, strlen(text));
    free(text);
    json_decref(answer);
    client_free(&c);
    return token;
}

/* Connects the WebSocket and, if sid > 0, joins that session. Returns RC_OK
 * (with the join reply in *joined, to decref) or the exit code after saying
 * why; either way c is to be freed. */
static int open_session(struct client *c, const struct opts *o, const char *token, json_int_t sid,
                        int64_t deadline, json_t **joined)
{
    *joined = NULL;
    if (client_open(c, o, token, NULL) != 0 ||
        wait_for(c, &c->up, deadline, o, "connecting to ", o->ws_shown) != 0)
        return RC_FAIL;
    if (sid <= 0)
        return RC_OK;
    json_t *req = json_pack("{s:s, s:i, s:I}", "type", "join", "id", 0, "session_id", sid);
    json_t *r = request(c, o, req, deadline);
    json_decref(req);
    if (r && has(r, "type", "error")) {
        report_refusal(r, "", "join");
        json_decref(r);
        return RC_REFUSED;
    }
    *joined = r;
    return r ? RC_OK : RC_FAIL;
}

static json_t *parse_value(const char *s)
{
    if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)
        return json_boolean(s[0] == 't');
    const char *d = s + (*s == '-');
    if (*d && strspn(d, "0123456789") == strlen(d)) {
        errno = 0;
        long long v = strtoll(s, NULL, 10);
        if (errno == 0)
            return json_integer(v);
    }
    return json_string(s); /* NULL if not UTF-8 */
}

/* Builds {"type":TYPE,"id":0,key:value...} from key=value words; the id is
 * set when the request is sent. Returns NULL with err filled. */
static json_t *build_request(const char *type, char **kv, int n, char *err, size_t errlen)
{
    json_t *req = json_pack("{s:s, s:i}", "type", type, "id", 0);
    if (!*type || strchr(type, '=') || !req) {
        snprintf(err, errlen, "expected a request type such as sitting.open, got \"%s\"", type);
        json_decref(req);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        const char *eq = strchr(kv[i], '=');
        /* key:=JSON sends any JSON value (arrays, objects, a numeric string). */
        bool raw = eq && eq > kv[i] + 1 && eq[-1] == ':';
        char *key = eq && eq != kv[i] ? g_strndup(kv[i], (gsize)(eq - kv[i] - raw)) : NULL;
        json_t *value = NULL;
        if (key && raw) {
            value = json_loads(eq + 1, JSON_DECODE_ANY, NULL);
            if (!value) {
                snprintf(err, errlen, "\"%s\" is not valid JSON after :=", key);
                g_free(key);
                json_decref(req);
                return NULL;
            }
        }
        bool ok = false;
        if (!key)
            snprintf(err, errlen, "expected key=value, got \"%s\"", kv[i]);
        else if (strcmp(key, "type") == 0 || strcmp(key, "id") == 0)
            snprintf(err, errlen, "\"%s\" is set by plenumctl", key);
        else if (json_object_get(req, key))
            snprintf(err, errlen, "\"%s\" is given twice", key);
        else if (json_object_set_new(req, key, value ? value : parse_value(eq + 1)) != 0)
            snprintf(err, errlen, "\"%s\" is not valid UTF-8", key);
        else
            ok = true;
        g_free(key);
        if (!ok) {
            json_decref(req);
            return NULL;
        }
    }
    return req;
}

/* Reads a whole run script before connecting, so a typo on its last line
 * stops it before the first line has changed anything. */
static GPtrArray *read_script(const char *path, GArray *lines)
{
    bool std = !path || strcmp(path, "-") == 0;
    const char *name = std ? "stdin" : path;
    FILE *f = std ? stdin : fopen(path, "r");
    if (!f) {
        fprintf(stderr, "plenumctl: could not open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    GPtrArray *reqs = g_ptr_array_new_with_free_func((GDestroyNotify)json_decref);
    char *line = NULL, err[600];
    size_t cap = 0;
    bool ok = true;
    for (int no = 1; ok && getline(&line, &cap, f) >= 0; no++) {
        line[strcspn(line, "\r\n")] = '\0';
        const char *s = line + strspn(line, " \t");
        if (!*s || *s == '#')
            continue;
        int argc = 0;
        char **argv = NULL;
        GError *gerr = NULL;
        json_t *req = NULL;
        if (!g_shell_parse_argv(s, &argc, &argv, &gerr)) {
            /* GLib's message ends by quoting the line: drop that part. */
            int k = (int)strcspn(gerr->message, "(");
            while (k > 0 && gerr->message[k - 1] == ' ')
                k--;
            snprintf(err, sizeof err, "%.*s", k, gerr->message);
        } else
            req = build_request(argv[0], argv + 1, argc - 1, err, sizeof err);
        if (req) {
            g_ptr_array_add(reqs, req);
            g_array_append_val(lines, no);
        } else {
            fprintf(stderr, "plenumctl: %s:%d: %s\n", name, no, err);
            ok = false;
        }
        g_clear_error(&gerr);
        g_strfreev(argv);
    }
    if (ok && ferror(f)) {
        fprintf(stderr, "plenumctl: could not read %s: %s\n", name, strerror(errno));
        ok = false;
    }
    free(line);
    if (!std)
        fclose(f);
    if (!ok)
        g_ptr_array_free(reqs, TRUE);
    return ok ? reqs : NULL;
}

/* whoami (sid 0: no join, prints the data only), send and run: each request
 * in turn, each reply printed. */
static int cmd_requests(const struct opts *o, const char *token, json_int_t sid, GPtrArray *reqs,
                        const GArray *lines)
{
    struct client c;
    json_t *joined;
    bool refused = false;
    int rc = open_session(&c, o, token, sid, deadline_in(o), &joined);
    json_decref(joined);
    for (guint i = 0; rc == RC_OK && i < reqs->len; i++) {
        json_t *req = g_ptr_array_index(reqs, i);
        const char *type = json_string_value(json_object_get(req, "type"));
        json_t *r = request(&c, o, req, deadline_in(o));
        char where[40] = "";
        if (lines)
            snprintf(where, sizeof where, "line %d: ", g_array_index(lines, int, i));
        if (!r)
            rc = RC_FAIL;
        else if (has(r, "type", "error"))
            rc = report_refusal(r, where, type);
        else if (print_json(sid ? r : json_object_get(r, "data")) != 0)
            rc = RC_FAIL;
        json_decref(r);
        if (rc == RC_REFUSED && o->keep_going) {
            refused = true;
            rc = RC_OK;
        }
    }
    client_free(&c);
    return rc == RC_OK && refused ? RC_REFUSED : rc;
}

static int cmd_watch(const struct opts *o, const char *token, json_int_t sid)
{
    struct client c;
    json_t *joined, *m;
    long events = 0;
    /* With --timeout, watch ends then; the connect and join count against it. */
    int64_t end = o->timeout_given ? deadline_in(o) : INT64_MAX;
    int rc = open_session(&c, o, token, sid, o->timeout_given ? end : deadline_in(o), &joined);
    if (rc == RC_OK && print_json(joined) != 0)
        rc = RC_FAIL;
    json_decref(joined);
    while (rc == RC_OK && !(o->count > 0 && events >= o->count)) {
        if ((m = g_queue_pop_head(&c.inbox))) {
            if (has(m, "type", "event") && ++events && print_json(m) != 0)
                rc = RC_FAIL;
            json_decref(m);
            continue;
        }
        enum stop s = step(&c, end);
        if (s == STOP_CLOSED) {
            report_stop(&c, s, o, "", "");
            rc = RC_FAIL;
        } else if (s != GO) {
            break; /* the time is up, or ^C: a normal end */
        }
    }
    client_free(&c);
    return rc;
}

/* Splits --url into what lws needs. A path prefix (behind a proxy) is kept:
 * ws://h/p gives /p/ws and /p/api/login; a query (?lang=en) goes to /ws only. */
static int parse_url(struct opts *o)
{
    char buf[512], base[512] = "";
    const char *prot, *ads, *path;
    if (strlen(o->url) >= sizeof buf)
        return -1;
    snprintf(buf, sizeof buf, "%s", o->url);
    if (lws_parse_uri(buf, &prot, &ads, &o->port, &path) || !*ads || o->port <= 0 ||
        o->port > 65535 || strlen(ads) >= sizeof o->addr)
        return -1;
    o->tls = strcmp(prot, "wss") == 0 || strcmp(prot, "https") == 0;
    if (!o->tls && strcmp(prot, "ws") != 0 && strcmp(prot, "http") != 0)
        return -1;
    snprintf(o->addr, sizeof o->addr, "%s", ads);
    if (strcmp(path, "/") != 0)
        snprintf(base, sizeof base, "/%s", path);
    char *query = strchr(base, '?');
    if (query)
        *query++ = '\0';
    size_t n = strlen(base);
    while (n && base[n - 1] == '/')
        base[--n] = '\0';
    if (n >= 3 && strcmp(base + n - 3, "/ws") == 0)
        base[n - 3] = '\0';
    bool v6 = strchr(o->addr, ':') != NULL;
    snprintf(o->host, sizeof o->host, "%s%s%s", v6 ? "[" : "", o->addr, v6 ? "]" : "");
    if (o->port != (o->tls ? 443 : 80))
        snprintf(o->host + strlen(o->host), sizeof o->host - strlen(o->host), ":%d", o->port);
    snprintf(o->ws_path, sizeof o->ws_path, "%s/ws%s%s", base, query ? "?" : "",
             query ? query : "");
    snprintf(o->api_path, sizeof o->api_path, "%s/api/login", base);
    snprintf(o->ws_shown, sizeof o->ws_shown, "%s://%s%s", o->tls ? "wss" : "ws", o->host,
             o->ws_path);
    snprintf(o->api_shown, sizeof o->api_shown, "%s://%s%s", o->tls ? "https" : "http", o->host,
             o->api_path);
    return 0;
}

/* A header value must be one line of visible ASCII. */
static bool header_safe(const char *s)
{
    for (const char *p = s; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            return false;
    return *s && strlen(s) <= 512;
}

static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("plenumctl: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", usage_text);
    return RC_USAGE;
}

static bool parse_count(const char *s, long long *v)
{
    char *end;
    errno = 0;
    *v = strtoll(s, &end, 10);
    return errno == 0 && end != s && !*end && *v >= 0;
}

int main(int argc, char **argv)
{
    struct opts o;
    memset(&o, 0, sizeof o);
    o.url = getenv("PLENUM_URL") ? getenv("PLENUM_URL") : DEFAULT_URL;
    o.timeout = 15;
    const char **strs[] = {&o.url, &o.token, &o.login, &o.code, &o.origin};
    enum { O_TIMEOUT = 5, O_COUNT, O_INSECURE, O_KEEP };
    static const struct option longopts[] = {
        {"url", required_argument, NULL, 0},
        {"token", required_argument, NULL, 1},
        {"login", required_argument, NULL, 2},
        {"code", required_argument, NULL, 3},
        {"origin", required_argument, NULL, 4},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"count", required_argument, NULL, O_COUNT},
        {"insecure", no_argument, NULL, O_INSECURE},
        {"keep-going", no_argument, NULL, O_KEEP},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0; /* we say it ourselves, in one line */
    int ch;
    long long n = 0;
    char *end;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (ch >= 0 && ch < 5) {
            *strs[ch] = optarg;
        } else if (ch == O_TIMEOUT) {
            o.timeout = strtod(optarg, &end);
            o.timeout_given = true;
            if (end == optarg || *end || !(o.timeout > 0 && o.timeout <= 1e6))
                return bad_usage("--timeout takes a number of seconds, got \"%s\"", optarg);
        } else if (ch == O_COUNT) {
            if (!parse_count(optarg, &n) || n > INT32_MAX)
                return bad_usage("--count takes a number of events, got \"%s\"", optarg);
            o.count = (long)n;
        } else if (ch == O_INSECURE || ch == O_KEEP) {
            *(ch == O_INSECURE ? &o.insecure : &o.keep_going) = true;
        } else if (ch == 'h') {
            fputs(usage_text, stdout);
            return RC_OK;
        } else {
            return bad_usage("unknown or incomplete option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return bad_usage("no command given");
    const char *cmd = argv[optind];
    char **args = argv + optind + 1;
    int nargs = argc - optind - 1;
    if ((o.token != NULL) + (o.login != NULL) + (o.code != NULL) > 1)
        return bad_usage("give only one of --token, --login and --code");
    if (!o.token && !o.login && !o.code)
        o.token = getenv("PLENUM_TOKEN");
    if (o.token && !header_safe(o.token))
        return bad_usage("the token is malformed (expected what plenumctl login prints)");
    if (o.origin && !header_safe(o.origin))
        return bad_usage("--origin must be one line of printable ASCII");
    if (parse_url(&o) != 0)
        return bad_usage("--url: expected ws://HOST[:PORT] or wss://HOST[:PORT], got \"%s\"",
                         o.url);

    /* Every argument is checked before anything goes over the network. */
    bool session = strcmp(cmd, "send") == 0 || strcmp(cmd, "run") == 0 || strcmp(cmd, "watch") == 0;
    int max_args = strcmp(cmd, "send") == 0 ? INT_MAX : strcmp(cmd, "run") == 0 ? 2 : session;
    char err[600];
    json_t *single = NULL;
    if (!session && strcmp(cmd, "login") != 0 && strcmp(cmd, "whoami") != 0)
        return bad_usage("unknown command \"%s\"", cmd);
    if (nargs > max_args)
        return bad_usage("too many arguments for %s, from \"%s\"", cmd, args[max_args]);
    if (strcmp(cmd, "login") == 0 && !o.login && !o.code)
        return bad_usage("login needs --login NAME or --code CODE");
    if (session && (nargs < 1 || !parse_count(args[0], &n) || n == 0))
        return bad_usage("%s needs a SESSION_ID (a positive integer)", cmd);
    if (strcmp(cmd, "send") == 0 && nargs < 2)
        return bad_usage("send needs a request TYPE after the SESSION_ID");
    if (strcmp(cmd, "whoami") == 0 || strcmp(cmd, "send") == 0) {
        single = strcmp(cmd, "send") == 0
                     ? build_request(args[1], args + 2, nargs - 2, err, sizeof err)
                     : json_pack("{s:s, s:i}", "type", "whoami", "id", 0);
        if (!single)
            return bad_usage("%s", err);
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: poll() must return at once */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    lws_set_log_level(LLL_ERR, drop_log);

    int rc = RC_OK;
    char *owned = NULL;
    const char *token = o.token;
    GPtrArray *reqs = NULL;
    GArray *lines = NULL;
    if ((o.login || o.code) && !(token = owned = sign_in(&o, &rc)))
        goto done; /* sign_in said why */
    if (strcmp(cmd, "login") == 0) {
        printf("%s\n", owned);
        rc = fflush(stdout) == 0 ? RC_OK : RC_FAIL;
    } else if (strcmp(cmd, "watch") == 0) {
        rc = cmd_watch(&o, token, n);
    } else {
        if (single) {
            reqs = g_ptr_array_new_with_free_func((GDestroyNotify)json_decref);
            g_ptr_array_add(reqs, g_steal_pointer(&single));
        } else {
            lines = g_array_new(FALSE, FALSE, sizeof(int));
            reqs = read_script(nargs > 1 ? args[1] : NULL, lines);
        }
        rc = reqs ? cmd_requests(&o, token, session ? n : 0, reqs, lines) : RC_FAIL;
    }
done:
    if (owned)
        explicit_bzero(owned, strlen(owned));
    free(owned);
    json_decref(single);
    if (reqs)
        g_ptr_array_free(reqs, TRUE);
    if (lines)
        g_array_free(lines, TRUE);
    return rc;
}

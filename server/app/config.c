/* Configuration from defaults, environment and flags; see config.h. */
#include "config.h"
#include "media_url.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

/* The ceiling on any configured string: a path or URL longer than this is a
 * mistake (and would not fit a unix socket path anyway). */
#define PL_CONFIG_MAX_STR 4096

enum opt_kind { OPT_INT, OPT_STR, OPT_LEVEL, OPT_BOOL };

struct opt {
    const char *flag; /* without "--" */
    const char *env;
    enum opt_kind kind;
    size_t offset; /* into struct pl_config */
    long lo, hi;   /* OPT_INT range */
    const char *unit;
    const char *help;
};

#define F(field) offsetof(struct pl_config, field)

static const struct opt opts[] = {
    {"port", "PLENUM_PORT", OPT_INT, F(port), 1, 65535, "a port number", "TCP port (8080)"},
    {"bind", "PLENUM_BIND", OPT_STR, F(bind), 0, 0, NULL, "address to listen on (127.0.0.1)"},
    {"database-url", "DATABASE_URL", OPT_STR, F(database_url), 0, 0, NULL,
     "PostgreSQL conninfo or URI (required)"},
    {"web-root", "PLENUM_WEB_ROOT", OPT_STR, F(web_root), 0, 0, NULL, "static files to serve"},
    {"data-dir", "PLENUM_DATA_DIR", OPT_STR, F(data_dir), 0, 0, NULL,
     "recordings and uploads (var/data)"},
    {"media-source", "PLENUM_MEDIA_SOURCE", OPT_STR, F(media_source), 0, 0, NULL,
     "the sittings' picture and sound: test (a generated picture), srt://:PORT (listen for an "
     "encoder), srt://HOST:PORT (pull from one), rtsp://[USER:PASS@]HOST/PATH (an IP camera), "
     "v4l2:/dev/videoN[?audio=hw:C] (a capture device) or none (test)"},
    {"media-video", "PLENUM_MEDIA_VIDEO", OPT_STR, F(media_video), 0, 0, NULL,
     "encoded picture, WIDTHxHEIGHT@FPS (1280x720@30)"},
    {"media-bitrate", "PLENUM_MEDIA_BITRATE", OPT_INT, F(media_bitrate_kbps), 100, 50000, "kbit/s",
     "video bitrate of the encoding (2500)"},
    {"media-required", "PLENUM_MEDIA_REQUIRED", OPT_BOOL, F(media_required), 0, 0, NULL,
     "on: a GStreamer element the media needs is missing, plenumd does not start; off: it "
     "starts, the sittings run without recording or livestream and the media state is error "
     "(on)"},
    {"log-level", "PLENUM_LOG_LEVEL", OPT_LEVEL, F(log_level), 0, 0, NULL,
     "error, warn, info or debug (info)"},
    {"log-format", "PLENUM_LOG_FORMAT", OPT_STR, F(log_format), 0, 0, NULL,
     "text (PostgreSQL-style lines) or json (one object per line, for journald and log "
     "shippers) (text)"},
    {"shutdown-grace-ms", "PLENUM_SHUTDOWN_GRACE_MS", OPT_INT, F(shutdown_grace_ms), 0, 60000,
     "milliseconds", "time clients get to close on SIGTERM (1000)"},
    {"tls-cert", "PLENUM_TLS_CERT", OPT_STR, F(tls_cert), 0, 0, NULL,
     "PEM certificate chain; with --tls-key enables HTTPS/WSS"},
    {"tls-key", "PLENUM_TLS_KEY", OPT_STR, F(tls_key), 0, 0, NULL, "PEM private key"},
    {"trusted-proxies", "PLENUM_TRUSTED_PROXIES", OPT_STR, F(trusted_proxies), 0, 0, NULL,
     "comma-separated addresses of reverse proxies whose X-Forwarded-For names the client "
     "(none)"},
    {"metrics-token", "PLENUM_METRICS_TOKEN", OPT_STR, F(metrics_token), 0, 0, NULL,
     "bearer token that lets a scraper from another address read /metrics (none: loopback "
     "only)"},
    {"metrics-allow", "PLENUM_METRICS_ALLOW", OPT_STR, F(metrics_allow), 0, 0, NULL,
     "comma-separated addresses that may read /metrics besides loopback (none)"},
    {"allowed-origins", "PLENUM_ALLOWED_ORIGINS", OPT_STR, F(allowed_origins), 0, 0, NULL,
     "comma-separated exact browser Origins (this server's localhost URLs)"},
    {"session-idle-timeout", "PLENUM_SESSION_IDLE_TIMEOUT", OPT_INT, F(session_idle_s), 1,
     31 * 86400, "seconds", "sign-in ends after this long unused (7200)"},
    {"session-max-age", "PLENUM_SESSION_MAX_AGE", OPT_INT, F(session_max_s), 1, 366 * 86400,
     "seconds", "sign-in ends this long after it began (57600)"},
    {"login-lock-after", "PLENUM_LOGIN_LOCK_AFTER", OPT_INT, F(login_lock_after), 1, 1000,
     "a count",
     "failed logins per account before its exponential backoff starts (10); the account is "
     "never locked"},
    {"login-address-lock-after", "PLENUM_LOGIN_ADDRESS_LOCK_AFTER", OPT_INT,
     F(login_address_lock_after), 1, 100000, "a count",
     "failed logins per address before a lockout (50)"},
    {"login-lock-seconds", "PLENUM_LOGIN_LOCK_SECONDS", OPT_INT, F(login_lock_s), 1, 86400,
     "seconds", "counting window of failed logins and an address's lockout (900)"},
    {"login-backoff-max-seconds", "PLENUM_LOGIN_BACKOFF_MAX_SECONDS", OPT_INT,
     F(login_backoff_max_s), 1, 3600, "seconds",
     "longest wait an account's backoff imposes on addresses that failed (60; 5 at most for "
     "an address with no failures)"},
    {"login-queue", "PLENUM_LOGIN_QUEUE", OPT_INT, F(login_queue), 1, 100000, "a count",
     "password checks waiting or running; more are refused with 503 server_busy (32)"},
    {"login-inflight-per-address", "PLENUM_LOGIN_INFLIGHT_PER_ADDRESS", OPT_INT,
     F(login_inflight_per_address), 1, 1000, "a count",
     "password checks one address may have in progress; more: 429 rate_limited (4)"},
    {"max-message-bytes", "PLENUM_MAX_MESSAGE_BYTES", OPT_INT, F(max_message_bytes), 256, 1048576,
     "bytes", "largest WebSocket message (65536)"},
    {"ws-rate-per-minute", "PLENUM_WS_RATE_PER_MINUTE", OPT_INT, F(ws_rate_per_minute), 1, 1000000,
     "a count", "sustained messages per connection per minute (100)"},
    {"ws-rate-burst", "PLENUM_WS_RATE_BURST", OPT_INT, F(ws_rate_burst), 1, 1000000, "a count",
     "messages a connection may send at once (50)"},
    {"ws-rate-close-after", "PLENUM_WS_RATE_CLOSE_AFTER", OPT_INT, F(ws_rate_close_after), 1,
     1000000, "a count", "refused messages in a row before close 1008 (20)"},
    {"max-connections-per-account", "PLENUM_MAX_CONNECTIONS_PER_ACCOUNT", OPT_INT,
     F(max_conns_per_account), 1, 10000, "a count", "open WebSockets per account (10)"},
    {"max-connections", "PLENUM_MAX_CONNECTIONS", OPT_INT, F(max_connections), 1, 1000000,
     "a count", "open WebSockets in all; more are refused with 503 server_full (20000)"},
    {"max-anonymous-per-address", "PLENUM_MAX_ANONYMOUS_PER_ADDRESS", OPT_INT,
     F(max_anon_per_address), 1, 1000000, "a count",
     "anonymous WebSockets per address; more are refused with 429 rate_limited (20)"},
    {"reserved-for-members", "PLENUM_RESERVED_FOR_MEMBERS", OPT_INT, F(reserved_for_members), 0, 90,
     "a percentage", "share of --max-connections that only signed-in people may take (10)"},
    {"http-body-timeout", "PLENUM_HTTP_BODY_TIMEOUT", OPT_INT, F(http_body_timeout_s), 1, 3600,
     "seconds",
     "an HTTP request body must arrive whole within this, or the connection is "
     "closed (30)"},
    {"hls-max-held", "PLENUM_HLS_MAX_HELD", OPT_INT, F(hls_max_held), 1, 1000000, "a count",
     "LL-HLS requests held until their part exists; more are refused with 503 server_busy "
     "(5000)"},
    {"ws-max-queue-kib", "PLENUM_WS_MAX_QUEUE_KIB", OPT_INT, F(ws_max_queue_kib), 16, 65536, "KiB",
     "unsent data a client may fall behind by before it is dropped (1024)"},
    {"ws-ping-interval", "PLENUM_WS_PING_INTERVAL", OPT_INT, F(ws_ping_s), 1, 3600, "seconds",
     "idle time before the server pings a WebSocket (30)"},
    {"ws-idle-timeout", "PLENUM_WS_IDLE_TIMEOUT", OPT_INT, F(ws_hangup_s), 2, 7200, "seconds",
     "idle time before the server hangs up (75)"},
    {"max-upload-mb", "PLENUM_MAX_UPLOAD_MB", OPT_INT, F(max_upload_mb), 1, 2048, "MiB",
     "largest session document accepted (50)"},
    {"rtc-stun-server", "PLENUM_RTC_STUN_SERVER", OPT_STR, F(rtc_stun), 0, 0, NULL,
     "STUN server for remote participants, stun://HOST:PORT (none)"},
    {"rtc-turn-server", "PLENUM_RTC_TURN_SERVER", OPT_STR, F(rtc_turn), 0, 0, NULL,
     "TURN relay for remote participants, turn://USER:PASSWORD@HOST:PORT (none; see "
     "deploy/coturn.conf)"},
    {"rtc-hall-sink", "PLENUM_RTC_HALL_SINK", OPT_STR, F(rtc_hall_sink), 0, 0, NULL,
     "where the hall's PA takes the remote participants' sound: none, pulse or alsa:DEVICE "
     "(none)"},
    {"rtc-latency-ms", "PLENUM_RTC_LATENCY_MS", OPT_INT, F(rtc_latency_ms), 20, 2000,
     "milliseconds", "jitter buffer for what remote participants send (100)"},
    {"rtc-timeout", "PLENUM_RTC_TIMEOUT", OPT_INT, F(rtc_timeout_s), 2, 300, "seconds",
     "a remote participant whose connection or sound does not come within this is dropped "
     "(20)"},
    {"rtc-max-participants", "PLENUM_RTC_MAX_PARTICIPANTS", OPT_INT, F(rtc_max_participants), 1,
     500, "a count", "remote participants per session (50)"},
    {"petitions-per-hour", "PLENUM_PETITIONS_PER_HOUR", OPT_INT, F(petitions_per_hour), 1, 100000,
     "a count", "citizens' petitions accepted per address per hour (20)"},
};

const char *pl_config_usage(void)
{
    static char text[16384];
    if (text[0])
        return text;
    GString *s = g_string_new(
        "usage: plenumd [serve|migrate|seed-demo|admin|version] [options]\n"
        "\n"
        "commands:\n"
        "  serve        apply migrations, then serve HTTP and WebSocket (default)\n"
        "  migrate      apply pending schema migrations and exit\n"
        "  seed-demo    apply migrations, load demo data into an empty database, exit\n"
        "  admin ...    manage people, roles and sign-in codes (plenumd admin help)\n"
        "  version      print the versions of plenumd and its libraries\n"
        "\n"
        "options (environment variable in brackets; a flag wins):\n");
    for (size_t i = 0; i < G_N_ELEMENTS(opts); i++)
        g_string_append_printf(s, "  --%-28s %s [%s]\n", opts[i].flag, opts[i].help, opts[i].env);
    g_string_append(s, "  -h, --help                     this text\n");
    g_strlcpy(text, s->str, sizeof text);
    g_string_free(s, TRUE);
    return text;
}

static int parse_int(const char *value, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Applies one option. `what` names the source for the error message:
 * "--port" or "PLENUM_PORT". */
static int apply(struct pl_config *cfg, const struct opt *o, const char *value, const char *what,
                 char *err, size_t errlen)
{
    char *base = (char *)cfg;
    long v;
    switch (o->kind) {
    case OPT_INT:
        if (parse_int(value, o->lo, o->hi, &v) != 0) {
            snprintf(err, errlen, "%s must be %s from %ld to %ld", what, o->unit, o->lo, o->hi);
            return -1;
        }
        *(int *)(base + o->offset) = (int)v;
        return 0;
    case OPT_BOOL: {
        static const char *const yes[] = {"on", "true", "yes", "1"}, *const no[] = {"off", "false",
                                                                                    "no", "0"};
        for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
            if (strcmp(value, yes[i]) == 0 || strcmp(value, no[i]) == 0) {
                *(bool *)(base + o->offset) = strcmp(value, yes[i]) == 0;
                return 0;
            }
        }
        snprintf(err, errlen, "%s must be on or off", what);
        return -1;
    }
    case OPT_LEVEL:
        if (pl_log_parse_level(value, (enum pl_log_level *)(base + o->offset)) != 0) {
            snprintf(err, errlen, "%s must be one of error, warn, info, debug", what);
            return -1;
        }
        return 0;
    case OPT_STR: {
        char **dst = (char **)(base + o->offset);
        if (value[0] == '\0' || strlen(value) > PL_CONFIG_MAX_STR) {
            snprintf(err, errlen, "%s must be a non-empty string of at most %d bytes", what,
                     PL_CONFIG_MAX_STR);
            return -1;
        }
        g_free(*dst);
        *dst = g_strdup(value);
        return 0;
    }
    }
    return -1;
}

static const struct opt *find_opt(const char *flag)
{
    for (size_t i = 0; i < G_N_ELEMENTS(opts); i++) {
        if (strcmp(opts[i].flag, flag) == 0)
            return &opts[i];
    }
    return NULL;
}

static int check_combinations(struct pl_config *cfg, char *err, size_t errlen)
{
    if (!cfg->tls_cert != !cfg->tls_key) {
        snprintf(err, errlen, "--tls-cert and --tls-key go together: set both or neither");
        return -1;
    }
    if (!pl_media_source_valid(cfg->media_source, true)) {
        snprintf(err, errlen,
                 "--media-source must be test, none, srt://:PORT, srt://HOST:PORT, "
                 "rtsp://HOST/PATH or v4l2:/dev/videoN[?audio=hw:C], not \"%.64s\"",
                 cfg->media_source);
        return -1;
    }
    int w = 0, h = 0, fps = 0;
    char end = 0;
    if (sscanf(cfg->media_video, "%dx%d@%d%c", &w, &h, &fps, &end) != 3 || w < 16 || w > 7680 ||
        h < 16 || h > 4320 || w % 2 || h % 2 || fps < 1 || fps > 120) {
        snprintf(err, errlen,
                 "--media-video must be WIDTHxHEIGHT@FPS with even sizes, e.g. 1280x720@30, "
                 "not \"%.64s\"",
                 cfg->media_video);
        return -1;
    }
    cfg->media_width = w;
    cfg->media_height = h;
    cfg->media_fps = fps;
    if (strcmp(cfg->log_format, "text") != 0 && strcmp(cfg->log_format, "json") != 0) {
        snprintf(err, errlen, "--log-format must be text or json, not \"%.32s\"", cfg->log_format);
        return -1;
    }
    /* An ALSA device name as ALSA writes them ("hw:1,0", "plughw:CARD=PCH",
     * "file:FILE=/var/lib/plenum/pa.raw,FORMAT=raw"); set as a property,
     * never parsed as a pipeline description, but kept to these characters. */
    const char *hall = cfg->rtc_hall_sink;
    bool hall_ok = strcmp(hall, "none") == 0 || strcmp(hall, "pulse") == 0;
    if (g_str_has_prefix(hall, "alsa:") && hall[5] && strlen(hall) < 200) {
        hall_ok = true;
        for (const char *c = hall + 5; *c; c++)
            hall_ok = hall_ok && (g_ascii_isalnum(*c) || strchr(":,_-=/.", *c));
    }
    if (!hall_ok) {
        snprintf(err, errlen, "--rtc-hall-sink must be none, pulse or alsa:DEVICE, not \"%.32s\"",
                 hall);
        return -1;
    }
    if ((cfg->rtc_stun && !g_str_has_prefix(cfg->rtc_stun, "stun://")) ||
        (cfg->rtc_turn &&
         (!g_str_has_prefix(cfg->rtc_turn, "turn://") || !strchr(cfg->rtc_turn, '@')))) {
        snprintf(err, errlen,
                 "--rtc-stun-server must be stun://HOST:PORT and --rtc-turn-server "
                 "turn://USER:PASSWORD@HOST:PORT");
        return -1;
    }
    if (cfg->ws_hangup_s <= cfg->ws_ping_s) {
        snprintf(err, errlen, "--ws-idle-timeout (%d) must be longer than --ws-ping-interval (%d)",
                 cfg->ws_hangup_s, cfg->ws_ping_s);
        return -1;
    }
    return 0;
}

int pl_config_parse(struct pl_config *cfg, int argc, char *const *argv, pl_getenv_fn getenv_fn,
                    const char *default_web_root, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->command = PL_CMD_SERVE;
    cfg->port = 8080;
    cfg->bind = g_strdup("127.0.0.1");
    cfg->web_root = g_strdup(default_web_root ? default_web_root : "web");
    cfg->data_dir = g_strdup("var/data");
    cfg->media_source = g_strdup("test");
    cfg->media_video = g_strdup("1280x720@30");
    cfg->log_format = g_strdup("text");
    cfg->media_bitrate_kbps = 2500;
    cfg->media_required = true;
    cfg->log_level = PL_LOG_INFO;
    cfg->shutdown_grace_ms = 1000;
    cfg->session_idle_s = 2 * 3600;
    cfg->session_max_s = 16 * 3600;
    cfg->login_lock_after = 10;
    cfg->login_address_lock_after = 50;
    cfg->login_lock_s = 900;
    cfg->login_backoff_max_s = 60;
    cfg->login_queue = 32;
    cfg->login_inflight_per_address = 4;
    cfg->max_anon_per_address = 20;
    cfg->reserved_for_members = 10;
    cfg->http_body_timeout_s = 30;
    cfg->hls_max_held = 5000;
    cfg->max_message_bytes = 64 * 1024;
    cfg->max_upload_mb = 50;
    cfg->petitions_per_hour = 20;
    cfg->rtc_hall_sink = g_strdup("none");
    cfg->rtc_latency_ms = 100;
    cfg->rtc_timeout_s = 20;
    cfg->rtc_max_participants = 50;
    cfg->ws_rate_per_minute = 100;
    cfg->ws_rate_burst = 50;
    cfg->ws_rate_close_after = 20;
    cfg->max_conns_per_account = 10;
    cfg->max_connections = 20000;
    cfg->ws_max_queue_kib = 1024;
    cfg->ws_ping_s = 30;
    cfg->ws_hangup_s = 75;

    if (getenv_fn) {
        for (size_t i = 0; i < G_N_ELEMENTS(opts); i++) {
            const char *v = getenv_fn(opts[i].env);
            if (v && *v && apply(cfg, &opts[i], v, opts[i].env, err, errlen) != 0)
                return -1;
        }
    }

    int i = 1;
    if (i < argc && argv[i][0] != '-') {
        static const struct {
            const char *name;
            enum pl_command cmd;
        } cmds[] = {{"serve", PL_CMD_SERVE},         {"migrate", PL_CMD_MIGRATE},
                    {"seed-demo", PL_CMD_SEED_DEMO}, {"admin", PL_CMD_ADMIN},
                    {"version", PL_CMD_VERSION},     {"help", PL_CMD_HELP}};
        const char *c = argv[i++];
        size_t k = 0;
        while (k < G_N_ELEMENTS(cmds) && strcmp(cmds[k].name, c) != 0)
            k++;
        if (k == G_N_ELEMENTS(cmds)) {
            snprintf(err, errlen, "unknown command \"%.64s\" (see plenumd --help)", c);
            return -1;
        }
        cfg->command = cmds[k].cmd;
        if (cfg->command == PL_CMD_ADMIN) {
            /* Everything after "admin" belongs to the admin command, except
             * the global options it shares, which it parses through us. */
            cfg->admin_argc = argc - i;
            cfg->admin_argv = argv + i;
            return check_combinations(cfg, err, errlen);
        }
    }
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            cfg->command = PL_CMD_HELP;
            continue;
        }
        if (strcmp(a, "--version") == 0) {
            cfg->command = PL_CMD_VERSION;
            continue;
        }
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            snprintf(err, errlen, "unexpected argument \"%.64s\" (see plenumd --help)", a);
            return -1;
        }
        char name[64];
        const char *value;
        const char *eq = strchr(a + 2, '=');
        size_t nlen = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
        if (nlen >= sizeof name) {
            snprintf(err, errlen, "unknown option \"%.64s\" (see plenumd --help)", a);
            return -1;
        }
        memcpy(name, a + 2, nlen);
        name[nlen] = '\0';
        if (eq) {
            value = eq + 1;
        } else {
            if (i + 1 >= argc) {
                snprintf(err, errlen, "option --%s needs a value", name);
                return -1;
            }
            value = argv[++i];
        }
        char what[72];
        snprintf(what, sizeof what, "--%s", name);
        const struct opt *o = find_opt(name);
        if (!o) {
            snprintf(err, errlen, "unknown option %s (see plenumd --help)", what);
            return -1;
        }
        if (apply(cfg, o, value, what, err, errlen) != 0)
            return -1;
    }
    return check_combinations(cfg, err, errlen);
}

void pl_config_clear(struct pl_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < G_N_ELEMENTS(opts); i++) {
        if (opts[i].kind == OPT_STR) {
            char **p = (char **)((char *)cfg + opts[i].offset);
            g_free(*p);
            *p = NULL;
        }
    }
}

/*
 * plenumd configuration: defaults, then environment, then command-line flags
 * (a flag wins over the environment). Parsing is pure (no globals, the
 * environment is read through a callback) so it is unit-tested and fuzzed.
 * Every option is one row of the table in config.c.
 */
#ifndef PL_CONFIG_H
#define PL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"

enum pl_command {
    PL_CMD_SERVE = 0, /* default: migrate, then serve */
    PL_CMD_MIGRATE,   /* apply migrations and exit */
    PL_CMD_SEED_DEMO, /* migrate, load demo data if the database is empty, exit */
    PL_CMD_ADMIN,     /* people, roles, CSV import, sign-in codes (admin.c) */
    PL_CMD_VERSION,   /* print component versions and exit */
    PL_CMD_HELP,
};

struct pl_config {
    enum pl_command command;
    int port;           /* TCP port, 1..65535 */
    char *bind;         /* address to listen on; owned */
    char *database_url; /* libpq conninfo or URI; owned; NULL if unset */
    char *web_root;     /* directory of static files; owned */
    char *data_dir;     /* recordings, uploads; owned */
    /* Media (media/media.c): "test" or "none"; owned. */
    char *media_source;
    char *media_video; /* "WxH@FPS"; owned; parsed into the three below */
    int media_width, media_height, media_fps;
    int media_bitrate_kbps;
    /* A GStreamer element the media needs is missing at start: true, plenumd
     * does not start; false, it runs the sittings without media (state
     * "error" with the reason). */
    bool media_required;
    enum pl_log_level log_level;
    char *log_format;      /* "text" or "json"; owned */
    int shutdown_grace_ms; /* how long to let clients close on SIGTERM */

    /* TLS: both set, or neither (plain HTTP for loopback or behind a proxy). */
    char *tls_cert; /* PEM certificate chain; owned */
    char *tls_key;  /* PEM private key; owned */
    /* Comma-separated exact Origins allowed for browsers; owned. NULL: the
     * server's own http(s)://localhost:PORT and 127.0.0.1:PORT. */
    char *allowed_origins;
    char *trusted_proxies; /* comma-separated IP addresses; owned; NULL: none */
    /* Who may read /metrics besides loopback: a bearer token and/or
     * comma-separated addresses; owned; NULL: none. */
    char *metrics_token;
    char *metrics_allow;

    /* Login sessions. */
    int session_idle_s; /* revoked after this long without use */
    int session_max_s;  /* absolute lifetime */
    /* Login attempts (docs/security.md, "Login limits"): an address is
     * slowed, then locked; an account backs off exponentially, never locks. */
    int login_lock_after;           /* failures per account before its backoff starts */
    int login_address_lock_after;   /* failures per address within the window: locked */
    int login_lock_s;               /* counting window and an address's lockout */
    int login_backoff_max_s;        /* longest wait an account's backoff imposes */
    int login_queue;                /* password checks waiting or running in all */
    int login_inflight_per_address; /* password checks one address may have running */

    /* WebSocket limits. */
    int max_message_bytes;   /* larger messages close the socket with 1009 */
    int ws_rate_per_minute;  /* sustained messages per connection */
    int ws_rate_burst;       /* messages allowed at once */
    int ws_rate_close_after; /* refused messages in a row before close 1008 */
    int max_conns_per_account;
    int max_connections;      /* open WebSockets in all; more are refused with 503 */
    int max_anon_per_address; /* anonymous WebSockets per address; more: 429 */
    int reserved_for_members; /* percent of max_connections only signed-in people get */
    int http_body_timeout_s;  /* a request body must be whole within this */
    int hls_max_held;         /* LL-HLS blocking requests held at once (net_media.c) */
    int ws_max_queue_kib;     /* unsent bytes a client may hold before it is dropped */
    int ws_ping_s;            /* idle seconds before the server pings */
    int ws_hangup_s;          /* idle seconds before the server hangs up */
    int max_upload_mb;        /* largest session document, MiB */
    int petitions_per_hour;   /* citizens' petitions per address per hour */

    /* Remote participants (media/rtc.c). */
    char *rtc_stun;           /* stun://HOST:PORT; owned; NULL: none */
    char *rtc_turn;           /* turn://USER:PASSWORD@HOST:PORT; owned; NULL: none */
    char *rtc_hall_sink;      /* none, pulse or alsa:DEVICE: the hall's PA; owned */
    int rtc_latency_ms;       /* jitter buffer of what participants send */
    int rtc_timeout_s;        /* ICE to complete, sound to arrive */
    int rtc_max_participants; /* per session */

    /* For `admin`: the arguments after the word "admin"; borrowed from argv. */
    int admin_argc;
    char *const *admin_argv;
};

/* Returns the value of an environment variable or NULL (getenv's contract). */
typedef const char *(*pl_getenv_fn)(const char *name);

/*
 * Fills cfg from defaults, env (through getenv_fn, may be NULL for none) and
 * argv[1..argc-1]. default_web_root is copied. On error returns -1 and writes
 * one sentence naming the bad flag or variable into err. cfg must be released
 * with pl_config_clear() in both cases.
 */
int pl_config_parse(struct pl_config *cfg, int argc, char *const *argv, pl_getenv_fn getenv_fn,
                    const char *default_web_root, char *err, size_t errlen);

/* Frees the strings cfg owns; cfg may then be parsed again. NULL is fine. */
void pl_config_clear(struct pl_config *cfg);

/* The --help text. Static storage. */
const char *pl_config_usage(void);

#endif

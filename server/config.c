/* Configuration from defaults, environment and flags; see config.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

/* The ceiling on any configured string: a path or URL longer than this is a
 * mistake (and would not fit a unix socket path anyway). */
#define PL_CONFIG_MAX_STR 4096

const char *pl_config_usage(void)
{
    return "usage: plenumd [serve|migrate|seed-demo|version] [options]\n"
           "\n"
           "commands:\n"
           "  serve        apply migrations, then serve HTTP and WebSocket (default)\n"
           "  migrate      apply pending schema migrations and exit\n"
           "  seed-demo    apply migrations, load demo data into an empty database, exit\n"
           "  version      print the versions of plenumd and its libraries\n"
           "\n"
           "options (environment variable in brackets; a flag wins):\n"
           "  --port N            TCP port to listen on [PLENUM_PORT] (8080)\n"
           "  --bind ADDR         address to listen on [PLENUM_BIND] (127.0.0.1)\n"
           "  --database-url URL  PostgreSQL conninfo or URI [DATABASE_URL] (required)\n"
           "  --web-root DIR      static files to serve [PLENUM_WEB_ROOT]\n"
           "  --data-dir DIR      recordings and uploads [PLENUM_DATA_DIR] (var/data)\n"
           "  --log-level LEVEL   error, warn, info or debug [PLENUM_LOG_LEVEL] (info)\n"
           "  --shutdown-grace-ms N  time clients get to close on SIGTERM "
           "[PLENUM_SHUTDOWN_GRACE_MS] "
           "(1000)\n"
           "  -h, --help          this text\n";
}

static int set_str(char **dst, const char *value, const char *what, char *err, size_t errlen)
{
    if (value[0] == '\0' || strlen(value) > PL_CONFIG_MAX_STR) {
        snprintf(err, errlen, "%s must be a non-empty string of at most %d bytes", what,
                 PL_CONFIG_MAX_STR);
        return -1;
    }
    g_free(*dst);
    *dst = g_strdup(value);
    return 0;
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

/* Applies one setting by its flag name (without "--"). `what` names the
 * source for the error message: "--port" or "PLENUM_PORT". */
static int apply(struct pl_config *cfg, const char *name, const char *value, const char *what,
                 char *err, size_t errlen)
{
    long v;
    if (strcmp(name, "port") == 0) {
        if (parse_int(value, 1, 65535, &v) != 0) {
            snprintf(err, errlen, "%s must be a port number from 1 to 65535", what);
            return -1;
        }
        cfg->port = (int)v;
        return 0;
    }
    if (strcmp(name, "shutdown-grace-ms") == 0) {
        if (parse_int(value, 0, 60000, &v) != 0) {
            snprintf(err, errlen, "%s must be a number of milliseconds from 0 to 60000", what);
            return -1;
        }
        cfg->shutdown_grace_ms = (int)v;
        return 0;
    }
    if (strcmp(name, "log-level") == 0) {
        if (pl_log_parse_level(value, &cfg->log_level) != 0) {
            snprintf(err, errlen, "%s must be one of error, warn, info, debug", what);
            return -1;
        }
        return 0;
    }
    if (strcmp(name, "bind") == 0)
        return set_str(&cfg->bind, value, what, err, errlen);
    if (strcmp(name, "database-url") == 0)
        return set_str(&cfg->database_url, value, what, err, errlen);
    if (strcmp(name, "web-root") == 0)
        return set_str(&cfg->web_root, value, what, err, errlen);
    if (strcmp(name, "data-dir") == 0)
        return set_str(&cfg->data_dir, value, what, err, errlen);
    snprintf(err, errlen, "unknown option %s (see plenumd --help)", what);
    return -1;
}

static const struct {
    const char *env;
    const char *name;
} env_map[] = {
    {"PLENUM_PORT", "port"},
    {"PLENUM_BIND", "bind"},
    {"DATABASE_URL", "database-url"},
    {"PLENUM_WEB_ROOT", "web-root"},
    {"PLENUM_DATA_DIR", "data-dir"},
    {"PLENUM_LOG_LEVEL", "log-level"},
    {"PLENUM_SHUTDOWN_GRACE_MS", "shutdown-grace-ms"},
};

int pl_config_parse(struct pl_config *cfg, int argc, char *const *argv, pl_getenv_fn getenv_fn,
                    const char *default_web_root, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->command = PL_CMD_SERVE;
    cfg->port = 8080;
    cfg->bind = g_strdup("127.0.0.1");
    cfg->web_root = g_strdup(default_web_root ? default_web_root : "web");
    cfg->data_dir = g_strdup("var/data");
    cfg->log_level = PL_LOG_INFO;
    cfg->shutdown_grace_ms = 1000;

    if (getenv_fn) {
        for (size_t i = 0; i < G_N_ELEMENTS(env_map); i++) {
            const char *v = getenv_fn(env_map[i].env);
            if (v && *v && apply(cfg, env_map[i].name, v, env_map[i].env, err, errlen) != 0)
                return -1;
        }
    }

    int i = 1;
    if (i < argc && argv[i][0] != '-') {
        const char *c = argv[i++];
        if (strcmp(c, "serve") == 0)
            cfg->command = PL_CMD_SERVE;
        else if (strcmp(c, "migrate") == 0)
            cfg->command = PL_CMD_MIGRATE;
        else if (strcmp(c, "seed-demo") == 0)
            cfg->command = PL_CMD_SEED_DEMO;
        else if (strcmp(c, "version") == 0)
            cfg->command = PL_CMD_VERSION;
        else if (strcmp(c, "help") == 0)
            cfg->command = PL_CMD_HELP;
        else {
            snprintf(err, errlen, "unknown command \"%.64s\" (see plenumd --help)", c);
            return -1;
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
        if (apply(cfg, name, value, what, err, errlen) != 0)
            return -1;
    }
    return 0;
}

void pl_config_clear(struct pl_config *cfg)
{
    if (!cfg)
        return;
    g_free(cfg->bind);
    g_free(cfg->database_url);
    g_free(cfg->web_root);
    g_free(cfg->data_dir);
    cfg->bind = cfg->database_url = cfg->web_root = cfg->data_dir = NULL;
}

/*
 * plenumd configuration: defaults, then environment, then command-line flags
 * (a flag wins over the environment). Parsing is pure (no globals, the
 * environment is read through a callback) so it is unit-tested and fuzzed.
 */
#ifndef PL_CONFIG_H
#define PL_CONFIG_H

#include <stddef.h>

#include "log.h"

enum pl_command {
    PL_CMD_SERVE = 0, /* default: migrate, then serve */
    PL_CMD_MIGRATE,   /* apply migrations and exit */
    PL_CMD_SEED_DEMO, /* migrate, load demo data if the database is empty, exit */
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
    enum pl_log_level log_level;
    int shutdown_grace_ms; /* how long to let clients close on SIGTERM */
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

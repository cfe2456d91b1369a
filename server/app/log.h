/*
 * Levelled logging to stderr, one line per message, PostgreSQL style:
 *   2026-11-22 02:30:01.123 UTC [1234] LOG:  listening on 0.0.0.0:8080
 * Errors caused by a client are logged at INFO, not ERROR. Never log tokens,
 * passwords or ballot contents.
 */
#ifndef PL_LOG_H
#define PL_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum pl_log_level {
    PL_LOG_ERROR = 0,
    PL_LOG_WARN = 1,
    PL_LOG_INFO = 2,
    PL_LOG_DEBUG = 3,
};

/* The current threshold; messages above it are dropped before formatting. */
extern enum pl_log_level pl_log_threshold;

void pl_log_set_level(enum pl_log_level level);
/* JSON lines instead of PostgreSQL-style text (--log-format json). */
void pl_log_set_json(bool on);

/* Parses "error", "warn", "info" or "debug". Returns 0, or -1 if unknown. */
int pl_log_parse_level(const char *s, enum pl_log_level *out);

void pl_log_write(enum pl_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define PL_LOG(level, ...)                                                                         \
    do {                                                                                           \
        if ((level) <= pl_log_threshold)                                                           \
            pl_log_write((level), __VA_ARGS__);                                                    \
    } while (0)

#define pl_log_error(...) PL_LOG(PL_LOG_ERROR, __VA_ARGS__)
#define pl_log_warn(...)  PL_LOG(PL_LOG_WARN, __VA_ARGS__)
#define pl_log_info(...)  PL_LOG(PL_LOG_INFO, __VA_ARGS__)
#define pl_log_debug(...) PL_LOG(PL_LOG_DEBUG, __VA_ARGS__)

#endif

/* Levelled logging; see log.h. */
#include "log.h"

#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum pl_log_level pl_log_threshold = PL_LOG_INFO;

static const char *const level_names[] = {"ERROR", "WARNING", "LOG", "DEBUG"};

void pl_log_set_level(enum pl_log_level level)
{
    pl_log_threshold = level;
}

int pl_log_parse_level(const char *s, enum pl_log_level *out)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (enum pl_log_level)i;
            return 0;
        }
    }
    return -1;
}

void pl_log_write(enum pl_log_level level, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char ts[32];
    strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
    /* One fprintf per line so concurrent writers do not interleave mid-line. */
    fprintf(stderr, "%s.%03d UTC [%d] %s:  %s\n", ts, (int)(tv.tv_usec / 1000), (int)getpid(),
            level_names[level], msg);
}

static void lws_emit(int level, const char *line)
{
    /* lws lines end with a newline of their own; drop it. */
    char buf[512];
    size_t n = strlen(line);
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, line, n);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    buf[n] = '\0';
    if (level & LLL_ERR)
        pl_log_warn("libwebsockets: %s", buf);
    else
        pl_log_debug("libwebsockets: %s", buf);
}

void pl_log_route_lws(void)
{
    int mask = LLL_ERR;
    if (pl_log_threshold >= PL_LOG_DEBUG)
        mask |= LLL_WARN | LLL_NOTICE;
    lws_set_log_level(mask, lws_emit);
}

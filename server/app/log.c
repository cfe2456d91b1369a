/* Levelled logging; see log.h. */
#include "log.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum pl_log_level pl_log_threshold = PL_LOG_INFO;

static const char *const level_names[] = {"ERROR", "WARNING", "LOG", "DEBUG"};

static bool json_lines;
static const char *const json_level_names[] = {"error", "warning", "info", "debug"};

void pl_log_set_json(bool on)
{
    json_lines = on;
}

/* s[0..n) as a JSON string: quotes, backslashes and control characters
 * escaped; the rest (UTF-8) as it is. */
static void json_quote(GString *out, const char *s, size_t n)
{
    g_string_append_c(out, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            g_string_append_printf(out, "\\%c", c);
        else if (c < 0x20)
            g_string_append_printf(out, "\\u%04x", c);
        else
            g_string_append_c(out, (char)c);
    }
    g_string_append_c(out, '"');
}

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
    if (!json_lines) {
        fprintf(stderr, "%s.%03d UTC [%d] %s:  %s\n", ts, (int)(tv.tv_usec / 1000), (int)getpid(),
                level_names[level], msg);
        return;
    }
    /* One JSON object per line; a security event's key=value pairs stay in
     * msg and its name is lifted into "event" for filtering. */
    char iso[32];
    strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S", &tm);
    GString *line = g_string_new(NULL);
    g_string_append_printf(line, "{\"ts\":\"%s.%03dZ\",\"level\":\"%s\",\"pid\":%d,", iso,
                           (int)(tv.tv_usec / 1000), json_level_names[level], (int)getpid());
    if (strncmp(msg, "security: ", 10) == 0) {
        size_t n = strcspn(msg + 10, " ");
        g_string_append(line, "\"event\":");
        json_quote(line, msg + 10, n);
        g_string_append_c(line, ',');
    }
    g_string_append(line, "\"msg\":");
    json_quote(line, msg, strlen(msg));
    g_string_append(line, "}\n");
    fputs(line->str, stderr);
    g_string_free(line, TRUE);
}

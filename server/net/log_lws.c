/* libwebsockets' own log lines, through pl_log; see log_lws.h. Apart from
 * log.c so that the domain library, which logs, links without lws. */
#include "log_lws.h"

#include <libwebsockets.h>
#include <string.h>

#include "log.h"

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

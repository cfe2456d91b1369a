/* The media URL grammar; see media_url.h. Pure C over GLib: this file
 * must not include GStreamer or libpq headers. */
#include "media_url.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

static bool url_chars(const char *s)
{
    for (; *s; s++)
        if (!g_ascii_isalnum(*s) && !strchr("-._~:/?#[]@!$&'()*+,;=%", *s))
            return false;
    return true;
}

static bool digits(const char *s, int min, int max, const char **end)
{
    int n = 0;
    while (g_ascii_isdigit(s[n]))
        n++;
    *end = s + n;
    return n >= min && n <= max;
}

bool pl_media_source_valid(const char *s, bool server)
{
    if (strcmp(s, "test") == 0 || (server && strcmp(s, "none") == 0))
        return true;
    if (g_str_has_prefix(s, "rtsp://")) {
        /* Handed to rtspsrc as a property, never parsed as a pipeline; still
         * only URL characters, and a host. */
        size_t n = strlen(s);
        if (n <= 7 || n > 500 || s[7] == '/')
            return false;
        return url_chars(s + 7);
    }
    if (g_str_has_prefix(s, "v4l2:/dev/video")) {
        /* v4l2:/dev/videoN[?audio=hw:C[,D]]: only digits, so the names are
         * safe inside a pipeline description. */
        const char *p = s + strlen("v4l2:/dev/video");
        if (!digits(p, 1, 3, &p))
            return false;
        if (!*p)
            return true;
        if (!g_str_has_prefix(p, "?audio=hw:") || !digits(p + 10, 1, 2, &p))
            return false;
        if (*p == ',' && !digits(p + 1, 1, 2, &p))
            return false;
        return !*p;
    }
    if (strncmp(s, "srt://", 6) != 0)
        return false;
    const char *host = s + 6, *colon = strrchr(host, ':');
    if (!colon || colon - host > 253)
        return false;
    for (const char *c = host; c < colon; c++)
        if (!g_ascii_isalnum(*c) && *c != '.' && *c != '-')
            return false;
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    return colon[1] && !*end && port >= 1 && port <= 65535;
}

bool pl_media_restream_valid(const char *s)
{
    const char *host = g_str_has_prefix(s, "rtmp://")    ? s + 7
                       : g_str_has_prefix(s, "rtmps://") ? s + 8
                                                         : NULL;
    return host && *host && *host != '/' && strlen(s) <= 500 && url_chars(host);
}

char *pl_media_restream_redacted(const char *s)
{
    /* The path holds the stream key: whoever has it can stream as the
     * council. Only the scheme and host are shown. */
    const char *host = strstr(s, "://");
    host = host ? host + 3 : s;
    const char *slash = strchr(host, '/');
    return g_strdup_printf("%.*s/***", slash ? (int)(slash - s) : (int)strlen(s), s);
}

char *pl_media_source_redacted(const char *s)
{
    /* rtsp://user:password@host/...: the password stays in the database. */
    const char *at = g_str_has_prefix(s, "rtsp://") ? strchr(s + 7, '@') : NULL;
    const char *slash = at ? strchr(s + 7, '/') : NULL;
    if (!at || (slash && slash < at))
        return g_strdup(s);
    return g_strdup_printf("rtsp://***%s", at);
}

/* "/dev/videoN[?audio=hw:..]" of a "v4l2:" source, or NULL. */
const char *pl_media_url_v4l2_device(const char *source)
{
    return g_str_has_prefix(source, "v4l2:") ? source + 5 : NULL;
}

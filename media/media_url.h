/*
 * The grammar of media URLs: which sources and restream targets a session
 * or the server may name, and how they are shown with their secrets
 * hidden. Plain C over GLib: no GStreamer, no libpq, so that input
 * checking (config.c, admin_input.c) can use it without the media.
 */
#ifndef PL_MEDIA_URL_H
#define PL_MEDIA_URL_H

#include <stdbool.h>

/* Whether s names a source: "test", "srt://:PORT" (plenumd listens; an
 * encoder or OBS pushes to it), "srt://HOST:PORT" (plenumd pulls from an
 * encoder that listens), "rtsp://[user:password@]HOST[:PORT]/PATH" (an IP
 * camera or encoder; H.264 passed through) or
 * "v4l2:/dev/videoN[?audio=hw:C[,D]]" (a capture device and ALSA card,
 * encoded once); server: "none" too (the --media-source option). */
bool pl_media_source_valid(const char *s, bool server);

/* Whether s is an RTMP URL to restream a session's livestream to:
 * "rtmp://HOST[:PORT]/APP/KEY" or "rtmps://...". */
bool pl_media_restream_valid(const char *s);

/* s with its path, which holds the stream key (a secret), replaced by
 * three asterisks (a new string, the caller's to g_free). */
char *pl_media_restream_redacted(const char *s);

/* s with an RTSP URL's user and password replaced by "***", for the
 * status and the logs (a new string, the caller's to g_free). */
char *pl_media_source_redacted(const char *s);

/* "/dev/videoN[?audio=hw:..]" of a "v4l2:" source (a pointer into
 * source), or NULL. */
const char *pl_media_url_v4l2_device(const char *source);

#endif

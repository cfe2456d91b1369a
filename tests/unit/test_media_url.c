/*
 * Unit tests for the media URL grammar (media/media_url.c): which sources
 * and restream targets plenumd accepts (the --media-source option and a
 * session's media settings: untrusted admin input, some of it later put
 * into a pipeline description), and the redacted forms the status and the
 * logs show. Built twice: with plenum_core, and from media_url.c alone
 * with GLib (tests/CMakeLists.txt), so that GStreamer or libpq creeping
 * into the grammar fails the build (issue 23: the domain library links
 * GLib, jansson and OpenSSL only).
 */
#include <stdbool.h>
#include <string.h>

#include <glib.h>

#include "check.h"
#include "media_url.h"

static void sources(void)
{
    static const char *const good[] = {
        "test",
        "srt://:9000",
        "srt://encoder.local:9000",
        "srt://10.0.0.5:1",
        "srt://host-1:65535",
        "rtsp://camera/stream",
        "rtsp://user:pass@camera:554/h264?channel=1",
        "v4l2:/dev/video0",
        "v4l2:/dev/video123",
        "v4l2:/dev/video0?audio=hw:1",
        "v4l2:/dev/video2?audio=hw:1,0",
        "v4l2:/dev/video2?audio=hw:10,12",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
        if (!pl_media_source_valid(good[i], false))
            fprintf(stderr, "refused: %s\n", good[i]);
        CHECK(pl_media_source_valid(good[i], false));
        CHECK(pl_media_source_valid(good[i], true));
    }
    /* "none" turns the media off: the server's option only. */
    CHECK(pl_media_source_valid("none", true));
    CHECK(!pl_media_source_valid("none", false));

    static const char *const bad[] = {
        "",
        "Test",
        "http://camera/stream",
        "srt://",
        "srt://:",
        "srt://:0",
        "srt://:65536",
        "srt://:90x",
        "srt://host",
        "srt://bad host:9000",
        "srt://host;rm:9000",
        "rtsp://",
        "rtsp:///stream",
        "rtsp://camera/a b",
        "rtsp://camera/\"quoted\"",
        "v4l2:",
        "v4l2:/dev/video",
        "v4l2:/dev/videoX",
        "v4l2:/dev/video1234",
        "v4l2:/dev/sda",
        "v4l2:/dev/video0 ! filesink location=/etc/passwd",
        "v4l2:/dev/video0?audio=hw:",
        "v4l2:/dev/video0?audio=hw:1,",
        "v4l2:/dev/video0?audio=hw:123",
        "v4l2:/dev/video0?audio=plughw:1",
        "v4l2:/dev/video0?audio=hw:1 ! fakesink",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        if (pl_media_source_valid(bad[i], true))
            fprintf(stderr, "accepted: %s\n", bad[i]);
        CHECK(!pl_media_source_valid(bad[i], true));
    }
    /* A host name longer than DNS allows. */
    char *name = g_strnfill(254, 'a');
    char *host = g_strdup_printf("srt://%s:9000", name);
    CHECK(!pl_media_source_valid(host, true));
    g_free(host);
    g_free(name);
    /* An RTSP URL is bounded (it goes into the record and the status). */
    GString *rtsp = g_string_new("rtsp://camera/");
    while (rtsp->len <= 500)
        g_string_append_c(rtsp, 'a');
    CHECK(!pl_media_source_valid(rtsp->str, true));
    g_string_truncate(rtsp, 500);
    CHECK(pl_media_source_valid(rtsp->str, true));
    g_string_free(rtsp, TRUE);
}

static void restreams(void)
{
    CHECK(pl_media_restream_valid("rtmp://a.rtmp.youtube.com/live2/abcd-efgh"));
    CHECK(pl_media_restream_valid("rtmps://live-api-s.facebook.com:443/rtmp/FB-123"));
    CHECK(!pl_media_restream_valid("rtmp://"));
    CHECK(!pl_media_restream_valid("rtmp:///live/key"));
    CHECK(!pl_media_restream_valid("srt://:9000"));
    CHECK(!pl_media_restream_valid("rtmp://host/live key"));
    CHECK(!pl_media_restream_valid("RTMP://host/live/key"));
    GString *t = g_string_new("rtmp://host/live/");
    while (t->len <= 500)
        g_string_append_c(t, 'k');
    CHECK(!pl_media_restream_valid(t->str));
    g_string_free(t, TRUE);
}

static void redacted(void)
{
    /* The stream key (the path) is a secret: scheme and host only. */
    char *s = pl_media_restream_redacted("rtmp://a.rtmp.youtube.com/live2/abcd-efgh");
    CHECK_STR(s, "rtmp://a.rtmp.youtube.com/***");
    g_free(s);
    s = pl_media_restream_redacted("rtmps://host:443/app/key");
    CHECK_STR(s, "rtmps://host:443/***");
    g_free(s);
    s = pl_media_restream_redacted("rtmp://host");
    CHECK_STR(s, "rtmp://host/***");
    g_free(s);
    /* An RTSP camera's user and password stay in the database. */
    s = pl_media_source_redacted("rtsp://admin:secret@camera:554/h264");
    CHECK_STR(s, "rtsp://***@camera:554/h264");
    g_free(s);
    s = pl_media_source_redacted("rtsp://camera/h264");
    CHECK_STR(s, "rtsp://camera/h264");
    g_free(s);
    /* An @ in the path is not a user's. */
    s = pl_media_source_redacted("rtsp://camera/a@b");
    CHECK_STR(s, "rtsp://camera/a@b");
    g_free(s);
    s = pl_media_source_redacted("srt://:9000");
    CHECK_STR(s, "srt://:9000");
    g_free(s);
}

static void devices(void)
{
    CHECK_STR(pl_media_url_v4l2_device("v4l2:/dev/video0?audio=hw:1"), "/dev/video0?audio=hw:1");
    CHECK_STR(pl_media_url_v4l2_device("v4l2:/dev/video3"), "/dev/video3");
    CHECK(pl_media_url_v4l2_device("test") == NULL);
    CHECK(pl_media_url_v4l2_device("srt://:9000") == NULL);
}

int main(void)
{
    sources();
    restreams();
    redacted();
    devices();
    return check_report("test_media_url");
}

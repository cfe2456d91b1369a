/*
 * Unit tests for the start-up check's list of GStreamer elements
 * (media/media_desc.c, pl_media_needs): every word of every pipeline
 * description plenumd would give GStreamer, for every kind of source and
 * the restream, is either a property, caps, a pad reference or an element
 * the list names; every element listed has a Debian package; and on this
 * machine (deploy/deps.sh test) nothing is missing. A pipeline edited
 * without its list fails here, not on a fresh machine at a sitting.
 */
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <gst/gst.h>

#include "check.h"
#include "config.h"
#include "media.h"

static bool listed(const char **needs, const char *element)
{
    for (size_t i = 0; needs[i]; i++)
        if (strcmp(needs[i], element) == 0)
            return true;
    return false;
}

/* Checks every word of source's descriptions against its list. */
static void check_source(const struct pl_config *cfg, const char *source, bool restream)
{
    char *text = pl_media_descriptions(cfg, source, restream);
    const char **needs = pl_media_needs(source, restream);
    /* Quoted values ("Sans Bold 28", the clock's format) are one property. */
    GString *plain = g_string_new(NULL);
    bool quoted = false;
    for (const char *c = text; *c; c++) {
        if (*c == '"')
            quoted = !quoted;
        else if (!quoted)
            g_string_append_c(plain, *c);
    }
    char **words = g_strsplit_set(plain->str, " \n!", -1);
    int elements = 0;
    for (size_t i = 0; words[i]; i++) {
        const char *w = words[i];
        if (!*w || strchr(w, '=') || strchr(w, '.'))
            continue;         /* a property, or a pad reference ("mux.", "pick.sink_0") */
        if (strchr(w, '/')) { /* caps: a capsfilter */
            if (!listed(needs, "capsfilter"))
                fprintf(stderr, "%s: caps %s without capsfilter in the list\n", source, w);
            CHECK(listed(needs, "capsfilter"));
            continue;
        }
        GstElementFactory *f = gst_element_factory_find(w);
        if (!f || !listed(needs, w))
            fprintf(stderr, "%s: \"%s\" is %s\n", source, w,
                    f ? "an element missing from the list" : "not an element");
        CHECK(f != NULL);
        CHECK(listed(needs, w));
        if (f)
            gst_object_unref(f);
        elements++;
    }
    CHECK(elements > 3);
    for (size_t i = 0; needs[i]; i++) {
        if (!pl_media_package(needs[i]))
            fprintf(stderr, "%s: no Debian package for %s\n", source, needs[i]);
        CHECK(pl_media_package(needs[i]) != NULL);
    }
    char *missing = pl_media_missing(source, restream);
    if (missing)
        fprintf(stderr, "%s: missing here: %s\n", source, missing);
    CHECK(missing == NULL);
    g_free(missing);
    g_strfreev(words);
    g_string_free(plain, TRUE);
    g_free(needs);
    g_free(text);
}

int main(void)
{
    gst_init(NULL, NULL);
    struct pl_config cfg;
    char err[256];
    char *argv[] = {"plenumd", "--media-video", "320x180@15", NULL};
    CHECK(pl_config_parse(&cfg, 3, argv, NULL, "web", err, sizeof err) == 0);
    CHECK(cfg.media_required); /* on by default */
    check_source(&cfg, "test", true);
    check_source(&cfg, "v4l2:/dev/video0?audio=hw:1,0", false);
    check_source(&cfg, "srt://:9000", false);
    check_source(&cfg, "srt://encoder.local:9000", true);
    check_source(&cfg, "rtsp://cam.local/stream", false);

    /* What the slate needs is checked whatever the source. */
    const char **needs = pl_media_needs("srt://:9000", false);
    CHECK(listed(needs, "textoverlay") && listed(needs, "x264enc") && !listed(needs, "rtmp2sink"));
    g_free(needs);
    needs = pl_media_needs("none", false);
    CHECK(needs[0] == NULL);
    g_free(needs);
    pl_config_clear(&cfg);
    CHECK_STR(pl_media_package("textoverlay"), "gstreamer1.0-x");
    CHECK_STR(pl_media_package("clockoverlay"), "gstreamer1.0-x");
    CHECK_STR(pl_media_package("x264enc"), "gstreamer1.0-plugins-ugly");
    CHECK(pl_media_package("no-such-element") == NULL);

    char *argv2[] = {"plenumd", "--media-required", "off", NULL};
    CHECK(pl_config_parse(&cfg, 3, argv2, NULL, "web", err, sizeof err) == 0);
    CHECK(!cfg.media_required);
    pl_config_clear(&cfg);
    char *argv3[] = {"plenumd", "--media-required", "maybe", NULL};
    CHECK(pl_config_parse(&cfg, 3, argv3, NULL, "web", err, sizeof err) != 0);
    CHECK(strstr(err, "--media-required must be on or off") != NULL);
    pl_config_clear(&cfg);
    return check_report("test_media_elements");
}

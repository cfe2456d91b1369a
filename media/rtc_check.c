/*
 * Signalling checks for remote participants; see rtc_check.h. Everything
 * here reads client bytes: bounds first, then GStreamer's SDP parser on a
 * NUL-terminated copy, then what we need of the result.
 */
#include "rtc_check.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

/* The offer's payload type for encoding (e.g. "OPUS") in media m, or -1. */
static int find_pt(const GstSDPMedia *m, const char *encoding)
{
    for (guint i = 0; i < gst_sdp_media_attributes_len(m); i++) {
        const GstSDPAttribute *a = gst_sdp_media_get_attribute(m, i);
        if (!a->key || strcmp(a->key, "rtpmap") != 0 || !a->value)
            continue;
        int pt = -1;
        char name[32];
        if (sscanf(a->value, "%d %31[^/]", &pt, name) == 2 && pt >= 0 && pt <= 127 &&
            g_ascii_strcasecmp(name, encoding) == 0)
            return pt;
    }
    return -1;
}

/* Whether the BUNDLE group (after "BUNDLE ") names mid as a whole word. */
static bool bundled(const char *group, const char *mid)
{
    gchar **words = g_strsplit(group, " ", 0);
    bool found = false;
    for (gchar **w = words + 1; *w && !found; w++) /* words[0] is "BUNDLE" */
        found = strcmp(*w, mid) == 0;
    g_strfreev(words);
    return found;
}

static enum pl_err refuse(const char **reason, const char *why)
{
    *reason = why;
    return PL_ERR_BAD_FIELD;
}

static enum pl_err check_media(const GstSDPMessage *sdp, struct pl_rtc_offer_info *info,
                               const char **reason)
{
    const char *group = gst_sdp_message_get_attribute_val(sdp, "group");
    if (!group || !g_str_has_prefix(group, "BUNDLE "))
        return refuse(reason, "no_bundle");
    guint n = gst_sdp_message_medias_len(sdp);
    if (n > PL_RTC_MAX_MEDIA)
        return refuse(reason, "too_many_media");
    for (guint i = 0; i < n; i++) {
        const GstSDPMedia *m = gst_sdp_message_get_media(sdp, i);
        const char *kind = gst_sdp_media_get_media(m);
        const char *mid = gst_sdp_media_get_attribute_val(m, "mid");
        if (!mid || !bundled(group, mid))
            return refuse(reason, "no_bundle");
        if (kind && strcmp(kind, "audio") == 0 && info->audio_mline < 0) {
            info->audio_pt = find_pt(m, "OPUS");
            if (info->audio_pt < 0)
                return refuse(reason, "unsupported_codec");
            info->audio_mline = (int)i;
        } else if (kind && strcmp(kind, "video") == 0 && info->video_mline < 0) {
            info->video_pt = find_pt(m, "VP8");
            if (info->video_pt < 0 && find_pt(m, "H264") < 0)
                return refuse(reason, "unsupported_codec");
            g_strlcpy(info->video_codec, info->video_pt >= 0 ? "VP8" : "H264",
                      sizeof info->video_codec);
            info->video_mline = (int)i;
        }
    }
    if (info->audio_mline < 0)
        return refuse(reason, "no_audio");
    return PL_OK;
}

enum pl_err pl_rtc_check_offer(const char *text, size_t len, struct pl_rtc_offer_info *info,
                               GstSDPMessage **out, const char **reason)
{
    *reason = NULL;
    memset(info, 0, sizeof *info);
    info->audio_mline = info->video_mline = -1;
    info->audio_pt = info->video_pt = -1;
    if (out)
        *out = NULL;
    if (len > PL_RTC_SDP_MAX)
        return refuse(reason, "too_large");
    if (len == 0 || memchr(text, '\0', len) || !g_utf8_validate(text, (gssize)len, NULL))
        return refuse(reason, "malformed_sdp");
    char *copy = g_strndup(text, len);
    GstSDPMessage *sdp = NULL;
    bool parsed = gst_sdp_message_new_from_text(copy, &sdp) == GST_SDP_OK && sdp;
    g_free(copy);
    const GstSDPOrigin *origin = parsed ? gst_sdp_message_get_origin(sdp) : NULL;
    if (!parsed || gst_sdp_message_medias_len(sdp) == 0 || !origin || !origin->sess_id) {
        if (sdp)
            gst_sdp_message_free(sdp);
        return refuse(reason, "malformed_sdp");
    }
    enum pl_err err = check_media(sdp, info, reason);
    if (err != PL_OK || !out)
        gst_sdp_message_free(sdp);
    else
        *out = sdp;
    return err;
}

enum pl_err pl_rtc_check_candidate(const char *cand, size_t len, int mline, const char **reason)
{
    *reason = NULL;
    if (mline < 0 || mline >= PL_RTC_MAX_MEDIA || len > PL_RTC_CANDIDATE_MAX ||
        (len && memchr(cand, '\0', len)))
        return refuse(reason, "bad_candidate");
    if (len == 0)
        return PL_OK;
    for (size_t i = 0; i < len; i++)
        if (!g_ascii_isprint(cand[i]))
            return refuse(reason, "bad_candidate");
    char *copy = g_strndup(cand, len);
    const char *body = g_str_has_prefix(copy, "candidate:") ? copy + strlen("candidate:") : NULL;
    gchar **parts = body ? g_strsplit(body, " ", 0) : NULL;
    guint np = parts ? g_strv_length(parts) : 0;
    bool ok =
        np >= 8 && *parts[0] && strcmp(parts[6], "typ") == 0 && *parts[4] &&
        strlen(parts[4]) <= 255 &&
        (g_ascii_strcasecmp(parts[2], "udp") == 0 || g_ascii_strcasecmp(parts[2], "tcp") == 0);
    if (ok) {
        char *end;
        guint64 port = g_ascii_strtoull(parts[5], &end, 10);
        ok = *parts[5] && *end == '\0' && port <= 65535;
        guint64 comp = g_ascii_strtoull(parts[1], &end, 10);
        ok = ok && *parts[1] && *end == '\0' && comp >= 1 && comp <= 256;
    }
    g_strfreev(parts);
    g_free(copy);
    return ok ? PL_OK : refuse(reason, "bad_candidate");
}

/*
 * Signalling checks for remote participants; see rtc_check.h: the strict
 * checks of media/sdp_check.c, then GStreamer's SDP parser on a
 * NUL-terminated copy for the message webrtcbin takes.
 */
#include "rtc_check.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "sdp_check.h"

static enum pl_err refuse(const char **reason, const char *why)
{
    *reason = why;
    return PL_ERR_BAD_FIELD;
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
    /* The strict check first (media/sdp_check.c: bounds, UTF-8 without
     * control characters (so no NUL), grammar, bundle, ICE credentials,
     * fingerprint, setup, codecs), reading only len bytes. */
    struct pl_sdp_summary sum;
    enum pl_sdp_err e = pl_sdp_check_offer(text, len, &sum);
    if (e != PL_SDP_OK)
        return refuse(reason, pl_sdp_err_code(e));
    const struct pl_sdp_media *a = &sum.media[sum.audio_index];
    info->n_mlines = sum.n_media;
    info->audio_mline = sum.audio_index;
    info->audio_pt = a->pt;
    info->receive_only = true;
    for (int i = 0; i < sum.n_media; i++) {
        enum pl_sdp_direction d = sum.media[i].direction;
        if (sum.media[i].kind != PL_SDP_APPLICATION && d != PL_SDP_RECVONLY && d != PL_SDP_INACTIVE)
            info->receive_only = false;
    }
    if (sum.video_index >= 0) {
        const struct pl_sdp_media *v = &sum.media[sum.video_index];
        info->video_mline = sum.video_index;
        info->video_pt = v->codec == PL_SDP_CODEC_VP8 ? v->pt : -1;
        g_strlcpy(info->video_codec, pl_sdp_codec_name(v->codec), sizeof info->video_codec);
    }
    /* Then GStreamer's parser, for the message webrtcbin takes. */
    char *copy = g_strndup(text, len);
    GstSDPMessage *sdp = NULL;
    bool parsed = gst_sdp_message_new_from_text(copy, &sdp) == GST_SDP_OK && sdp &&
                  gst_sdp_message_medias_len(sdp) == (guint)sum.n_media;
    g_free(copy);
    if (!parsed) {
        if (sdp)
            gst_sdp_message_free(sdp);
        return refuse(reason, "malformed_sdp");
    }
    if (out)
        *out = sdp;
    else
        gst_sdp_message_free(sdp);
    return PL_OK;
}

enum pl_err pl_rtc_check_candidate(const char *cand, size_t len, const char *mid, int mline,
                                   int n_mlines, const char **reason)
{
    *reason = NULL;
    enum pl_sdp_err e = pl_ice_check_candidate(cand, len, mid, mline, n_mlines);
    return e == PL_SDP_OK ? PL_OK : refuse(reason, pl_sdp_err_code(e));
}

/*
 * The checks of a remote participant's signalling (untrusted input from
 * rtc.offer and rtc.ice), before webrtcbin sees any of it. Pure functions
 * (GStreamer's SDP parser, no pipeline), fuzzed by tests/fuzz/fuzz_rtc.c.
 */
#ifndef PL_RTC_CHECK_H
#define PL_RTC_CHECK_H

#include <stddef.h>

#include <gst/sdp/sdp.h>

#include "errors.h"

#include <stdbool.h>

#define PL_RTC_SDP_MAX       60000
#define PL_RTC_CANDIDATE_MAX 1024
#define PL_RTC_MAX_MEDIA     4

/* What the offer asks for: the m-line of the sound and of the picture (-1:
 * none), the offer's payload types for Opus and VP8 (-1: none; a picture
 * in H.264 only is received but gets no picture back), and the codec the
 * participant's picture comes in ("VP8", "H264" or ""). */
struct pl_rtc_offer_info {
    int n_mlines;
    int audio_mline, video_mline;
    int audio_pt, video_pt;
    char video_codec[8];
    bool receive_only; /* sends nothing: every m-line recvonly or inactive (a viewer) */
};

/*
 * Checks an SDP offer of len bytes (not NUL-terminated). PL_OK: info is
 * filled and *sdp (if sdp is not NULL) is the parsed offer, the caller's to
 * free (gst_sdp_message_free). Otherwise PL_ERR_BAD_FIELD with *reason a
 * code of media/sdp_check.h (too_large, malformed_sdp, no_bundle,
 * missing_fingerprint, unsupported_codec, ...; static strings).
 */
enum pl_err pl_rtc_check_offer(const char *text, size_t len, struct pl_rtc_offer_info *info,
                               GstSDPMessage **sdp, const char **reason);

/* Checks a trickled candidate line (RFC 8839 grammar, or empty for the end
 * of candidates) for m-line mline of an offer of n_mlines, with its mid
 * (NULL: absent). PL_OK or PL_ERR_BAD_FIELD with *reason bad_candidate,
 * bad_mline_index or bad_mid. */
enum pl_err pl_rtc_check_candidate(const char *cand, size_t len, const char *mid, int mline,
                                   int n_mlines, const char **reason);

#endif

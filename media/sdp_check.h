/*
 * WebRTC signalling fields from a remote participant's browser, checked
 * before webrtcbin or libnice sees them: the SDP offer (rtc.offer) and each
 * trickled ICE candidate (rtc.ice). What we take is narrow on purpose — one
 * BUNDLE transport (max-bundle), DTLS-SRTP, Opus audio, VP8 or H.264 video,
 * at most a data channel we do not use — so anything else is refused here
 * with a stable reason the client can act on, not deep inside GStreamer.
 *
 * Pure functions over (pointer, length): the text need not be
 * NUL-terminated, nothing is read past len and nothing is allocated.
 * Unit-tested (tests/unit/test_sdp_check.c) and fuzzed (fuzz_sdp).
 */
#ifndef PL_SDP_CHECK_H
#define PL_SDP_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* The protocol's limit for rtc.offer's sdp (docs/protocol.md); Chromium's
 * offer with audio, video and a data channel is about 6 KB. */
#define PL_SDP_MAX_LEN 60000
/* m-lines in one offer: audio, video, a data channel and one spare. */
#define PL_SDP_MAX_MEDIA 4
/* An a=mid or a candidate's sdpMid: browsers use "0", "1", webrtcbin
 * "video0"; RFC 8843 asks for short ones (they ride in every RTP packet). */
#define PL_SDP_MID_MAX 32
/* A trickled candidate line (Chromium's are about 150 bytes). */
#define PL_ICE_CANDIDATE_MAX 1024

/* Why a field was refused. The string of each (pl_sdp_err_code) is part of
 * the protocol: it never changes meaning. Add new ones at the end. */
enum pl_sdp_err {
    PL_SDP_OK = 0,
    PL_SDP_TOO_LARGE,               /* too_large: over PL_SDP_MAX_LEN */
    PL_SDP_MALFORMED,               /* malformed_sdp: not SDP text, a bad line or a bad value */
    PL_SDP_NO_MEDIA,                /* no_media: no m-line */
    PL_SDP_TOO_MANY_MEDIA,          /* too_many_media: over PL_SDP_MAX_MEDIA m-lines */
    PL_SDP_UNSUPPORTED_MEDIA,       /* unsupported_media: an m-line other than audio or video
                                     * over UDP/TLS/RTP/SAVPF or a webrtc-datachannel */
    PL_SDP_NO_BUNDLE,               /* no_bundle: no single a=group:BUNDLE naming every m-line */
    PL_SDP_MISSING_ICE_CREDENTIALS, /* missing_ice_credentials: an m-line without ice-ufrag/pwd */
    PL_SDP_BAD_ICE_CREDENTIALS,     /* bad_ice_credentials: their length or characters (RFC 8839) */
    PL_SDP_MISSING_FINGERPRINT,     /* missing_fingerprint: no sha-256 DTLS fingerprint */
    PL_SDP_BAD_FINGERPRINT,         /* bad_fingerprint: a sha-256 one that is not 32 hex bytes */
    PL_SDP_MISSING_SETUP,           /* missing_setup: no a=setup */
    PL_SDP_BAD_SETUP,               /* bad_setup: not actpass, active or passive */
    PL_SDP_UNSUPPORTED_CODEC,       /* unsupported_codec: audio without Opus, video without
                                     * VP8 or H.264 */
    PL_SDP_NO_AUDIO,                /* no_audio: no audio m-line we can take */
    PL_SDP_BAD_CANDIDATE,           /* bad_candidate: a candidate's grammar (RFC 8839) */
    PL_SDP_BAD_MLINE_INDEX,         /* bad_mline_index: a candidate's index out of range */
    PL_SDP_BAD_MID,                 /* bad_mid: a candidate's mid is not a short token */
    PL_SDP_FORBIDDEN_ADDRESS,       /* forbidden_address: a candidate's address is link-local
                                     * or a cloud metadata address (169.254/16, fe80::/10) */
    PL_SDP__COUNT
};

enum pl_sdp_kind { PL_SDP_AUDIO = 0, PL_SDP_VIDEO, PL_SDP_APPLICATION };

enum pl_sdp_codec { PL_SDP_CODEC_NONE = 0, PL_SDP_CODEC_OPUS, PL_SDP_CODEC_VP8, PL_SDP_CODEC_H264 };

enum pl_sdp_direction { PL_SDP_SENDRECV = 0, PL_SDP_SENDONLY, PL_SDP_RECVONLY, PL_SDP_INACTIVE };

/* One m-line of an accepted offer. */
struct pl_sdp_media {
    enum pl_sdp_kind kind;
    char mid[PL_SDP_MID_MAX + 1];
    /* Port 0 without a=bundle-only: the offerer turned this m-line off, so
     * it needs no codec and is not in the bundle (RFC 8843 7.3.3). */
    bool disabled;
    /* The payload type to take (the offerer's first acceptable one, in its
     * order of preference) and its codec; -1 and NONE for a data channel
     * or a disabled m-line. Video prefers VP8 (what we send back), then
     * H.264 with packetization-mode=1 (what browsers send), then any
     * H.264. */
    int pt;
    enum pl_sdp_codec codec;
    enum pl_sdp_direction direction; /* the offerer's view */
};

/* What pl_sdp_check_offer found. */
struct pl_sdp_summary {
    int n_media;
    struct pl_sdp_media media[PL_SDP_MAX_MEDIA];
    int audio_index;   /* the first usable audio m-line, -1 if none */
    int video_index;   /* the first usable video m-line, -1 if none */
    bool data_channel; /* an m=application (webrtc-datachannel): present, unused */
    /* On refusal: the 1-based line of the first problem, or 0 when it is
     * something missing from the whole offer (no m-line, no BUNDLE group,
     * v= o= s= or t= absent). */
    unsigned line;
};

/*
 * Checks an SDP offer as Chromium and Firefox send it: at most
 * PL_SDP_MAX_LEN bytes of UTF-8 text without control characters, lines
 * ending in CRLF or LF (the last one may end without), each "<letter>=";
 * v=0 first, then o=, s=, t=; 1 to PL_SDP_MAX_MEDIA m-lines; one
 * a=group:BUNDLE naming every enabled m-line's a=mid; per enabled m-line
 * (its own or session-level attributes): ICE ufrag and pwd, a sha-256
 * fingerprint, a=setup; Opus for audio, VP8 or H.264 for video; an audio
 * m-line. a=candidate lines are checked as pl_ice_check_candidate does.
 * out may be NULL; it is filled on PL_SDP_OK, and its line is set on
 * refusal.
 */
enum pl_sdp_err pl_sdp_check_offer(const char *sdp, size_t len, struct pl_sdp_summary *out);

/*
 * Checks one trickled candidate (RTCIceCandidate's candidate, sdpMid and
 * sdpMLineIndex): "candidate:<foundation> <component> <udp|tcp>
 * <priority> <address> <port> typ <host|srflx|prflx|relay> [raddr <address>]
 * [rport <port>] [tcptype <active|passive|so>] [<name> <value>]...", the
 * address IPv4, IPv6 or an mDNS "<uuid>.local", single spaces, at most
 * PL_ICE_CANDIDATE_MAX bytes. An empty candidate ends the candidates and is
 * valid. mid is a NUL-terminated string or NULL (absent); mline_index is -1
 * when absent, else it must be below n_mlines (the offer's n_media). At
 * least one of the two must be given, except for the end of candidates.
 */
enum pl_sdp_err pl_ice_check_candidate(const char *cand, size_t len, const char *mid,
                                       int mline_index, int n_mlines);

/* The stable code, e.g. "no_bundle"; "unknown" for a value out of range.
 * Static storage. */
const char *pl_sdp_err_code(enum pl_sdp_err err);

/* "opus", "VP8", "H264", or "" for none. Static storage. */
const char *pl_sdp_codec_name(enum pl_sdp_codec codec);

#endif

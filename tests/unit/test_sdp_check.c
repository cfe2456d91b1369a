/*
 * About 1,100 lines, one file on purpose: most of it is captured offers
 * (Chromium, Firefox, webrtcbin) that every case edits a copy of.
 *
 * Unit tests for media/sdp_check.c: offers as Chromium, Firefox and
 * webrtcbin send them, each refusal reason, and trickled ICE candidates of
 * every kind. chrome_offer is Chromium 156's offer (audio, video and a data
 * channel, bundle policy max-bundle) captured from the machine's browser;
 * firefox_offer is written after Firefox 128's, whose m-lines after the
 * first have port 0 and a=bundle-only under max-bundle.
 */
#include <stdlib.h>

#include "check.h"
#include "sdp_check.h"

static const char chrome_offer[] =
    "v=0\r\n"
    "o=- 3268736104466399889 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1 2\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=msid-semantic: WMS\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Ibpf\r\n"
    "a=ice-pwd:sqfVJN7fuOUCdAaWEaDIlWBa\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "1A:D5:32:23:81:25:08:43:AB:20:5E:4B:26:DE:52:6C:6D:E5:66:F9:3B:70:F2:B6:85:E9:7D:CE:09:2D:A9:"
    "4E\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=sendrecv\r\n"
    "a=msid:- 0bde75cc-a4d5-430d-9712-0426102f6cd3\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtcp-xr:rcvr-rtt=all\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=rtcp-fb:111 transport-cc\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:63 red/48000/2\r\n"
    "a=fmtp:63 111/111\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:13 CN/8000\r\n"
    "a=rtpmap:110 telephone-event/48000\r\n"
    "a=rtpmap:126 telephone-event/8000\r\n"
    "a=ssrc:2747604255 cname:Pz7ZtHuF5J49QwGm\r\n"
    "a=ssrc:2747604255 msid:- 0bde75cc-a4d5-430d-9712-0426102f6cd3\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 107 108 109 114 115 116 117 39 40 45 46 98 99 "
    "100 101 118 119 120\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Ibpf\r\n"
    "a=ice-pwd:sqfVJN7fuOUCdAaWEaDIlWBa\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "1A:D5:32:23:81:25:08:43:AB:20:5E:4B:26:DE:52:6C:6D:E5:66:F9:3B:70:F2:B6:85:E9:7D:CE:09:2D:A9:"
    "4E\r\n"
    "a=setup:actpass\r\n"
    "a=mid:1\r\n"
    "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:13 urn:3gpp:video-orientation\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
    "a=extmap:6 http://www.webrtc.org/experiments/rtp-hdrext/video-content-type\r\n"
    "a=extmap:7 http://www.webrtc.org/experiments/rtp-hdrext/video-timing\r\n"
    "a=extmap:8 http://www.webrtc.org/experiments/rtp-hdrext/color-space\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
    "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n"
    "a=sendrecv\r\n"
    "a=msid:- 41641f58-6f18-4f72-9f5e-67fd39df5965\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtcp-xr:rcvr-rtt=all\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 goog-remb\r\n"
    "a=rtcp-fb:96 transport-cc\r\n"
    "a=rtcp-fb:96 ccm fir\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=rtpmap:102 H264/90000\r\n"
    "a=rtcp-fb:102 goog-remb\r\n"
    "a=rtcp-fb:102 transport-cc\r\n"
    "a=rtcp-fb:102 ccm fir\r\n"
    "a=rtcp-fb:102 nack\r\n"
    "a=rtcp-fb:102 nack pli\r\n"
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n"
    "a=rtpmap:103 rtx/90000\r\n"
    "a=fmtp:103 apt=102\r\n"
    "a=rtpmap:104 H264/90000\r\n"
    "a=rtcp-fb:104 goog-remb\r\n"
    "a=rtcp-fb:104 transport-cc\r\n"
    "a=rtcp-fb:104 ccm fir\r\n"
    "a=rtcp-fb:104 nack\r\n"
    "a=rtcp-fb:104 nack pli\r\n"
    "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f\r\n"
    "a=rtpmap:107 rtx/90000\r\n"
    "a=fmtp:107 apt=104\r\n"
    "a=rtpmap:108 H264/90000\r\n"
    "a=rtcp-fb:108 goog-remb\r\n"
    "a=rtcp-fb:108 transport-cc\r\n"
    "a=rtcp-fb:108 ccm fir\r\n"
    "a=rtcp-fb:108 nack\r\n"
    "a=rtcp-fb:108 nack pli\r\n"
    "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
    "a=rtpmap:109 rtx/90000\r\n"
    "a=fmtp:109 apt=108\r\n"
    "a=rtpmap:114 H264/90000\r\n"
    "a=rtcp-fb:114 goog-remb\r\n"
    "a=rtcp-fb:114 transport-cc\r\n"
    "a=rtcp-fb:114 ccm fir\r\n"
    "a=rtcp-fb:114 nack\r\n"
    "a=rtcp-fb:114 nack pli\r\n"
    "a=fmtp:114 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f\r\n"
    "a=rtpmap:115 rtx/90000\r\n"
    "a=fmtp:115 apt=114\r\n"
    "a=rtpmap:116 H264/90000\r\n"
    "a=rtcp-fb:116 goog-remb\r\n"
    "a=rtcp-fb:116 transport-cc\r\n"
    "a=rtcp-fb:116 ccm fir\r\n"
    "a=rtcp-fb:116 nack\r\n"
    "a=rtcp-fb:116 nack pli\r\n"
    "a=fmtp:116 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f\r\n"
    "a=rtpmap:117 rtx/90000\r\n"
    "a=fmtp:117 apt=116\r\n"
    "a=rtpmap:39 H264/90000\r\n"
    "a=rtcp-fb:39 goog-remb\r\n"
    "a=rtcp-fb:39 transport-cc\r\n"
    "a=rtcp-fb:39 ccm fir\r\n"
    "a=rtcp-fb:39 nack\r\n"
    "a=rtcp-fb:39 nack pli\r\n"
    "a=fmtp:39 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=4d001f\r\n"
    "a=rtpmap:40 rtx/90000\r\n"
    "a=fmtp:40 apt=39\r\n"
    "a=rtpmap:45 AV1/90000\r\n"
    "a=rtcp-fb:45 goog-remb\r\n"
    "a=rtcp-fb:45 transport-cc\r\n"
    "a=rtcp-fb:45 ccm fir\r\n"
    "a=rtcp-fb:45 nack\r\n"
    "a=rtcp-fb:45 nack pli\r\n"
    "a=fmtp:45 level-idx=5;profile=0;tier=0\r\n"
    "a=rtpmap:46 rtx/90000\r\n"
    "a=fmtp:46 apt=45\r\n"
    "a=rtpmap:98 VP9/90000\r\n"
    "a=rtcp-fb:98 goog-remb\r\n"
    "a=rtcp-fb:98 transport-cc\r\n"
    "a=rtcp-fb:98 ccm fir\r\n"
    "a=rtcp-fb:98 nack\r\n"
    "a=rtcp-fb:98 nack pli\r\n"
    "a=fmtp:98 profile-id=0\r\n"
    "a=rtpmap:99 rtx/90000\r\n"
    "a=fmtp:99 apt=98\r\n"
    "a=rtpmap:100 VP9/90000\r\n"
    "a=rtcp-fb:100 goog-remb\r\n"
    "a=rtcp-fb:100 transport-cc\r\n"
    "a=rtcp-fb:100 ccm fir\r\n"
    "a=rtcp-fb:100 nack\r\n"
    "a=rtcp-fb:100 nack pli\r\n"
    "a=fmtp:100 profile-id=2\r\n"
    "a=rtpmap:101 rtx/90000\r\n"
    "a=fmtp:101 apt=100\r\n"
    "a=rtpmap:118 red/90000\r\n"
    "a=rtpmap:119 rtx/90000\r\n"
    "a=fmtp:119 apt=118\r\n"
    "a=rtpmap:120 ulpfec/90000\r\n"
    "a=ssrc-group:FID 256821579 612511486\r\n"
    "a=ssrc:256821579 cname:Pz7ZtHuF5J49QwGm\r\n"
    "a=ssrc:256821579 msid:- 41641f58-6f18-4f72-9f5e-67fd39df5965\r\n"
    "a=ssrc:612511486 cname:Pz7ZtHuF5J49QwGm\r\n"
    "a=ssrc:612511486 msid:- 41641f58-6f18-4f72-9f5e-67fd39df5965\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Ibpf\r\n"
    "a=ice-pwd:sqfVJN7fuOUCdAaWEaDIlWBa\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "1A:D5:32:23:81:25:08:43:AB:20:5E:4B:26:DE:52:6C:6D:E5:66:F9:3B:70:F2:B6:85:E9:7D:CE:09:2D:A9:"
    "4E\r\n"
    "a=setup:actpass\r\n"
    "a=mid:2\r\n"
    "a=sctp-port:5000\r\n"
    "a=max-message-size:262144\r\n";

static const char firefox_offer[] =
    "v=0\r\n"
    "o=mozilla...THIS_IS_SDPARTA-128.0 7186423391283402542 0 IN IP4 0.0.0.0\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=sendrecv\r\n"
    "a=fingerprint:sha-256 8B:3F:12:A4:5C:6D:7E:8F:90:01:B2:C3:D4:E5:F6:07:18:29:3A:4B:5C:6D:7E:8F:"
    "90:A1:B2:C3:D4:E5:F6:07\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "a=ice-options:trickle\r\n"
    "a=msid-semantic:WMS *\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 109 9 0 8 101\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=sendrecv\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level\r\n"
    "a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=ice-pwd:6a3c0c4e9f1d2b7a8e5f4d3c2b1a0f9e\r\n"
    "a=ice-ufrag:5d2e8f1a\r\n"
    "a=mid:0\r\n"
    "a=msid:{1f6e2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b} {8c7d6e5f-4a3b-4c2d-9e1f-0a9b8c7d6e5f}\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:109 opus/48000/2\r\n"
    "a=rtpmap:9 G722/8000/1\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=setup:actpass\r\n"
    "a=ssrc:3208485379 cname:{2b9e7f5a-6c1d-4e8b-a3f2-7d5c9e1b4a6f}\r\n"
    "m=video 0 UDP/TLS/RTP/SAVPF 120 124 121 125 126 127 97 98 123 122 119\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=bundle-only\r\n"
    "a=sendrecv\r\n"
    "a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=extmap:4 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:5 urn:ietf:params:rtp-hdrext:toffset\r\n"
    "a=extmap:6/recvonly http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
    "a=extmap:7 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=fmtp:126 profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1\r\n"
    "a=fmtp:97 profile-level-id=42e01f;level-asymmetry-allowed=1\r\n"
    "a=fmtp:120 max-fs=12288;max-fr=60\r\n"
    "a=fmtp:124 apt=120\r\n"
    "a=fmtp:121 max-fs=12288;max-fr=60\r\n"
    "a=fmtp:125 apt=121\r\n"
    "a=fmtp:127 apt=126\r\n"
    "a=fmtp:98 apt=97\r\n"
    "a=fmtp:119 apt=122\r\n"
    "a=ice-pwd:6a3c0c4e9f1d2b7a8e5f4d3c2b1a0f9e\r\n"
    "a=ice-ufrag:5d2e8f1a\r\n"
    "a=mid:1\r\n"
    "a=msid:{1f6e2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b} {3a4b5c6d-7e8f-4a0b-9c1d-2e3f4a5b6c7d}\r\n"
    "a=rtcp-fb:120 nack\r\n"
    "a=rtcp-fb:120 nack pli\r\n"
    "a=rtcp-fb:120 ccm fir\r\n"
    "a=rtcp-fb:120 goog-remb\r\n"
    "a=rtcp-fb:120 transport-cc\r\n"
    "a=rtcp-fb:126 nack\r\n"
    "a=rtcp-fb:126 nack pli\r\n"
    "a=rtcp-fb:126 ccm fir\r\n"
    "a=rtcp-fb:126 goog-remb\r\n"
    "a=rtcp-fb:126 transport-cc\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:120 VP8/90000\r\n"
    "a=rtpmap:124 rtx/90000\r\n"
    "a=rtpmap:121 VP9/90000\r\n"
    "a=rtpmap:125 rtx/90000\r\n"
    "a=rtpmap:126 H264/90000\r\n"
    "a=rtpmap:127 rtx/90000\r\n"
    "a=rtpmap:97 H264/90000\r\n"
    "a=rtpmap:98 rtx/90000\r\n"
    "a=rtpmap:123 ulpfec/90000\r\n"
    "a=rtpmap:122 red/90000\r\n"
    "a=rtpmap:119 rtx/90000\r\n"
    "a=setup:actpass\r\n"
    "a=ssrc:1592413577 cname:{2b9e7f5a-6c1d-4e8b-a3f2-7d5c9e1b4a6f}\r\n"
    "a=ssrc:2851037458 cname:{2b9e7f5a-6c1d-4e8b-a3f2-7d5c9e1b4a6f}\r\n"
    "a=ssrc-group:FID 1592413577 2851037458\r\n";

/* --- helpers ---------------------------------------------------------------------------- */

#define BUF_SIZE (PL_SDP_MAX_LEN + 4096)

/* s with every occurrence of from replaced by to, in one of four rotating
 * static buffers (so edits nest). A from that is not found is a failed
 * check: the test would otherwise check the original text. */
static const char *edit(const char *s, const char *from, const char *to)
{
    static char bufs[4][BUF_SIZE];
    static int next;
    char *out = bufs[next++ % 4];
    size_t fn = strlen(from), tn = strlen(to), o = 0;
    int hits = 0;
    while (*s) {
        if (strncmp(s, from, fn) == 0) {
            if (o + tn >= BUF_SIZE)
                abort();
            memcpy(out + o, to, tn);
            o += tn;
            s += fn;
            hits++;
        } else {
            if (o + 1 >= BUF_SIZE)
                abort();
            out[o++] = *s++;
        }
    }
    out[o] = '\0';
    if (!hits)
        fprintf(stderr, "edit: \"%s\" not found\n", from);
    CHECK(hits > 0);
    return out;
}

/* The 1-based number of the first line starting with prefix, 0 if none. */
static unsigned line_of(const char *s, const char *prefix)
{
    unsigned no = 1;
    for (const char *l = s; *l; no++) {
        if (strncmp(l, prefix, strlen(prefix)) == 0)
            return no;
        const char *nl = strchr(l, '\n');
        if (!nl)
            break;
        l = nl + 1;
    }
    return 0;
}

static struct pl_sdp_summary sum;

static enum pl_sdp_err offer(const char *s)
{
    return pl_sdp_check_offer(s, strlen(s), &sum);
}

/* The reason code for s, and the line it names (checked when want_line is
 * not ~0u). */
static const char *refused(const char *s, unsigned want_line)
{
    const char *code = pl_sdp_err_code(offer(s));
    if (want_line != ~0u && sum.line != want_line)
        fprintf(stderr, "refused: line %u, expected %u (%s)\n", sum.line, want_line, code);
    CHECK(want_line == ~0u || sum.line == want_line);
    return code;
}

#define FP32                                                                                       \
    "1A:D5:32:23:81:25:08:43:AB:20:5E:4B:26:DE:52:6C:6D:E5:66:F9:3B:70:F2:B6:85:E9:7D:CE:09:2D:"   \
    "A9:4E"

/* A small offer with the given m-sections (each "kind" is audio, video,
 * data or vp9) and mids 0, 1, ... all in the BUNDLE group. */
static const char *small_offer(const char *const *kinds, int n)
{
    static char buf[8192];
    int o = snprintf(buf, sizeof buf,
                     "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                     "a=group:BUNDLE");
    for (int i = 0; i < n; i++)
        o += snprintf(buf + o, sizeof buf - (size_t)o, " %d", i);
    o += snprintf(buf + o, sizeof buf - (size_t)o, "\r\n");
    for (int i = 0; i < n; i++) {
        const char *m;
        if (strcmp(kinds[i], "audio") == 0)
            m = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n";
        else if (strcmp(kinds[i], "video") == 0)
            m = "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n";
        else if (strcmp(kinds[i], "vp9") == 0)
            m = "m=video 9 UDP/TLS/RTP/SAVPF 98\r\na=rtpmap:98 VP9/90000\r\n";
        else
            m = "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n";
        o += snprintf(
            buf + o, sizeof buf - (size_t)o,
            "%sc=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n"
            "a=fingerprint:sha-256 " FP32 "\r\na=setup:actpass\r\na=mid:%d\r\n",
            m, i);
    }
    return buf;
}

/* --- offers that must pass ------------------------------------------------------------- */

static void test_chrome(void)
{
    CHECK(offer(chrome_offer) == PL_SDP_OK);
    CHECK(sum.n_media == 3);
    CHECK(sum.media[0].kind == PL_SDP_AUDIO && sum.media[1].kind == PL_SDP_VIDEO &&
          sum.media[2].kind == PL_SDP_APPLICATION);
    CHECK_STR(sum.media[0].mid, "0");
    CHECK_STR(sum.media[1].mid, "1");
    CHECK_STR(sum.media[2].mid, "2");
    CHECK(sum.media[0].pt == 111 && sum.media[0].codec == PL_SDP_CODEC_OPUS);
    CHECK(sum.media[1].pt == 96 && sum.media[1].codec == PL_SDP_CODEC_VP8);
    CHECK(sum.media[2].pt == -1 && sum.media[2].codec == PL_SDP_CODEC_NONE);
    CHECK(sum.media[0].direction == PL_SDP_SENDRECV && sum.media[1].direction == PL_SDP_SENDRECV);
    CHECK(!sum.media[0].disabled && !sum.media[1].disabled && !sum.media[2].disabled);
    CHECK(sum.audio_index == 0 && sum.video_index == 1 && sum.data_channel);
    CHECK(sum.line == 0);
    CHECK_STR(pl_sdp_codec_name(sum.media[0].codec), "opus");
    CHECK_STR(pl_sdp_codec_name(sum.media[1].codec), "VP8");

    /* LF only, and without the final line end. */
    const char *lf = edit(chrome_offer, "\r\n", "\n");
    CHECK(offer(lf) == PL_SDP_OK && sum.n_media == 3 && sum.media[1].pt == 96);
    char cut[8192];
    size_t n = strlen(lf);
    memcpy(cut, lf, n - 1);
    CHECK(pl_sdp_check_offer(cut, n - 1, &sum) == PL_SDP_OK);
    n = strlen(chrome_offer);
    CHECK(pl_sdp_check_offer(chrome_offer, n - 2, &sum) == PL_SDP_OK);
    /* A lone CR at the very end is not a line end. */
    CHECK(pl_sdp_check_offer(chrome_offer, n - 1, &sum) == PL_SDP_MALFORMED);
    /* Mixed: one CRLF line among LF lines. */
    CHECK(offer(edit(lf, "s=-\n", "s=-\r\n")) == PL_SDP_OK);
    /* Not NUL-terminated: only len bytes are read. */
    memcpy(cut, chrome_offer, n);
    memcpy(cut + n, "garbage\x01", 8);
    CHECK(pl_sdp_check_offer(cut, n, &sum) == PL_SDP_OK);
    CHECK(pl_sdp_check_offer(cut, n + 8, &sum) == PL_SDP_MALFORMED);
    /* out may be NULL. */
    CHECK(pl_sdp_check_offer(chrome_offer, n, NULL) == PL_SDP_OK);
    /* UTF-8 in the session name (s= is free text). */
    CHECK(offer(edit(chrome_offer, "s=-", "s=K\xe1\xbb\xb3 h\xe1\xbb\x8dp th\xe1\xbb\xa9 7")) ==
          PL_SDP_OK);
    /* Candidates gathered into the offer (a non-trickle client). */
    CHECK(offer(edit(chrome_offer, "a=mid:0\r\n",
                     "a=mid:0\r\na=candidate:4020201897 1 udp 2113937151 "
                     "09ebd41d-534e-4d3e-baf4-76563efbd04b.local 33764 typ host generation 0 "
                     "network-cost 999\r\na=end-of-candidates\r\n")) == PL_SDP_OK);
}

static void test_firefox(void)
{
    CHECK(offer(firefox_offer) == PL_SDP_OK);
    CHECK(sum.n_media == 2 && !sum.data_channel);
    CHECK(sum.media[0].pt == 109 && sum.media[0].codec == PL_SDP_CODEC_OPUS);
    /* Port 0 with bundle-only is in use, not turned off. */
    CHECK(!sum.media[1].disabled);
    CHECK(sum.media[1].pt == 120 && sum.media[1].codec == PL_SDP_CODEC_VP8);
    CHECK(sum.audio_index == 0 && sum.video_index == 1);
    /* Session-level a=sendrecv and fingerprint apply to every m-line. */
    CHECK(offer(edit(edit(edit(firefox_offer, "a=sendrecv\r\na=fingerprint",
                               "a=recvonly\r\na=fingerprint"),
                          "a=sendrecv\r\na=extmap:1", "a=extmap:1"),
                     "a=sendrecv\r\na=extmap:3", "a=sendonly\r\na=extmap:3")) == PL_SDP_OK);
    CHECK(sum.media[0].direction == PL_SDP_RECVONLY && sum.media[1].direction == PL_SDP_SENDONLY);
    CHECK(offer(edit(firefox_offer, "a=sendrecv\r\na=extmap:1", "a=inactive\r\na=extmap:1")) ==
          PL_SDP_OK);
    CHECK(sum.media[0].direction == PL_SDP_INACTIVE);
    /* Upper-case hex in the fingerprint, lower-case too. */
    CHECK(offer(edit(firefox_offer, "8B:3F:12:A4", "8b:3f:12:a4")) == PL_SDP_OK);
}

/* What tests/rtc/rtc_peer.c (GStreamer 1.22's webrtcbin, the integration
 * tests' participant) offers, captured: upper-case OPUS, mids audio0 and
 * video1, port 0 with bundle-only after the first m-line. */
static const char webrtcbin_offer[] =
    "v=0\r\n"
    "o=- 7554761557814175779 0 IN IP4 0.0.0.0\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=ice-options:trickle\r\n"
    "a=group:BUNDLE audio0 video1\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=setup:actpass\r\n"
    "a=ice-ufrag:t7TT755U+2KkuYZU7QVePIrDIQ5ipxDw\r\n"
    "a=ice-pwd:ERg9njEJH1obPAXf/WIBjVDCvOye5/Qg\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=sendrecv\r\n"
    "a=rtpmap:111 OPUS/48000/2\r\n"
    "a=rtcp-fb:111 transport-cc\r\n"
    "a=fmtp:111 sprop-stereo=1;sprop-maxcapturerate=48000\r\n"
    "a=ssrc:3217328816 msid:user14651935@host-dad24d3b webrtctransceiver0\r\n"
    "a=ssrc:3217328816 cname:user14651935@host-dad24d3b\r\n"
    "a=mid:audio0\r\n"
    "a=fingerprint:sha-256 "
    "F5:3E:5C:47:E2:01:45:EE:45:86:C9:07:29:02:8D:20:3F:01:85:4D:69:7E:B9:7A:FD:20:D2:FA:C5:81:12:"
    "EF\r\n"
    "a=rtcp-mux-only\r\n"
    "m=video 0 UDP/TLS/RTP/SAVPF 96\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=setup:actpass\r\n"
    "a=ice-ufrag:t7TT755U+2KkuYZU7QVePIrDIQ5ipxDw\r\n"
    "a=ice-pwd:ERg9njEJH1obPAXf/WIBjVDCvOye5/Qg\r\n"
    "a=bundle-only\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=sendrecv\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtcp-fb:96 ccm fir\r\n"
    "a=rtcp-fb:96 transport-cc\r\n"
    "a=framerate:15\r\n"
    "a=ssrc:1102723489 msid:user14651935@host-dad24d3b webrtctransceiver1\r\n"
    "a=ssrc:1102723489 cname:user14651935@host-dad24d3b\r\n"
    "a=mid:video1\r\n"
    "a=fingerprint:sha-256 "
    "F5:3E:5C:47:E2:01:45:EE:45:86:C9:07:29:02:8D:20:3F:01:85:4D:69:7E:B9:7A:FD:20:D2:FA:C5:81:12:"
    "EF\r\n"
    "a=rtcp-mux-only\r\n";

static const char webrtcbin_h264_offer[] =
    "v=0\r\n"
    "o=- 9128437509677469363 0 IN IP4 0.0.0.0\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=ice-options:trickle\r\n"
    "a=group:BUNDLE audio0 video1\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=setup:actpass\r\n"
    "a=ice-ufrag:D4wfN5JHjRw0pZLpl65Hs+hGxzfDmrQH\r\n"
    "a=ice-pwd:VhSBPIaBSjG1oizwQiIyzMNMnY/ajFux\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=sendrecv\r\n"
    "a=rtpmap:111 OPUS/48000/2\r\n"
    "a=rtcp-fb:111 transport-cc\r\n"
    "a=fmtp:111 sprop-stereo=1;sprop-maxcapturerate=48000\r\n"
    "a=ssrc:1366685867 msid:user1787261747@host-23cecd4 webrtctransceiver0\r\n"
    "a=ssrc:1366685867 cname:user1787261747@host-23cecd4\r\n"
    "a=mid:audio0\r\n"
    "a=fingerprint:sha-256 "
    "96:C7:6A:98:A2:95:E5:0D:07:31:8F:12:67:AA:0A:D7:0D:DE:BA:AE:CF:C6:6F:00:A1:E4:5B:11:18:65:B4:"
    "8C\r\n"
    "a=rtcp-mux-only\r\n"
    "m=video 0 UDP/TLS/RTP/SAVPF 102\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=setup:actpass\r\n"
    "a=ice-ufrag:D4wfN5JHjRw0pZLpl65Hs+hGxzfDmrQH\r\n"
    "a=ice-pwd:VhSBPIaBSjG1oizwQiIyzMNMnY/ajFux\r\n"
    "a=bundle-only\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=sendrecv\r\n"
    "a=rtpmap:102 H264/90000\r\n"
    "a=rtcp-fb:102 nack pli\r\n"
    "a=rtcp-fb:102 ccm fir\r\n"
    "a=rtcp-fb:102 transport-cc\r\n"
    "a=framerate:15\r\n"
    "a=fmtp:102 "
    "packetization-mode=1;sprop-parameter-sets=Z0LAFtoCgPbAWoMDA1KAAAADAIAAAA9HixdQ,aM48gA==;"
    "profile-level-id=42c016;level-asymmetry-allowed=1\r\n"
    "a=ssrc:1945221891 msid:user1787261747@host-23cecd4 webrtctransceiver1\r\n"
    "a=ssrc:1945221891 cname:user1787261747@host-23cecd4\r\n"
    "a=mid:video1\r\n"
    "a=fingerprint:sha-256 "
    "96:C7:6A:98:A2:95:E5:0D:07:31:8F:12:67:AA:0A:D7:0D:DE:BA:AE:CF:C6:6F:00:A1:E4:5B:11:18:65:B4:"
    "8C\r\n"
    "a=rtcp-mux-only\r\n";

static void test_webrtcbin(void)
{
    CHECK(offer(webrtcbin_offer) == PL_SDP_OK);
    CHECK(sum.n_media == 2 && sum.audio_index == 0 && sum.video_index == 1);
    CHECK_STR(sum.media[0].mid, "audio0");
    CHECK_STR(sum.media[1].mid, "video1");
    CHECK(sum.media[0].pt == 111 && sum.media[0].codec == PL_SDP_CODEC_OPUS);
    CHECK(sum.media[1].pt == 96 && sum.media[1].codec == PL_SDP_CODEC_VP8 &&
          !sum.media[1].disabled);
    CHECK(offer(webrtcbin_h264_offer) == PL_SDP_OK);
    CHECK(sum.media[1].pt == 102 && sum.media[1].codec == PL_SDP_CODEC_H264);
    /* Its candidates, trickled with an index only: IPv4, IPv6, UDP and both
     * TCP kinds; its link-local one (without zone) is well formed but
     * refused for its address (issue 20). */
    static const char *const cands[] = {
        "candidate:1 1 UDP 2015363327 192.0.2.2 53415 typ host",
        "candidate:2 1 TCP 1015021823 192.0.2.2 9 typ host tcptype active",
        "candidate:3 1 TCP 1010827519 192.0.2.2 45311 typ host tcptype passive",
        "candidate:4 1 UDP 2015363583 fd00::2 54044 typ host",
    };
    for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++)
        CHECK(pl_ice_check_candidate(cands[i], strlen(cands[i]), NULL, 0, sum.n_media) ==
              PL_SDP_OK);
    static const char link_local[] =
        "candidate:8 1 TCP 1015022335 fe80::fc:ff:fe00:1 9 typ host tcptype active";
    CHECK(pl_ice_check_candidate(link_local, strlen(link_local), NULL, 0, sum.n_media) ==
          PL_SDP_FORBIDDEN_ADDRESS);
}

static void test_codecs(void)
{
    const char *m_video = "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 107 108 109 114 115 116 "
                          "117 39 40 45 46 98 99 100 101 118 119 120\r\n";
    unsigned video_line = line_of(chrome_offer, "m=video");
    /* H.264 only: the first with packetization-mode=1 (102), though 104
     * (mode 0) comes first. */
    CHECK(offer(edit(chrome_offer, m_video, "m=video 9 UDP/TLS/RTP/SAVPF 104 102 108\r\n")) ==
          PL_SDP_OK);
    CHECK(sum.media[1].pt == 102 && sum.media[1].codec == PL_SDP_CODEC_H264);
    CHECK_STR(pl_sdp_codec_name(sum.media[1].codec), "H264");
    /* Only mode 0 offered: taken all the same. */
    CHECK(offer(edit(chrome_offer, m_video, "m=video 9 UDP/TLS/RTP/SAVPF 104 114\r\n")) ==
          PL_SDP_OK);
    CHECK(sum.media[1].pt == 104);
    /* VP8 wins over H.264 whatever the order. */
    CHECK(offer(edit(chrome_offer, m_video, "m=video 9 UDP/TLS/RTP/SAVPF 102 96\r\n")) ==
          PL_SDP_OK);
    CHECK(sum.media[1].pt == 96);
    /* VP9 and AV1 only: refused at the video m-line. */
    CHECK_STR(refused(edit(chrome_offer, m_video, "m=video 9 UDP/TLS/RTP/SAVPF 98 100 45\r\n"),
                      video_line),
              "unsupported_codec");
    /* An rtpmap for a payload type the m-line does not list does not count. */
    CHECK_STR(
        refused(edit(chrome_offer, m_video, "m=video 9 UDP/TLS/RTP/SAVPF 98\r\n"), video_line),
        "unsupported_codec");
    /* Audio without Opus (G.722 and G.711 only). */
    CHECK_STR(refused(edit(chrome_offer, "SAVPF 111 63 9 0 8 13 110 126", "SAVPF 9 0 8"),
                      line_of(chrome_offer, "m=audio")),
              "unsupported_codec");
    /* Opus must be 48000/2 as RFC 7587 writes it. */
    CHECK_STR(refused(edit(chrome_offer, "opus/48000/2", "opus/48000"), ~0u), "unsupported_codec");
    CHECK_STR(refused(edit(chrome_offer, "opus/48000/2", "opus/16000/2"), ~0u),
              "unsupported_codec");
    /* Video without VP8/H.264 but audio fine; no audio at all. */
    const char *vp9[] = {"audio", "vp9"};
    CHECK_STR(refused(small_offer(vp9, 2), ~0u), "unsupported_codec");
    const char *video_only[] = {"video"};
    CHECK_STR(refused(small_offer(video_only, 1), 0), "no_audio");
    const char *data_only[] = {"data"};
    CHECK_STR(refused(small_offer(data_only, 1), 0), "no_audio");
    const char *audio_only[] = {"audio"};
    CHECK(offer(small_offer(audio_only, 1)) == PL_SDP_OK);
    CHECK(sum.n_media == 1 && sum.video_index == -1 && !sum.data_channel);
    /* A second rtpmap for one payload type is contradictory. */
    CHECK_STR(refused(edit(chrome_offer, "a=rtpmap:9 G722/8000\r\n",
                           "a=rtpmap:9 G722/8000\r\na=rtpmap:9 PCMU/8000\r\n"),
                      line_of(chrome_offer, "a=rtpmap:9 ") + 1),
              "malformed_sdp");
}

static void test_media_count(void)
{
    const char *four[] = {"audio", "video", "video", "data"};
    CHECK(offer(small_offer(four, 4)) == PL_SDP_OK);
    CHECK(sum.n_media == 4 && sum.audio_index == 0 && sum.video_index == 1 && sum.data_channel);
    CHECK(sum.media[2].codec == PL_SDP_CODEC_VP8);
    CHECK_STR(sum.media[3].mid, "3");
    const char *five[] = {"audio", "video", "video", "audio", "data"};
    const char *s = small_offer(five, 5);
    unsigned fifth = 0, no = 1;
    for (const char *l = s; *l; l = strchr(l, '\n') + 1, no++)
        if (strncmp(l, "m=", 2) == 0)
            fifth = no;
    CHECK_STR(refused(s, fifth), "too_many_media");
    CHECK_STR(refused("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE\r\n", 0),
              "no_media");
}

static void test_bundle(void)
{
    unsigned group = line_of(chrome_offer, "a=group:BUNDLE");
    /* The group misses the video m-line. */
    CHECK_STR(refused(edit(chrome_offer, "a=group:BUNDLE 0 1 2", "a=group:BUNDLE 0 2"),
                      line_of(chrome_offer, "m=video")),
              "no_bundle");
    CHECK_STR(refused(edit(chrome_offer, "a=group:BUNDLE 0 1 2\r\n", ""), 0), "no_bundle");
    CHECK_STR(refused(edit(chrome_offer, "a=group:BUNDLE 0 1 2", "a=group:BUNDLE 0 1 2 3"), group),
              "no_bundle");
    CHECK_STR(refused(edit(chrome_offer, "a=group:BUNDLE 0 1 2", "a=group:BUNDLE 0 1 2 1"), group),
              "no_bundle");
    CHECK_STR(refused(edit(chrome_offer, "a=group:BUNDLE 0 1 2", "a=group:BUNDLE"), group),
              "no_bundle");
    /* Two groups: two transports, not max-bundle. */
    CHECK_STR(refused(edit(chrome_offer, "a=group:BUNDLE 0 1 2",
                           "a=group:BUNDLE 0 1\r\na=group:BUNDLE 2"),
                      group + 1),
              "no_bundle");
    /* Other group semantics are not ours. */
    CHECK(offer(edit(chrome_offer, "a=group:BUNDLE 0 1 2",
                     "a=group:LS 0 1\r\na=group:BUNDLE 0 1 2")) == PL_SDP_OK);
    /* An m-line without a mid. */
    CHECK_STR(refused(edit(chrome_offer, "a=mid:1\r\n", ""), line_of(chrome_offer, "m=video")),
              "no_bundle");
    /* "1" is not "10": tags are whole words. */
    CHECK_STR(refused(edit(edit(chrome_offer, "a=group:BUNDLE 0 1 2", "a=group:BUNDLE 0 10 2"),
                           "a=mid:1\r\n", "a=mid:1x\r\n"),
                      group),
              "no_bundle");
    /* Two m-lines with one mid. */
    CHECK_STR(
        refused(edit(chrome_offer, "a=mid:1\r\n", "a=mid:0\r\n"), line_of(chrome_offer, "m=video")),
        "no_bundle");
    /* A turned-off m-line (port 0, no bundle-only) need not be bundled
     * nor have a codec. */
    CHECK(offer(edit(edit(chrome_offer, "a=group:BUNDLE 0 1 2", "a=group:BUNDLE 0 2"),
                     "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 107 108 109 114 115 116 117 "
                     "39 40 45 46 98 99 100 101 118 119 120",
                     "m=video 0 UDP/TLS/RTP/SAVPF 98")) == PL_SDP_OK);
    CHECK(sum.media[1].disabled && sum.media[1].pt == -1 && sum.video_index == -1);
}

static void test_transport_attributes(void)
{
    unsigned audio = line_of(chrome_offer, "m=audio");
    const char *ufrag = "a=ice-ufrag:Ibpf\r\n";
    const char *pwd = "a=ice-pwd:sqfVJN7fuOUCdAaWEaDIlWBa\r\n";
    CHECK_STR(refused(edit(chrome_offer, ufrag, ""), audio), "missing_ice_credentials");
    CHECK_STR(refused(edit(chrome_offer, pwd, ""), audio), "missing_ice_credentials");
    /* At session level they serve every m-line. */
    CHECK(offer(edit(edit(edit(chrome_offer, ufrag, ""), pwd, ""), "t=0 0\r\n",
                     "t=0 0\r\na=ice-ufrag:Ibpf\r\na=ice-pwd:sqfVJN7fuOUCdAaWEaDIlWBa\r\n")) ==
          PL_SDP_OK);
    unsigned ufrag_line = line_of(chrome_offer, "a=ice-ufrag");
    CHECK_STR(refused(edit(chrome_offer, "ice-ufrag:Ibpf", "ice-ufrag:Ibp"), ufrag_line),
              "bad_ice_credentials");
    CHECK_STR(refused(edit(chrome_offer, "ice-ufrag:Ibpf", "ice-ufrag:Ib-f"), ufrag_line),
              "bad_ice_credentials");
    CHECK_STR(refused(edit(chrome_offer, "ice-pwd:sqfVJN7fuOUCdAaWEaDIlWBa",
                           "ice-pwd:sqfVJN7fuOUCdAaWEaDIl"),
                      ufrag_line + 1),
              "bad_ice_credentials");
    CHECK(offer(edit(chrome_offer, "ice-pwd:sqfVJN7fuOUCdAaWEaDIlWBa",
                     "ice-pwd:sqfVJN7fuOUCdAaWE+/lWB")) == PL_SDP_OK); /* 22, with + and / */
    CHECK_STR(refused(edit(chrome_offer, ufrag, "a=ice-ufrag:Ibpf\r\na=ice-ufrag:Ibpf\r\n"),
                      ufrag_line + 1),
              "malformed_sdp");

    const char *fp = "a=fingerprint:sha-256 " FP32 "\r\n";
    unsigned fp_line = line_of(chrome_offer, "a=fingerprint");
    CHECK_STR(refused(edit(chrome_offer, fp, ""), audio), "missing_fingerprint");
    /* Only sha-1: not enough. */
    CHECK_STR(refused(edit(chrome_offer, fp,
                           "a=fingerprint:sha-1 "
                           "1A:D5:32:23:81:25:08:43:AB:20:5E:4B:26:DE:52:6C:6D:E5:66:F9\r\n"),
                      audio),
              "missing_fingerprint");
    /* sha-256 of 31 bytes, of 33, not hex, no colons. */
    CHECK_STR(refused(edit(chrome_offer, ":A9:4E\r\n", ":A9\r\n"), fp_line), "bad_fingerprint");
    CHECK_STR(refused(edit(chrome_offer, ":A9:4E\r\n", ":A9:4E:00\r\n"), fp_line),
              "bad_fingerprint");
    CHECK_STR(refused(edit(chrome_offer, ":A9:4E\r\n", ":A9:4G\r\n"), fp_line), "bad_fingerprint");
    CHECK_STR(refused(edit(chrome_offer, ":A9:4E\r\n", ":A94E\r\n"), fp_line), "bad_fingerprint");
    CHECK_STR(refused(edit(chrome_offer, "sha-256 1A", "sha-256  1A"), fp_line), "bad_fingerprint");
    /* The hash name is case-insensitive. */
    CHECK(offer(edit(chrome_offer, "sha-256", "SHA-256")) == PL_SDP_OK);

    CHECK_STR(refused(edit(chrome_offer, "a=setup:actpass\r\n", ""), audio), "missing_setup");
    CHECK_STR(refused(edit(chrome_offer, "a=setup:actpass", "a=setup:holdconn"),
                      line_of(chrome_offer, "a=setup")),
              "bad_setup");
    CHECK(offer(edit(chrome_offer, "a=setup:actpass", "a=setup:passive")) == PL_SDP_OK);
    CHECK(offer(edit(chrome_offer, "a=setup:actpass", "a=setup:active")) == PL_SDP_OK);
    /* Directions: one per level. */
    CHECK(offer(edit(chrome_offer, "a=sendrecv\r\na=msid:- 0bde", "a=recvonly\r\na=msid:- 0bde")) ==
          PL_SDP_OK);
    CHECK(sum.media[0].direction == PL_SDP_RECVONLY && sum.media[1].direction == PL_SDP_SENDRECV);
    CHECK_STR(refused(edit(chrome_offer, "a=sendrecv\r\na=msid:- 0bde",
                           "a=sendrecv\r\na=inactive\r\na=msid:- 0bde"),
                      line_of(chrome_offer, "a=sendrecv") + 1),
              "malformed_sdp");
    CHECK_STR(
        refused(edit(chrome_offer, "a=sendrecv\r\na=msid:- 0bde", "a=sendrecv:1\r\na=msid:- 0bde"),
                line_of(chrome_offer, "a=sendrecv")),
        "malformed_sdp");
}

static void test_malformed(void)
{
    CHECK_STR(refused("", 0), "malformed_sdp");
    CHECK(pl_sdp_check_offer(NULL, 0, &sum) == PL_SDP_MALFORMED);
    CHECK_STR(refused("garbage", 1), "malformed_sdp");
    CHECK_STR(refused("\r\n", 1), "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "v=0", "v=1"), 1), "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "v=0\r\n", ""), 1), "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "o=- 3268736104466399889 2 IN IP4 127.0.0.1\r\n", ""), 0),
              "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "s=-\r\n", ""), 0), "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "t=0 0\r\n", ""), 0), "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "s=-\r\n", "s=\r\n"), 3), "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "s=-\r\n", "s=-\r\ns=-\r\n"), 4), "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "IN IP4 127.0.0.1", "IN IPX 127.0.0.1"), 2),
              "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "3268736104466399889", "32687361044663998x9"), 2),
              "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "t=0 0", "t=0"), 4), "malformed_sdp");
    /* Lines: no "=", an upper-case or unknown type, a session line in a
     * media section, a blank line, control characters, a bare CR, a NUL,
     * invalid UTF-8. */
    unsigned l5 = 5;
    CHECK_STR(refused(edit(chrome_offer, "a=extmap-allow-mixed", "a:extmap-allow-mixed"), l5 + 1),
              "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "a=extmap-allow-mixed", "A=extmap-allow-mixed"), l5 + 1),
              "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "a=extmap-allow-mixed", "x=extmap-allow-mixed"), l5 + 1),
              "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "a=rtcp-mux\r\n", "t=0 0\r\n"),
                      line_of(chrome_offer, "a=rtcp-mux")),
              "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "s=-\r\n", "s=-\r\n\r\n"), 4), "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "s=-\r\n", "s=-\t\r\n"), 3), "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "s=-\r\n", "s=-\rx\r\n"), 3), "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "s=-\r\n", "s=-\r\r\n"), 3), "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "s=-\r\n", "s=\x7f\r\n"), 3), "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "s=-\r\n", "s=\xc3\x28\r\n"), 3), "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "s=-\r\n", "s=\xc0\xaf\r\n"), 3), "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "s=-\r\n", "s=\xed\xa0\x80\r\n"), 3), "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "s=-\r\n", "s=\xe1\xbb\r\n"), 3), "malformed_sdp");
    char nul[8192];
    size_t n = strlen(chrome_offer);
    memcpy(nul, chrome_offer, n);
    nul[20] = '\0';
    CHECK(pl_sdp_check_offer(nul, n, &sum) == PL_SDP_MALFORMED && sum.line == 2);
    /* m-lines: port, port count, payload types, kinds, transports. */
    unsigned audio = line_of(chrome_offer, "m=audio");
    CHECK_STR(refused(edit(chrome_offer, "m=audio 9 ", "m=audio 65536 "), audio), "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "m=audio 9 ", "m=audio 9/2 "), audio), "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "SAVPF 111 63", "SAVPF 128 111 63"), audio),
              "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "SAVPF 111 63 9 0 8 13 110 126", "SAVPF"), audio),
              "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "SAVPF 111 63", "SAVPF 111  63"), audio), "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "8 13 110 126\r\n", "8 13 110 126 \r\n"), audio),
              "malformed_sdp");
    CHECK_STR(
        refused(edit(chrome_offer, "m=audio 9 UDP/TLS/RTP/SAVPF", "m=text 9 UDP/TLS/RTP/SAVPF"),
                audio),
        "unsupported_media");
    CHECK_STR(
        refused(edit(chrome_offer, "m=audio 9 UDP/TLS/RTP/SAVPF", "m=audio 9 RTP/AVP"), audio),
        "unsupported_media");
    CHECK_STR(refused(edit(chrome_offer, "UDP/DTLS/SCTP webrtc-datachannel", "DTLS/SCTP 5000"),
                      line_of(chrome_offer, "m=application")),
              "unsupported_media");
    /* Malformed rtpmap and fmtp, and media attributes at session level. */
    unsigned rtpmap = line_of(chrome_offer, "a=rtpmap:111");
    CHECK_STR(refused(edit(chrome_offer, "a=rtpmap:111 opus/48000/2", "a=rtpmap:111 opus"), rtpmap),
              "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "a=rtpmap:111 opus/48000/2", "a=rtpmap:300 opus/48000/2"),
                      rtpmap),
              "malformed_sdp");
    CHECK_STR(
        refused(edit(chrome_offer, "a=rtpmap:111 opus/48000/2", "a=rtpmap:111 opus/48000/2/1"),
                rtpmap),
        "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "a=fmtp:111 minptime", "a=fmtp:x minptime"), rtpmap + 2),
              "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "a=extmap-allow-mixed", "a=mid:9"), l5 + 1),
              "malformed_sdp");
    CHECK_STR(
        refused(edit(chrome_offer, "a=extmap-allow-mixed", "a=rtpmap:111 opus/48000/2"), l5 + 1),
        "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "a=mid:0\r\n", "a=mid:0\r\na=group:BUNDLE 0\r\n"),
                      line_of(chrome_offer, "a=mid:0") + 1),
              "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "a=mid:0\r\n", "a=mid:0 1\r\n"),
                      line_of(chrome_offer, "a=mid:0")),
              "malformed_sdp");
    CHECK_STR(refused(edit(chrome_offer, "a=extmap-allow-mixed", "a=\xc3\xa9t\xc3\xa9"), l5 + 1),
              "malformed_sdp");
    /* A bad candidate inside the offer, reported at its line. */
    CHECK_STR(refused(edit(chrome_offer, "a=mid:0\r\n",
                           "a=mid:0\r\na=candidate:1 1 udp 1 example.org 9 typ host\r\n"),
                      line_of(chrome_offer, "a=mid:0") + 1),
              "bad_candidate");
}

/* The reasons tests/integration/test_rtc.py expects from rtc.offer, so
 * that media/rtc.c can take this module without changing them. */
static void test_rtc_reasons(void)
{
    static char base[512], audio[1024], buf[8192];
    snprintf(base, sizeof base,
             "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
             "a=group:BUNDLE 0\r\n");
    snprintf(audio, sizeof audio,
             "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
             "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
             "a=fingerprint:sha-256 %s\r\na=setup:actpass\r\na=sendrecv\r\n"
             "a=rtpmap:111 opus/48000/2\r\n",
             "AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:"
             "AB:AB:AB:AB:AB");
    snprintf(buf, sizeof buf, "%s%s", base, audio);
    CHECK(offer(buf) == PL_SDP_OK);
    CHECK_STR(refused(edit(buf, "a=group:BUNDLE 0\r\n", ""), ~0u), "no_bundle");
    CHECK_STR(refused(edit(buf, "a=mid:0", "a=mid:x"), ~0u), "no_bundle");
    CHECK_STR(refused(edit(buf, "opus/48000/2", "PCMU/8000"), ~0u), "unsupported_codec");
    CHECK_STR(refused(edit(edit(buf, "m=audio", "m=video"), "opus/48000/2", "VP9/90000"), ~0u),
              "unsupported_codec");
    CHECK_STR(refused(edit(edit(buf, "m=audio", "m=video"), "opus/48000/2", "VP8/90000"), ~0u),
              "no_audio");
    /* Five copies of the audio section (one mid for all): the count first. */
    snprintf(buf, sizeof buf, "%s%s%s%s%s%s", base, audio, audio, audio, audio, audio);
    CHECK_STR(refused(buf, ~0u), "too_many_media");
}

static void test_size(void)
{
    static char big[PL_SDP_MAX_LEN + 16];
    size_t n = strlen(chrome_offer);
    memcpy(big, chrome_offer, n);
    /* Pad with one long attribute line to exactly the limit. */
    const char pad[] = "a=x-pad:";
    memcpy(big + n, pad, sizeof pad - 1);
    size_t end = PL_SDP_MAX_LEN - 2;
    memset(big + n + sizeof pad - 1, 'x', end - n - (sizeof pad - 1));
    memcpy(big + end, "\r\n", 2);
    CHECK(pl_sdp_check_offer(big, PL_SDP_MAX_LEN, &sum) == PL_SDP_OK);
    big[PL_SDP_MAX_LEN] = 'x';
    CHECK(pl_sdp_check_offer(big, PL_SDP_MAX_LEN + 1, &sum) == PL_SDP_TOO_LARGE && sum.line == 0);
}

/* --- candidates ------------------------------------------------------------------------- */

static enum pl_sdp_err cand(const char *c)
{
    return pl_ice_check_candidate(c, strlen(c), "0", 0, 3);
}

static void test_candidates(void)
{
    static const char *const good[] = {
        /* Chromium: mDNS host, srflx, relay, TCP, IPv6 */
        "candidate:4020201897 1 udp 2113937151 09ebd41d-534e-4d3e-baf4-76563efbd04b.local 33764 "
        "typ host generation 0 ufrag Ibpf network-cost 999",
        "candidate:842163049 1 udp 1677729535 203.0.113.7 51234 typ srflx raddr 0.0.0.0 rport 0 "
        "generation 0 ufrag Ibpf network-cost 999",
        "candidate:1052455702 1 udp 33562367 198.51.100.20 61234 typ relay raddr 203.0.113.7 rport "
        "51234 generation 0 ufrag Ibpf network-id 1 network-cost 10",
        "candidate:3012987331 1 tcp 1518280447 192.0.2.7 9 typ host tcptype active generation 0 "
        "ufrag Ibpf network-id 1",
        "candidate:2999745851 1 udp 2122262783 2001:db8:85a3::8a2e:370:7334 50000 typ host "
        "generation 0 ufrag Ibpf network-id 2",
        "candidate:3 1 udp 1845501695 192.0.2.44 40000 typ prflx raddr 10.0.0.2 rport 40000",
        /* Firefox: upper-case transport, mDNS, TCP passive, relay */
        "candidate:0 1 UDP 2122252543 4d0f8c1e-8c6a-4b6a-9d1e-2b7f5a3c9e10.local 51234 typ host",
        "candidate:1 1 TCP 2105524479 4d0f8c1e-8c6a-4b6a-9d1e-2b7f5a3c9e10.local 9 typ host "
        "tcptype "
        "active",
        "candidate:2 1 TCP 2105458943 192.0.2.9 49152 typ host tcptype passive",
        "candidate:3 1 UDP 92217087 198.51.100.20 3478 typ relay raddr 203.0.113.7 rport 51234",
        /* libnice (webrtcbin) and the test's own */
        "candidate:1 1 UDP 2015363327 192.0.2.1 50000 typ host",
        "candidate:1 1 udp 1 127.0.0.1 9 typ host",
        "candidate:5 1 TCP 1015023359 ::1 9 typ host tcptype so",
        "candidate:7 1 UDP 1 ::ffff:192.0.2.1 0 typ host",
        "candidate:a+/Z 256 udp 4294967295 192.0.2.1 65535 typ host",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (cand(good[i]) != PL_SDP_OK)
            fprintf(stderr, "refused: %s\n", good[i]);
        CHECK(cand(good[i]) == PL_SDP_OK);
    }
    /* Well formed, but pointing the server's ICE agent at link-local or
     * cloud metadata addresses (issue 20): refused with their own code. A
     * related address (raddr) is only informational: allowed. */
    static const char *const forbidden[] = {
        "candidate:1 1 udp 2122260223 169.254.169.254 80 typ host",
        "candidate:1 1 udp 2122260223 169.254.0.1 9 typ host",
        "candidate:1 1 udp 2122260223 169.254.170.2 80 typ host",
        "candidate:1 1 udp 2122260223 169.254.255.255 80 typ host",
        "candidate:1 1 udp 1677729535 169.254.169.254 80 typ srflx raddr 0.0.0.0 rport 0",
        "candidate:1 1 udp 33562367 169.254.169.254 80 typ relay raddr 203.0.113.7 rport 1",
        "candidate:1 1 tcp 1518280447 169.254.169.254 80 typ host tcptype passive",
        "candidate:1 1 udp 1 fe80::1 9 typ host",
        "candidate:1 1 udp 1 FE80::abcd:1 9 typ host",
        "candidate:1 1 udp 1 febf:ffff::1 9 typ host",
        "candidate:1 1 udp 1 ::ffff:169.254.169.254 80 typ host",
        "candidate:1 1 udp 1 fd00:ec2::254 80 typ host",
        "candidate:1 1 udp 1 100.100.100.200 80 typ host",
        "candidate:1 1 udp 1 ::ffff:100.100.100.200 80 typ host",
    };
    for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++) {
        if (cand(forbidden[i]) != PL_SDP_FORBIDDEN_ADDRESS)
            fprintf(stderr, "not refused: %s\n", forbidden[i]);
        CHECK(cand(forbidden[i]) == PL_SDP_FORBIDDEN_ADDRESS);
    }
    CHECK_STR(pl_sdp_err_code(PL_SDP_FORBIDDEN_ADDRESS), "forbidden_address");
    /* Their neighbours are fine. */
    static const char *const near[] = {
        "candidate:1 1 udp 1 169.253.255.255 9 typ host",
        "candidate:1 1 udp 1 169.255.0.1 9 typ host",
        "candidate:1 1 udp 1 fec0::1 9 typ host",
        "candidate:1 1 udp 1 fd00:ec2::253 9 typ host",
        "candidate:1 1 udp 1 100.100.100.201 9 typ host",
        "candidate:1 1 udp 1 203.0.113.7 9 typ srflx raddr 169.254.1.1 rport 9",
    };
    for (size_t i = 0; i < sizeof near / sizeof near[0]; i++)
        CHECK(cand(near[i]) == PL_SDP_OK);
    static const char *const bad[] = {
        "nonsense",
        "candidate:",
        "candidate:1 1 udp",
        "a=candidate:1 1 udp 1 127.0.0.1 9 typ host",
        "candidate:1 1 udp 1 127.0.0.1 99999 typ host",
        "candidate:1 1 udp 1 127.0.0.1 -1 typ host",
        "candidate:1 1 sctp 1 127.0.0.1 9 typ host",
        "candidate:1 1 udp 1 127.0.0.1 9 typ bogus",
        "candidate:1 1 udp 1 127.0.0.1 9 type host",
        "candidate:1 1 udp 1 127.0.0.1 9",
        "candidate:1  1 udp 1 127.0.0.1 9 typ host",
        "candidate:1 1 udp 1 127.0.0.1 9 typ host ",
        "candidate:1 1 udp 1 example.org 9 typ host",
        "candidate:1 1 udp 1 evil.local 9 typ host",
        "candidate:1 1 udp 1 09ebd41d-534e-4d3e-baf4-76563efbd04b.localhost 9 typ host",
        "candidate:1 1 udp 1 09ebd41d_534e-4d3e-baf4-76563efbd04b.local 9 typ host",
        "candidate:1 1 udp 1 fe80::1%eth0 9 typ host",
        "candidate:1 1 udp 1 1.2.3 9 typ host",
        "candidate:1 1 udp 1 256.1.1.1 9 typ host",
        "candidate:1 1 udp 1 01.2.3.4 9 typ host",
        "candidate:1 1 udp 1 2001:db8:::1 9 typ host",
        "candidate:1 0 udp 1 127.0.0.1 9 typ host",
        "candidate:1 257 udp 1 127.0.0.1 9 typ host",
        "candidate:1 1 udp 4294967296 127.0.0.1 9 typ host",
        "candidate:1 1 udp -5 127.0.0.1 9 typ host",
        "candidate:123456789012345678901234567890123 1 udp 1 127.0.0.1 9 typ host",
        "candidate:a-b 1 udp 1 127.0.0.1 9 typ host",
        "candidate:1 1 udp 1 127.0.0.1 9 typ srflx raddr nowhere rport 9",
        "candidate:1 1 udp 1 127.0.0.1 9 typ srflx raddr 0.0.0.0 rport 65536",
        "candidate:1 1 udp 1 127.0.0.1 9 typ host generation",
        "candidate:1 1 tcp 1 127.0.0.1 9 typ host",
        "candidate:1 1 tcp 1 127.0.0.1 9 typ host tcptype both",
        "candidate:1 1 udp 1 127.0.0.1 9 typ host tcptype active",
        "candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n",
        "candidate:1 1 udp 1 127.0.0.1 9 typ host\tx",
        "candidate:1 1 udp 1 127.0.0.1 9 typ host name \xc3\xa9",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (cand(bad[i]) != PL_SDP_BAD_CANDIDATE)
            fprintf(stderr, "accepted: %s\n", bad[i]);
        CHECK(cand(bad[i]) == PL_SDP_BAD_CANDIDATE);
    }
    /* At most PL_ICE_CANDIDATE_MAX bytes. */
    static char big[PL_ICE_CANDIDATE_MAX + 16];
    const char *base = "candidate:1 1 udp 1 127.0.0.1 9 typ host x ";
    size_t n = strlen(base);
    memcpy(big, base, n);
    memset(big + n, 'y', PL_ICE_CANDIDATE_MAX - n);
    CHECK(pl_ice_check_candidate(big, PL_ICE_CANDIDATE_MAX, "0", 0, 1) == PL_SDP_OK);
    big[PL_ICE_CANDIDATE_MAX] = 'y';
    CHECK(pl_ice_check_candidate(big, PL_ICE_CANDIDATE_MAX + 1, "0", 0, 1) == PL_SDP_BAD_CANDIDATE);
    /* Only len bytes are read; a NUL inside is refused. */
    const char *tail = "candidate:1 1 udp 1 127.0.0.1 9 typ hostile";
    CHECK(pl_ice_check_candidate(tail, strlen(tail) - 3, "0", 0, 1) == PL_SDP_OK);
    CHECK(pl_ice_check_candidate("candidate:1 1 udp 1 127.0.0.1 9 typ host\0x", 42, "0", 0, 1) ==
          PL_SDP_BAD_CANDIDATE);

    /* The end of candidates: empty, with or without mid and index. */
    CHECK(pl_ice_check_candidate("", 0, "0", 0, 3) == PL_SDP_OK);
    CHECK(pl_ice_check_candidate(NULL, 0, NULL, -1, 3) == PL_SDP_OK);
    CHECK(pl_ice_check_candidate(NULL, 4, "0", 0, 3) == PL_SDP_BAD_CANDIDATE);
    /* mid and m-line index. */
    const char *c = good[0];
    size_t cn = strlen(c);
    CHECK(pl_ice_check_candidate(c, cn, "0", 2, 3) == PL_SDP_OK);
    CHECK(pl_ice_check_candidate(c, cn, "video0", -1, 3) == PL_SDP_OK);
    CHECK(pl_ice_check_candidate(c, cn, NULL, 0, 1) == PL_SDP_OK);
    CHECK(pl_ice_check_candidate(c, cn, "0", 3, 3) == PL_SDP_BAD_MLINE_INDEX);
    CHECK(pl_ice_check_candidate(c, cn, "0", 0, 0) == PL_SDP_BAD_MLINE_INDEX);
    CHECK(pl_ice_check_candidate(c, cn, "0", -2, 3) == PL_SDP_BAD_MLINE_INDEX);
    CHECK(pl_ice_check_candidate(c, cn, NULL, -1, 3) == PL_SDP_BAD_MLINE_INDEX);
    CHECK(pl_ice_check_candidate("", 0, "0", 4, 3) == PL_SDP_BAD_MLINE_INDEX);
    CHECK(pl_ice_check_candidate(c, cn, "", 0, 3) == PL_SDP_BAD_MID);
    CHECK(pl_ice_check_candidate(c, cn, "0 1", 0, 3) == PL_SDP_BAD_MID);
    CHECK(pl_ice_check_candidate(c, cn, "a:b", 0, 3) == PL_SDP_BAD_MID);
    CHECK(pl_ice_check_candidate(c, cn, "0123456789abcdef0123456789abcdef", 0, 3) == PL_SDP_OK);
    CHECK(pl_ice_check_candidate(c, cn, "0123456789abcdef0123456789abcdef0", 0, 3) ==
          PL_SDP_BAD_MID);
}

static void test_codes(void)
{
    /* Every reason has its own code. */
    for (int i = 0; i < PL_SDP__COUNT; i++) {
        const char *a = pl_sdp_err_code((enum pl_sdp_err)i);
        CHECK(a && strcmp(a, "unknown") != 0);
        for (int j = 0; j < i; j++)
            CHECK(strcmp(a, pl_sdp_err_code((enum pl_sdp_err)j)) != 0);
    }
    CHECK_STR(pl_sdp_err_code(PL_SDP_NO_BUNDLE), "no_bundle");
    CHECK_STR(pl_sdp_err_code(PL_SDP_MALFORMED), "malformed_sdp");
    CHECK_STR(pl_sdp_err_code(PL_SDP__COUNT), "unknown");
    CHECK_STR(pl_sdp_err_code((enum pl_sdp_err) - 1), "unknown");
    CHECK_STR(pl_sdp_codec_name(PL_SDP_CODEC_NONE), "");
}

int main(void)
{
    test_chrome();
    test_firefox();
    test_webrtcbin();
    test_codecs();
    test_media_count();
    test_bundle();
    test_transport_attributes();
    test_malformed();
    test_rtc_reasons();
    test_size();
    test_candidates();
    test_codes();
    return check_report("test_sdp_check");
}

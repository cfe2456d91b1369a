/* libFuzzer harness: the WebRTC signalling fields (media/sdp_check.c).
 *
 * The first byte picks what the rest is. 'c': a trickled candidate; the
 * next two bytes are its m-line index and the offer's m-line count, each
 * minus '0' (so seeds stay readable, and other bytes give other values,
 * negative ones too), then its mid up to the first newline ("-" for none),
 * then the candidate. Anything else: an SDP offer.
 *
 * Beyond "no crash, no over-read", it checks what the server will rely
 * on: an accepted offer's summary is consistent, LF and CRLF line ends get
 * the same verdict, and a candidate gets the same verdict alone and as an
 * a=candidate line of an offer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdp_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An offer that passes, into whose audio section a candidate line goes. */
static const char offer_head[] = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                                 "a=group:BUNDLE 0\r\n"
                                 "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
                                 "a=rtpmap:111 opus/48000/2\r\n"
                                 "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n"
                                 "a=fingerprint:sha-256 "
                                 "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
                                 "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n"
                                 "a=setup:actpass\r\na=mid:0\r\na=";

static void check_summary(const struct pl_sdp_summary *s)
{
    if (s->n_media < 1 || s->n_media > PL_SDP_MAX_MEDIA || s->line != 0)
        abort();
    if (s->audio_index < 0 || s->audio_index >= s->n_media || s->video_index >= s->n_media)
        abort();
    const struct pl_sdp_media *a = &s->media[s->audio_index];
    if (a->kind != PL_SDP_AUDIO || a->codec != PL_SDP_CODEC_OPUS || a->disabled)
        abort();
    bool data = false;
    for (int i = 0; i < s->n_media; i++) {
        const struct pl_sdp_media *m = &s->media[i];
        size_t n = strnlen(m->mid, sizeof m->mid);
        if (n == 0 || n > PL_SDP_MID_MAX || (unsigned)m->direction > PL_SDP_INACTIVE)
            abort();
        for (int j = 0; j < i; j++)
            if (strcmp(m->mid, s->media[j].mid) == 0)
                abort();
        if (m->kind == PL_SDP_APPLICATION || m->disabled) {
            if (m->pt != -1 || m->codec != PL_SDP_CODEC_NONE)
                abort();
            data |= m->kind == PL_SDP_APPLICATION;
            continue;
        }
        if (m->pt < 0 || m->pt > 127)
            abort();
        if (m->kind == PL_SDP_AUDIO ? m->codec != PL_SDP_CODEC_OPUS
                                    : m->codec != PL_SDP_CODEC_VP8 && m->codec != PL_SDP_CODEC_H264)
            abort();
        if (m->kind == PL_SDP_VIDEO && s->video_index < 0)
            abort();
    }
    if (data != s->data_channel)
        abort();
}

/* Field by field: padding bytes may differ. */
static bool same_summary(const struct pl_sdp_summary *a, const struct pl_sdp_summary *b)
{
    if (a->n_media != b->n_media || a->audio_index != b->audio_index ||
        a->video_index != b->video_index || a->data_channel != b->data_channel)
        return false;
    for (int i = 0; i < a->n_media; i++) {
        const struct pl_sdp_media *x = &a->media[i], *y = &b->media[i];
        if (x->kind != y->kind || strcmp(x->mid, y->mid) != 0 || x->disabled != y->disabled ||
            x->pt != y->pt || x->codec != y->codec || x->direction != y->direction)
            return false;
    }
    return true;
}

static void fuzz_offer(const char *sdp, size_t len)
{
    struct pl_sdp_summary s;
    enum pl_sdp_err err = pl_sdp_check_offer(sdp, len, &s);
    if ((unsigned)err >= PL_SDP__COUNT || strcmp(pl_sdp_err_code(err), "unknown") == 0)
        abort();
    if (err == PL_SDP_OK) {
        check_summary(&s);
    } else {
        size_t lines = 1;
        for (size_t i = 0; i < len; i++)
            lines += sdp[i] == '\n';
        if (s.line > lines)
            abort();
    }
    if (err == PL_SDP_TOO_LARGE)
        return;
    /* The same with every bare LF made CRLF. */
    char *crlf = malloc(2 * len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (sdp[i] == '\n' && (i == 0 || sdp[i - 1] != '\r'))
            crlf[n++] = '\r';
        crlf[n++] = sdp[i];
    }
    struct pl_sdp_summary s2;
    enum pl_sdp_err err2 = pl_sdp_check_offer(crlf, n, &s2);
    if (n <= PL_SDP_MAX_LEN && (err2 != err || s2.line != s.line))
        abort();
    if (err == PL_SDP_OK && err2 == PL_SDP_OK && !same_summary(&s, &s2))
        abort();
    free(crlf);
}

static void fuzz_candidate(const uint8_t *data, size_t size)
{
    if (size < 2)
        return;
    int index = (int)data[0] - '0', n_mlines = (int)data[1] - '0';
    data += 2;
    size -= 2;
    const uint8_t *nl = memchr(data, '\n', size);
    size_t mid_len = nl ? (size_t)(nl - data) : 0;
    char mid[64];
    if (mid_len >= sizeof mid)
        mid_len = sizeof mid - 1;
    memcpy(mid, data, mid_len);
    mid[mid_len] = '\0';
    bool no_mid = mid_len == 1 && mid[0] == '-';
    const char *cand = nl ? (const char *)nl + 1 : (const char *)data;
    size_t len = nl ? size - (size_t)(nl + 1 - data) : size;

    enum pl_sdp_err err = pl_ice_check_candidate(cand, len, no_mid ? NULL : mid, index, n_mlines);
    if (err != PL_SDP_OK && err != PL_SDP_BAD_CANDIDATE && err != PL_SDP_BAD_MLINE_INDEX &&
        err != PL_SDP_BAD_MID && err != PL_SDP_FORBIDDEN_ADDRESS)
        abort();
    if (err == PL_SDP_OK && len > 0) {
        if (len > PL_ICE_CANDIDATE_MAX || len < 10 || memcmp(cand, "candidate:", 10) != 0)
            abort();
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)cand[i] < 0x20 || (unsigned char)cand[i] > 0x7e)
                abort();
    }
    /* The grammar alone (a valid index and mid), and then as a line of an
     * offer: the two paths must agree. */
    enum pl_sdp_err alone = pl_ice_check_candidate(cand, len, "0", 0, 1);
    if (len == 0)
        return;
    size_t hn = sizeof offer_head - 1;
    char *sdp = malloc(hn + len + 2);
    memcpy(sdp, offer_head, hn);
    memcpy(sdp + hn, cand, len);
    memcpy(sdp + hn + len, "\r\n", 2);
    enum pl_sdp_err in_offer = pl_sdp_check_offer(sdp, hn + len + 2, NULL);
    free(sdp);
    /* An accepted candidate stays accepted as a line; a refused one stays
     * refused unless it was not a candidate attribute at all or its line
     * ends split it into several valid lines. */
    if (alone == PL_SDP_OK && in_offer != PL_SDP_OK)
        abort();
    if (alone == PL_SDP_BAD_CANDIDATE && in_offer == PL_SDP_OK && len >= 10 &&
        memcmp(cand, "candidate:", 10) == 0 && !memchr(cand, '\n', len) && !memchr(cand, '\r', len))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] == 'c')
        fuzz_candidate(data + 1, size - 1);
    else
        fuzz_offer((const char *)data + 1, size - 1);
    return 0;
}

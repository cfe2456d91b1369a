/* media/rtc_check.c's reading of an offer's directions: one that sends
 * nothing (every m-line recvonly or inactive) is a viewer's (a voter
 * meeting's audience watches that way, docs/protocol.md, rtc.join). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "rtc_check.h"

static char buf[4096];

/* A minimal valid offer: audio with direction a, and a video m-line with
 * direction v when v is not NULL. */
static const char *make(const char *a, const char *v)
{
    static const char fp[] = "AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:"
                             "AB:AB:AB:AB:AB:AB:AB:AB:AB:AB";
    int n = snprintf(buf, sizeof buf,
                     "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0%s\r\n"
                     "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
                     "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
                     "a=fingerprint:sha-256 %s\r\na=setup:actpass\r\na=%s\r\n"
                     "a=rtpmap:111 opus/48000/2\r\n",
                     v ? " 1" : "", fp, a);
    if (v)
        snprintf(buf + n, sizeof buf - (size_t)n,
                 "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n"
                 "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
                 "a=fingerprint:sha-256 %s\r\na=setup:actpass\r\na=%s\r\n"
                 "a=rtpmap:96 VP8/90000\r\n",
                 fp, v);
    return buf;
}

static int receive_only(const char *a, const char *v)
{
    struct pl_rtc_offer_info info;
    const char *reason = NULL;
    const char *text = make(a, v);
    if (pl_rtc_check_offer(text, strlen(text), &info, NULL, &reason) != PL_OK) {
        fprintf(stderr, "refused: %s\n", reason ? reason : "?");
        return -1;
    }
    return info.receive_only;
}

int main(void)
{
    CHECK(receive_only("sendrecv", NULL) == 0);
    CHECK(receive_only("recvonly", NULL) == 1);
    CHECK(receive_only("inactive", NULL) == 1);
    CHECK(receive_only("recvonly", "recvonly") == 1); /* what the meeting page sends to watch */
    CHECK(receive_only("recvonly", "sendrecv") == 0); /* a camera: not a viewer */
    CHECK(receive_only("sendonly", "recvonly") == 0);
    return check_report("test_rtc_check");
}

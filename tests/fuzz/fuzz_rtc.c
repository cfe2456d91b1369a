/* libFuzzer harness: a remote participant's signalling (media/rtc_check.c),
 * the SDP offer of rtc.offer and the candidates of rtc.ice. The first byte
 * picks which (and the candidate's m-line index). Whatever the input: a
 * known answer, a refusal names a reason, an accepted offer has Opus on an
 * m-line within bounds and a parsed message to free. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtc_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    const char *reason = NULL;
    if (data[0] & 1) {
        struct pl_rtc_offer_info info;
        GstSDPMessage *sdp = NULL;
        enum pl_err err = pl_rtc_check_offer(text, len, &info, &sdp, &reason);
        if (err == PL_OK) {
            if (!sdp || reason || info.audio_mline < 0 || info.audio_mline >= PL_RTC_MAX_MEDIA ||
                info.audio_pt < 0 || info.audio_pt > 127 || info.video_mline >= PL_RTC_MAX_MEDIA)
                abort();
            gst_sdp_message_free(sdp);
        } else if (err != PL_ERR_BAD_FIELD || !reason || sdp) {
            abort();
        }
    } else {
        enum pl_err err =
            pl_rtc_check_candidate(text, len, NULL, (int)(data[0] >> 1) % 6 - 1, 4, &reason);
        if (!(err == PL_OK && !reason) && !(err == PL_ERR_BAD_FIELD && reason))
            abort();
    }
    return 0;
}

/* Reference-counted outgoing frames; see frame.h. Loop thread only. */
#include "frame.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

struct pl_frame *pl_frame_new(const char *payload, size_t len)
{
    struct pl_frame *f = malloc(sizeof *f + LWS_PRE + len);
    if (!f)
        return NULL;
    f->refs = 1;
    f->len = len;
    memcpy(f->data + LWS_PRE, payload, len);
    return f;
}

struct pl_frame *pl_frame_ref(struct pl_frame *f)
{
    f->refs++;
    return f;
}

void pl_frame_unref(struct pl_frame *f)
{
    if (f && --f->refs == 0)
        free(f);
}

unsigned char *pl_frame_payload(struct pl_frame *f)
{
    return f->data + LWS_PRE;
}

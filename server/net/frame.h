/*
 * An encoded outgoing WebSocket message, reference-counted so one event can be
 * queued for many connections without copying. The payload sits after
 * LWS_PRE bytes of headroom that lws_write() needs for the frame header.
 */
#ifndef PL_FRAME_H
#define PL_FRAME_H

#include <stddef.h>

struct pl_frame {
    int refs;
    size_t len;           /* payload length */
    unsigned char data[]; /* LWS_PRE headroom, then the payload */
};

/* Copies len bytes of payload into a new frame with one reference (the
 * caller's). Returns NULL on allocation failure. */
struct pl_frame *pl_frame_new(const char *payload, size_t len);

/* Takes a new reference; returns f. */
struct pl_frame *pl_frame_ref(struct pl_frame *f);

/* Drops a reference; frees on the last. NULL is fine. */
void pl_frame_unref(struct pl_frame *f);

/* The payload (after the headroom). */
unsigned char *pl_frame_payload(struct pl_frame *f);

#endif

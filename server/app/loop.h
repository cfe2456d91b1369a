/*
 * plenumd's event loop: libwebsockets' sockets live on a libuv loop (epoll:
 * each wake-up costs what is ready, not what is open), and that libuv loop
 * is one descriptor of GLib's main context, where GStreamer's bus watches,
 * the store's PostgreSQL sockets, timers and signals stay. One thread.
 */
#ifndef PL_LOOP_H
#define PL_LOOP_H

#include <uv.h>

struct pl_loop;

/* A new libuv loop, attached to GLib's default main context: GLib's
 * g_main_loop_run() then runs libuv's ready callbacks too. NULL if libuv
 * could not make its epoll descriptor. */
struct pl_loop *pl_loop_new(void);

/* The libuv loop (owned by l) to hand libwebsockets as its foreign loop. */
uv_loop_t *pl_loop_uv(struct pl_loop *l);

/* Runs libuv until every handle on it is closed: after
 * lws_context_destroy(), libwebsockets closes its handles through the loop,
 * and only then is the context gone. */
void pl_loop_drain(struct pl_loop *l);

/* Detaches from GLib and closes the libuv loop; call pl_loop_drain first.
 * NULL is fine. */
void pl_loop_free(struct pl_loop *l);

/* Wake-ups of the libuv side so far (each one a uv_run() of what is ready):
 * /metrics shows it, and the idle-connections benchmark divides by it. */
unsigned long long pl_loop_wakeups(const struct pl_loop *l);

#endif

/*
 * The libuv loop as one GLib source (see loop.h).
 *
 * Why this shape: with libwebsockets on GLib's loop (LWS_SERVER_OPTION_GLIB)
 * every WebSocket was its own GLib source, and GLib prepares, polls and
 * checks every source on every wake-up: the cost of one wake-up grew with
 * the connections open, idle or not (a third of plenumd's CPU at 10,000
 * observers, and most of the rest in poll() over all their descriptors).
 * libuv keeps the sockets in an epoll set; GLib sees only libuv's epoll
 * descriptor, readable when any socket in it is ready, and the libuv
 * loop's next timer as its timeout. GLib's own sources (a dozen: bus
 * watches, PostgreSQL, timers, signals) stay where they are, so GStreamer
 * and the store need no change and everything still runs on one thread.
 */
#include "loop.h"

#include <glib.h>

#include "log.h"

struct pl_loop {
    GSource source; /* first: GLib allocates the whole struct */
    uv_loop_t uv;
    gpointer fd_tag; /* libuv's epoll descriptor in this source */
    unsigned long long wakeups;
    gboolean uv_open;
};

/* libuv's own view of when it next has work: 0 for now (pending callbacks,
 * an idle handle, handles closing, and interest changes made outside its
 * callbacks, which libuv applies to its epoll set only in a turn: libuv
 * 1.44's uv_backend_timeout counts those), -1 for nothing timed. Its clock
 * is cached per uv_run; bring it up to date first, or a timer would be
 * waited for late by however long GLib has been busy since. A loop with
 * nothing on it would also say 0 (uv_run would return at once): that is
 * "never" here, or GLib would spin and starve its lower priorities. */
static int uv_due_ms(struct pl_loop *l)
{
    if (!uv_loop_alive(&l->uv))
        return -1;
    uv_update_time(&l->uv);
    return uv_backend_timeout(&l->uv);
}

static gboolean loop_prepare(GSource *s, gint *timeout)
{
    struct pl_loop *l = (struct pl_loop *)s;
    *timeout = uv_due_ms(l);
    return *timeout == 0;
}

static gboolean loop_check(GSource *s)
{
    struct pl_loop *l = (struct pl_loop *)s;
    if (g_source_query_unix_fd(s, l->fd_tag) & (G_IO_IN | G_IO_ERR | G_IO_HUP))
        return TRUE;
    return uv_due_ms(l) == 0;
}

static gboolean loop_dispatch(GSource *s, GSourceFunc cb, gpointer data)
{
    (void)cb;
    (void)data;
    struct pl_loop *l = (struct pl_loop *)s;
    l->wakeups++;
    /* What is ready now, timers that are due, and nothing more: GLib's
     * sources get their turn before libuv's next round. */
    uv_run(&l->uv, UV_RUN_NOWAIT);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs loop_funcs = {
    .prepare = loop_prepare,
    .check = loop_check,
    .dispatch = loop_dispatch,
};

struct pl_loop *pl_loop_new(void)
{
    GSource *s = g_source_new(&loop_funcs, sizeof(struct pl_loop));
    struct pl_loop *l = (struct pl_loop *)s;
    if (uv_loop_init(&l->uv) != 0) {
        g_source_unref(s);
        return NULL;
    }
    l->uv_open = TRUE;
    l->fd_tag = g_source_add_unix_fd(s, uv_backend_fd(&l->uv), G_IO_IN);
    g_source_set_name(s, "libuv (libwebsockets)");
    g_source_attach(s, NULL);
    return l;
}

uv_loop_t *pl_loop_uv(struct pl_loop *l)
{
    return &l->uv;
}

void pl_loop_drain(struct pl_loop *l)
{
    if (l && l->uv_open)
        uv_run(&l->uv, UV_RUN_DEFAULT);
}

void pl_loop_free(struct pl_loop *l)
{
    if (!l)
        return;
    g_source_destroy(&l->source);
    /* After pl_loop_drain only a handle still active can make this fail;
     * running the loop again would wait for it for ever at shutdown, so
     * say so and leave the loop (the process is ending). */
    if (l->uv_open && uv_loop_close(&l->uv) != 0)
        pl_log_warn("libuv loop closed with a handle still open");
    l->uv_open = FALSE;
    g_source_unref(&l->source);
}

unsigned long long pl_loop_wakeups(const struct pl_loop *l)
{
    return l ? l->wakeups : 0;
}

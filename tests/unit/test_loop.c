/*
 * The libuv loop run as one GLib source (server/app/loop.c), with real
 * libuv and a real GLib main loop: libuv's timers and sockets wake GLib;
 * an interest change made outside libuv's callbacks (what a reply queued
 * from a PostgreSQL answer does) is seen at once, with nothing else to wake
 * GLib; and a libuv loop with nothing on it does not keep GLib spinning
 * (lower-priority GLib sources still run).
 */
#include <glib.h>
#include <unistd.h>

#include "check.h"
#include "loop.h"

static GMainLoop *gloop;
static gint64 t0;
static gint64 fired_us;

static gboolean give_up(gpointer data)
{
    (void)data;
    g_main_loop_quit(gloop);
    return G_SOURCE_REMOVE;
}

/* Runs GLib's loop until something quits it or limit_ms pass. */
static void run_for(int limit_ms)
{
    guint guard = g_timeout_add(limit_ms, give_up, NULL);
    t0 = g_get_monotonic_time();
    fired_us = 0;
    g_main_loop_run(gloop);
    if (fired_us)
        g_source_remove(guard);
}

static void on_uv_timer(uv_timer_t *t)
{
    (void)t;
    fired_us = g_get_monotonic_time() - t0;
    g_main_loop_quit(gloop);
}

static void on_readable(uv_poll_t *p, int status, int events)
{
    (void)status;
    char b;
    if ((events & UV_READABLE) && read(*(int *)p->data, &b, 1) == 1) {
        fired_us = g_get_monotonic_time() - t0;
        g_main_loop_quit(gloop);
    }
}

struct late_write {
    int fd;
};

static gboolean write_byte(gpointer data)
{
    struct late_write *w = data;
    CHECK(write(w->fd, "x", 1) == 1);
    return G_SOURCE_REMOVE;
}

struct start_poll {
    uv_poll_t *poll;
};

/* A GLib callback (not libuv's) starts watching a descriptor that is
 * already readable: what a reply queued from a PostgreSQL answer does. */
static gboolean start_poll_from_glib(gpointer data)
{
    struct start_poll *s = data;
    uv_poll_start(s->poll, UV_READABLE, on_readable);
    return G_SOURCE_REMOVE;
}

struct idle_count {
    int runs;
};

static gboolean count_idle(gpointer data)
{
    struct idle_count *ic = data;
    ic->runs++;
    return ic->runs < 3 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void closed(uv_handle_t *h)
{
    (void)h;
}

int main(void)
{
    gloop = g_main_loop_new(NULL, FALSE);
    struct pl_loop *l = pl_loop_new();
    CHECK(l != NULL);
    uv_loop_t *uv = pl_loop_uv(l);

    /* 1. A libuv timer fires on time under g_main_loop_run. */
    uv_timer_t timer;
    uv_timer_init(uv, &timer);
    uv_timer_start(&timer, on_uv_timer, 50, 0);
    unsigned long long w0 = pl_loop_wakeups(l);
    run_for(2000);
    CHECK(fired_us >= 45000 && fired_us < 1000000);
    CHECK(pl_loop_wakeups(l) > w0);

    /* 2. A socket readable later (written from a GLib timer) wakes it. */
    int fds[2];
    CHECK(pipe(fds) == 0);
    uv_poll_t poll;
    uv_poll_init(uv, &poll, fds[0]);
    poll.data = &fds[0];
    uv_poll_start(&poll, UV_READABLE, on_readable);
    struct late_write w = {fds[1]};
    g_timeout_add(30, write_byte, &w);
    run_for(2000);
    CHECK(fired_us >= 25000 && fired_us < 1000000);
    uv_poll_stop(&poll);

    /* 3. Interest started from a GLib callback on a descriptor that is
     * readable already, nothing else on the loop to wake it: seen at once
     * (libuv's backend timeout is 0 while a change waits for its turn). */
    CHECK(write(fds[1], "y", 1) == 1);
    struct start_poll s = {&poll};
    g_idle_add(start_poll_from_glib, &s);
    run_for(1500);
    CHECK(fired_us > 0 && fired_us < 500000);
    uv_poll_stop(&poll);

    /* 4. Nothing active on libuv: GLib's idle sources (a lower priority
     * than the libuv source) still run, no busy loop in between. */
    struct idle_count ic = {0};
    g_idle_add(count_idle, &ic);
    unsigned long long w1 = pl_loop_wakeups(l);
    run_for(200);
    CHECK(ic.runs > 0);
    CHECK(pl_loop_wakeups(l) - w1 < 10);

    /* 5. Closing: handles close through the loop, then it is freed. */
    uv_close((uv_handle_t *)&poll, closed);
    uv_close((uv_handle_t *)&timer, closed);
    pl_loop_drain(l);
    pl_loop_free(l);
    close(fds[0]);
    close(fds[1]);
    g_main_loop_unref(gloop);
    return check_report("test_loop");
}

/*
 * Asynchronous libpq on the GLib loop; see store.h.
 *
 * States: DOWN (no connection; a reconnect timer is pending) -> CONNECTING
 * (PQconnectPoll driven by socket readiness) -> READY (idle or running the
 * head of the queue). Any connection failure goes back to DOWN, fails the
 * request on the wire with PL_ERR_OUTCOME_UNKNOWN and the queued ones with
 * PL_ERR_DB_UNAVAILABLE, and schedules a reconnect with exponential backoff
 * (100 ms doubling up to 2 s).
 *
 * A hung server (processes stopped, a network path that silently drops)
 * keeps its socket open and answers nothing: no error ever comes. A second
 * connection, the probe (a store of its own, without a probe), sends
 * SELECT 1 every PROBE_INTERVAL_MS; one unanswered for PROBE_TIMEOUT_MS
 * drops the main connection as lost, so an outage is announced, and
 * requests refused at once, within PROBE_INTERVAL_MS + PROBE_TIMEOUT_MS.
 */
#include "store.h"

#include <string.h>

#include <glib-unix.h>
#include <glib.h>

#include "log.h"
#include "metrics.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000
/* Liveness: a probe is sent this often while none is outstanding, and the
 * database is declared hung when one waits this long (1.5 s at most from a
 * hang to the outage: docs/reliability.md promises 2 s). SELECT 1 takes
 * well under a millisecond on a live server, also a loaded one. */
#define PROBE_INTERVAL_MS 250
#define PROBE_TIMEOUT_MS  1250
/* PostgreSQL's statement_timeout is set this much below the time plenumd
 * waits for the statement: a statement that is merely slow is cancelled by
 * the server (a definite "not written") before plenumd would give up on it
 * (outcome unknown). */
#define STATEMENT_MARGIN_MS 1000
#define STATEMENT_MIN_MS    500
/* libpq ignores connect_timeout for PQconnectPoll: a connection attempt to a
 * hung server would wait for ever. */
#define CONNECT_TIMEOUT_MS 5000
/* A probe's connection attempt unanswered this long, with nothing else to
 * go by, means a hung server (see on_probe_timer). */
#define CONNECT_SILENCE_MS 4000

enum conn_state { ST_DOWN, ST_CONNECTING, ST_READY };

struct request {
    uint64_t handle;
    char *sql;
    int nparams;
    char **params;
    pl_store_cb cb;
    void *user;
    guint timer; /* timeout source */
    struct pl_store *st;
    gint64 t0;      /* queued at (monotonic µs), for /metrics */
    int timeout_ms; /* as given to pl_store_query() */
    bool sent;      /* handed to libpq: from then on it may commit */
    gint64 sent_us; /* when (monotonic µs), if sent */
    bool internal;  /* the store's own (LISTEN, SET): no statement_timeout before it */
};

struct pl_store {
    char *conninfo;
    PGconn *conn;
    enum conn_state state;
    guint fd_watch;       /* socket readiness source, 0 if none */
    GIOCondition watched; /* what fd_watch waits for */
    int watched_fd;
    guint reconnect_timer;
    guint connect_timer;       /* bounds a connection attempt, 0 when none */
    gint64 connect_started_us; /* when the attempt in progress began (monotonic) */
    guint fail_idle;           /* idle source that fails requests queued while DOWN */
    int backoff_ms;
    int was_up;           /* for "connection restored" vs first connect */
    int outage_logged;    /* log an outage once, not once per retry */
    GQueue queue;         /* struct request *, head may be in flight */
    struct request *busy; /* in flight on the connection, or NULL */
    PGresult *result;     /* the result of busy collected so far */
    uint64_t next_handle;
    struct listener {
        char *channel; /* owned */
        pl_store_notify_cb on_notify;
        pl_store_connected_cb on_connected;
        void *user;
    } listeners[PL_STORE_MAX_LISTENERS];
    int n_listeners;
    pl_store_state_cb on_state; /* may be NULL */
    void *state_user;
    int statement_timeout_ms; /* set on this connection; 0: not yet */
    bool quiet;               /* the probe's store: no warnings, no metrics */
    struct pl_store *probe;   /* the liveness probe's own store; owned, NULL in a probe */
    guint probe_timer;
    uint64_t probe_request; /* the probe waiting for its answer, 0 if none */
    gint64 probe_sent_us;   /* when it was sent (monotonic) */
    gint64 probe_tick_us;   /* the probe timer's last tick (monotonic), 0 before the first */
};

static void start_connect(struct pl_store *st);
static void kick(struct pl_store *st);
static struct request *request_new(struct pl_store *st, const char *sql, int nparams,
                                   const char *const *params, int timeout_ms, pl_store_cb cb,
                                   void *user);

static void request_free(struct request *rq)
{
    if (!rq)
        return;
    if (rq->timer)
        g_source_remove(rq->timer);
    g_free(rq->sql);
    for (int i = 0; i < rq->nparams; i++)
        g_free(rq->params[i]);
    g_free(rq->params);
    g_free(rq);
}

/* Removes rq from the queue, runs its callback, frees it. */
static void complete(struct pl_store *st, struct request *rq, const PGresult *res, enum pl_err err)
{
    g_queue_remove(&st->queue, rq);
    if (st->busy == rq)
        st->busy = NULL;
    pl_store_cb cb = rq->cb;
    void *user = rq->user;
    if (!st->quiet && !rq->internal) {
        pl_hist_observe(&pl_metrics.db_statement, g_get_monotonic_time() - rq->t0);
        if (err != PL_OK)
            pl_metrics.db_errors++;
    }
    request_free(rq);
    if (cb) /* NULL: cancelled while on the wire */
        cb(user, res, err);
}

static void unwatch(struct pl_store *st)
{
    if (st->fd_watch) {
        g_source_remove(st->fd_watch);
        st->fd_watch = 0;
    }
}

static gboolean on_socket(gint fd, GIOCondition cond, gpointer data);

/* Watches the connection's socket for cond, replacing any earlier watch. */
static void watch(struct pl_store *st, GIOCondition cond)
{
    int fd = PQsocket(st->conn);
    if (st->fd_watch && st->watched == cond && st->watched_fd == fd)
        return;
    unwatch(st);
    if (fd < 0)
        return;
    st->watched = cond;
    st->watched_fd = fd;
    st->fd_watch = g_unix_fd_add(fd, cond | G_IO_ERR | G_IO_HUP, on_socket, st);
}

static gboolean fail_queued(gpointer data)
{
    struct pl_store *st = data;
    st->fail_idle = 0;
    /* With the connection gone nothing is on the wire any more. The one
     * that was (sent) may have committed: only those never sent are known
     * not written. */
    while (st->state != ST_READY && !g_queue_is_empty(&st->queue)) {
        struct request *rq = g_queue_peek_head(&st->queue);
        complete(st, rq, NULL, rq->sent ? PL_ERR_OUTCOME_UNKNOWN : PL_ERR_DB_UNAVAILABLE);
    }
    return G_SOURCE_REMOVE;
}

static gboolean on_reconnect_timer(gpointer data)
{
    struct pl_store *st = data;
    st->reconnect_timer = 0;
    start_connect(st);
    return G_SOURCE_REMOVE;
}

/* The connection is gone: drop it, fail what waits, retry later. */
static void connection_lost(struct pl_store *st, const char *why)
{
    unwatch(st);
    if (st->connect_timer) {
        g_source_remove(st->connect_timer);
        st->connect_timer = 0;
    }
    if (st->conn) {
        PQfinish(st->conn);
        st->conn = NULL;
    }
    st->statement_timeout_ms = 0;
    if (!st->outage_logged && st->quiet) {
        pl_log_debug("liveness probe: database unavailable: %s", why);
        st->outage_logged = 1;
    } else if (!st->outage_logged) {
        pl_log_warn("database unavailable: %s; retrying in the background", why);
        st->outage_logged = 1;
        if (st->on_state)
            st->on_state(st->state_user, 0);
    } else {
        pl_log_debug("database still unavailable: %s", why);
    }
    st->state = ST_DOWN;
    if (st->result) {
        PQclear(st->result);
        st->result = NULL;
    }
    if (!st->fail_idle && !g_queue_is_empty(&st->queue))
        st->fail_idle = g_idle_add(fail_queued, st);
    st->busy = NULL;
    if (!st->reconnect_timer)
        st->reconnect_timer = g_timeout_add((guint)st->backoff_ms, on_reconnect_timer, st);
    st->backoff_ms = MIN(st->backoff_ms * 2, BACKOFF_MAX_MS);
}

/* First line of libpq's message, for logs. */
static const char *first_line(const char *msg, char *buf, size_t len)
{
    g_strlcpy(buf, msg ? msg : "", len);
    buf[strcspn(buf, "\n")] = '\0';
    return buf;
}

static void connect_poll(struct pl_store *st)
{
    char line[256];
    switch (PQconnectPoll(st->conn)) {
    case PGRES_POLLING_READING:
        watch(st, G_IO_IN);
        return;
    case PGRES_POLLING_WRITING:
        watch(st, G_IO_OUT);
        return;
    case PGRES_POLLING_OK:
        if (st->connect_timer) {
            g_source_remove(st->connect_timer);
            st->connect_timer = 0;
        }
        if (PQsetnonblocking(st->conn, 1) != 0) {
            connection_lost(st, "could not make the connection non-blocking");
            return;
        }
        st->state = ST_READY;
        st->backoff_ms = BACKOFF_MIN_MS;
        if (st->quiet)
            pl_log_debug("liveness probe connected");
        else if (st->was_up)
            pl_log_info("database connection restored");
        else
            pl_log_debug("connected to the database");
        st->was_up = 1;
        /* Only an outage clients were told of is announced as over: the
         * first connection at start is no news to anyone. */
        int was_out = st->outage_logged;
        st->outage_logged = 0;
        watch(st, G_IO_IN);
        for (int i = 0; i < st->n_listeners; i++) {
            /* LISTEN goes first, before anything queued while connecting. */
            char sql[96];
            g_snprintf(sql, sizeof sql, "LISTEN %s", st->listeners[i].channel);
            struct request *rq = request_new(st, sql, 0, NULL, 5000, NULL, NULL);
            rq->internal = true;
            g_queue_push_head(&st->queue, rq);
        }
        kick(st);
        for (int i = 0; i < st->n_listeners; i++)
            if (st->listeners[i].on_connected)
                st->listeners[i].on_connected(st->listeners[i].user);
        if (st->on_state && was_out)
            st->on_state(st->state_user, 1);
        return;
    case PGRES_POLLING_FAILED:
    default:
        connection_lost(st, first_line(PQerrorMessage(st->conn), line, sizeof line));
        return;
    }
}

static gboolean on_connect_timeout(gpointer data)
{
    struct pl_store *st = data;
    st->connect_timer = 0;
    if (st->state == ST_CONNECTING)
        connection_lost(
            st, "no answer to a connection attempt within " G_STRINGIFY(CONNECT_TIMEOUT_MS) " ms");
    return G_SOURCE_REMOVE;
}

static void start_connect(struct pl_store *st)
{
    const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *vals[] = {st->conninfo, "5", "plenumd", NULL};
    st->conn = PQconnectStartParams(keys, vals, 1);
    if (!st->conn || PQstatus(st->conn) == CONNECTION_BAD) {
        char line[256];
        connection_lost(st, st->conn ? first_line(PQerrorMessage(st->conn), line, sizeof line)
                                     : "out of memory");
        return;
    }
    st->state = ST_CONNECTING;
    st->connect_started_us = g_get_monotonic_time();
    st->connect_timer = g_timeout_add(CONNECT_TIMEOUT_MS, on_connect_timeout, st);
    /* libpq's contract: after PQconnectStart, wait for writability first. */
    watch(st, G_IO_OUT);
}

/* The server-side statement_timeout for rq: below plenumd's own wait. */
static int statement_timeout_for(const struct request *rq)
{
    return MAX(rq->timeout_ms - STATEMENT_MARGIN_MS, STATEMENT_MIN_MS);
}

/* Sends the head of the queue if the connection is idle. A statement whose
 * wait differs from the connection's statement_timeout is preceded by a SET
 * (one round trip, only when the kind of statement changes). */
static void kick(struct pl_store *st)
{
    if (st->state != ST_READY || st->busy || g_queue_is_empty(&st->queue))
        return;
    struct request *rq = g_queue_peek_head(&st->queue);
    if (!rq->internal && !st->quiet && statement_timeout_for(rq) != st->statement_timeout_ms) {
        char sql[64];
        st->statement_timeout_ms = statement_timeout_for(rq);
        g_snprintf(sql, sizeof sql, "SET statement_timeout = %d", st->statement_timeout_ms);
        rq = request_new(st, sql, 0, NULL, 5000, NULL, NULL);
        rq->internal = true;
        g_queue_push_head(&st->queue, rq);
    }
    if (!PQsendQueryParams(st->conn, rq->sql, rq->nparams, NULL, (const char *const *)rq->params,
                           NULL, NULL, 0)) {
        char line[256];
        connection_lost(st, first_line(PQerrorMessage(st->conn), line, sizeof line));
        return;
    }
    st->busy = rq;
    rq->sent = true;
    rq->sent_us = g_get_monotonic_time();
    int f = PQflush(st->conn);
    if (f < 0) {
        connection_lost(st, "could not send to the database");
        return;
    }
    watch(st, f == 1 ? (G_IO_IN | G_IO_OUT) : G_IO_IN);
}

/* Hands every NOTIFY libpq has parsed to its listener. PQnotifies parses
 * what is already buffered, so this must also run after results are taken:
 * a NOTIFY that arrived in the same read as a reply is parsed only after the
 * reply, and no further readiness would fire for it (another node's event
 * would then wait for this node's next query: found under load by
 * test_nodes). Returns false if a callback dropped the connection. */
static bool deliver_notifies(struct pl_store *st)
{
    PGnotify *n;
    while ((n = PQnotifies(st->conn)) != NULL) {
        for (int i = 0; i < st->n_listeners; i++)
            if (strcmp(st->listeners[i].channel, n->relname) == 0 && st->listeners[i].on_notify)
                st->listeners[i].on_notify(st->listeners[i].user, n->relname, n->extra);
        PQfreemem(n);
        if (st->state != ST_READY)
            return false; /* never read from a connection that was dropped */
    }
    return true;
}

static void read_results_now(struct pl_store *st);

/* Reads what arrived, completes requests, then delivers any NOTIFY parsed
 * along the way. */
static void read_results(struct pl_store *st)
{
    read_results_now(st);
    if (st->state == ST_READY && st->conn)
        deliver_notifies(st);
}

/* Reads what arrived; completes the busy request when its results end. */
static void read_results_now(struct pl_store *st)
{
    char line[256];
    if (!PQconsumeInput(st->conn)) {
        connection_lost(st, first_line(PQerrorMessage(st->conn), line, sizeof line));
        return;
    }
    if (!deliver_notifies(st))
        return;
    while (st->busy && !PQisBusy(st->conn)) {
        PGresult *r = PQgetResult(st->conn);
        if (r) {
            /* Keep the last result of a multi-statement string. */
            if (st->result)
                PQclear(st->result);
            st->result = r;
            continue;
        }
        /* NULL: the command is over and the connection idle again. */
        PGresult *res = st->result;
        st->result = NULL;
        enum pl_err err = PL_OK;
        if (PQstatus(st->conn) == CONNECTION_BAD) {
            PQclear(res);
            connection_lost(st, first_line(PQerrorMessage(st->conn), line, sizeof line));
            return;
        }
        ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
            /* 57014: cancelled by statement_timeout, rolled back: known
             * not written, like a statement never sent. */
            err = state && strcmp(state, "57014") == 0 ? PL_ERR_DB_UNAVAILABLE : PL_ERR_INTERNAL;
        complete(st, st->busy, res, err);
        PQclear(res);
        kick(st);
        return;
    }
    if (PQstatus(st->conn) == CONNECTION_BAD)
        connection_lost(st, first_line(PQerrorMessage(st->conn), line, sizeof line));
}

/*
 * Socket readiness. watch() and unwatch() may remove this very source while it
 * is dispatching; GLib then drops it after we return, so always CONTINUE.
 */
static gboolean on_socket(gint fd, GIOCondition cond, gpointer data)
{
    struct pl_store *st = data;
    if (st->state == ST_CONNECTING) {
        connect_poll(st);
        return G_SOURCE_CONTINUE;
    }
    if (st->state != ST_READY)
        return G_SOURCE_CONTINUE;
    if (cond & G_IO_OUT) {
        int f = PQflush(st->conn);
        if (f < 0) {
            connection_lost(st, "could not send to the database");
            return G_SOURCE_CONTINUE;
        }
        if (f == 0)
            watch(st, G_IO_IN);
    }
    /* A reply may already be waiting even when only G_IO_OUT fired. */
    read_results(st);
    return G_SOURCE_CONTINUE;
}

static gboolean on_timeout(gpointer data)
{
    struct request *rq = data;
    struct pl_store *st = rq->st;
    rq->timer = 0;
    if (st->busy == rq) {
        /* A statement that does not answer in time means a hung or
         * unreachable server: drop the connection rather than wait on it.
         * It was sent, so it may yet commit there. */
        complete(st, rq, NULL, PL_ERR_OUTCOME_UNKNOWN);
        connection_lost(st, "a statement timed out");
    } else {
        complete(st, rq, NULL, PL_ERR_DB_UNAVAILABLE);
    }
    return G_SOURCE_REMOVE;
}

static struct pl_store *store_new(const char *conninfo, bool quiet)
{
    struct pl_store *st = g_new0(struct pl_store, 1);
    st->conninfo = g_strdup(conninfo);
    st->backoff_ms = BACKOFF_MIN_MS;
    st->next_handle = 1;
    st->quiet = quiet;
    g_queue_init(&st->queue);
    start_connect(st);
    return st;
}

static void probe_answered(void *user, const PGresult *res, enum pl_err err)
{
    (void)res;
    struct pl_store *st = user;
    st->probe_request = 0;
    /* Sent on a live connection and not answered in time: the server is
     * hung. A probe connection that failed outright (db_unavailable, or its
     * backend ended while the probe waited) says nothing the main
     * connection will not find out by itself. */
    bool waited = g_get_monotonic_time() - st->probe_sent_us >= (PROBE_TIMEOUT_MS - 10) * 1000;
    if (err == PL_ERR_OUTCOME_UNKNOWN && waited && st->state == ST_READY)
        connection_lost(
            st, "no answer to a liveness probe within " G_STRINGIFY(PROBE_TIMEOUT_MS) " ms");
}

static gboolean on_probe_timer(gpointer data)
{
    struct pl_store *st = data;
    /* Our own loop may have stood still (start-up work before the loop
     * ran, a loaded machine, a stopped process): an attempt could not have
     * been answered while nobody looked, so its silence counts from now. */
    gint64 now = g_get_monotonic_time();
    bool stalled = !st->probe_tick_us || now - st->probe_tick_us > 2 * PROBE_INTERVAL_MS * 1000;
    st->probe_tick_us = now;
    if (stalled && st->probe->state == ST_CONNECTING)
        st->probe->connect_started_us = now;
    /* The probe's own connection may be down when a hang begins (its
     * backend ended; it is reconnecting). A hung server accepts the socket
     * and answers nothing, so an unanswered attempt is the same silence:
     * without this the hang went unnoticed and a statement sent into it
     * waited its whole timeout (10 s in a CI run). But a new connection is
     * slower than SELECT 1 (a backend to start), and on a loaded machine
     * may take over a second: so the attempt's silence counts when the
     * main connection's statement is unanswered as long too (two silences
     * agree), or when the attempt alone has waited CONNECT_SILENCE_MS. */
    if (st->probe->state == ST_CONNECTING && st->state == ST_READY) {
        gint64 waited = now - st->probe->connect_started_us;
        bool main_silent = st->busy && now - st->busy->sent_us >= PROBE_TIMEOUT_MS * 1000;
        if ((waited >= PROBE_TIMEOUT_MS * 1000 && main_silent) ||
            waited >= CONNECT_SILENCE_MS * 1000) {
            connection_lost(st, "no answer to the liveness probe's connection attempt");
            return G_SOURCE_CONTINUE;
        }
    }
    if (!st->probe_request && pl_store_connected(st->probe)) {
        st->probe_sent_us = g_get_monotonic_time();
        st->probe_request =
            pl_store_query(st->probe, "SELECT 1", 0, NULL, PROBE_TIMEOUT_MS, probe_answered, st);
    }
    return G_SOURCE_CONTINUE;
}

struct pl_store *pl_store_new(const char *conninfo)
{
    struct pl_store *st = store_new(conninfo, false);
    st->probe = store_new(conninfo, true);
    st->probe_timer = g_timeout_add(PROBE_INTERVAL_MS, on_probe_timer, st);
    return st;
}

void pl_store_free(struct pl_store *st)
{
    if (!st)
        return;
    if (st->probe_timer)
        g_source_remove(st->probe_timer);
    pl_store_free(st->probe); /* drops the probe's pending callback too */
    unwatch(st);
    if (st->reconnect_timer)
        g_source_remove(st->reconnect_timer);
    if (st->connect_timer)
        g_source_remove(st->connect_timer);
    if (st->fail_idle)
        g_source_remove(st->fail_idle);
    struct request *rq;
    while ((rq = g_queue_pop_head(&st->queue)) != NULL)
        request_free(rq);
    if (st->result)
        PQclear(st->result);
    if (st->conn)
        PQfinish(st->conn);
    g_free(st->conninfo);
    for (int i = 0; i < st->n_listeners; i++)
        g_free(st->listeners[i].channel);
    g_free(st);
}

static struct request *request_new(struct pl_store *st, const char *sql, int nparams,
                                   const char *const *params, int timeout_ms, pl_store_cb cb,
                                   void *user)
{
    struct request *rq = g_new0(struct request, 1);
    rq->handle = st->next_handle++;
    rq->sql = g_strdup(sql);
    rq->nparams = nparams;
    rq->params = g_new0(char *, nparams > 0 ? nparams : 1);
    for (int i = 0; i < nparams; i++)
        rq->params[i] = g_strdup(params[i]);
    rq->cb = cb;
    rq->t0 = g_get_monotonic_time();
    rq->timeout_ms = timeout_ms;
    rq->user = user;
    rq->st = st;
    rq->timer = g_timeout_add((guint)MAX(timeout_ms, 1), on_timeout, rq);
    return rq;
}

uint64_t pl_store_query(struct pl_store *st, const char *sql, int nparams,
                        const char *const *params, int timeout_ms, pl_store_cb cb, void *user)
{
    struct request *rq = request_new(st, sql, nparams, params, timeout_ms, cb, user);
    g_queue_push_tail(&st->queue, rq);
    /* Known down (also while reconnecting after an outage was announced: a
     * hung server lets a connection attempt wait for its whole timeout):
     * refuse at once rather than wait. */
    if (st->state == ST_DOWN || (st->state == ST_CONNECTING && st->outage_logged)) {
        if (!st->fail_idle)
            st->fail_idle = g_idle_add(fail_queued, st);
    } else {
        kick(st);
    }
    return rq->handle;
}

void pl_store_cancel(struct pl_store *st, uint64_t handle)
{
    for (GList *l = st->queue.head; l; l = l->next) {
        struct request *rq = l->data;
        if (rq->handle != handle)
            continue;
        if (st->busy == rq) {
            /* On the wire: let it finish, but call nobody. */
            rq->cb = NULL;
        } else {
            g_queue_delete_link(&st->queue, l);
            request_free(rq);
        }
        return;
    }
}

void pl_store_listen(struct pl_store *st, const char *channel, pl_store_notify_cb on_notify,
                     pl_store_connected_cb on_connected, void *user)
{
    if (st->n_listeners == PL_STORE_MAX_LISTENERS) {
        pl_log_error("too many LISTEN channels (%s not listened to)", channel);
        return;
    }
    struct listener *l = &st->listeners[st->n_listeners++];
    l->channel = g_strdup(channel);
    l->on_notify = on_notify;
    l->on_connected = on_connected;
    l->user = user;
    if (st->state == ST_READY) {
        char sql[96];
        g_snprintf(sql, sizeof sql, "LISTEN %s", channel);
        struct request *rq = request_new(st, sql, 0, NULL, 5000, NULL, NULL);
        rq->internal = true;
        g_queue_push_tail(&st->queue, rq);
        kick(st);
    }
}

void pl_store_on_state(struct pl_store *st, pl_store_state_cb cb, void *user)
{
    st->on_state = cb;
    st->state_user = user;
}

int pl_store_connected(const struct pl_store *st)
{
    return st->state == ST_READY;
}

int pl_store_in_outage(const struct pl_store *st)
{
    return st->state != ST_READY && st->outage_logged;
}

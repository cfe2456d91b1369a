/*
 * The asynchronous store against a real PostgreSQL (DATABASE_URL from
 * with_pg.py): a NOTIFY that arrives in the same read as a query's reply
 * still reaches its listener, with no further traffic on the connection.
 *
 * Why it matters: another node's NOTIFY that reaches our backend just after
 * it answered a query is sent behind the ReadyForQuery; if one read takes
 * both, libpq parses the NOTIFY only while the reply is taken, after the
 * store has looked for notifications, and no further readiness comes. A
 * store that looks only before taking results then sits on the event until
 * its next query (found under load by test_nodes: a node never showed
 * another node's vote.counted).
 */
#include <stdlib.h>

#include <glib.h>

#include "check.h"
#include "store.h"

struct ctx {
    GMainLoop *loop;
    int replies;
    int notifies;
    int want; /* the round: quit when both its reply and its NOTIFY came */
    char payload[64];
};

static void maybe_done(struct ctx *c)
{
    if (c->replies == c->want && c->notifies == c->want)
        g_main_loop_quit(c->loop);
}

static void on_reply(void *user, const PGresult *res, enum pl_err err)
{
    (void)res;
    struct ctx *c = user;
    CHECK(err == PL_OK);
    c->replies++;
    maybe_done(c);
}

static void on_notify(void *user, const char *channel, const char *payload)
{
    struct ctx *c = user;
    CHECK_STR(channel, "pl_test_chan");
    g_strlcpy(c->payload, payload ? payload : "", sizeof c->payload);
    c->notifies++;
    maybe_done(c);
}

static gboolean on_timeout(gpointer data)
{
    g_main_loop_quit(((struct ctx *)data)->loop);
    return G_SOURCE_REMOVE;
}

static void on_connected(void *user)
{
    struct ctx *c = user;
    (void)c;
}

static void run_until_done(struct ctx *c, int round)
{
    guint t = g_timeout_add(3000, on_timeout, c);
    g_main_loop_run(c->loop);
    if (c->notifies == round && c->replies == round)
        g_source_remove(t);
}

int main(void)
{
    const char *url = getenv("DATABASE_URL");
    if (!url) {
        fprintf(stderr, "DATABASE_URL not set: run under tests/integration/with_pg.py\n");
        return 1;
    }
    PGconn *other = PQconnectdb(url); /* another node's connection */
    CHECK(PQstatus(other) == CONNECTION_OK);
    struct ctx c = {.loop = g_main_loop_new(NULL, FALSE)};
    struct pl_store *st = pl_store_new(url);
    CHECK(st != NULL);
    pl_store_listen(st, "pl_test_chan", on_notify, on_connected, &c);
    for (int round = 1; round <= 4; round++) {
        c.want = round;
        char want[32];
        g_snprintf(want, sizeof want, "round %d", round);
        if (round == 1) {
            /* Own notify; also waits for the connection and its LISTEN. */
            char sql[96];
            g_snprintf(sql, sizeof sql, "SELECT pg_notify('pl_test_chan', '%s')", want);
            pl_store_query(st, sql, 0, NULL, 5000, on_reply, &c);
        } else {
            /* Another backend notifies just after ours answered a query
             * and before this process read the answer (a loaded machine):
             * the NOTIFY sits in the socket behind ReadyForQuery, one read
             * takes both, and libpq parses the NOTIFY only while the reply
             * is being taken. Round 2 notifies while the query runs (the
             * NOTIFY then comes before ReadyForQuery) for contrast. */
            pl_store_query(st, round == 2 ? "SELECT pg_sleep(0.2)" : "SELECT 1", 0, NULL, 5000,
                           on_reply, &c);
            g_usleep(round == 2 ? 50 * 1000 : 150 * 1000);
            char sql[96];
            g_snprintf(sql, sizeof sql, "NOTIFY pl_test_chan, '%s'", want);
            PQclear(PQexec(other, sql));
            g_usleep(round == 2 ? 600 * 1000 : 150 * 1000);
        }
        run_until_done(&c, round);
        /* Delivered within the timeout, with nothing else sent meanwhile. */
        CHECK(c.replies == round);
        CHECK(c.notifies == round);
        CHECK_STR(c.payload, want);
    }
    pl_store_free(st);
    PQfinish(other);
    g_main_loop_unref(c.loop);
    return check_report("test_store_notify");
}

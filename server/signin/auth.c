/* The sign-in session cache; see auth.h. */
#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "auth_token.h"
#include "log.h"

/* How often the cache is swept for expired sessions and last-use times are
 * written back (in one statement for all sessions used since). */
#define SWEEP_MS           1000
#define FLUSH_EVERY_SWEEPS 30

struct signin {
    int64_t id;
    unsigned char hash[32];
    struct pl_identity who;
    int64_t created_us, expires_us, last_seen_us; /* wall clock */
    bool dirty;                                   /* last_seen_us not yet written */
};

struct pl_auth {
    struct pl_store *store;
    const struct pl_config *cfg;
    GHashTable *by_hash; /* 32-byte hash (GBytes) -> struct signin (owned) */
    GHashTable *by_id;   /* int64 id -> struct signin (borrowed) */
    pl_auth_ended_cb on_end;
    void *user;
    guint sweep_timer;
    unsigned sweeps;
    uint64_t reload_request;
};

#define SESSION_COLUMNS                                                                            \
    "s.id, s.token_sha256, s.person_id, p.login, p.display_name, p.is_admin, "                     \
    "(extract(epoch FROM s.created_at) * 1e6)::bigint, "                                           \
    "(extract(epoch FROM s.expires_at) * 1e6)::bigint, "                                           \
    "(extract(epoch FROM s.last_seen_at) * 1e6)::bigint, " PL_AUTH_STAFF_SQL
#define SESSION_FROM                                                                               \
    " FROM auth_session s JOIN person p ON p.id = s.person_id "                                    \
    "WHERE s.revoked_at IS NULL AND s.expires_at > now() AND NOT p.disabled"

void pl_identity_copy(struct pl_identity *dst, const struct pl_identity *src)
{
    *dst = *src;
    dst->login = g_strdup(src->login);
    dst->display_name = g_strdup(src->display_name);
}

void pl_identity_clear(struct pl_identity *who)
{
    if (!who)
        return;
    g_free(who->login);
    g_free(who->display_name);
    memset(who, 0, sizeof *who);
}

static void session_free(gpointer p)
{
    struct signin *s = p;
    pl_identity_clear(&s->who);
    g_free(s);
}

static guint hash_bytes(gconstpointer k)
{
    guint h;
    memcpy(&h, k, sizeof h); /* the key is already a SHA-256 */
    return h;
}

static gboolean equal_bytes(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, 32) == 0;
}

struct pl_auth *pl_auth_new(struct pl_store *store, const struct pl_config *cfg,
                            pl_auth_ended_cb on_end, void *user)
{
    struct pl_auth *a = g_new0(struct pl_auth, 1);
    a->store = store;
    a->cfg = cfg;
    a->on_end = on_end;
    a->user = user;
    /* by_hash owns the sessions; its key points into the session itself. */
    a->by_hash = g_hash_table_new_full(hash_bytes, equal_bytes, NULL, session_free);
    a->by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
    return a;
}

void pl_auth_free(struct pl_auth *a)
{
    if (!a)
        return;
    if (a->sweep_timer)
        g_source_remove(a->sweep_timer);
    if (a->reload_request && a->store)
        pl_store_cancel(a->store, a->reload_request);
    g_hash_table_destroy(a->by_id);
    g_hash_table_destroy(a->by_hash);
    g_free(a);
}

static void insert(struct pl_auth *a, struct signin *s)
{
    struct signin *old = g_hash_table_lookup(a->by_id, &s->id);
    if (old) {
        g_hash_table_remove(a->by_id, &old->id);
        g_hash_table_remove(a->by_hash, old->hash);
    }
    g_hash_table_insert(a->by_hash, s->hash, s);
    g_hash_table_insert(a->by_id, &s->id, s);
}

/* Builds a session from one row of SESSION_COLUMNS. */
static struct signin *from_row(const PGresult *r, int i)
{
    size_t n = 0;
    unsigned char *raw = PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, 1), &n);
    if (!raw || n != 32) {
        PQfreemem(raw);
        return NULL;
    }
    struct signin *s = g_new0(struct signin, 1);
    memcpy(s->hash, raw, 32);
    PQfreemem(raw);
    s->id = g_ascii_strtoll(PQgetvalue(r, i, 0), NULL, 10);
    s->who.signin_id = s->id;
    s->who.person_id = g_ascii_strtoll(PQgetvalue(r, i, 2), NULL, 10);
    s->who.login = g_strdup(PQgetvalue(r, i, 3));
    s->who.display_name = g_strdup(PQgetvalue(r, i, 4));
    s->who.is_admin = strcmp(PQgetvalue(r, i, 5), "t") == 0;
    s->created_us = g_ascii_strtoll(PQgetvalue(r, i, 6), NULL, 10);
    s->expires_us = g_ascii_strtoll(PQgetvalue(r, i, 7), NULL, 10);
    s->last_seen_us = g_ascii_strtoll(PQgetvalue(r, i, 8), NULL, 10);
    s->who.is_staff = strcmp(PQgetvalue(r, i, 9), "t") == 0;
    return s;
}

int pl_auth_load(struct pl_auth *a, PGconn *conn, char *err, size_t errlen)
{
    PGresult *r = PQexec(conn, "SELECT " SESSION_COLUMNS SESSION_FROM);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "could not load sign-in sessions: %s", PQresultErrorMessage(r));
        PQclear(r);
        return -1;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        struct signin *s = from_row(r, i);
        if (s)
            insert(a, s);
    }
    PQclear(r);
    pl_log_debug("loaded %u sign-in session(s)", g_hash_table_size(a->by_hash));
    return 0;
}

/* The absolute and idle limits; the configured max age caps a session
 * created under a longer one. */
static bool expired(const struct pl_auth *a, const struct signin *s, int64_t now)
{
    return now >= s->expires_us ||
           now - s->created_us >= (int64_t)a->cfg->session_max_s * 1000000 ||
           now - s->last_seen_us >= (int64_t)a->cfg->session_idle_s * 1000000;
}

static void drop(struct pl_auth *a, struct signin *s, enum pl_auth_end_reason why)
{
    int64_t id = s->id;
    g_hash_table_remove(a->by_id, &s->id);
    g_hash_table_remove(a->by_hash, s->hash); /* frees s */
    if (a->on_end)
        a->on_end(a->user, id, why);
}

int pl_auth_check(struct pl_auth *a, const char *token, struct pl_identity *who)
{
    unsigned char hash[32];
    if (pl_token_hash(token, hash) != 0)
        return -1;
    struct signin *s = g_hash_table_lookup(a->by_hash, hash);
    if (!s)
        return -1;
    int64_t now = g_get_real_time();
    if (expired(a, s, now)) {
        drop(a, s, PL_AUTH_EXPIRED);
        return -1;
    }
    s->last_seen_us = now;
    s->dirty = true;
    pl_identity_copy(who, &s->who);
    return 0;
}

void pl_auth_touch(struct pl_auth *a, int64_t signin_id)
{
    struct signin *s = g_hash_table_lookup(a->by_id, &signin_id);
    if (s) {
        s->last_seen_us = g_get_real_time();
        s->dirty = true;
    }
}

bool pl_auth_live(struct pl_auth *a, int64_t signin_id)
{
    struct signin *s = g_hash_table_lookup(a->by_id, &signin_id);
    return s && !expired(a, s, g_get_real_time());
}

void pl_auth_add(struct pl_auth *a, int64_t signin_id, const unsigned char hash[32],
                 const struct pl_identity *who, int64_t created_us, int64_t expires_us)
{
    struct signin *s = g_new0(struct signin, 1);
    s->id = signin_id;
    memcpy(s->hash, hash, 32);
    pl_identity_copy(&s->who, who);
    s->who.signin_id = signin_id;
    s->created_us = created_us;
    s->expires_us = expires_us;
    s->last_seen_us = created_us;
    insert(a, s);
}

void pl_auth_end(struct pl_auth *a, int64_t signin_id, enum pl_auth_end_reason why)
{
    struct signin *s = g_hash_table_lookup(a->by_id, &signin_id);
    if (s)
        drop(a, s, why);
}

unsigned pl_auth_count(const struct pl_auth *a)
{
    return g_hash_table_size(a->by_hash);
}

static void flushed(void *user, const PGresult *res, enum pl_err err)
{
    if (err != PL_OK)
        pl_log_debug("could not record sign-in session use: %s", pl_err_code(err));
}

/* Writes last-use times back, one statement for every session used. */
static void flush(struct pl_auth *a)
{
    GString *ids = g_string_new("{"), *times = g_string_new("{");
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, a->by_id);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        struct signin *s = v;
        if (!s->dirty)
            continue;
        s->dirty = false;
        g_string_append_printf(ids, "%s%lld", ids->len > 1 ? "," : "", (long long)s->id);
        g_string_append_printf(times, "%s%lld", times->len > 1 ? "," : "",
                               (long long)s->last_seen_us);
    }
    g_string_append_c(ids, '}');
    g_string_append_c(times, '}');
    if (ids->len > 2) {
        const char *params[2] = {ids->str, times->str};
        pl_store_query(a->store,
                       "UPDATE auth_session a SET last_seen_at = to_timestamp(v.t / 1e6) "
                       "FROM unnest($1::bigint[], $2::bigint[]) AS v(id, t) WHERE a.id = v.id",
                       2, params, 10000, flushed, NULL);
    }
    g_string_free(ids, TRUE);
    g_string_free(times, TRUE);
}

static gboolean sweep(gpointer data)
{
    struct pl_auth *a = data;
    int64_t now = g_get_real_time();
    GHashTableIter it;
    gpointer k, v;
    GArray *ended = g_array_new(FALSE, FALSE, sizeof(int64_t));
    g_hash_table_iter_init(&it, a->by_id);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        struct signin *s = v;
        if (expired(a, s, now))
            g_array_append_val(ended, s->id);
    }
    for (guint i = 0; i < ended->len; i++)
        pl_auth_end(a, g_array_index(ended, int64_t, i), PL_AUTH_EXPIRED);
    g_array_free(ended, TRUE);
    if (++a->sweeps % FLUSH_EVERY_SWEEPS == 0)
        flush(a);
    return G_SOURCE_CONTINUE;
}

static void loaded_one(void *user, const PGresult *res, enum pl_err err)
{
    struct pl_auth *a = user;
    if (err != PL_OK)
        return;
    for (int i = 0; i < PQntuples(res); i++) {
        struct signin *s = from_row(res, i);
        if (s && !g_hash_table_lookup(a->by_id, &s->id))
            insert(a, s);
        else if (s)
            session_free(s);
    }
}

/* After a reconnection: sessions created elsewhere are added, and sessions
 * no longer live in the database (revoked while we were not listening) end. */
static void reloaded(void *user, const PGresult *res, enum pl_err err)
{
    struct pl_auth *a = user;
    a->reload_request = 0;
    if (err != PL_OK)
        return;
    GHashTable *live = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    for (int i = 0; i < PQntuples(res); i++) {
        int64_t *id = g_new(int64_t, 1);
        *id = g_ascii_strtoll(PQgetvalue(res, i, 0), NULL, 10);
        g_hash_table_add(live, id);
    }
    GArray *gone = g_array_new(FALSE, FALSE, sizeof(int64_t));
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, a->by_id);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        struct signin *s = v;
        if (!g_hash_table_contains(live, &s->id))
            g_array_append_val(gone, s->id);
    }
    for (guint i = 0; i < gone->len; i++)
        pl_auth_end(a, g_array_index(gone, int64_t, i), PL_AUTH_REVOKED);
    g_array_free(gone, TRUE);
    g_hash_table_destroy(live);
    loaded_one(a, res, PL_OK);
}

static void on_connected(void *user)
{
    struct pl_auth *a = user;
    if (a->reload_request)
        return;
    a->reload_request = pl_store_query(a->store, "SELECT " SESSION_COLUMNS SESSION_FROM, 0, NULL,
                                       10000, reloaded, a);
}

static void on_notify(void *user, const char *channel, const char *payload)
{
    struct pl_auth *a = user;
    char kind[16];
    long long id;
    if (sscanf(payload, "%15s %lld", kind, &id) != 2)
        return;
    if (strcmp(kind, "revoke") == 0) {
        pl_auth_end(a, id, PL_AUTH_REVOKED);
    } else if (strcmp(kind, "person") == 0) {
        GArray *ended = g_array_new(FALSE, FALSE, sizeof(int64_t));
        GHashTableIter it;
        gpointer k, v;
        g_hash_table_iter_init(&it, a->by_id);
        while (g_hash_table_iter_next(&it, &k, &v)) {
            struct signin *s = v;
            if (s->who.person_id == id)
                g_array_append_val(ended, s->id);
        }
        for (guint i = 0; i < ended->len; i++)
            pl_auth_end(a, g_array_index(ended, int64_t, i), PL_AUTH_REVOKED);
        g_array_free(ended, TRUE);
    } else if (strcmp(kind, "new") == 0) {
        int64_t key = id;
        if (g_hash_table_lookup(a->by_id, &key))
            return; /* our own */
        char param[24];
        snprintf(param, sizeof param, "%lld", id);
        const char *params[1] = {param};
        pl_store_query(a->store, "SELECT " SESSION_COLUMNS SESSION_FROM " AND s.id = $1", 1, params,
                       10000, loaded_one, a);
    }
}

void pl_auth_start(struct pl_auth *a)
{
    a->sweep_timer = g_timeout_add(SWEEP_MS, sweep, a);
    pl_store_listen(a->store, PL_AUTH_CHANNEL, on_notify, on_connected, a);
}

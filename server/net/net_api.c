/*
 * Sign-in over HTTP: POST /api/login, POST /api/logout, GET /api/session,
 * GET /api/sessions (handlers of the route table, net_routes.c).
 *
 * A login runs as a chain of asynchronous steps on the loop, owned by the
 * HTTP request (hr->op) and cancelled with it if the client goes away:
 *   limits (below; maybe a delay) -> look the person up (store) ->
 *   verify the password on the KDF pool -> insert the session (store) ->
 *   cache it, set the cookie, answer.
 * The limits (docs/security.md, "Login limits") are decided and the attempt
 * counted as a failure before anything is hashed, so guesses sent in
 * parallel are counted like guesses sent one by one; a success takes its
 * count back. In order: checks in flight from the address
 * (--login-inflight-per-address, 429 rate_limited), a place in the KDF
 * queue (--login-queue, 503 server_busy), the address's lockout (429
 * locked), the account's backoff gate (429 locked, Retry-After).
 * A sign-in code is checked and consumed in the same statement that creates
 * the session, so a code is used exactly once. Failures never say whether
 * the account exists, and an unknown account costs a dummy scrypt run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth.h"
#include "auth_token.h"
#include "kdf_pool.h"
#include "log.h"
#include "login_input.h"
#include "net_http.h"
#include "rate_limit.h"
#include "seclog.h"
#include "server.h"

#define API_DB_TIMEOUT_MS 5000

struct pl_login_op {
    struct lws *wsi;
    struct pl_http_req *hr;
    struct pl_server *srv;
    struct pl_login_input in;
    char address[64];
    char user_agent[256];
    struct pl_identity who;
    char token[PL_TOKEN_LEN + 1];
    unsigned char token_hash[32];
    struct pl_kdf_job *kdf;
    guint delay_timer;
    bool reserved;        /* holds a KDF place not yet used by pl_kdf_verify */
    bool inflight;        /* counted in srv->login_inflight under address */
    bool started_backoff; /* this attempt started the account's backoff */
    bool address_locked;  /* this attempt locked its address */
};

/* The checks in flight from address: +1 or -1. */
static void inflight_add(struct pl_server *srv, const char *address, int delta)
{
    gpointer n = g_hash_table_lookup(srv->login_inflight, address);
    int now = GPOINTER_TO_INT(n) + delta;
    if (now <= 0)
        g_hash_table_remove(srv->login_inflight, address);
    else
        g_hash_table_replace(srv->login_inflight, g_strdup(address), GINT_TO_POINTER(now));
}

/* The login is answered (or abandoned): its unused place in the KDF queue
 * and its count in flight go at once, not when the connection closes. */
static void op_settle(struct pl_login_op *op)
{
    if (op->reserved)
        pl_kdf_release();
    op->reserved = false;
    if (op->inflight && op->srv->login_inflight)
        inflight_add(op->srv, op->address, -1);
    op->inflight = false;
}

static void op_free(struct pl_login_op *op)
{
    if (!op)
        return;
    if (op->kdf)
        pl_kdf_cancel(op->kdf);
    if (op->delay_timer)
        g_source_remove(op->delay_timer);
    op_settle(op);
    pl_login_input_clear(&op->in);
    pl_identity_clear(&op->who);
    OPENSSL_cleanse(op->token, sizeof op->token);
    g_free(op);
}

void pl_api_cancel(struct pl_http_req *hr)
{
    op_free(hr->op);
    hr->op = NULL;
}

/* Ends the login with an answer; the op goes with the request. */
static void finish_error(struct pl_login_op *op, int status, enum pl_err err, const char *field,
                         int retry_after)
{
    op_settle(op);
    pl_http_respond_error(op->wsi, op->hr, status, err, field, retry_after);
}

static const char *seclog_login(const struct pl_login_op *op)
{
    return op->in.by_code ? "(code)" : op->in.login;
}

/* The attempt was counted as a failure when it began: only log and answer. */
static void login_failed(struct pl_login_op *op, const char *why)
{
    struct pl_server *srv = op->srv;
    const char *event = op->address_locked    ? "login_locked"
                        : op->started_backoff ? "login_backoff"
                                              : "login_failed";
    pl_seclog(srv->store, event, op->who.person_id, seclog_login(op), op->address, why);
    finish_error(op, 401, PL_ERR_INVALID_CREDENTIALS, NULL, 0);
}

static json_t *person_json(const struct pl_identity *who)
{
    return json_pack("{s:I, s:s, s:s, s:b}", "id", (json_int_t)who->person_id, "login", who->login,
                     "display_name", who->display_name, "is_admin", who->is_admin);
}

static void iso_time(int64_t us, char *buf, size_t len)
{
    GDateTime *t = g_date_time_new_from_unix_utc(us / 1000000);
    char *s = g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ");
    g_strlcpy(buf, s, len);
    g_free(s);
    g_date_time_unref(t);
}

static void session_created(void *user, const PGresult *res, enum pl_err err)
{
    struct pl_login_op *op = user;
    struct pl_server *srv = op->srv;
    op->hr->db_request = 0;
    if (err != PL_OK) {
        finish_error(op, pl_err_database(err) ? 503 : 500, err, NULL, 0);
        return;
    }
    if (PQntuples(res) != 1) {
        /* Only a code login gets here with no row: the code was unknown,
         * used, expired, or its person disabled. */
        login_failed(op, "bad_code");
        return;
    }
    op->who.signin_id = g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    int64_t created = g_ascii_strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    int64_t expires = g_ascii_strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    if (op->in.by_code) {
        op->who.person_id = g_ascii_strtoll(PQgetvalue(res, 0, 3), NULL, 10);
        op->who.login = g_strdup(PQgetvalue(res, 0, 4));
        op->who.display_name = g_strdup(PQgetvalue(res, 0, 5));
        op->who.is_admin = strcmp(PQgetvalue(res, 0, 6), "t") == 0;
        op->who.is_staff = strcmp(PQgetvalue(res, 0, 7), "t") == 0;
    } else {
        pl_backoff_reset(srv->throttle_account, op->in.login);
    }
    pl_throttle_forgive(srv->throttle_address, op->address);
    pl_auth_add(srv->auth, op->who.signin_id, op->token_hash, &op->who, created, expires);
    pl_seclog(srv->store, "login_ok", op->who.person_id, op->who.login, op->address,
              op->in.by_code ? "method=code" : "method=password");

    char exp[32];
    iso_time(expires, exp, sizeof exp);
    json_t *body = json_pack("{s:b, s:s, s:s, s:o}", "ok", 1, "token", op->token, "expires_at", exp,
                             "person", person_json(&op->who));
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    op->hr->set_cookie = g_strdup_printf(
        PL_COOKIE_NAME "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s", op->token,
        (long long)((expires - created) / 1000000), srv->tls ? "; Secure" : "");
    op_settle(op);
    pl_http_respond_json(op->wsi, op->hr, 200, text);
    OPENSSL_cleanse(text, strlen(text));
    free(text);
}

static void create_session(struct pl_login_op *op)
{
    struct pl_server *srv = op->srv;
    if (pl_token_new(op->token) != 0 || pl_token_hash(op->token, op->token_hash) != 0) {
        finish_error(op, 500, PL_ERR_INTERNAL, NULL, 0);
        return;
    }
    char hash_hex[2 + 64 + 1] = "\\x";
    pl_hex(op->token_hash, 32, hash_hex + 2);
    char max_age[16], person[24];
    snprintf(max_age, sizeof max_age, "%d", srv->cfg->session_max_s);
    snprintf(person, sizeof person, "%lld", (long long)op->who.person_id);
    if (!op->in.by_code) {
        const char *params[5] = {hash_hex, person, max_age, op->address, op->user_agent};
        op->hr->db_request = pl_store_query(
            srv->store,
            "WITH s AS (INSERT INTO auth_session (token_sha256, person_id, method, expires_at, "
            "address, user_agent) VALUES ($1, $2, 'password', now() + make_interval(secs => $3), "
            "$4, nullif($5, '')) RETURNING id, created_at, expires_at) "
            "SELECT s.id, (extract(epoch FROM s.created_at) * 1e6)::bigint, "
            "(extract(epoch FROM s.expires_at) * 1e6)::bigint, "
            "pg_notify('" PL_AUTH_CHANNEL "', 'new ' || s.id) FROM s",
            5, params, API_DB_TIMEOUT_MS, session_created, op);
        return;
    }
    /* Consume the code and create the session in one statement: the code
     * is spent only if the session exists, and only once. */
    unsigned char code_hash[32];
    unsigned int n = 0;
    EVP_Digest(op->in.code, strlen(op->in.code), code_hash, &n, EVP_sha256(), NULL);
    char code_hex[2 + 64 + 1] = "\\x";
    pl_hex(code_hash, 32, code_hex + 2);
    const char *params[5] = {hash_hex, code_hex, max_age, op->address, op->user_agent};
    op->hr->db_request = pl_store_query(
        srv->store,
        "WITH c AS (UPDATE signin_code SET used_at = now() WHERE code_sha256 = $2 "
        "AND used_at IS NULL AND expires_at > now() "
        "AND person_id IN (SELECT id FROM person WHERE NOT disabled) RETURNING person_id), "
        "s AS (INSERT INTO auth_session (token_sha256, person_id, method, expires_at, address, "
        "user_agent) SELECT $1, c.person_id, 'code', now() + make_interval(secs => $3), $4, "
        "nullif($5, '') FROM c RETURNING id, person_id, created_at, expires_at) "
        "SELECT s.id, (extract(epoch FROM s.created_at) * 1e6)::bigint, "
        "(extract(epoch FROM s.expires_at) * 1e6)::bigint, p.id, p.login, p.display_name, "
        "p.is_admin, " PL_AUTH_STAFF_SQL ", pg_notify('" PL_AUTH_CHANNEL "', 'new ' || s.id) "
        "FROM s JOIN person p ON p.id = s.person_id",
        5, params, API_DB_TIMEOUT_MS, session_created, op);
}

static void password_checked(void *user, int result)
{
    struct pl_login_op *op = user;
    op->kdf = NULL;
    if (result == 1 && op->who.person_id)
        create_session(op);
    else
        login_failed(op, op->who.person_id ? "bad_password" : "unknown_login");
}

static void person_found(void *user, const PGresult *res, enum pl_err err)
{
    struct pl_login_op *op = user;
    op->hr->db_request = 0;
    if (err != PL_OK) {
        finish_error(op, pl_err_database(err) ? 503 : 500, err, NULL, 0);
        return;
    }
    const char *hash = NULL;
    if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 2), "f") == 0 && !PQgetisnull(res, 0, 1)) {
        op->who.person_id = g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        op->who.login = g_strdup(op->in.login);
        op->who.display_name = g_strdup(PQgetvalue(res, 0, 3));
        op->who.is_admin = strcmp(PQgetvalue(res, 0, 4), "t") == 0;
        op->who.is_staff = strcmp(PQgetvalue(res, 0, 5), "t") == 0;
        hash = PQgetvalue(res, 0, 1);
    }
    /* NULL hash: an unknown or disabled account still costs one scrypt. */
    op->reserved = false; /* the job holds the place now */
    op->kdf = pl_kdf_verify(op->in.password, hash, password_checked, op);
    pl_login_input_clear(&op->in);
}

static void login_proceed(struct pl_login_op *op)
{
    if (op->in.by_code) {
        create_session(op);
        return;
    }
    const char *params[1] = {op->in.login};
    op->hr->db_request = pl_store_query(
        op->srv->store,
        "SELECT id, password_hash, disabled, display_name, is_admin, " PL_AUTH_STAFF_SQL
        " FROM person p WHERE login = $1",
        1, params, API_DB_TIMEOUT_MS, person_found, op);
}

static gboolean delay_done(gpointer data)
{
    struct pl_login_op *op = data;
    op->delay_timer = 0;
    login_proceed(op);
    return G_SOURCE_REMOVE;
}

/* 429 locked: the address is locked or the account's gate is closed. */
static int refuse_locked(struct pl_login_op *op, int retry_after)
{
    pl_seclog(op->srv->store, "login_refused_locked", 0, seclog_login(op), op->address, NULL);
    pl_login_input_clear(&op->in);
    op_settle(op);
    return pl_http_respond_error(op->wsi, op->hr, 429, PL_ERR_LOCKED, NULL, MAX(retry_after, 1));
}

/* POST /api/login {"login", "password"} or {"code"}: the body is whole and
 * JSON (net_routes.c checked its Origin, size and type). */
int pl_api_login(struct lws *wsi, struct pl_http_req *hr)
{
    struct pl_server *srv = pl_server_from_wsi(wsi);
    struct pl_login_op *op = g_new0(struct pl_login_op, 1);
    op->wsi = wsi;
    op->hr = hr;
    op->srv = srv;
    hr->op = op;
    pl_http_peer(wsi, op->address, sizeof op->address);
    if (lws_hdr_copy(wsi, op->user_agent, sizeof op->user_agent, WSI_TOKEN_HTTP_USER_AGENT) < 0)
        op->user_agent[0] = '\0';

    char field[64];
    enum pl_err err =
        pl_login_input_parse(hr->req_body->str, hr->req_body->len, &op->in, field, sizeof field);
    if (err != PL_OK)
        return pl_http_respond_error(wsi, hr, 400, err, field, 0);

    int64_t now = g_get_monotonic_time();
    if (GPOINTER_TO_INT(g_hash_table_lookup(srv->login_inflight, op->address)) >=
        srv->cfg->login_inflight_per_address) {
        pl_login_input_clear(&op->in);
        return pl_http_respond_error(wsi, hr, 429, PL_ERR_RATE_LIMITED, NULL, 1);
    }
    if (!op->in.by_code) {
        if (pl_kdf_reserve() != 0) {
            pl_log_debug("login refused: %d password checks queued", srv->cfg->login_queue);
            pl_login_input_clear(&op->in);
            return pl_http_respond_error(wsi, hr, 503, PL_ERR_SERVER_BUSY, NULL, 2);
        }
        op->reserved = true;
    }
    int delay = 0, retry = 0;
    if (pl_throttle_check(srv->throttle_address, op->address, now, &delay, &retry) != 0)
        return refuse_locked(op, retry);
    if (!op->in.by_code) {
        /* Clean: this address has no failures; it goes through its own gate. */
        bool clean = pl_throttle_failures(srv->throttle_address, op->address, now) == 0;
        if (pl_backoff_try(srv->throttle_account, op->in.login, clean, now, &retry,
                           &op->started_backoff) != 0)
            return refuse_locked(op, retry);
    }
    op->address_locked = pl_throttle_fail(srv->throttle_address, op->address, now) != 0;
    inflight_add(srv, op->address, 1);
    op->inflight = true;
    if (delay > 0)
        op->delay_timer = g_timeout_add((guint)delay, delay_done, op);
    else
        login_proceed(op);
    return 0;
}

static void logged_out(void *user, const PGresult *res, enum pl_err err)
{
    struct lws *wsi = user;
    struct pl_http_req *hr = lws_wsi_user(wsi);
    struct pl_server *srv = pl_server_from_wsi(wsi);
    hr->db_request = 0;
    if (err != PL_OK) {
        pl_http_respond_error(wsi, hr, pl_err_database(err) ? 503 : 500, err, NULL, 0);
        return;
    }
    if (PQntuples(res) != 1) {
        pl_http_respond_error(wsi, hr, 401, PL_ERR_SESSION_ENDED, NULL, 0);
        return;
    }
    int64_t id = g_ascii_strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    int64_t person = g_ascii_strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    char address[64];
    pl_http_peer(wsi, address, sizeof address);
    pl_seclog(srv->store, "logout", person, NULL, address, NULL);
    /* Closes this session's WebSockets with 1008. */
    pl_auth_end(srv->auth, id, PL_AUTH_SIGNED_OUT);
    hr->set_cookie = g_strdup_printf(PL_COOKIE_NAME "=; Path=/; HttpOnly; SameSite=Strict; "
                                                    "Max-Age=0%s",
                                     srv->tls ? "; Secure" : "");
    static const char ok[] = "{\"ok\":true}";
    pl_http_respond(wsi, hr, 200, "application/json", ok, sizeof ok - 1);
}

/* The token a request carries: the cookie, else a Bearer header. */
static int request_token(struct lws *wsi, char token[PL_TOKEN_LEN + 1])
{
    char buf[1024];
    if (lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_COOKIE) > 0 &&
        pl_token_from_cookie(buf, token) == 0)
        return 0;
    if (lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_AUTHORIZATION) > 0 &&
        pl_token_from_bearer(buf, token) == 0)
        return 0;
    return -1;
}

/* POST /api/logout: ends the sign-in the request carries. */
int pl_api_logout(struct lws *wsi, struct pl_http_req *hr)
{
    struct pl_server *srv = pl_server_from_wsi(wsi);
    char token[PL_TOKEN_LEN + 1];
    unsigned char hash[32];
    if (request_token(wsi, token) != 0 || pl_token_hash(token, hash) != 0)
        return pl_http_respond_error(wsi, hr, 401, PL_ERR_UNAUTHENTICATED, NULL, 0);
    char hex[2 + 64 + 1] = "\\x";
    pl_hex(hash, 32, hex + 2);
    const char *params[1] = {hex};
    hr->phase = PH_WAIT;
    hr->db_request = pl_store_query(
        srv->store,
        "WITH r AS (UPDATE auth_session SET revoked_at = now() WHERE token_sha256 = $1 "
        "AND revoked_at IS NULL RETURNING id, person_id) "
        "SELECT r.id, r.person_id, pg_notify('" PL_AUTH_CHANNEL "', 'revoke ' || r.id) FROM r",
        1, params, API_DB_TIMEOUT_MS, logged_out, wsi);
    return 0;
}

int pl_api_signed_in(struct lws *wsi, struct pl_identity *who)
{
    char token[PL_TOKEN_LEN + 1];
    return request_token(wsi, token) == 0 &&
           pl_auth_check(pl_server_from_wsi(wsi)->auth, token, who) == 0;
}

/* GET /api/session: who is signed in (PL_RIGHTS_SIGNED_IN: someone is). */
int pl_api_session_info(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    (void)path;
    json_t *body = json_pack("{s:o}", "person", person_json(pl_route_who(wsi, hr)));
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    pl_http_respond_json(wsi, hr, 200, text);
    free(text);
    return 0;
}

/* GET /api/sessions: every session open to the public, newest first, for
 * the pages to choose from (a session closed to the public is listed only
 * to its council's members, who sign in). */
int pl_api_sessions_list(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    (void)path;
    struct pl_server *srv = pl_server_from_wsi(wsi);
    char person[24] = "0";
    const struct pl_identity *who = pl_route_who(wsi, hr);
    if (who)
        snprintf(person, sizeof person, "%lld", (long long)who->person_id);
    const char *params[1] = {person};
    hr->phase = PH_WAIT;
    hr->db_request = pl_store_query(
        srv->store,
        "SELECT coalesce(jsonb_agg(jsonb_build_object('id', s.id, 'title', s.title, 'number', "
        "s.number, 'council', c.name, 'state', s.state, 'closed', s.visibility = 'closed', "
        "'planned_start', s.planned_start) ORDER BY s.planned_start DESC NULLS LAST, s.id DESC), "
        "'[]')::text FROM session s JOIN council c ON c.id = s.council_id "
        "WHERE s.visibility = 'public' OR EXISTS (SELECT 1 FROM membership m "
        "WHERE m.council_id = s.council_id AND m.person_id = $1::bigint)",
        1, params, API_DB_TIMEOUT_MS, pl_api_json_answered, wsi);
    return 0;
}

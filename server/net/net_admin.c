/*
 * /api/admin/...: the secretary's and administrator's routes (handlers of
 * the route table, net_routes.c, which checked the sign-in and the body's
 * size and type). People and
 * their roles (one at a time or a CSV file), printed one-time sign-in codes,
 * sessions with their sittings and agenda. The shape of each body is
 * checked here (admin_input.c); who may do what, and what is taken or has
 * started, is decided by the SQL functions of schema/005_admin.sql in the
 * same transaction as the write. After a write, the hub reloads what it
 * holds in memory of that council or session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "admin_input.h"
#include "auth.h"
#include "auth_token.h"
#include "log.h"
#include "net_http.h"
#include "qr_svg.h"
#include "seclog.h"
#include "server.h"
#include "signin_code.h"

#define ADMIN_DB_TIMEOUT_MS 10000

/* --- administration: people and printed sign-in codes --------------------------- */

/* GET /api/admin/people: the councils the requester manages, with their
 * members, roles and contact details, and the roles the requester may
 * give there (admin_grantable). */
int pl_admin_people(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    (void)path;
    const struct pl_identity *who = pl_route_who(wsi, hr); /* PL_RIGHTS_SIGNED_IN */
    char pid[24];
    snprintf(pid, sizeof pid, "%lld", (long long)who->person_id);
    const char *params[2] = {pid, who->is_admin ? "t" : "f"};
    hr->phase = PH_WAIT;
    hr->db_request = pl_store_query(
        pl_server_from_wsi(wsi)->store,
        "SELECT coalesce(jsonb_agg(jsonb_build_object('council_id', c.id, 'council', c.name, "
        "'slug', c.slug, 'total_seats', c.total_seats, 'grantable', admin_grantable($1::bigint, "
        "$2::boolean, c.id), 'people', (SELECT coalesce(jsonb_agg(jsonb_build_object('person_id', "
        "p.id, 'login', p.login, 'name', p.display_name, 'role', m.role, 'seat_no', m.seat_no, "
        "'title', m.title, 'email', p.email, 'phone', p.phone, 'disabled', p.disabled) ORDER BY "
        "m.seat_no NULLS LAST, p.display_name), '[]') FROM "
        "membership m JOIN person p ON p.id = m.person_id WHERE m.council_id = c.id)) ORDER BY "
        "c.name), '[]')::text FROM council c WHERE $2::boolean OR EXISTS (SELECT 1 FROM "
        "membership mine WHERE mine.council_id = c.id AND mine.person_id = $1::bigint AND "
        "mine.role IN ('chair', 'vice_chair', 'secretary'))",
        2, params, ADMIN_DB_TIMEOUT_MS, pl_api_json_answered, wsi);
    return 0;
}

/* Where a code card's QR code sends the phone that scans it: the first of
 * the configured --allowed-origins (the address people use), else the
 * scheme and Host of this request (the address the administrator used).
 * A Host with anything but host and port characters is not put in a link.
 * Returns false when there is no usable address (the QR holds the code). */
static bool public_base(struct lws *wsi, char *out, size_t outlen)
{
    struct pl_server *srv = pl_server_from_wsi(wsi);
    if (srv->cfg->allowed_origins && srv->allowed_origins && srv->allowed_origins[0] &&
        *srv->allowed_origins[0]) {
        g_strlcpy(out, srv->allowed_origins[0], outlen);
        return true;
    }
    char host[256];
    if (lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) <= 0)
        return false;
    for (const char *p = host; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr(".-:[]", *p))
            return false;
    }
    snprintf(out, outlen, "%s://%s", srv->tls ? "https" : "http", host);
    return true;
}

static void codes_stored(void *user, const PGresult *res, enum pl_err err)
{
    struct lws *wsi = user;
    struct pl_http_req *hr = lws_wsi_user(wsi);
    hr->db_request = 0;
    if (err != PL_OK) {
        pl_api_refused(wsi, hr, res, err, false);
        return;
    }
    json_t *out = json_object_get(hr->api, "codes");
    size_t i;
    json_t *c;
    json_array_foreach(out, i, c)
    {
        json_object_set_new(c, "expires_at", json_string(PQgetvalue(res, 0, 0)));
        /* A link that opens the delegate page with the code filled in
         * (web/js/signin.js takes it out of the address at once); the code
         * alone when no address is known. */
        const char *code = json_string_value(json_object_get(c, "code"));
        char base[320], *link = public_base(wsi, base, sizeof base)
                                    ? g_strdup_printf("%s/delegate/?code=%s", base, code)
                                    : NULL;
        char *svg = pl_qr_svg(link ? link : code);
        json_object_set_new(c, "signin_url", link ? json_string(link) : json_null());
        g_free(link);
        json_object_set_new(c, "qr_svg", svg ? json_string(svg) : json_null());
        g_free(svg);
    }
    char address[64];
    pl_http_peer(wsi, address, sizeof address);
    /* Whom the codes are for, so the log answers "who could sign in as X". */
    GString *detail = g_string_new(NULL);
    g_string_printf(detail, "count=%zu person=", json_array_size(out));
    json_array_foreach(out, i, c)
    {
        g_string_append_printf(detail, "%s%lld", i ? "," : "",
                               (long long)json_integer_value(json_object_get(c, "person_id")));
    }
    pl_seclog(pl_server_from_wsi(wsi)->store, "codes_issued",
              json_integer_value(json_object_get(hr->api, "by")), NULL, address, detail->str);
    g_string_free(detail, TRUE);
    char *text = json_dumps(out, JSON_COMPACT);
    pl_http_respond_json(wsi, hr, 200, text);
    OPENSSL_cleanse(text, strlen(text));
    free(text);
}

static void codes_allowed(void *user, const PGresult *res, enum pl_err err)
{
    struct lws *wsi = user;
    struct pl_http_req *hr = lws_wsi_user(wsi);
    hr->db_request = 0;
    if (err != PL_OK) {
        pl_api_refused(wsi, hr, res, err, false);
        return;
    }
    /* Codes are made here, stored as SHA-256 only, and shown once. */
    json_t *codes = json_array(), *rows = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        char code[PL_CODE_PRINTED + 1], canon[PL_CODE_SYMBOLS + 1], hex[65];
        unsigned char h[32];
        unsigned int n = 0;
        pl_signin_code_new(code);
        pl_signin_code_normalize(code, canon);
        EVP_Digest(canon, strlen(canon), h, &n, EVP_sha256(), NULL);
        pl_hex(h, 32, hex);
        json_int_t person = g_ascii_strtoll(PQgetvalue(res, i, 0), NULL, 10);
        json_array_append_new(rows, json_pack("{s:s, s:I}", "h", hex, "p", person));
        json_array_append_new(
            codes, json_pack("{s:I, s:s, s:s, s:s?, s:s}", "person_id", person, "name",
                             PQgetvalue(res, i, 1), "login", PQgetvalue(res, i, 2), "seat_no",
                             PQgetisnull(res, i, 3) ? NULL : PQgetvalue(res, i, 3), "code", code));
    }
    json_object_set_new(hr->api, "codes", codes);
    char *r = json_dumps(rows, JSON_COMPACT);
    json_decref(rows);
    char ttl[16], by[32], pid[24];
    snprintf(ttl, sizeof ttl, "%lld",
             (long long)json_integer_value(json_object_get(hr->api, "ttl")));
    snprintf(by, sizeof by, "person:%lld",
             (long long)json_integer_value(json_object_get(hr->api, "by")));
    snprintf(pid, sizeof pid, "%lld",
             (long long)json_integer_value(json_object_get(hr->api, "by")));
    /* Checked again as they are stored (someone may have signed in since),
     * older unused codes of each person end, each code is audited. */
    const char *params[5] = {pid, json_is_true(json_object_get(hr->api, "admin")) ? "t" : "f", r,
                             ttl, by};
    hr->db_request = pl_store_query(
        pl_server_from_wsi(wsi)->store,
        "SELECT to_char(admin_code_store($1, $2, $3::jsonb, $4::int, $5) AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
        5, params, ADMIN_DB_TIMEOUT_MS, codes_stored, wsi);
    free(r);
}

/* POST /api/admin/codes {"person_ids": [...], "ttl_minutes": 120}: one-time
 * sign-in codes, each with its QR code, for people the requester may have
 * them for (admin_code_check, schema/015_access.sql: lower standing in every
 * council they sit in, no password, not signed in since their last reset). */
int pl_admin_codes(struct lws *wsi, struct pl_http_req *hr)
{
    const struct pl_identity *who = pl_route_who(wsi, hr); /* PL_RIGHTS_SIGNED_IN */
    json_error_t jerr;
    json_t *body = json_loadb(hr->req_body->str, hr->req_body->len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *ids = json_object_get(body, "person_ids");
    json_t *ttl = json_object_get(body, "ttl_minutes");
    enum pl_err err = PL_OK;
    const char *field = NULL;
    if (!json_is_object(body)) {
        err = PL_ERR_BAD_JSON;
    } else if (json_object_size(body) > (ttl ? 2u : 1u)) {
        err = PL_ERR_UNKNOWN_FIELD;
    } else if (!json_is_array(ids) || json_array_size(ids) < 1 || json_array_size(ids) > 200) {
        err = PL_ERR_BAD_FIELD;
        field = "person_ids";
    } else if (ttl && (!json_is_integer(ttl) || json_integer_value(ttl) < 1 ||
                       json_integer_value(ttl) > 7 * 24 * 60)) {
        err = PL_ERR_BAD_FIELD;
        field = "ttl_minutes";
    }
    size_t i;
    json_t *x;
    json_array_foreach(ids, i, x)
    {
        if (!json_is_integer(x) || json_integer_value(x) <= 0) {
            err = PL_ERR_BAD_FIELD;
            field = "person_ids";
        }
        /* A repeated id would make the permission count disagree and read
         * as "forbidden"; say what is wrong instead. At most 200 ids. */
        for (size_t j = 0; j < i && err == PL_OK; j++)
            if (json_integer_value(json_array_get(ids, j)) == json_integer_value(x)) {
                err = PL_ERR_BAD_FIELD;
                field = "person_ids";
            }
    }
    if (err != PL_OK) {
        json_decref(body);
        return pl_http_respond_error(wsi, hr, 400, err, field, 0);
    }
    hr->api = json_pack("{s:O, s:I, s:I, s:b}", "person_ids", ids, "ttl",
                        (json_int_t)(ttl ? json_integer_value(ttl) : 120), "by",
                        (json_int_t)who->person_id, "admin", who->is_admin);
    char *list = json_dumps(ids, JSON_COMPACT);
    char pid[24];
    snprintf(pid, sizeof pid, "%lld", (long long)who->person_id);
    const char *params[3] = {pid, who->is_admin ? "t" : "f", list};
    hr->db_request =
        pl_store_query(pl_server_from_wsi(wsi)->store,
                       "SELECT id, name, login, seat_no FROM admin_code_check($1, $2, $3::jsonb)",
                       3, params, ADMIN_DB_TIMEOUT_MS, codes_allowed, wsi);
    free(list);
    json_decref(body);
    return 0;
}

/* The requester's id and admin flag as the two first parameters of the SQL
 * functions. */
struct requester {
    char id[24];
    const char *admin;
};

/* Every admin route is PL_RIGHTS_SIGNED_IN: the table checked the sign-in. */
static void requester_of(struct lws *wsi, struct pl_http_req *hr, struct requester *r)
{
    const struct pl_identity *who = pl_route_who(wsi, hr);
    snprintf(r->id, sizeof r->id, "%lld", (long long)who->person_id);
    r->admin = who->is_admin ? "t" : "f";
}

static json_t *body_json(struct pl_http_req *hr)
{
    return json_loadb(hr->req_body->str, hr->req_body->len, JSON_REJECT_DUPLICATES, NULL);
}

static int bad_body(struct lws *wsi, struct pl_http_req *hr, enum pl_err err, const char *field)
{
    return pl_http_respond_error(wsi, hr, 400, err, field, 0);
}

/* The end of every admin write: on success, the security log says who
 * changed what (the SQL function's result), the hub reloads what it holds
 * of the session or the council's sessions, and the result is the answer. */
static void admin_done(void *user, const PGresult *res, enum pl_err err)
{
    struct lws *wsi = user;
    struct pl_http_req *hr = lws_wsi_user(wsi);
    hr->db_request = 0;
    if (err != PL_OK) {
        pl_api_refused(wsi, hr, res, err, json_is_true(json_object_get(hr->api, "rows")));
        return;
    }
    struct pl_server *srv = pl_server_from_wsi(wsi);
    const char *result = PQgetvalue(res, 0, 0);
    int64_t council = json_integer_value(json_object_get(hr->api, "council_id"));
    char address[64], *detail = g_strdup_printf("council=%lld %s", (long long)council, result);
    pl_http_peer(wsi, address, sizeof address);
    pl_seclog(srv->store, json_string_value(json_object_get(hr->api, "event")),
              json_integer_value(json_object_get(hr->api, "by")), NULL, address, detail);
    g_free(detail);
    if (json_is_true(json_object_get(hr->api, "people"))) {
        pl_hub_refresh(srv->hub, 0, council);
    } else {
        /* A session edit: clients watching it get session.edited. */
        json_t *out = json_loads(result, 0, NULL);
        pl_hub_refresh(srv->hub, json_integer_value(json_object_get(out, "id")), 0);
        json_decref(out);
    }
    pl_http_respond_json(wsi, hr, 200, result);
}

/* Runs one admin SQL function for r; event names the write in the security
 * log; people: it changed the council's people (else a session); rows: a
 * refusal lists the row (an import). */
static void admin_query(struct lws *wsi, struct pl_http_req *hr, const struct requester *r,
                        const char *sql, int n, const char *const *params, const char *event,
                        json_int_t council, bool people, bool rows)
{
    hr->api =
        json_pack("{s:I, s:I, s:s, s:b, s:b}", "by", (json_int_t)g_ascii_strtoll(r->id, NULL, 10),
                  "council_id", council, "event", event, "people", people, "rows", rows);
    hr->db_request = pl_store_query(pl_server_from_wsi(wsi)->store, sql, n, params,
                                    ADMIN_DB_TIMEOUT_MS, admin_done, wsi);
}

/* --- one person --------------------------------------------------------------- */

/* A person or session document: checked for shape here, then given to its
 * SQL function with the requester. */
static int save_doc(struct lws *wsi, struct pl_http_req *hr,
                    enum pl_err (*check)(const json_t *doc, const char **field), const char *sql,
                    const char *event, bool people)
{
    struct requester r;
    requester_of(wsi, hr, &r);
    json_t *doc = body_json(hr);
    if (!doc)
        return bad_body(wsi, hr, PL_ERR_BAD_JSON, NULL);
    const char *field;
    enum pl_err err = check(doc, &field);
    if (err != PL_OK) {
        bad_body(wsi, hr, err, field); /* field may point into doc */
        json_decref(doc);
        return 0;
    }
    json_int_t council = json_integer_value(json_object_get(doc, "council_id"));
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    const char *params[3] = {r.id, r.admin, text};
    admin_query(wsi, hr, &r, sql, 3, params, event, council, people, false);
    free(text);
    return 0;
}

static enum pl_err check_person(const json_t *doc, const char **field)
{
    return pl_admin_check_person(doc, false, field);
}

/* POST /api/admin/person: creates or edits one person and their role. */
int pl_admin_person(struct lws *wsi, struct pl_http_req *hr)
{
    return save_doc(wsi, hr, check_person, "SELECT admin_save_person($1, $2, $3::jsonb)::text",
                    "person_saved", true);
}

/* --- a CSV file of people ------------------------------------------------------ */

/* Standard base64 (what FileReader and btoa give), padded. */
static bool base64_ok(const char *s)
{
    if (!s)
        return false;
    size_t n = strlen(s), pad = 0;
    if (n % 4 != 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '=' && i + 2 >= n) {
            pad++;
            continue;
        }
        if (pad || !(g_ascii_isalnum(c) || c == '+' || c == '/'))
            return false;
    }
    return true;
}

/* POST /api/admin/import {"council_id": N, "csv": "..." or "csv_base64":
 * "..." (the file's bytes, any encoding pl_csv_decode reads)}: every row
 * checked, here and by the database; every problem of every row listed in
 * one answer; then all imported or none. */
int pl_admin_import(struct lws *wsi, struct pl_http_req *hr)
{
    struct requester r;
    requester_of(wsi, hr, &r);
    json_t *doc = body_json(hr);
    json_t *council = json_object_get(doc, "council_id");
    json_t *csv = json_object_get(doc, "csv");
    json_t *raw = json_object_get(doc, "csv_base64");
    enum pl_err err = PL_OK;
    const char *field = NULL;
    if (!json_is_object(doc))
        err = PL_ERR_BAD_JSON;
    else if (!council || (!csv && !raw))
        err = PL_ERR_MISSING_FIELD, field = council ? "csv" : "council_id";
    else if (json_object_size(doc) != 2)
        err = PL_ERR_UNKNOWN_FIELD;
    else if (!json_is_integer(council) || json_integer_value(council) <= 0)
        err = PL_ERR_BAD_FIELD, field = "council_id";
    else if (csv && !json_is_string(csv))
        err = PL_ERR_BAD_FIELD, field = "csv";
    else if (raw && !base64_ok(json_string_value(raw)))
        err = PL_ERR_BAD_FIELD, field = "csv_base64";
    if (err != PL_OK) {
        bad_body(wsi, hr, err, field); /* field may point into doc */
        json_decref(doc);
        return 0;
    }
    json_t *errors = NULL;
    json_t *rows = NULL;
    if (csv) {
        rows = pl_admin_csv_rows(json_string_value(csv), json_string_length(csv), &errors);
    } else {
        /* The file's bytes as saved (base64): decoded here, whatever the
         * spreadsheet's encoding (admin_input.c). */
        gsize n = 0;
        guchar *bytes = g_base64_decode(json_string_value(raw), &n);
        rows = pl_admin_csv_rows((const char *)bytes, n, &errors);
        g_free(bytes);
    }
    if (!rows) {
        /* The file itself could not be read: nothing to ask the database. */
        json_t *first = json_array_get(errors, 0);
        const char *code = json_string_value(json_object_get(first, "error"));
        err = PL_ERR_BAD_FIELD;
        for (int k = 0; k < PL_ERR__COUNT; k++)
            if (code && strcmp(pl_err_code((enum pl_err)k), code) == 0)
                err = (enum pl_err)k;
        json_t *extra =
            json_pack("{s:O, s:o}", "row", json_object_get(first, "row"), "rows", errors);
        pl_http_respond_refusal(wsi, hr, 400, err,
                                json_string_value(json_object_get(first, "field")),
                                json_string_value(json_object_get(first, "reason")), extra);
        json_decref(extra);
        json_decref(doc);
        return 0;
    }
    char cid[24];
    snprintf(cid, sizeof cid, "%lld", (long long)json_integer_value(council));
    json_int_t council_id = json_integer_value(council);
    json_decref(doc);
    char *text = json_dumps(rows, JSON_COMPACT);
    char *known = errors ? json_dumps(errors, JSON_COMPACT) : NULL;
    json_decref(rows);
    json_decref(errors);
    /* The database checks the rows too (taken logins and seats) and lists
     * its refusals with the ones found here, in one answer. */
    const char *params[5] = {r.id, r.admin, cid, text, known ? known : "[]"};
    admin_query(wsi, hr, &r, "SELECT admin_import_all($1, $2, $3, $4::jsonb, $5::jsonb)::text", 5,
                params, "people_imported", council_id, true, true);
    free(text);
    free(known);
    return 0;
}

/* --- sessions, sittings and agenda --------------------------------------------- */

/* GET /api/admin/sessions: per council the requester manages, its sessions
 * with their sittings and agenda items (flat, with parent_id and position;
 * the page builds the tree). */
int pl_admin_sessions(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    (void)path;
    struct requester r;
    requester_of(wsi, hr, &r);
    const char *params[2] = {r.id, r.admin};
    hr->phase = PH_WAIT;
    hr->db_request = pl_store_query(
        pl_server_from_wsi(wsi)->store,
        "SELECT coalesce(jsonb_agg(jsonb_build_object('council_id', c.id, 'council', c.name, "
        "'sessions', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', s.id, 'number', "
        "s.number, 'title', s.title, 'kind', s.kind, 'visibility', s.visibility, 'state', "
        "s.state, 'location', s.location, 'planned_start', s.planned_start, 'media_source', "
        "s.media_source, 'media_restream', s.media_restream, 'sittings', (SELECT "
        "coalesce(jsonb_agg(jsonb_build_object('id', t.id, 'ordinal', t.ordinal, 'title', "
        "t.title, 'visibility', t.visibility, 'state', t.state, 'planned_start', "
        "t.planned_start) ORDER BY t.ordinal), '[]') FROM sitting t WHERE t.session_id = s.id), "
        "'agenda', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', a.id, 'parent_id', "
        "a.parent_id, 'position', a.position, 'title', a.title, 'presenter', a.presenter, "
        "'state', a.state) ORDER BY a.parent_id NULLS FIRST, a.position), '[]') FROM agenda_item "
        "a WHERE a.session_id = s.id)) ORDER BY s.number DESC), '[]') FROM session s WHERE "
        "s.council_id = c.id)) ORDER BY c.name), '[]')::text FROM council c WHERE "
        "cardinality(admin_grantable($1::bigint, $2::boolean, c.id)) > 0",
        2, params, ADMIN_DB_TIMEOUT_MS, pl_api_json_answered, wsi);
    return 0;
}

/* POST /api/admin/session: creates a session, or edits one not yet opened
 * (details, sittings, agenda tree). */
int pl_admin_session(struct lws *wsi, struct pl_http_req *hr)
{
    return save_doc(wsi, hr, pl_admin_check_session,
                    "SELECT admin_save_session_media($1, $2, $3::jsonb)::text", "session_saved",
                    false);
}

/* --- resets and the person's own notices ------------------------------------------ */

static void reset_done(void *user, const PGresult *res, enum pl_err err)
{
    struct lws *wsi = user;
    struct pl_http_req *hr = lws_wsi_user(wsi);
    hr->db_request = 0;
    if (err != PL_OK) {
        pl_api_refused(wsi, hr, res, err, false);
        return;
    }
    const char *result = PQgetvalue(res, 0, 0);
    char address[64], detail[48];
    pl_http_peer(wsi, address, sizeof address);
    snprintf(detail, sizeof detail, "person=%lld",
             (long long)json_integer_value(json_object_get(hr->api, "person_id")));
    pl_seclog(pl_server_from_wsi(wsi)->store, "person_reset",
              json_integer_value(json_object_get(hr->api, "by")), NULL, address, detail);
    pl_http_respond_json(wsi, hr, 200, result);
}

/* POST /api/admin/reset {"person_id": N}: an administrator clears a
 * person's password and ends their sign-ins and codes, so that a new
 * sign-in code may be made for them (admin_reset_person). */
int pl_admin_reset(struct lws *wsi, struct pl_http_req *hr)
{
    struct requester r;
    requester_of(wsi, hr, &r);
    json_t *doc = body_json(hr);
    json_t *pid = json_object_get(doc, "person_id");
    enum pl_err err = PL_OK;
    if (!json_is_object(doc))
        err = PL_ERR_BAD_JSON;
    else if (!pid)
        err = PL_ERR_MISSING_FIELD;
    else if (json_object_size(doc) != 1)
        err = PL_ERR_UNKNOWN_FIELD;
    else if (!json_is_integer(pid) || json_integer_value(pid) <= 0)
        err = PL_ERR_BAD_FIELD;
    if (err != PL_OK) {
        json_decref(doc);
        return bad_body(wsi, hr, err, err == PL_ERR_BAD_JSON ? NULL : "person_id");
    }
    char target[24];
    snprintf(target, sizeof target, "%lld", (long long)json_integer_value(pid));
    hr->api = json_pack("{s:I, s:O}", "by", (json_int_t)g_ascii_strtoll(r.id, NULL, 10),
                        "person_id", pid);
    json_decref(doc);
    const char *params[3] = {r.id, r.admin, target};
    hr->db_request = pl_store_query(pl_server_from_wsi(wsi)->store,
                                    "SELECT admin_reset_person($1, $2, $3::bigint)::text", 3,
                                    params, ADMIN_DB_TIMEOUT_MS, reset_done, wsi);
    return 0;
}

/* GET /api/account/notices: the sign-in codes made and resets done for the
 * signed-in person, newest first, so nobody is signed in as them unseen. */
int pl_admin_notices(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    (void)path;
    struct requester r;
    requester_of(wsi, hr, &r);
    const char *params[1] = {r.id};
    hr->phase = PH_WAIT;
    hr->db_request =
        pl_store_query(pl_server_from_wsi(wsi)->store, "SELECT access_notices($1)::text", 1, params,
                       ADMIN_DB_TIMEOUT_MS, pl_api_json_answered, wsi);
    return 0;
}

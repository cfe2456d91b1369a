/* The admin command; see admin.h. */
#include "admin.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth.h"
#include "auth_token.h"
#include "admin_input.h"
#include "log.h"
#include "migrate.h"
#include "password.h"
#include "seclog.h"
#include "signin_code.h"
#include "vote.h"
#include "vote_sql.h"

#define MIN_PASSWORD 10

struct args {
    GHashTable *opts; /* "--name" -> value (owned) */
    GPtrArray *positional;
};

static const char *usage_text =
    "usage: plenumd admin COMMAND [options] [--database-url URL]\n"
    "  council-add --slug S --name N --level commune|province|national|other --seats N\n"
    "  person-add --login L --name N [--email E] [--phone P] [--admin]\n"
    "  set-password --login L          (reads the password from standard input)\n"
    "  disable --login L | enable --login L\n"
    "  role --council S --login L --role chair|vice_chair|secretary|delegate|staff\n"
    "       [--seat N] [--title T]\n"
    "  import --council S FILE.csv     (columns: login,display_name,role[,seat_no,email,phone,"
    "title])\n"
    "  codes --council S [--login L ...] [--ttl-minutes N]   (print one-time sign-in codes)\n"
    "  audit-vote --session ID --vote ID   (recount a vote; detect changed, added or removed "
    "ballots)\n";

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pl_log_error("%s", msg);
    return 1;
}

/* Flags that take no value. */
static int is_switch(const char *name)
{
    return strcmp(name, "--admin") == 0;
}

static int parse_args(int argc, char *const *argv, struct args *a)
{
    a->opts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    a->positional = g_ptr_array_new();
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        if (strncmp(s, "--", 2) != 0) {
            g_ptr_array_add(a->positional, (gpointer)s);
            continue;
        }
        const char *eq = strchr(s, '=');
        char *name = eq ? g_strndup(s, (gsize)(eq - s)) : g_strdup(s);
        const char *value;
        if (eq)
            value = eq + 1;
        else if (is_switch(name))
            value = "yes";
        else if (i + 1 < argc)
            value = argv[++i];
        else {
            fail("option %s needs a value", name);
            g_free(name);
            return -1;
        }
        /* --login may repeat (codes): keep them comma-joined. */
        const char *prev = g_hash_table_lookup(a->opts, name);
        char *v = prev ? g_strdup_printf("%s,%s", prev, value) : g_strdup(value);
        g_hash_table_insert(a->opts, name, v);
    }
    return 0;
}

static const char *opt(struct args *a, const char *name)
{
    return g_hash_table_lookup(a->opts, name);
}

/* Runs a statement; returns its result or NULL with one error line printed. */
static PGresult *run(PGconn *c, const char *sql, int n, const char *const *params, const char *what)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        const char *m = PQresultErrorMessage(r);
        fail("%s: %.*s", what, (int)strcspn(m, "\n"), m);
        PQclear(r);
        return NULL;
    }
    return r;
}

static int exec_ok(PGconn *c, const char *sql, int n, const char *const *params, const char *what)
{
    PGresult *r = run(c, sql, n, params, what);
    PQclear(r);
    return r ? 0 : -1;
}

static void audit(PGconn *c, const char *event, const char *person_id, const char *login,
                  const char *detail)
{
    pl_seclog(NULL, event, person_id ? g_ascii_strtoll(person_id, NULL, 10) : 0, login, "admin-cli",
              detail);
    const char *p[5] = {event, person_id, login, "admin-cli", detail};
    PQclear(PQexecParams(c,
                         "INSERT INTO security_event (event, person_id, login, address, detail) "
                         "VALUES ($1, $2, $3, $4, $5)",
                         5, NULL, p, NULL, NULL, 0));
}

/* Chairs, vice-chairs and delegates hold a seat and vote. */
static const char *role_votes(const char *role)
{
    return strcmp(role, "secretary") == 0 || strcmp(role, "staff") == 0 ? "f" : "t";
}

static int need(struct args *a, const char *name, const char **out)
{
    *out = opt(a, name);
    if (!*out || !**out)
        return fail("%s is required (see plenumd admin help)", name);
    return 0;
}

/* The id of the row sql finds for value, or NULL with "no <what> with
 * <key> \"value\"" printed; the caller g_free()s it. */
static char *lookup_id(PGconn *c, const char *sql, const char *value, const char *what,
                       const char *key)
{
    const char *p[1] = {value};
    char doing[64];
    snprintf(doing, sizeof doing, "looking up the %s", what);
    PGresult *r = run(c, sql, 1, p, doing);
    if (!r)
        return NULL;
    char *id = PQntuples(r) ? g_strdup(PQgetvalue(r, 0, 0)) : NULL;
    PQclear(r);
    if (!id)
        fail("no %s with %s \"%s\"", what, key, value);
    return id;
}

static char *person_id(PGconn *c, const char *login)
{
    return lookup_id(c, "SELECT id FROM person WHERE login = $1", login, "person", "login");
}

static char *council_id(PGconn *c, const char *slug)
{
    return lookup_id(c, "SELECT id FROM council WHERE slug = $1", slug, "council", "slug");
}

static int cmd_council_add(PGconn *c, struct args *a, FILE *out)
{
    const char *slug, *name, *level, *seats;
    if (need(a, "--slug", &slug) || need(a, "--name", &name) || need(a, "--level", &level) ||
        need(a, "--seats", &seats))
        return 1;
    const char *p[4] = {slug, name, level, seats};
    PGresult *r = run(c,
                      "INSERT INTO council (slug, name, level, total_seats) VALUES ($1, $2, $3, "
                      "$4) RETURNING id",
                      4, p, "adding the council");
    if (!r)
        return 1;
    fprintf(out, "council %s added (id %s)\n", slug, PQgetvalue(r, 0, 0));
    audit(c, "admin_council_add", NULL, NULL, slug);
    PQclear(r);
    return 0;
}

static int cmd_person_add(PGconn *c, struct args *a, FILE *out)
{
    const char *login, *name;
    if (need(a, "--login", &login) || need(a, "--name", &name))
        return 1;
    if (!pl_admin_valid_login(login))
        return fail("--login \"%s\" must be 2-64 of a-z 0-9 . _ - starting with a letter or digit",
                    login);
    const char *p[5] = {login, name, opt(a, "--email"), opt(a, "--phone"),
                        opt(a, "--admin") ? "t" : "f"};
    PGresult *r = run(c,
                      "INSERT INTO person (login, display_name, email, phone, is_admin) "
                      "VALUES ($1, $2, $3, $4, $5) RETURNING id",
                      5, p, "adding the person");
    if (!r)
        return 1;
    fprintf(out, "person %s added (id %s)\n", login, PQgetvalue(r, 0, 0));
    audit(c, "admin_person_add", PQgetvalue(r, 0, 0), login, opt(a, "--admin") ? "admin" : NULL);
    PQclear(r);
    return 0;
}

/* Revokes all of a person's sign-ins and tells running servers. */
static int revoke_person(PGconn *c, const char *id)
{
    const char *p[1] = {id};
    return exec_ok(c,
                   "WITH r AS (UPDATE auth_session SET revoked_at = now() WHERE person_id = $1 "
                   "AND revoked_at IS NULL) SELECT pg_notify('" PL_AUTH_CHANNEL
                   "', 'person ' || $1)",
                   1, p, "ending the person's sign-ins");
}

static int cmd_set_password(PGconn *c, struct args *a, FILE *in, FILE *out)
{
    const char *login;
    if (need(a, "--login", &login))
        return 1;
    char *id = person_id(c, login);
    if (!id)
        return 1;
    char pw[1100];
    if (!fgets(pw, sizeof pw, in)) {
        g_free(id);
        return fail("no password on standard input");
    }
    pw[strcspn(pw, "\r\n")] = '\0';
    int rc = 1;
    char hash[PL_PASSWORD_ENCODED_MAX];
    if (g_utf8_strlen(pw, -1) < MIN_PASSWORD || strlen(pw) > 1024) {
        fail("a password needs at least %d characters (and at most 1024 bytes)", MIN_PASSWORD);
        goto done;
    }
    if (pl_password_hash(pw, PL_PASSWORD_DEFAULT_LN, hash, sizeof hash) != 0) {
        fail("could not hash the password");
        goto done;
    }
    const char *p[2] = {hash, id};
    if (exec_ok(c, "BEGIN", 0, NULL, "setting the password") ||
        exec_ok(c,
                "UPDATE person SET password_hash = $1, password_changed_at = now() WHERE id = $2",
                2, p, "setting the password") ||
        revoke_person(c, id) || exec_ok(c, "COMMIT", 0, NULL, "setting the password"))
        goto done;
    fprintf(out, "password set for %s; their sign-ins were ended\n", login);
    audit(c, "admin_set_password", id, login, NULL);
    rc = 0;
done:
    OPENSSL_cleanse(pw, sizeof pw);
    g_free(id);
    return rc;
}

static int cmd_disable(PGconn *c, struct args *a, FILE *out, int disable)
{
    const char *login;
    if (need(a, "--login", &login))
        return 1;
    char *id = person_id(c, login);
    if (!id)
        return 1;
    const char *p[2] = {disable ? "t" : "f", id};
    int rc = 1;
    if (exec_ok(c, "BEGIN", 0, NULL, "changing the person") ||
        exec_ok(c, "UPDATE person SET disabled = $1 WHERE id = $2", 2, p, "changing the person") ||
        (disable && revoke_person(c, id)) || exec_ok(c, "COMMIT", 0, NULL, "changing the person"))
        goto done;
    fprintf(out, "%s %s\n", login, disable ? "disabled; their sign-ins were ended" : "enabled");
    audit(c, disable ? "admin_disable" : "admin_enable", id, login, NULL);
    rc = 0;
done:
    g_free(id);
    return rc;
}

static int upsert_role(PGconn *c, const char *council, const char *person, const char *role,
                       const char *seat, const char *title)
{
    const char *p[6] = {council,
                        person,
                        role,
                        role_votes(role),
                        seat && *seat ? seat : NULL,
                        title && *title ? title : NULL};
    return exec_ok(c,
                   "INSERT INTO membership (council_id, person_id, role, is_delegate, seat_no, "
                   "title) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (council_id, person_id) "
                   "DO UPDATE SET role = $3, is_delegate = $4, seat_no = $5, title = $6",
                   6, p, "assigning the role");
}

static int cmd_role(PGconn *c, struct args *a, FILE *out)
{
    const char *slug, *login, *role;
    if (need(a, "--council", &slug) || need(a, "--login", &login) || need(a, "--role", &role))
        return 1;
    if (!pl_admin_valid_role(role))
        return fail("--role \"%s\" must be chair, vice_chair, secretary, delegate or staff", role);
    char *cid = council_id(c, slug), *pid = cid ? person_id(c, login) : NULL;
    int rc = 1;
    if (cid && pid && upsert_role(c, cid, pid, role, opt(a, "--seat"), opt(a, "--title")) == 0) {
        fprintf(out, "%s is %s of %s\n", login, role, slug);
        audit(c, "admin_role", pid, login, role);
        rc = 0;
    }
    g_free(cid);
    g_free(pid);
    return rc;
}

/* --- CSV import --------------------------------------------------------------- */

/* Prints each refused row as "row N: field: message". */
static void print_row_errors(const json_t *errors)
{
    size_t i;
    const json_t *e;
    json_array_foreach(errors, i, e)
    {
        const char *code = json_string_value(json_object_get(e, "error"));
        const char *detail = json_string_value(json_object_get(e, "detail"));
        enum pl_err err = PL_ERR_BAD_FIELD;
        for (int k = 0; k < PL_ERR__COUNT; k++)
            if (code && strcmp(pl_err_code((enum pl_err)k), code) == 0)
                err = (enum pl_err)k;
        const char *value = json_string_value(json_object_get(e, "value"));
        fprintf(stderr, "plenumd admin: row %lld: %s%s%s%s: %s\n",
                (long long)json_integer_value(json_object_get(e, "row")),
                json_string_value(json_object_get(e, "field")) ?: "-", value ? " \"" : "",
                value ? value : "", value ? "\"" : "",
                detail ? detail : pl_err_message(err, PL_LANG_EN));
    }
}

/* The same checks and the same SQL (admin_import) as the admin page, as an
 * administrator: all or nothing. */
static int cmd_import(PGconn *c, struct args *a, FILE *out)
{
    const char *slug;
    if (need(a, "--council", &slug))
        return 1;
    if (a->positional->len != 1)
        return fail("import takes one CSV file");
    const char *path = g_ptr_array_index(a->positional, 0);
    gchar *buf = NULL;
    gsize len = 0;
    GError *gerr = NULL;
    if (!g_file_get_contents(path, &buf, &len, &gerr)) {
        int rc = fail("could not read \"%s\": %s", path, gerr->message);
        g_error_free(gerr);
        return rc;
    }
    int rc = 1;
    json_t *errors = NULL;
    json_t *rows = pl_admin_csv_rows(buf, len, &errors);
    g_free(buf);
    char *cid = council_id(c, slug);
    char *known = NULL;
    if (!rows) {
        print_row_errors(errors);
        fail("%s: nothing imported", path);
        goto done;
    }
    if (!cid)
        goto done;
    char *text = json_dumps(rows, JSON_COMPACT);
    known = errors ? json_dumps(errors, JSON_COMPACT) : NULL;
    const char *p[3] = {cid, text, known ? known : "[]"};
    PGresult *r =
        PQexecParams(c, "SELECT admin_import_all(NULL, true, $1, $2::jsonb, $3::jsonb)::text", 3,
                     NULL, p, NULL, NULL, 0);
    free(text);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        const char *m = PQresultErrorMessage(r);
        const char *row = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
        json_t *list = row && strncmp(row, "rows ", 5) == 0 ? json_loads(row + 5, 0, NULL) : NULL;
        if (list) { /* every refused row, the database's and ours */
            print_row_errors(list);
            json_decref(list);
            fail("%s: nothing imported", path);
            PQclear(r);
            goto done;
        }
        const char *col = PQresultErrorField(r, PG_DIAG_COLUMN_NAME);
        fail("%s: nothing imported: %s%s%s%s%.*s", path, row ? row : "", row ? ": " : "",
             col && *col ? col : "", col && *col ? ": " : "", (int)strcspn(m, "\n"), m);
        PQclear(r);
        goto done;
    }
    json_t *res = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
    PQclear(r);
    long long made = json_integer_value(json_object_get(res, "created"));
    long long updated = json_integer_value(json_object_get(res, "updated"));
    json_decref(res);
    char detail[96];
    snprintf(detail, sizeof detail, "council=%s created=%lld updated=%lld", slug, made, updated);
    audit(c, "admin_import", NULL, NULL, detail);
    fprintf(out, "imported %lld person(s) into %s (%lld new, %lld updated)\n", made + updated, slug,
            made, updated);
    rc = 0;
done:
    g_free(cid);
    free(known);
    json_decref(rows);
    json_decref(errors);
    return rc;
}

/* --- sign-in codes ------------------------------------------------------------- */

/* The operator's codes (trusted with everything, see docs/security.md): no
 * standing rule, but, as on the admin page, a new code ends the person's
 * older unused ones and is in access_audit, which the person and the
 * minutes see. */
static int cmd_codes(PGconn *c, struct args *a, FILE *out)
{
    const char *slug;
    if (need(a, "--council", &slug))
        return 1;
    const char *ttl = opt(a, "--ttl-minutes") ? opt(a, "--ttl-minutes") : "120";
    char *end;
    long minutes = strtol(ttl, &end, 10);
    if (*end || minutes < 1 || minutes > 7 * 24 * 60)
        return fail("--ttl-minutes must be from 1 to 10080");
    char *cid = council_id(c, slug);
    if (!cid)
        return 1;
    const char *logins = opt(a, "--login");
    char *list = logins ? g_strdup_printf("{%s}", logins) : NULL;
    const char *p[2] = {cid, list};
    PGresult *r = run(c,
                      "SELECT p.id, coalesce(m.seat_no::text, '-'), p.login, p.display_name "
                      "FROM membership m JOIN person p ON p.id = m.person_id "
                      "WHERE m.council_id = $1 AND NOT p.disabled "
                      "AND ($2::text[] IS NULL OR p.login = ANY ($2::text[])) "
                      "ORDER BY m.seat_no NULLS LAST, p.login",
                      2, p, "listing the council's people");
    g_free(list);
    int rc = 1;
    if (!r)
        goto done;
    if (PQntuples(r) == 0) {
        fail("no matching person in council \"%s\"", slug);
        goto done;
    }
    if (exec_ok(c, "BEGIN", 0, NULL, "creating sign-in codes") != 0)
        goto done;
    GString *text = g_string_new(NULL);
    GDateTime *exp = g_date_time_add_minutes(g_date_time_new_now_local(), (gint)minutes);
    char *exps = g_date_time_format(exp, "%Y-%m-%d %H:%M");
    g_date_time_unref(exp);
    g_string_append_printf(text, "%-5s %-14s %-32s %-12s %s\n", "seat", "login", "name", "code",
                           "valid until");
    for (int i = 0; i < PQntuples(r); i++) {
        char code[PL_CODE_PRINTED + 1], canon[PL_CODE_SYMBOLS + 1];
        unsigned char h[32];
        unsigned int hl = 0;
        char hex[2 + 64 + 1] = "\\x", mins[16];
        if (pl_signin_code_new(code) != 0 || pl_signin_code_normalize(code, canon) != 0)
            break;
        EVP_Digest(canon, strlen(canon), h, &hl, EVP_sha256(), NULL);
        pl_hex(h, 32, hex + 2);
        snprintf(mins, sizeof mins, "%ld", minutes);
        const char *q[3] = {hex, PQgetvalue(r, i, 0), mins};
        if (exec_ok(c,
                    "WITH old AS (UPDATE signin_code SET expires_at = now() WHERE person_id = "
                    "$2::bigint AND used_at IS NULL AND expires_at > now()), seen AS (INSERT "
                    "INTO access_audit (kind, person_id, by_label) VALUES ('code_issued', "
                    "$2::bigint, 'admin-cli')) INSERT INTO signin_code (code_sha256, person_id, "
                    "created_by, expires_at) VALUES ($1, $2::bigint, 'admin-cli', now() + "
                    "make_interval(mins => $3::int))",
                    3, q, "creating a sign-in code") != 0) {
            g_string_free(text, TRUE);
            g_free(exps);
            goto done;
        }
        g_string_append_printf(text, "%-5s %-14s %-32s %-12s %s\n", PQgetvalue(r, i, 1),
                               PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), code, exps);
    }
    if (exec_ok(c, "COMMIT", 0, NULL, "creating sign-in codes") == 0) {
        fputs(text->str, out);
        char detail[64];
        snprintf(detail, sizeof detail, "council=%s count=%d", slug, PQntuples(r));
        audit(c, "admin_codes", NULL, NULL, detail);
        rc = 0;
    }
    OPENSSL_cleanse(text->str, text->len);
    g_string_free(text, TRUE);
    g_free(exps);
done:
    PQclear(r);
    g_free(cid);
    return rc;
}

/* --- vote audit ---------------------------------------------------------------- */

/* Exit code of a failed audit, distinct from usage and connection errors. */
#define AUDIT_FAILED 4

static int cmd_audit_vote(PGconn *c, struct args *a, FILE *out)
{
    const char *sid, *vid;
    if (need(a, "--session", &sid) || need(a, "--vote", &vid))
        return 1;
    const char *p[2] = {sid, vid};
    PGresult *r = run(c,
                      "SELECT v.kind, v.state, coalesce(v.ballot_digest, ''), "
                      "coalesce(v.result::text, 'null'), "
                      "coalesce((SELECT data->'result'->>'ballot_digest' FROM session_event e "
                      " WHERE e.session_id = v.session_id AND e.name = 'vote.published' "
                      " AND (e.data->>'vote_id')::bigint = v.id), ''), "
                      "(SELECT count(*) FROM vote_participation x WHERE x.session_id = $1 "
                      " AND x.vote_id = $2), "
                      "(SELECT count(*) FROM ballot_receipt x WHERE x.session_id = $1 "
                      " AND x.vote_id = $2), "
                      "(SELECT count(*) FROM vote_record x WHERE x.session_id = $1 "
                      " AND x.vote_id = $2) "
                      "FROM vote v WHERE v.session_id = $1 AND v.id = $2",
                      2, p, "reading the vote");
    if (!r)
        return 1;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return fail("no vote %s in session %s", vid, sid);
    }
    char kind[16], state[16], stored_digest[65], published_digest[65];
    g_strlcpy(kind, PQgetvalue(r, 0, 0), sizeof kind);
    g_strlcpy(state, PQgetvalue(r, 0, 1), sizeof state);
    g_strlcpy(stored_digest, PQgetvalue(r, 0, 2), sizeof stored_digest);
    g_strlcpy(published_digest, PQgetvalue(r, 0, 4), sizeof published_digest);
    json_t *result = json_loads(PQgetvalue(r, 0, 3), JSON_DECODE_ANY, NULL);
    long participants = atol(PQgetvalue(r, 0, 5)), receipts = atol(PQgetvalue(r, 0, 6));
    long records = atol(PQgetvalue(r, 0, 7));
    PQclear(r);
    int rc = 0;
    bool secret = strcmp(kind, "secret") == 0 || strcmp(kind, "election") == 0 ||
                  strcmp(kind, "confidence") == 0;
    long cast = json_integer_value(json_object_get(result, "cast"));
    if (strcmp(state, "counted") != 0 && strcmp(state, "published") != 0) {
        fprintf(out, "vote %s is %s: nothing to audit yet\n", vid, state);
        json_decref(result);
        return 0;
    }
    if (!secret) {
        if (records != cast) {
            fprintf(out, "vote %s: TAMPERED: %ld recorded choices, %ld counted\n", vid, records,
                    cast);
            rc = AUDIT_FAILED;
        } else {
            fprintf(out, "vote %s (%s): %ld choices recorded and counted: ok\n", vid, kind, cast);
        }
        json_decref(result);
        return rc;
    }
    r = run(c, pl_vote_stored_sql_for_audit(), 2, p, "reading the ballots");
    if (!r) {
        json_decref(result);
        return 1;
    }
    json_t *stored = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
    PQclear(r);
    char digest[65];
    const json_t *ballots = json_object_get(stored, "ballots");
    pl_ballot_digest(ballots, digest);
    long nballots = (long)json_array_size(ballots);
    const char *problem = NULL;
    if (strcmp(digest, stored_digest) != 0)
        problem = "the ballots do not match the digest recorded when the vote was counted";
    else if (*published_digest && strcmp(digest, published_digest) != 0)
        problem = "the ballots do not match the digest published in the event log";
    else if (nballots != cast)
        problem = "the number of ballots differs from the number counted";
    else if (nballots != participants)
        problem = "the number of ballots differs from the number of voters";
    else if (receipts != participants)
        problem = "the number of receipts differs from the number of voters";
    else if (!json_equal(json_object_get(stored, "receipts"), json_object_get(result, "receipts")))
        problem = "the receipts differ from those published";
    if (problem) {
        fprintf(out, "vote %s: TAMPERED: %s\n", vid, problem);
        rc = AUDIT_FAILED;
    } else {
        fprintf(out, "vote %s (%s): %ld ballots, %ld voters, %ld receipts, digest %s: ok\n", vid,
                kind, nballots, participants, receipts, digest);
    }
    json_decref(stored);
    json_decref(result);
    return rc;
}

int pl_admin_main(struct pl_config *cfg, FILE *in, FILE *out)
{
    if (cfg->admin_argc < 1 || strcmp(cfg->admin_argv[0], "help") == 0) {
        fputs(usage_text, out);
        return cfg->admin_argc < 1 ? 2 : 0;
    }
    const char *cmd = cfg->admin_argv[0];
    struct args a;
    int rc = 1;
    PGconn *c = NULL;
    if (parse_args(cfg->admin_argc - 1, cfg->admin_argv + 1, &a) != 0) {
        rc = 2;
        goto done;
    }
    const char *url = opt(&a, "--database-url") ? opt(&a, "--database-url") : cfg->database_url;
    static const char *const known[] = {"council-add", "person-add", "set-password",
                                        "disable",     "enable",     "role",
                                        "import",      "codes",      "audit-vote"};
    size_t k = 0;
    while (k < G_N_ELEMENTS(known) && strcmp(known[k], cmd) != 0)
        k++;
    if (k == G_N_ELEMENTS(known)) {
        rc = fail("unknown admin command \"%s\" (see plenumd admin help)", cmd);
        goto done;
    }
    if (!url) {
        rc = fail("no database configured: set DATABASE_URL or pass --database-url");
        goto done;
    }
    const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *vals[] = {url, "5", "plenumd-admin", NULL};
    c = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(c) != CONNECTION_OK) {
        const char *m = PQerrorMessage(c);
        rc = fail("could not connect to the database: %.*s", (int)strcspn(m, "\n"), m);
        goto done;
    }
    char err[512];
    struct pl_migrate_result mr;
    if (pl_migrate_run(c, pl_migrations, pl_migrations_count, pl_sql_functions,
                       pl_sql_functions_count, &mr, err, sizeof err) != PL_MIGRATE_OK) {
        rc = fail("%s", err);
        goto done;
    }
    if (strcmp(cmd, "council-add") == 0)
        rc = cmd_council_add(c, &a, out);
    else if (strcmp(cmd, "person-add") == 0)
        rc = cmd_person_add(c, &a, out);
    else if (strcmp(cmd, "set-password") == 0)
        rc = cmd_set_password(c, &a, in, out);
    else if (strcmp(cmd, "disable") == 0)
        rc = cmd_disable(c, &a, out, 1);
    else if (strcmp(cmd, "enable") == 0)
        rc = cmd_disable(c, &a, out, 0);
    else if (strcmp(cmd, "role") == 0)
        rc = cmd_role(c, &a, out);
    else if (strcmp(cmd, "import") == 0)
        rc = cmd_import(c, &a, out);
    else if (strcmp(cmd, "codes") == 0)
        rc = cmd_codes(c, &a, out);
    else if (strcmp(cmd, "audit-vote") == 0)
        rc = cmd_audit_vote(c, &a, out);
done:
    PQfinish(c);
    g_hash_table_destroy(a.opts);
    g_ptr_array_free(a.positional, TRUE);
    return rc;
}

/*
 * The council's records over HTTP: session documents (upload, list, read,
 * who read them), the minutes (JSON, printable HTML, CSV; notes; finalise),
 * voters' petitions (a citizen's form, staff entry, the workflow), search,
 * the standing board's dashboard and the public archive.
 *
 * Each handler here is named by the route table (net_routes.c), which has
 * checked the method, the sign-in the route needs, the Origin of a write and
 * the body's size and type before calling it. The handler checks the shape
 * of what it was sent (records_input.c, doc_type.c) and hands the rest to
 * one SQL function of schema/009_records.sql, which decides who may do what
 * in the same statement as the write and raises a refusal (answered by
 * pl_api_refused).
 *
 * About 900 lines, one handler per route of the records API in the order of
 * the route table; they share only the reply helpers (net_reply.c) and are
 * read one at a time, so the file is not split by size alone.
 *
 * An upload streams to a temporary file under <data>/documents/tmp while
 * its SHA-256 is computed; when the body is complete the content's type is
 * read from the file, the file is synced and renamed to
 * <data>/documents/<2 hex>/<sha256>, and only then is the row committed: a
 * document the database lists always has its bytes on disk. A refusal after
 * the rename removes the file again if this upload created it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "auth.h"
#include "auth_token.h"
#include "doc_type.h"
#include "log.h"
#include "minutes_render.h"
#include "net_http.h"
#include "rate_limit.h"
#include "records_input.h"
#include "seclog.h"
#include "server.h"

#define REC_DB_TIMEOUT_MS 10000

/* The page a minutes export is: no script, its own inline style. */
#define MINUTES_CSP "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"

/* --- the requester --------------------------------------------------------------- */

/* $1 and $2 of every records function: the person (NULL when nobody is
 * signed in) and whether they administer. */
struct who {
    char id[24];
    bool signed_in;
    const char *admin;
};

/* Who is asking (pl_route_who: looked up once per request; a route whose
 * rights need a sign-in has been refused without one before this). */
static void who_of(struct lws *wsi, struct pl_http_req *hr, struct who *w)
{
    const struct pl_identity *me = pl_route_who(wsi, hr);
    w->signed_in = me != NULL;
    snprintf(w->id, sizeof w->id, "%lld", (long long)(me ? me->person_id : 0));
    w->admin = me && me->is_admin ? "t" : "f";
}

static const char *who_id(const struct who *w)
{
    return w->signed_in ? w->id : NULL;
}

/* --- query arguments ---------------------------------------------------------- */

/* The value of ?name=... (decoded by lws), or NULL. */
static const char *arg(struct lws *wsi, const char *name, char *buf, int len)
{
    char key[32];
    snprintf(key, sizeof key, "%s=", name);
    return lws_get_urlarg_by_name(wsi, key, buf, len);
}

/* A positive id from ?name=, as decimal text in out; 0 if absent or bad. */
static int arg_id(struct lws *wsi, const char *name, char out[24])
{
    char buf[64];
    const char *v = arg(wsi, name, buf, sizeof buf);
    if (!v || !*v || strlen(v) > 18 || strspn(v, "0123456789") != strlen(v) ||
        g_ascii_strtoll(v, NULL, 10) <= 0)
        return 0;
    g_strlcpy(out, v, 24);
    return 1;
}

/* --- answering ------------------------------------------------------------------- */

/* The start of every store callback here: the request no longer waits; a
 * failed statement is answered with its refusal and NULL returned. */
static struct pl_http_req *settled(struct lws *wsi, const PGresult *res, enum pl_err err)
{
    struct pl_http_req *hr = lws_wsi_user(wsi);
    hr->db_request = 0;
    if (err == PL_OK)
        return hr;
    pl_api_refused(wsi, hr, res, err, false);
    return NULL;
}

/* Store callback for a records function returning jsonb: 200 with it, or the
 * refusal. */
static void json_done(void *user, const PGresult *res, enum pl_err err)
{
    struct lws *wsi = user;
    struct pl_http_req *hr = settled(wsi, res, err);
    if (!hr)
        return;
    const char *text = PQgetvalue(res, 0, 0);
    int status = hr->api && json_is_true(json_object_get(hr->api, "created")) ? 201 : 200;
    const char *counted = json_string_value(json_object_get(hr->api, "throttle"));
    if (counted) /* a citizen's petition, accepted: it counts against the address */
        pl_throttle_fail(pl_server_from_wsi(wsi)->throttle_petitions, counted,
                         g_get_monotonic_time());
    if (hr->api && json_is_string(json_object_get(hr->api, "event"))) {
        /* Which record changed, by its ids only: the answer may hold a
         * citizen's name and phone, which the security log must not. */
        json_t *doc = json_loads(text, 0, NULL);
        char address[64], detail[96];
        snprintf(detail, sizeof detail, "id=%lld session_id=%lld",
                 (long long)json_integer_value(json_object_get(doc, "id")),
                 (long long)json_integer_value(json_object_get(doc, "session_id")));
        json_decref(doc);
        pl_http_peer(wsi, address, sizeof address);
        pl_seclog(pl_server_from_wsi(wsi)->store,
                  json_string_value(json_object_get(hr->api, "event")),
                  json_integer_value(json_object_get(hr->api, "by")), NULL, address, detail);
    }
    pl_http_respond_json(wsi, hr, status, text);
}

/* Runs "SELECT <fn>(...)::text" for the request, answered by cb (json_done
 * or one that ends with it); event: a write to put in the security log
 * (NULL for a read); created: answer 201. */
static int run_cb(struct lws *wsi, struct pl_http_req *hr, const char *sql, int n,
                  const char *const *params, const char *event, const struct who *w, bool created,
                  pl_store_cb cb)
{
    json_decref(hr->api);
    hr->api = json_pack("{s:s?, s:I, s:b}", "event", event, "by",
                        (json_int_t)(w && w->signed_in ? g_ascii_strtoll(w->id, NULL, 10) : 0),
                        "created", created);
    hr->phase = PH_WAIT;
    hr->db_request =
        pl_store_query(pl_server_from_wsi(wsi)->store, sql, n, params, REC_DB_TIMEOUT_MS, cb, wsi);
    return 0;
}

static int run(struct lws *wsi, struct pl_http_req *hr, const char *sql, int n,
               const char *const *params, const char *event, const struct who *w, bool created)
{
    return run_cb(wsi, hr, sql, n, params, event, w, created, json_done);
}

/* 400 listing every field at fault (problems: taken). */
static int refuse_fields(struct lws *wsi, struct pl_http_req *hr, json_t *problems)
{
    json_t *first = json_array_get(problems, 0);
    const char *code = json_string_value(json_object_get(first, "error"));
    enum pl_err err = PL_ERR_BAD_FIELD;
    for (int k = 0; k < PL_ERR__COUNT; k++)
        if (code && strcmp(pl_err_code((enum pl_err)k), code) == 0)
            err = (enum pl_err)k;
    json_t *extra = json_pack("{s:O}", "fields", problems);
    pl_http_respond_refusal(wsi, hr, 400, err, json_string_value(json_object_get(first, "field")),
                            NULL, extra);
    json_decref(extra);
    json_decref(problems);
    return 0;
}

/* --- documents: upload ---------------------------------------------------------- */

static const char *const upload_fields[] = {"session_id", "agenda_item_id", "title",
                                            "kind",       "visibility",     "replaces"};

struct pl_upload {
    struct lws_spa *spa;
    struct who who;
    int fd;          /* the temporary file, -1 when none */
    char *tmp_path;  /* owned */
    char *file_name; /* as the client named it; owned */
    EVP_MD_CTX *md;
    uint64_t bytes, max;
    bool too_large, got_file, extra_file, io_error, bad_form;
    char sha256[65];
    char *final_path; /* owned */
    bool created;     /* this upload put final_path there */
};

void pl_upload_free(struct pl_upload *up)
{
    if (!up)
        return;
    if (up->spa)
        lws_spa_destroy(up->spa);
    if (up->fd >= 0)
        close(up->fd);
    if (up->tmp_path)
        g_unlink(up->tmp_path);
    g_free(up->tmp_path);
    g_free(up->file_name);
    g_free(up->final_path);
    EVP_MD_CTX_free(up->md);
    g_free(up);
}

static char *documents_dir(struct lws *wsi, const char *sub)
{
    return g_build_filename(pl_server_from_wsi(wsi)->cfg->data_dir, "documents", sub, NULL);
}

/* lws_spa's file callback: the part named "file" streams to the temporary
 * file; its hash and size are kept as it comes. */
static int upload_part(void *data, const char *name, const char *filename, char *buf, int len,
                       enum lws_spa_fileupload_states state)
{
    struct lws *wsi = data;
    struct pl_http_req *hr = lws_wsi_user(wsi);
    struct pl_upload *up = hr->upload;
    if (!up || strcmp(name, "file") != 0)
        return 0; /* other file fields are ignored */
    if (state == LWS_UFS_OPEN) {
        if (up->got_file) {
            up->extra_file = true;
            return 0;
        }
        up->got_file = true;
        up->file_name = g_strdup(filename ? filename : "");
        char *dir = documents_dir(wsi, "tmp");
        if (g_mkdir_with_parents(dir, 0700) != 0) {
            up->io_error = true;
            g_free(dir);
            return 0;
        }
        up->tmp_path = g_build_filename(dir, "upload-XXXXXX", NULL);
        g_free(dir);
        up->fd = g_mkstemp_full(up->tmp_path, O_RDWR | O_CLOEXEC, 0600);
        if (up->fd < 0)
            up->io_error = true;
        return 0;
    }
    if (up->extra_file || up->fd < 0 || up->too_large || up->io_error)
        return 0;
    if (len > 0) {
        if (up->bytes + (uint64_t)len > up->max) {
            /* Keep reading (the client is still sending) but store nothing. */
            up->too_large = true;
            close(up->fd);
            up->fd = -1;
            g_unlink(up->tmp_path);
            return 0;
        }
        EVP_DigestUpdate(up->md, buf, (size_t)len);
        for (int off = 0; off < len;) {
            ssize_t w = write(up->fd, buf + off, (size_t)(len - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                up->io_error = true;
                return 0;
            }
            off += (int)w;
        }
        up->bytes += (uint64_t)len;
    }
    return 0;
}

static bool multipart(struct lws *wsi)
{
    char ctype[128];
    return lws_hdr_copy(wsi, ctype, sizeof ctype, WSI_TOKEN_HTTP_CONTENT_TYPE) > 0 &&
           g_ascii_strncasecmp(ctype, "multipart/form-data", 19) == 0;
}

/* POST /api/documents (multipart/form-data): a document for a session.
 * The table (PL_ROUTE_UNREAD, PL_RIGHTS_STAFF) has refused, at the headers
 * and with the body unread, anyone not signed in, a page from elsewhere and
 * anyone not staff: nobody but staff makes plenumd read (or write to disk)
 * up to --max-upload-mb. Which council the staff member keeps is in the
 * form; rec_doc_add decides that at the end. */
int pl_records_upload_begin(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    (void)path;
    struct who w;
    who_of(wsi, hr, &w);
    if (!multipart(wsi))
        return pl_http_refuse_now(wsi, hr, 415, PL_ERR_MEDIA_TYPE, NULL);
    struct pl_upload *up = g_new0(struct pl_upload, 1);
    up->fd = -1;
    up->who = w;
    up->max = (uint64_t)pl_server_from_wsi(wsi)->cfg->max_upload_mb * 1024 * 1024;
    up->md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(up->md, EVP_sha256(), NULL);
    /* A body announced larger than the limit plus the form's own bytes is
     * read without being stored. */
    char cl[32];
    uint64_t announced = lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0
                             ? g_ascii_strtoull(cl, NULL, 10)
                             : up->max;
    if (announced > up->max + 64 * 1024)
        up->too_large = true;
    /* Staff on a slow line: the deadline grows by a second per 64 KiB
     * announced (50 MiB: 800 s more), within what may be stored. */
    pl_http_body_deadline(wsi, hr,
                          (unsigned)pl_server_from_wsi(wsi)->cfg->http_body_timeout_s +
                              (unsigned)(MIN(announced, up->max + 64 * 1024) / (64 * 1024)));
    lws_spa_create_info_t info = {0};
    info.param_names = upload_fields;
    info.count_params = (int)G_N_ELEMENTS(upload_fields);
    info.max_storage = 2048;
    info.opt_cb = upload_part;
    info.opt_data = wsi;
    hr->upload = up;
    up->spa = lws_spa_create_via_info(wsi, &info);
    hr->phase = PH_WAIT;
    if (!up->spa)
        return pl_http_respond_error(wsi, hr, 500, PL_ERR_INTERNAL, NULL, 0);
    return 0;
}

int pl_records_upload_body(struct lws *wsi, struct pl_http_req *hr, const void *in, size_t len)
{
    (void)wsi;
    struct pl_upload *up = hr->upload;
    if (up->spa && hr->phase == PH_WAIT && !up->bad_form &&
        lws_spa_process(up->spa, in, (int)len) < 0)
        up->bad_form = true; /* not a form lws can read: said at the end */
    return 0;
}

static void upload_stored(void *user, const PGresult *res, enum pl_err err)
{
    struct lws *wsi = user;
    struct pl_upload *up = ((struct pl_http_req *)lws_wsi_user(wsi))->upload;
    /* Refused, nothing stored: the file goes too, if this upload brought it. */
    if (err != PL_OK && up && up->created && up->final_path)
        g_unlink(up->final_path);
    json_done(user, res, err);
}

/* Reads the start and the end of the file, for the type. */
static enum pl_doc_type sniff_file(int fd, uint64_t size)
{
    unsigned char *head = g_malloc(PL_DOC_HEAD_BYTES), *tail = g_malloc(PL_DOC_TAIL_BYTES);
    size_t hn = size < PL_DOC_HEAD_BYTES ? (size_t)size : PL_DOC_HEAD_BYTES;
    size_t tn = size < PL_DOC_TAIL_BYTES ? (size_t)size : PL_DOC_TAIL_BYTES;
    enum pl_doc_type t = PL_DOC_UNKNOWN;
    if (pread(fd, head, hn, 0) == (ssize_t)hn &&
        pread(fd, tail, tn, (off_t)(size - tn)) == (ssize_t)tn)
        t = pl_doc_sniff(head, hn, tail, tn, size);
    g_free(head);
    g_free(tail);
    return t;
}

/* Moves the checked file to its place by hash, synced. 0 on success. */
static int keep_file(struct lws *wsi, struct pl_upload *up)
{
    char sub[3] = {up->sha256[0], up->sha256[1], 0};
    char *dir = documents_dir(wsi, sub);
    up->final_path = g_build_filename(dir, up->sha256, NULL);
    int rc = -1;
    if (fsync(up->fd) == 0 && g_mkdir_with_parents(dir, 0700) == 0) {
        if (g_file_test(up->final_path, G_FILE_TEST_IS_REGULAR)) {
            rc = 0; /* the same bytes are there already (another version) */
        } else if (g_rename(up->tmp_path, up->final_path) == 0) {
            g_free(up->tmp_path);
            up->tmp_path = NULL;
            up->created = true;
            int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd >= 0) {
                fsync(dfd);
                close(dfd);
            }
            rc = 0;
        }
    }
    g_free(dir);
    return rc;
}

int pl_records_upload_done(struct lws *wsi, struct pl_http_req *hr)
{
    struct pl_upload *up = hr->upload;
    if (up->spa)
        lws_spa_finalize(up->spa);
    if (up->too_large)
        return pl_http_respond_error(wsi, hr, 413, PL_ERR_FILE_TOO_LARGE, "file", 0);
    if (up->io_error) {
        pl_log_error("document upload: cannot write under %s: %s",
                     pl_server_from_wsi(wsi)->cfg->data_dir, g_strerror(errno));
        return pl_http_respond_error(wsi, hr, 500, PL_ERR_INTERNAL, NULL, 0);
    }
    /* The form's fields, as strings, for the same checks as JSON. */
    json_t *doc = json_object();
    for (int i = 0; i < (int)G_N_ELEMENTS(upload_fields); i++) {
        const char *v = lws_spa_get_string(up->spa, i);
        if (v && *v)
            json_object_set_new(doc, upload_fields[i], json_string(v));
    }
    json_t *problems = up->bad_form
                           ? json_pack("[{s:s, s:s}]", "field", "file", "error", "bad_field")
                           : pl_rec_check(PL_REC_DOCUMENT, doc);
    if (!problems && (!up->got_file || up->extra_file))
        problems = json_pack("[{s:s, s:s}]", "field", "file", "error",
                             up->got_file ? "bad_field" : "missing_field");
    if (!problems && up->bytes == 0)
        problems = json_pack("[{s:s, s:s}]", "field", "file", "error", "bad_field");
    if (!problems && (g_utf8_strlen(up->file_name, -1) > 255 || !*up->file_name ||
                      !g_utf8_validate(up->file_name, -1, NULL)))
        problems = json_pack("[{s:s, s:s}]", "field", "file", "error", "bad_field");
    if (problems) {
        json_decref(doc);
        return refuse_fields(wsi, hr, problems);
    }
    enum pl_doc_type found = sniff_file(up->fd, up->bytes);
    enum pl_doc_type claimed = pl_doc_claimed(up->file_name);
    if (found == PL_DOC_UNKNOWN || !pl_doc_agrees(claimed, found)) {
        json_decref(doc);
        json_t *extra = json_pack(
            "{s:s}", "detected",
            found == PL_DOC_UNKNOWN ? "unknown" : pl_doc_media_type(found, up->file_name));
        pl_http_respond_refusal(wsi, hr, 415, PL_ERR_FILE_TYPE, "file",
                                claimed == PL_DOC_UNKNOWN ? "unsupported" : "mismatch", extra);
        json_decref(extra);
        return 0;
    }
    unsigned char h[32];
    unsigned int hl = 0;
    EVP_DigestFinal_ex(up->md, h, &hl);
    pl_hex(h, 32, up->sha256);
    if (keep_file(wsi, up) != 0) {
        json_decref(doc);
        pl_log_error("document upload: cannot keep %s: %s", up->sha256, g_strerror(errno));
        return pl_http_respond_error(wsi, hr, 500, PL_ERR_INTERNAL, NULL, 0);
    }
    /* Basename only: a browser may send a path. */
    const char *base = strrchr(up->file_name, '/');
    base = base ? base + 1 : up->file_name;
    const char *bs = strrchr(base, '\\');
    base = bs ? bs + 1 : base;
    json_object_set_new(doc, "file_name", json_string(base));
    json_object_set_new(doc, "media_type", json_string(pl_doc_media_type(found, base)));
    json_object_set_new(doc, "bytes", json_integer((json_int_t)up->bytes));
    json_object_set_new(doc, "sha256", json_string(up->sha256));
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    const char *params[3] = {who_id(&up->who), up->who.admin, text};
    run_cb(wsi, hr, "SELECT rec_doc_add($1, $2, $3::jsonb)::text", 3, params, "document_uploaded",
           &up->who, true, upload_stored);
    free(text);
    return 0;
}

/* --- documents: reading ------------------------------------------------------------ */

static void file_opened(void *user, const PGresult *res, enum pl_err err)
{
    struct lws *wsi = user;
    struct pl_http_req *hr = settled(wsi, res, err);
    if (!hr)
        return;
    json_t *d = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    const char *sha = json_string_value(json_object_get(d, "sha256"));
    const char *name = json_string_value(json_object_get(d, "file_name"));
    const char *mime = json_string_value(json_object_get(d, "media_type"));
    if (!sha || strlen(sha) != 64 || !name || !mime) {
        json_decref(d);
        pl_http_respond_error(wsi, hr, 500, PL_ERR_INTERNAL, NULL, 0);
        return;
    }
    char sub[3] = {sha[0], sha[1], 0};
    char *dir = documents_dir(wsi, sub);
    char *path = g_build_filename(dir, sha, NULL);
    g_free(dir);
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        pl_log_error("document %s: its file %s is missing", PQgetvalue(res, 0, 0), path);
        pl_http_respond_error(wsi, hr, 500, PL_ERR_INTERNAL, NULL, 0);
    } else {
        /* RFC 6266/5987: the name as UTF-8, percent-encoded. */
        char *enc = g_uri_escape_string(name, NULL, FALSE);
        char *extra = g_strdup_printf("Content-Disposition: inline; filename*=UTF-8''%s\x0d\x0a"
                                      "ETag: \"%s\"\x0d\x0aX-Content-SHA256: %s\x0d\x0a"
                                      "Cache-Control: private, no-cache\x0d\x0a",
                                      enc, sha, sha);
        g_free(enc);
        pl_http_serve_file_as(wsi, hr, path, mime, extra);
        g_free(extra);
    }
    g_free(path);
    json_decref(d);
}

int pl_records_file(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    (void)path;
    struct who w;
    char id[24];
    who_of(wsi, hr, &w);
    if (!arg_id(wsi, "id", id))
        return pl_http_respond_error(wsi, hr, 400, PL_ERR_BAD_FIELD, "id", 0);
    const char *params[3] = {who_id(&w), w.admin, id};
    hr->phase = PH_WAIT;
    hr->db_request = pl_store_query(pl_server_from_wsi(wsi)->store,
                                    "SELECT rec_doc_open($1, $2, $3::bigint)::text", 3, params,
                                    REC_DB_TIMEOUT_MS, file_opened, wsi);
    return 0;
}

/* A read of one record function taking the requester ($1 NULL for nobody
 * signed in) and one id from the query (name). */
static int read_by_id(struct lws *wsi, struct pl_http_req *hr, const char *name, const char *sql)
{
    struct who w;
    char id[24];
    who_of(wsi, hr, &w);
    if (!arg_id(wsi, name, id))
        return pl_http_respond_error(wsi, hr, 400, PL_ERR_BAD_FIELD, name, 0);
    const char *params[3] = {who_id(&w), w.admin, id};
    return run(wsi, hr, sql, 3, params, NULL, &w, false);
}

int pl_records_documents(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    (void)path;
    return read_by_id(wsi, hr, "session_id", "SELECT rec_doc_list($1, $2, $3::bigint)::text");
}

int pl_records_opens(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    (void)path;
    return read_by_id(wsi, hr, "id", "SELECT rec_doc_opens($1, $2, $3::bigint)::text");
}

/* --- minutes ------------------------------------------------------------------------ */

enum minutes_format { MF_JSON, MF_HTML, MF_CSV };

static void minutes_got(void *user, const PGresult *res, enum pl_err err)
{
    struct lws *wsi = user;
    struct pl_http_req *hr = settled(wsi, res, err);
    if (!hr)
        return;
    const char *text = PQgetvalue(res, 0, 0);
    const char *sha = PQgetisnull(res, 0, 1) ? NULL : PQgetvalue(res, 0, 1);
    enum minutes_format f = (enum minutes_format)json_integer_value(json_object_get(hr->api, "f"));
    json_int_t sid = json_integer_value(json_object_get(hr->api, "session"));
    if (sha)
        g_strlcpy(hr->content_sha256, sha, sizeof hr->content_sha256);
    if (f == MF_JSON) {
        pl_http_respond_json(wsi, hr, 200, text);
        return;
    }
    json_t *rec = json_loads(text, 0, NULL);
    char *out = f == MF_HTML ? pl_minutes_html(rec, sha) : pl_minutes_csv(rec);
    json_decref(rec);
    hr->disposition = g_strdup_printf("%s; filename=\"bien-ban-ky-hop-%lld%s.%s\"",
                                      f == MF_HTML ? "inline" : "attachment", (long long)sid,
                                      sha ? "" : "-du-thao", f == MF_HTML ? "html" : "csv");
    if (f == MF_HTML)
        hr->csp = MINUTES_CSP;
    pl_http_respond(wsi, hr, 200,
                    f == MF_HTML ? "text/html; charset=utf-8" : "text/csv; charset=utf-8", out,
                    strlen(out));
    g_free(out);
}

int pl_records_minutes(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    (void)path;
    struct who w;
    char id[24], buf[16];
    who_of(wsi, hr, &w);
    if (!arg_id(wsi, "session_id", id))
        return pl_http_respond_error(wsi, hr, 400, PL_ERR_BAD_FIELD, "session_id", 0);
    const char *format = arg(wsi, "format", buf, sizeof buf);
    enum minutes_format f = MF_JSON;
    if (format && strcmp(format, "html") == 0)
        f = MF_HTML;
    else if (format && strcmp(format, "csv") == 0)
        f = MF_CSV;
    else if (format && strcmp(format, "json") != 0)
        return pl_http_respond_error(wsi, hr, 400, PL_ERR_BAD_FIELD, "format", 0);
    hr->api =
        json_pack("{s:i, s:I}", "f", (int)f, "session", (json_int_t)g_ascii_strtoll(id, NULL, 10));
    const char *params[3] = {who_id(&w), w.admin, id};
    hr->phase = PH_WAIT;
    hr->db_request = pl_store_query(pl_server_from_wsi(wsi)->store,
                                    "SELECT body, hash FROM rec_minutes_get($1, $2, $3::bigint)", 3,
                                    params, REC_DB_TIMEOUT_MS, minutes_got, wsi);
    return 0;
}

/* --- search, dashboard, archive ---------------------------------------------------- */

int pl_records_search(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    (void)path;
    struct who w;
    char slug[80], q[1024];
    who_of(wsi, hr, &w);
    const char *council = arg(wsi, "council", slug, sizeof slug);
    const char *text = arg(wsi, "q", q, sizeof q);
    if (!council || !*council)
        return pl_http_respond_error(wsi, hr, 400, PL_ERR_MISSING_FIELD, "council", 0);
    glong n = text && g_utf8_validate(text, -1, NULL) ? g_utf8_strlen(text, -1) : -1;
    if (n < 1 || n > 200)
        return pl_http_respond_error(
            wsi, hr, 400, n == 0 || !text ? PL_ERR_MISSING_FIELD : PL_ERR_BAD_FIELD, "q", 0);
    const char *params[4] = {who_id(&w), w.admin, council, text};
    return run(wsi, hr, "SELECT rec_search($1, $2, $3, $4)::text", 4, params, NULL, &w, false);
}

int pl_records_dashboard(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    (void)path;
    return read_by_id(wsi, hr, "council_id", "SELECT rec_dashboard($1, $2, $3::bigint)::text");
}

/* The archive as CSV (format=csv): its published votes or its petitions
 * with published answers (table=votes|petitions), rendered from the same
 * JSON the page reads, so the two never disagree. */
static void archive_csv_got(void *user, const PGresult *res, enum pl_err err)
{
    struct lws *wsi = user;
    struct pl_http_req *hr = settled(wsi, res, err);
    if (!hr)
        return;
    bool petitions = json_is_true(json_object_get(hr->api, "petitions"));
    json_t *archive = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    char *out = pl_archive_csv(archive, petitions);
    const char *slug =
        json_string_value(json_object_get(json_object_get(archive, "council"), "slug"));
    /* Only a plain slug goes inside the quoted file name. */
    if (slug && strspn(slug, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(slug))
        slug = NULL;
    hr->disposition = g_strdup_printf("attachment; filename=\"luu-tru-%s-%s.csv\"",
                                      slug ? slug : "hdnd", petitions ? "kien-nghi" : "bieu-quyet");
    json_decref(archive);
    pl_http_respond(wsi, hr, 200, "text/csv; charset=utf-8", out, strlen(out));
    g_free(out);
}

int pl_records_archive(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    (void)path;
    /* Each buffer holds any one argument: lws stops at one that does not fit. */
    char slug[80], fbuf[80], tbuf[80];
    const char *council = arg(wsi, "council", slug, sizeof slug);
    if (!council || !*council)
        return pl_http_respond_error(wsi, hr, 400, PL_ERR_MISSING_FIELD, "council", 0);
    const char *format = arg(wsi, "format", fbuf, sizeof fbuf);
    bool csv = format && strcmp(format, "csv") == 0;
    if (format && !csv && strcmp(format, "json") != 0)
        return pl_http_respond_error(wsi, hr, 400, PL_ERR_BAD_FIELD, "format", 0);
    const char *table = csv ? arg(wsi, "table", tbuf, sizeof tbuf) : NULL;
    if (csv && !table)
        return pl_http_respond_error(wsi, hr, 400, PL_ERR_MISSING_FIELD, "table", 0);
    if (csv && strcmp(table, "votes") != 0 && strcmp(table, "petitions") != 0)
        return pl_http_respond_error(wsi, hr, 400, PL_ERR_BAD_FIELD, "table", 0);
    const char *params[1] = {council};
    /* Public and the same for everyone: a proxy may keep it a minute. */
    hr->cache_control = "public, max-age=60";
    if (!csv)
        return run(wsi, hr, "SELECT rec_archive($1)::text", 1, params, NULL, NULL, false);
    run_cb(wsi, hr, "SELECT rec_archive($1)::text", 1, params, NULL, NULL, false, archive_csv_got);
    json_object_set_new(hr->api, "petitions", json_boolean(strcmp(table, "petitions") == 0));
    return 0;
}

int pl_records_councils(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    (void)path;
    hr->cache_control = "public, max-age=60";
    return run(wsi, hr,
               "SELECT coalesce(jsonb_agg(jsonb_build_object('slug', slug, 'name', name) ORDER BY "
               "name), '[]')::text FROM council",
               0, NULL, NULL, NULL, false);
}

/* The voter-contact meetings, for the meeting page's list (011_meetings.sql). */
int pl_records_meetings(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    (void)path;
    hr->cache_control = "no-cache";
    return run(wsi, hr, "SELECT jsonb_build_object('meetings', meeting_list())::text", 0, NULL,
               NULL, NULL, false);
}

/* --- petitions -------------------------------------------------------------------- */

static const char *const filters[] = {"status", "area", "agency", "overdue", "q"};

int pl_records_petitions(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    (void)path;
    struct who w;
    char id[24];
    who_of(wsi, hr, &w);
    if (!arg_id(wsi, "council_id", id))
        return pl_http_respond_error(wsi, hr, 400, PL_ERR_BAD_FIELD, "council_id", 0);
    json_t *f = json_object();
    for (size_t i = 0; i < G_N_ELEMENTS(filters); i++) {
        char buf[512];
        const char *v = arg(wsi, filters[i], buf, sizeof buf);
        if (v && *v && g_utf8_validate(v, -1, NULL))
            json_object_set_new(f, filters[i],
                                strcmp(filters[i], "overdue") == 0
                                    ? json_boolean(strcmp(v, "0") != 0)
                                    : json_string(v));
    }
    char *text = json_dumps(f, JSON_COMPACT);
    json_decref(f);
    const char *params[4] = {w.id, w.admin, id, text};
    run(wsi, hr, "SELECT rec_petition_list($1, $2, $3::bigint, $4::jsonb)::text", 4, params, NULL,
        &w, false);
    free(text);
    return 0;
}

/* POST bodies: parsed and checked field by field, then one function. */
static int post_json(struct lws *wsi, struct pl_http_req *hr, enum pl_rec_body body,
                     const char *sql, const char *event, bool created, bool anonymous)
{
    struct who w;
    who_of(wsi, hr, &w);
    json_t *doc = json_loadb(hr->req_body->str, hr->req_body->len, JSON_REJECT_DUPLICATES, NULL);
    if (!doc)
        return pl_http_respond_error(wsi, hr, 400, PL_ERR_BAD_JSON, NULL, 0);
    json_t *problems = pl_rec_check(body, doc);
    if (problems) {
        json_decref(doc);
        return refuse_fields(wsi, hr, problems);
    }
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    const char *params[3] = {anonymous ? NULL : w.id, w.admin, text};
    if (anonymous)
        params[1] = "f";
    run(wsi, hr, sql, 3, params, event, anonymous ? NULL : &w, created);
    free(text);
    return 0;
}

int pl_records_public_petition(struct lws *wsi, struct pl_http_req *hr)
{
    struct pl_server *srv = pl_server_from_wsi(wsi);
    char address[64];
    pl_http_peer(wsi, address, sizeof address);
    int delay = 0, retry = 0;
    /* Each accepted petition counts against its address (json_done), as a
     * failed login does: a form's mistakes do not. */
    if (pl_throttle_check(srv->throttle_petitions, address, g_get_monotonic_time(), &delay,
                          &retry) != 0)
        return pl_http_respond_error(wsi, hr, 429, PL_ERR_RATE_LIMITED, NULL, retry);
    post_json(wsi, hr, PL_REC_PETITION_PUBLIC,
              "SELECT rec_petition_public_add($1, $2, $3::jsonb)::text", "petition_received", true,
              true);
    if (hr->api && hr->phase == PH_WAIT)
        json_object_set_new(hr->api, "throttle", json_string(address));
    return 0;
}

/* The answer to a lookup: a miss (unknown code or wrong secret, one and
 * the same answer) counts against the address; a hit is answered without
 * being stored by anyone on the way. */
static void status_done(void *user, const PGresult *res, enum pl_err err)
{
    struct lws *wsi = user;
    struct pl_http_req *hr = settled(wsi, res, err);
    if (!hr)
        return;
    hr->cache_control = "no-store";
    if (PQgetisnull(res, 0, 0)) {
        const char *address = json_string_value(json_object_get(hr->api, "throttle"));
        /* Someone guessing codes: the lockout goes in the security log. */
        if (address && pl_throttle_fail(pl_server_from_wsi(wsi)->throttle_lookups, address,
                                        g_get_monotonic_time()) == 1)
            pl_seclog(pl_server_from_wsi(wsi)->store, "petition_lookup_locked", 0, NULL, address,
                      NULL);
        pl_http_respond_error(wsi, hr, 404, PL_ERR_NOT_FOUND, "code", 0);
        return;
    }
    const char *text = PQgetvalue(res, 0, 0);
    pl_http_respond_json(wsi, hr, 200, text);
}

/* POST /api/public/petitions/status {"code": "KN-000123-ABCD2345"}: a POST,
 * so the code stays out of addresses, logs and the browser's history. */
int pl_records_petition_status(struct lws *wsi, struct pl_http_req *hr)
{
    struct pl_server *srv = pl_server_from_wsi(wsi);
    char address[64];
    pl_http_peer(wsi, address, sizeof address);
    int delay = 0, retry = 0;
    if (pl_throttle_check(srv->throttle_lookups, address, g_get_monotonic_time(), &delay, &retry) !=
        0)
        return pl_http_respond_error(wsi, hr, 429, PL_ERR_RATE_LIMITED, NULL, retry);
    json_t *doc = json_loadb(hr->req_body->str, hr->req_body->len, JSON_REJECT_DUPLICATES, NULL);
    if (!doc)
        return pl_http_respond_error(wsi, hr, 400, PL_ERR_BAD_JSON, NULL, 0);
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v)
    {
        if (strcmp(key, "code") != 0) {
            char field[64];
            g_strlcpy(field, key, sizeof field); /* key dies with doc */
            json_decref(doc);
            return pl_http_respond_error(wsi, hr, 400, PL_ERR_UNKNOWN_FIELD, field, 0);
        }
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        return pl_http_respond_error(wsi, hr, 400, PL_ERR_NOT_OBJECT, NULL, 0);
    }
    json_t *given = json_object_get(doc, "code");
    const char *code = json_string_value(given);
    char buf[64];
    if (!code || !*code) {
        enum pl_err e = given && !json_is_string(given) ? PL_ERR_BAD_FIELD : PL_ERR_MISSING_FIELD;
        json_decref(doc); /* given with it */
        return pl_http_respond_error(wsi, hr, 400, e, "code", 0);
    }
    /* The shape only (letters, digits, hyphens, spaces; not too long): a
     * well-formed wrong code is a miss like any other. */
    bool shape =
        strlen(code) < sizeof buf && strspn(code, "0123456789abcdefghijklmnopqrstuvwxyz"
                                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ- ") == strlen(code);
    if (shape)
        g_strlcpy(buf, code, sizeof buf);
    json_decref(doc);
    if (!shape)
        return pl_http_respond_error(wsi, hr, 400, PL_ERR_BAD_FIELD, "code", 0);
    const char *params[1] = {buf};
    json_decref(hr->api);
    hr->api = json_pack("{s:s}", "throttle", address);
    hr->phase = PH_WAIT;
    hr->db_request = pl_store_query(srv->store, "SELECT rec_petition_status($1)::text", 1, params,
                                    REC_DB_TIMEOUT_MS, status_done, wsi);
    return 0;
}

static void schedule_done(void *user, const PGresult *res, enum pl_err err)
{
    struct lws *wsi = user;
    struct pl_http_req *hr = settled(wsi, res, err);
    if (!hr)
        return;
    if (PQgetisnull(res, 0, 0)) {
        pl_http_respond_error(wsi, hr, 404, PL_ERR_NOT_FOUND, "session_id", 0);
        return;
    }
    const char *text = PQgetvalue(res, 0, 0);
    pl_http_respond_json(wsi, hr, 200, text);
}

/* GET /api/public/schedule?session_id=N: when a public session's public
 * sittings are planned to start (the public page's "next sitting"). */
int pl_records_schedule(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    (void)path;
    char id[24];
    if (!arg_id(wsi, "session_id", id))
        return pl_http_respond_error(wsi, hr, 400, PL_ERR_BAD_FIELD, "session_id", 0);
    const char *params[1] = {id};
    hr->cache_control = "no-cache";
    hr->phase = PH_WAIT;
    hr->db_request = pl_store_query(pl_server_from_wsi(wsi)->store,
                                    "SELECT rec_public_schedule($1::bigint)::text", 1, params,
                                    REC_DB_TIMEOUT_MS, schedule_done, wsi);
    return 0;
}

/* --- the minutes' and petitions' writes ------------------------------------------ */

int pl_records_notes(struct lws *wsi, struct pl_http_req *hr)
{
    return post_json(wsi, hr, PL_REC_MINUTES_NOTES,
                     "SELECT rec_minutes_notes($1, $2, ($3::jsonb->>'session_id')::bigint, "
                     "$3::jsonb->>'notes')::text",
                     "minutes_notes_saved", false, false);
}

int pl_records_finalise(struct lws *wsi, struct pl_http_req *hr)
{
    return post_json(wsi, hr, PL_REC_MINUTES_SESSION,
                     "SELECT rec_minutes_finalise($1, $2, ($3::jsonb->>'session_id')::bigint)"
                     "::text",
                     "minutes_finalised", false, false);
}

int pl_records_petition_add(struct lws *wsi, struct pl_http_req *hr)
{
    return post_json(wsi, hr, PL_REC_PETITION_STAFF,
                     "SELECT rec_petition_add($1, $2, $3::jsonb)::text", "petition_received", true,
                     false);
}

int pl_records_petition_act(struct lws *wsi, struct pl_http_req *hr)
{
    return post_json(wsi, hr, PL_REC_PETITION_ACTION,
                     "SELECT rec_petition_act($1, $2, $3::jsonb)::text", "petition_changed", false,
                     false);
}

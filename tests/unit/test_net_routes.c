/*
 * Unit tests for server/net/net_routes.c: the HTTP route table. Each request is
 * looked up once; these checks keep the table's order and shape honest (an
 * exact path listed after a prefix that covers it would never be reached; a
 * POST without a body handler would never be answered).
 */
#include <glib.h>

#include "check.h"
#include "net_routes.h"

static const struct pl_route *find(const char *path, unsigned method, bool *known)
{
    bool k = false;
    const struct pl_route *r = pl_route_find(path, method, &k);
    if (known)
        *known = k;
    return r;
}

/* Every entry is reached by its own path and method, and is well formed. */
static void test_table_shape(void)
{
    size_t n = 0;
    const struct pl_route *t = pl_route_table(&n);
    CHECK(n > 30);
    for (size_t i = 0; i < n; i++) {
        const struct pl_route *r = &t[i];
        CHECK(r->path && r->path[0] == '/');
        if (!(r->flags & PL_ROUTE_PREFIX)) {
            unsigned m = r->methods & PL_METHOD_GET ? PL_METHOD_GET : PL_METHOD_POST;
            if (find(r->path, m, NULL) != r)
                fprintf(stderr, "route %s is shadowed by an earlier entry\n", r->path);
            CHECK(find(r->path, m, NULL) == r);
        }
        /* A GET answers from its headers; a POST reads a body and needs its end. */
        if (r->methods == PL_METHOD_GET)
            CHECK(r->begin && !r->body_done && r->max_body == 0);
        if (r->methods == PL_METHOD_POST) {
            CHECK(r->body_done != NULL);
            if (r->flags & PL_ROUTE_UNREAD)
                CHECK(r->begin && r->body); /* decided at the headers, streamed */
            else
                CHECK(!r->begin && !r->body && r->max_body > 0);
        }
        /* A staff-only refusal is logged under the route's name. */
        if (r->rights == PL_RIGHTS_STAFF)
            CHECK(r->name != NULL);
        /* Only the /api/ catch-all answers any method. */
        if (r->methods == PL_METHOD_ANY)
            CHECK_STR(r->path, "/api/");
    }
}

static void test_lookup(void)
{
    bool known = false;
    const struct pl_route *r;

    /* One path, two methods, two routes. */
    const struct pl_route *get = find("/api/documents", PL_METHOD_GET, NULL);
    const struct pl_route *post = find("/api/documents", PL_METHOD_POST, NULL);
    CHECK(get && post && get != post);
    CHECK(get->rights == PL_RIGHTS_ANYONE);
    CHECK(post->rights == PL_RIGHTS_STAFF && (post->flags & PL_ROUTE_UNREAD));

    /* A known path and another method: no route, but known (405). */
    r = find("/api/documents", PL_METHOD_OTHER, &known);
    CHECK(r == NULL && known);
    r = find("/api/login", PL_METHOD_GET, &known);
    CHECK(r == NULL && known);
    r = find("/api/session", PL_METHOD_POST, &known);
    CHECK(r == NULL && known);
    r = find("/healthz", PL_METHOD_POST, &known);
    CHECK(r == NULL && known);

    /* An unknown /api/ path, by any method: the catch-all (404), not a file. */
    r = find("/api/nothing", PL_METHOD_POST, NULL);
    CHECK(r && strcmp(r->path, "/api/") == 0);
    r = find("/api/nothing", PL_METHOD_OTHER, NULL);
    CHECK(r && strcmp(r->path, "/api/") == 0);
    /* A sub-path of an exact route is not that route. */
    r = find("/api/documents/x", PL_METHOD_GET, NULL);
    CHECK(r && strcmp(r->path, "/api/") == 0);
    r = find("/api/login/", PL_METHOD_POST, NULL);
    CHECK(r && strcmp(r->path, "/api/") == 0);

    /* Rights and limits as documented. */
    r = find("/api/admin/import", PL_METHOD_POST, NULL);
    CHECK(r && r->rights == PL_RIGHTS_SIGNED_IN && r->max_body == 512 * 1024 &&
          (r->flags & PL_ROUTE_JSON));
    r = find("/api/logout", PL_METHOD_POST, NULL);
    CHECK(r && !(r->flags & PL_ROUTE_JSON) && r->max_body == 8192);
    r = find("/api/public/petitions", PL_METHOD_POST, NULL);
    CHECK(r && r->rights == PL_RIGHTS_ANYONE && r->max_body == 128 * 1024);
    r = find("/metrics", PL_METHOD_GET, NULL);
    CHECK(r && r->rights == PL_RIGHTS_SCRAPER);

    /* Prefixes: media, then every other path is a file of the web root. */
    r = find("/media/12/live.m3u8", PL_METHOD_GET, NULL);
    CHECK(r && strcmp(r->path, "/media/") == 0);
    r = find("/media/12/live.m3u8", PL_METHOD_POST, &known);
    CHECK(r == NULL && known);
    r = find("/delegate/", PL_METHOD_GET, NULL);
    CHECK(r && strcmp(r->path, "/") == 0);
    r = find("/healthz/x", PL_METHOD_GET, NULL);
    CHECK(r && strcmp(r->path, "/") == 0);
    r = find("/index.html", PL_METHOD_OTHER, &known);
    CHECK(r == NULL && known);
}

int main(void)
{
    test_table_shape();
    test_lookup();
    return check_report("test_net_routes");
}

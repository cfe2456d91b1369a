/* Unit tests for server/net/static_path.c: safe mapping of URLs to files. */
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "static_path.h"

static char root[PATH_MAX], outside[PATH_MAX];

/* root/name, built without -Wformat-truncation noise: paths here are short. */
static const char *in_root(const char *name)
{
    static char buf[PATH_MAX + 64];
    size_t n = strlen(root);
    memcpy(buf, root, n);
    buf[n] = '/';
    strcpy(buf + n + 1, name);
    return buf;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static int resolves(const char *url, const char *want_suffix)
{
    char out[PATH_MAX];
    if (pl_static_resolve(root, url, out, sizeof out) != 0)
        return 0;
    size_t n = strlen(out), m = strlen(want_suffix);
    return n >= m && strcmp(out + n - m, want_suffix) == 0 && strncmp(out, root, strlen(root)) == 0;
}

static int refused(const char *url)
{
    char out[PATH_MAX];
    return pl_static_resolve(root, url, out, sizeof out) == -1;
}

int main(void)
{
    char tmpl[] = "/tmp/pl_static_XXXXXX";
    char *base = mkdtemp(tmpl);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/web", base);
    mkdir(path, 0755);
    realpath(path, root);
    snprintf(outside, sizeof outside, "%s/secret.txt", base);
    write_file(outside, "secret");
    strcpy(path, in_root("index.html"));
    write_file(path, "<h1>x</h1>");
    strcpy(path, in_root("js"));
    mkdir(path, 0755);
    strcpy(path, in_root("js/app.js"));
    write_file(path, "1");
    strcpy(path, in_root("empty"));
    mkdir(path, 0755);
    strcpy(path, in_root(".env"));
    write_file(path, "SECRET=1");
    strcpy(path, in_root("link"));
    symlink(outside, path);
    strcpy(path, in_root("dirlink"));
    symlink(base, path);

    CHECK(resolves("/", "/index.html"));
    CHECK(resolves("/index.html", "/index.html"));
    CHECK(resolves("/js/app.js", "/js/app.js"));
    CHECK(resolves("//js//app.js", "/js/app.js"));
    CHECK(resolves("/js/", "/index.html") == 0); /* js/ has no index.html */
    CHECK(refused("/js"));
    CHECK(refused("/empty/"));
    CHECK(refused("/missing.html"));
    CHECK(refused(""));
    CHECK(refused("index.html"));
    /* Traversal in every spelling that can reach us after lws decoding. */
    CHECK(refused("/../secret.txt"));
    CHECK(refused("/js/../../secret.txt"));
    CHECK(refused("/./index.html"));
    CHECK(refused("/.."));
    CHECK(refused("/%2e%2e/secret.txt"));
    CHECK(refused("/%252e%252e/secret.txt"));
    CHECK(refused("/..\\secret.txt"));
    CHECK(refused("/js\\..\\..\\secret.txt"));
    CHECK(refused("/.env"));
    CHECK(refused("/link"));               /* symlink to a file outside */
    CHECK(refused("/dirlink/secret.txt")); /* symlinked directory outside */
    CHECK(refused("/index.html\x01"));
    char longurl[2100];
    memset(longurl, 'a', sizeof longurl - 1);
    longurl[0] = '/';
    longurl[sizeof longurl - 1] = '\0';
    CHECK(refused(longurl));

    /* Page assets only (issue 20): no README.md, package.json or source
     * maps, but the translations under i18n/. */
    static const char *const served[] = {"index.html",   "js/app.js",   "js/m.mjs",
                                         "css/a.css",    "favicon.svg", "i18n/vi.json",
                                         "i18n/en.JSON", "img/a.PNG",   "robots.txt"};
    for (size_t i = 0; i < sizeof served / sizeof served[0]; i++)
        CHECK(pl_static_servable(root, in_root(served[i])));
    static const char *const kept[] = {"README.md",     "package.json",   "package-lock.json",
                                       "js/app.js.map", "i18n/x/vi.json", "js/i18n/vi.json",
                                       "deploy.sh",     "Makefile",       "a.json"};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        CHECK(!pl_static_servable(root, in_root(kept[i])));
    CHECK(!pl_static_servable(root, outside));
    CHECK(!pl_static_servable(root, root));

    CHECK_STR(pl_static_mime("/a/b.html"), "text/html; charset=utf-8");
    CHECK_STR(pl_static_mime("x.JS"), "text/javascript; charset=utf-8");
    CHECK_STR(pl_static_mime("/a.b/c"), "application/octet-stream");
    CHECK_STR(pl_static_mime("noext"), "application/octet-stream");

    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", base);
    return check_report("test_static_path");
}

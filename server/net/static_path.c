/* Request path to file under the web root; see static_path.h. */
#include "static_path.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* Longest request path we consider; longer ones are refused unread. */
#define PL_STATIC_MAX_URL 1024

static int inside(const char *root, const char *real)
{
    size_t n = strlen(root);
    return strncmp(real, root, n) == 0 && (real[n] == '/' || real[n] == '\0');
}

/* realpath() plus the containment and file-type checks. */
static int check_real(const char *root_real, const char *candidate, char *out, size_t outlen,
                      int *is_dir)
{
    char real[PATH_MAX];
    struct stat st;
    if (!realpath(candidate, real) || !inside(root_real, real) || stat(real, &st) != 0)
        return -1;
    *is_dir = S_ISDIR(st.st_mode);
    if (!*is_dir && !S_ISREG(st.st_mode))
        return -1;
    if ((size_t)snprintf(out, outlen, "%s", real) >= outlen)
        return -1;
    return 0;
}

int pl_static_resolve(const char *root_real, const char *url_path, char *out, size_t outlen)
{
    size_t ulen = strlen(url_path);
    if (url_path[0] != '/' || ulen > PL_STATIC_MAX_URL)
        return -1;
    if (strchr(url_path, '\\') || strchr(url_path, '%'))
        return -1;

    /* Rebuild the path from its segments, refusing dot segments and dotfiles
     * (".git", ".env") outright instead of trying to collapse them. */
    char rel[PL_STATIC_MAX_URL + 1];
    size_t rl = 0;
    const char *p = url_path;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *seg = p;
        while (*p && *p != '/')
            p++;
        size_t sl = (size_t)(p - seg);
        if (seg[0] == '.')
            return -1;
        for (size_t k = 0; k < sl; k++) {
            if ((unsigned char)seg[k] < 0x20 || seg[k] == 0x7f)
                return -1;
        }
        rel[rl++] = '/';
        memcpy(rel + rl, seg, sl);
        rl += sl;
    }
    rel[rl] = '\0';

    char candidate[PATH_MAX];
    if ((size_t)snprintf(candidate, sizeof candidate, "%s%s", root_real, rel) >= sizeof candidate)
        return -1;
    int is_dir = 0;
    if (check_real(root_real, candidate, out, outlen, &is_dir) != 0)
        return -1;
    if (!is_dir)
        return 0;
    /* A directory serves its index.html, itself checked the same way. */
    char index[PATH_MAX];
    if ((size_t)snprintf(index, sizeof index, "%s/index.html", out) >= sizeof index)
        return -1;
    if (check_real(root_real, index, out, outlen, &is_dir) != 0 || is_dir)
        return -1;
    return 0;
}

bool pl_static_servable(const char *root_real, const char *file)
{
    static const char *const assets[] = {"html", "js",   "mjs", "css",   "svg",         "png",
                                         "jpg",  "jpeg", "ico", "woff2", "webmanifest", "txt"};
    size_t rn = strlen(root_real);
    if (strncmp(file, root_real, rn) != 0 || file[rn] != '/')
        return false;
    const char *rel = file + rn + 1;
    const char *slash = strrchr(rel, '/');
    const char *dot = strrchr(slash ? slash : rel, '.');
    if (!dot)
        return false;
    for (size_t i = 0; i < sizeof assets / sizeof assets[0]; i++)
        if (strcasecmp(dot + 1, assets[i]) == 0)
            return true;
    /* Translations only: web/i18n/<lang>.json, not package.json. */
    return strcasecmp(dot + 1, "json") == 0 && strncmp(rel, "i18n/", 5) == 0 &&
           !strchr(rel + 5, '/');
}

const char *pl_static_mime(const char *path)
{
    static const struct {
        const char *ext;
        const char *mime;
    } types[] = {
        {"html", "text/html; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"json", "application/json"},
        {"webmanifest", "application/manifest+json"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"ico", "image/x-icon"},
        {"woff2", "font/woff2"},
        {"pdf", "application/pdf"},
        {"txt", "text/plain; charset=utf-8"},
        {"m3u8", "application/vnd.apple.mpegurl"},
        {"ts", "video/mp2t"},
        {"mp4", "video/mp4"},
        {"m4s", "video/iso.segment"},
    };
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (dot) {
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
            if (strcasecmp(dot + 1, types[i].ext) == 0)
                return types[i].mime;
        }
    }
    return "application/octet-stream";
}

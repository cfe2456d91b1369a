/*
 * Safe mapping of a request path to a file under the web root. The path has
 * already been percent-decoded by libwebsockets; a '%' left over means a
 * double-encoded request and is refused rather than decoded twice.
 */
#ifndef PL_STATIC_PATH_H
#define PL_STATIC_PATH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * root_real: the web root as returned by realpath() (absolute, no trailing
 * slash). url_path: the request path, e.g. "/js/app.js" (a query string must
 * already be cut off). On success returns 0 and writes the real path of a
 * regular file inside root_real into out. Returns -1 for anything else: a
 * missing file, a dot segment or dotfile, a backslash, a path that resolves
 * (through symlinks too) outside the root. The caller answers -1 with 404.
 * A directory maps to its index.html.
 */
int pl_static_resolve(const char *root_real, const char *url_path, char *out, size_t outlen);

/*
 * Whether a resolved file (real path under root_real, as pl_static_resolve
 * gives it) is one of the pages' assets: by extension (html, js, mjs, css,
 * svg, png, jpg, jpeg, ico, woff2, webmanifest, txt), and .json only under
 * i18n/ (the pages' translations). The rest of a web root (README.md,
 * package.json, source maps, scripts) is not served.
 */
bool pl_static_servable(const char *root_real, const char *file);

/* The MIME type for a file name by its extension; static storage. */
const char *pl_static_mime(const char *path);

#endif

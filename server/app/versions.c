/* Library versions; see versions.h. Linking all six here also proves at
 * build time that every dependency the architecture names is present. */
#include "versions.h"

#include <glib.h>
#include <gst/gst.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <libwebsockets.h>
#include <openssl/crypto.h>
#include <srtp2/srtp.h>

void pl_versions_print(FILE *out)
{
    int pq = PQlibVersion();
    guint gmaj, gmin, gmic, gnano;
    gst_version(&gmaj, &gmin, &gmic, &gnano);
    fprintf(out, "plenumd %s\n", PL_VERSION);
    fprintf(out, "libwebsockets %s\n", lws_get_library_version());
    fprintf(out, "glib %u.%u.%u\n", glib_major_version, glib_minor_version, glib_micro_version);
    fprintf(out, "gstreamer %u.%u.%u\n", gmaj, gmin, gmic);
    fprintf(out, "libpq %d.%d\n", pq / 10000, pq % 10000);
    fprintf(out, "jansson %s\n", jansson_version_str());
    fprintf(out, "libsrtp %s\n", srtp_get_version_string());
    fprintf(out, "openssl %s\n", OpenSSL_version(OPENSSL_VERSION));
}

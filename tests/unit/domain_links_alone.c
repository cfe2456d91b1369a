/*
 * The layering rule, enforced by the linker: this program links the whole
 * plenum_domain archive (every object in it, --whole-archive) with GLib,
 * jansson and OpenSSL only. A libwebsockets, libpq or GStreamer call in a
 * domain file leaves an undefined symbol and the build fails here; running
 * it then checks a few domain functions answer as documented.
 */
#include <stdio.h>

#include "check.h"
#include "errors.h"
#include "sdp_check.h"
#include "vote_tally.h"

int main(void)
{
    CHECK_STR(pl_err_code(PL_ERR_OUTCOME_UNKNOWN), "outcome_unknown");
    CHECK_STR(pl_err_code(PL_ERR_DB_UNAVAILABLE), "db_unavailable");
    printf("plenum_domain linked with GLib, jansson and OpenSSL only\n");
    return check_report("domain_links_alone");
}

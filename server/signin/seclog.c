/* The security log; see seclog.h. */
#include "seclog.h"

#include <stdio.h>

#include "log.h"
#include "store.h"

static void inserted(void *user, const PGresult *res, enum pl_err err)
{
    if (err != PL_OK)
        pl_log_debug("security event not stored: %s", pl_err_code(err));
}

void pl_seclog(struct pl_store *store, const char *event, int64_t person_id, const char *login,
               const char *address, const char *detail)
{
    pl_log_info("security: %s person=%lld login=%s address=%s%s%s", event, (long long)person_id,
                login ? login : "-", address ? address : "-", detail ? " " : "",
                detail ? detail : "");
    if (!store)
        return;
    char pid[24];
    snprintf(pid, sizeof pid, "%lld", (long long)person_id);
    const char *params[5] = {event, person_id ? pid : NULL, login, address, detail};
    pl_store_query(store,
                   "INSERT INTO security_event (event, person_id, login, address, detail) "
                   "VALUES ($1, $2, $3, $4, $5)",
                   5, params, 5000, inserted, NULL);
}

/*
 * plenumd: the Plenum server. Parses the configuration, connects to
 * PostgreSQL, applies migrations, then runs the command: serve (default),
 * migrate, seed-demo or version. Every start-up failure is one clear line on
 * stderr and a non-zero exit, with nothing left running.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "admin.h"
#include "config.h"
#include "demo.h"
#include "log.h"
#include "log_lws.h"
#include "migrate.h"
#include "schema.h"
#include "server.h"
#include "versions.h"

#ifndef PL_DEFAULT_WEB_ROOT
#define PL_DEFAULT_WEB_ROOT "web"
#endif

static const char *env_lookup(const char *name)
{
    return getenv(name);
}

/* Connects synchronously (start-up only). Returns NULL with err filled. */
static PGconn *connect_db(const char *url, char *err, size_t errlen)
{
    const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *vals[] = {url, "5", "plenumd", NULL};
    PGconn *conn = PQconnectdbParams(keys, vals, 1);
    if (conn && PQstatus(conn) == CONNECTION_OK)
        return conn;
    const char *m = conn ? PQerrorMessage(conn) : "out of memory";
    /* libpq's message can span lines; keep the first, which says why. */
    snprintf(err, errlen,
             "could not connect to the database: %.*s; check DATABASE_URL and that PostgreSQL "
             "is running",
             (int)strcspn(m, "\n"), m);
    PQfinish(conn);
    return NULL;
}

int main(int argc, char **argv)
{
    struct pl_config cfg;
    char err[1024] = "";
    int rc = 1;
    PGconn *conn = NULL;

    if (pl_config_parse(&cfg, argc, argv, env_lookup, PL_DEFAULT_WEB_ROOT, err, sizeof err) != 0) {
        fprintf(stderr, "plenumd: %s\n", err);
        pl_config_clear(&cfg);
        return 2;
    }
    pl_log_set_level(cfg.log_level);
    pl_log_set_json(strcmp(cfg.log_format, "json") == 0);
    pl_log_route_lws();

    if (cfg.command == PL_CMD_HELP) {
        fputs(pl_config_usage(), stdout);
        rc = 0;
        goto done;
    }
    if (cfg.command == PL_CMD_VERSION) {
        pl_versions_print(stdout);
        rc = 0;
        goto done;
    }
    if (cfg.command == PL_CMD_ADMIN) {
        rc = pl_admin_main(&cfg, stdin, stdout);
        goto done;
    }
    if (!cfg.database_url) {
        pl_log_error("no database configured: set DATABASE_URL or pass --database-url");
        goto done;
    }
    conn = connect_db(cfg.database_url, err, sizeof err);
    if (!conn) {
        pl_log_error("%s", err);
        goto done;
    }

    struct pl_migrate_result mr;
    if (pl_migrate_run(conn, pl_migrations, pl_migrations_count, pl_sql_functions,
                       pl_sql_functions_count, &mr, err, sizeof err) != PL_MIGRATE_OK) {
        pl_log_error("%s", err);
        goto done;
    }
    if (mr.applied)
        pl_log_info("database schema migrated from version %d to %d", mr.from_version,
                    mr.to_version);

    switch (cfg.command) {
    case PL_CMD_MIGRATE:
        printf("database schema at version %d (%d migration(s) applied now)\n", mr.to_version,
               mr.applied);
        rc = 0;
        break;
    case PL_CMD_SEED_DEMO: {
        int loaded = pl_demo_seed(conn, err, sizeof err);
        if (loaded < 0) {
            pl_log_error("%s", err);
            break;
        }
        printf("%s\n", loaded ? "demo data loaded" : "demo data already present");
        rc = 0;
        break;
    }
    case PL_CMD_SERVE: {
        struct pl_server srv;
        int ok = pl_server_init(&srv, &cfg, pl_migrate_latest(pl_migrations, pl_migrations_count),
                                conn, err, sizeof err) == 0;
        /* From here on the server has its own asynchronous connection. */
        PQfinish(conn);
        conn = NULL;
        if (!ok) {
            pl_log_error("%s", err);
            pl_server_fini(&srv);
            break;
        }
        pl_server_run(&srv);
        pl_server_fini(&srv);
        pl_log_info("plenumd stopped");
        rc = 0;
        break;
    }
    default:
        break;
    }
done:
    PQfinish(conn);
    pl_config_clear(&cfg);
    return rc;
}

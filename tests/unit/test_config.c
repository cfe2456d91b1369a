/* Unit tests for server/app/config.c: defaults, environment, flags, errors. */
#include "check.h"
#include "config.h"

static const char *fake_env_port;
static const char *fake_env_db;

static const char *fake_getenv(const char *name)
{
    if (strcmp(name, "PLENUM_PORT") == 0)
        return fake_env_port;
    if (strcmp(name, "DATABASE_URL") == 0)
        return fake_env_db;
    return NULL;
}

static int parse(struct pl_config *cfg, int argc, char *const *argv, char *err, size_t n)
{
    pl_config_clear(cfg);
    return pl_config_parse(cfg, argc, argv, fake_getenv, "/srv/web", err, n);
}

int main(void)
{
    struct pl_config cfg = {0};
    char err[256];

    char *a0[] = {"plenumd"};
    CHECK(parse(&cfg, 1, a0, err, sizeof err) == 0);
    CHECK(cfg.command == PL_CMD_SERVE);
    CHECK(cfg.port == 8080);
    CHECK_STR(cfg.bind, "127.0.0.1");
    CHECK_STR(cfg.web_root, "/srv/web");
    CHECK(cfg.database_url == NULL);
    /* Issue 20's limits and their defaults. */
    CHECK(cfg.login_queue == 32 && cfg.login_inflight_per_address == 4);
    CHECK(cfg.login_backoff_max_s == 60 && cfg.login_lock_after == 10);
    CHECK(cfg.max_anon_per_address == 20 && cfg.reserved_for_members == 10);
    CHECK(cfg.http_body_timeout_s == 30);
    CHECK(cfg.metrics_token == NULL && cfg.metrics_allow == NULL);

    fake_env_port = "9000";
    fake_env_db = "postgresql:///x";
    CHECK(parse(&cfg, 1, a0, err, sizeof err) == 0);
    CHECK(cfg.port == 9000);
    CHECK_STR(cfg.database_url, "postgresql:///x");

    /* A flag wins over the environment; both --k v and --k=v work. */
    char *a1[] = {
        "plenumd",          "migrate", "--port", "9100", "--database-url=host=/tmp dbname=y",
        "--log-level=debug"};
    CHECK(parse(&cfg, 6, a1, err, sizeof err) == 0);
    CHECK(cfg.command == PL_CMD_MIGRATE);
    CHECK(cfg.port == 9100);
    CHECK_STR(cfg.database_url, "host=/tmp dbname=y");
    CHECK(cfg.log_level == PL_LOG_DEBUG);

    fake_env_port = "http";
    CHECK(parse(&cfg, 1, a0, err, sizeof err) == -1);
    CHECK(strstr(err, "PLENUM_PORT") != NULL);
    fake_env_port = NULL;

    char *bad[][3] = {
        {"plenumd", "--port", "0"},
        {"plenumd", "--port", "65536"},
        {"plenumd", "--port", "80x"},
        {"plenumd", "--nope", "1"},
        {"plenumd", "--log-level", "loud"},
        {"plenumd", "--bind", ""},
        {"plenumd", "frobnicate", "--x"},
        {"plenumd", "-p", "1"},
        {"plenumd", "--login-queue", "0"},
        {"plenumd", "--reserved-for-members", "91"},
        {"plenumd", "--http-body-timeout", "0"},
        {"plenumd", "--metrics-token", ""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        CHECK(parse(&cfg, 3, bad[i], err, sizeof err) == -1);
        CHECK(strlen(err) > 0);
    }
    char *a2[] = {"plenumd", "--port"};
    CHECK(parse(&cfg, 2, a2, err, sizeof err) == -1);
    CHECK(strstr(err, "needs a value") != NULL);
    char *a3[] = {"plenumd", "--help"};
    CHECK(parse(&cfg, 2, a3, err, sizeof err) == 0 && cfg.command == PL_CMD_HELP);
    char *a4[] = {"plenumd", "version"};
    CHECK(parse(&cfg, 2, a4, err, sizeof err) == 0 && cfg.command == PL_CMD_VERSION);

    pl_config_clear(&cfg);
    pl_config_clear(NULL);
    return check_report("test_config");
}

/*
 * GET /metrics (a route of net_routes.c, PL_RIGHTS_SCRAPER): the
 * Prometheus text format, and who may read it.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "metrics.h"
#include "net_http.h"
#include "rtc.h"
#include "loop.h"
#include "server.h"

/* Whether a scraper may read /metrics: from loopback (the client's address,
 * after a trusted proxy's X-Forwarded-For), from an address of
 * --metrics-allow, or with "Authorization: Bearer <--metrics-token>". The
 * numbers say how many are connected and who voted when: not for the
 * internet, with or without a proxy in front. */
bool pl_http_metrics_allowed(struct lws *wsi)
{
    const struct pl_config *cfg = pl_server_from_wsi(wsi)->cfg;
    char address[64];
    pl_http_peer(wsi, address, sizeof address);
    struct in6_addr a6;
    struct in_addr a4;
    if ((inet_pton(AF_INET, address, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127) ||
        (inet_pton(AF_INET6, address, &a6) == 1 &&
         (IN6_IS_ADDR_LOOPBACK(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127))))
        return true;
    if (cfg->metrics_allow) {
        char **allow = g_strsplit(cfg->metrics_allow, ",", -1);
        bool found = false;
        for (char **p = allow; *p && !found; p++)
            found = strcmp(g_strstrip(*p), address) == 0;
        g_strfreev(allow);
        if (found)
            return true;
    }
    char auth[512];
    if (!cfg->metrics_token ||
        lws_hdr_copy(wsi, auth, sizeof auth, WSI_TOKEN_HTTP_AUTHORIZATION) <= 0 ||
        g_ascii_strncasecmp(auth, "Bearer ", 7) != 0)
        return false;
    const char *given = auth + 7;
    size_t n = strlen(cfg->metrics_token);
    /* Constant time in the token's bytes. */
    return strlen(given) == n && CRYPTO_memcmp(given, cfg->metrics_token, n) == 0;
}

/* GET /metrics: the Prometheus text format (0.0.4). Counters and
 * histograms from metrics.c, gauges read now: connections by role, sessions
 * in memory, each sitting's media, the process's memory and descriptors. */
int pl_http_metrics(struct lws *wsi, struct pl_http_req *hr, const char *path)
{
    (void)path;
    struct pl_server *srv = pl_server_from_wsi(wsi);
    GString *out = g_string_new(NULL);
    const struct pl_metrics *m = &pl_metrics;
    unsigned by_role[PL_ROLE_CHAIR + 1], unjoined;
    pl_ws_count_roles(srv, by_role, &unjoined);
    g_string_append(out, "# HELP plenum_websocket_connections Open WebSocket connections by the "
                         "role in the session they joined.\n"
                         "# TYPE plenum_websocket_connections gauge\n");
    for (int r = 0; r <= PL_ROLE_CHAIR; r++)
        g_string_append_printf(out, "plenum_websocket_connections{role=\"%s\"} %u\n",
                               r == PL_ROLE_NONE ? "observer" : pl_role_name((enum pl_role)r),
                               by_role[r]);
    g_string_append_printf(out, "plenum_websocket_connections{role=\"not_joined\"} %u\n", unjoined);
    const struct {
        const char *name, *help;
        uint64_t value;
    } counters[] = {
        {"plenum_websocket_messages_in_total", "WebSocket messages received.", m->ws_messages_in},
        {"plenum_websocket_messages_out_total", "WebSocket frames sent.", m->ws_messages_out},
        {"plenum_websocket_dropped_total", "Clients dropped for not reading their messages.",
         m->ws_dropped},
        {"plenum_websocket_refused_full_total",
         "WebSocket upgrades refused because --max-connections were open (or the anonymous share "
         "of them).",
         m->ws_refused_full},
        {"plenum_websocket_refused_address_total",
         "Anonymous WebSocket upgrades refused at --max-anonymous-per-address.",
         m->ws_refused_address},
        {"plenum_http_body_timeouts_total",
         "HTTP requests whose body did not arrive within --http-body-timeout.",
         m->http_body_timeouts},
        {"plenum_http_requests_total", "HTTP requests.", m->http_requests},
        {"plenum_db_errors_total", "Database statements that failed or timed out.", m->db_errors},
        {"plenum_loop_wakeups_total",
         "Wake-ups of the libuv loop that carries the sockets (each runs what is ready).",
         pl_loop_wakeups(srv->evloop)},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(counters); i++)
        g_string_append_printf(out, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", counters[i].name,
                               counters[i].help, counters[i].name, counters[i].name,
                               (unsigned long long)counters[i].value);
    pl_hist_write(out, "plenum_vote_ack_seconds",
                  "From a ballot's arrival to its acknowledgement after the commit.", &m->vote_ack);
    pl_hist_write(out, "plenum_db_statement_seconds",
                  "From a statement queued to its answer from PostgreSQL.", &m->db_statement);
    pl_hist_write(out, "plenum_event_commit_seconds",
                  "From a session command's arrival to its event committed and broadcast.",
                  &m->event_commit);
    g_string_append_printf(out,
                           "# HELP plenum_sessions_loaded Sessions held in memory.\n"
                           "# TYPE plenum_sessions_loaded gauge\nplenum_sessions_loaded %u\n",
                           pl_hub_sessions(srv->hub));
    g_string_append_printf(out,
                           "# HELP plenum_database_up 1 while the connection to PostgreSQL is "
                           "established, 0 during an outage.\n"
                           "# TYPE plenum_database_up gauge\nplenum_database_up %d\n"
                           "# HELP plenum_websocket_connections_max --max-connections.\n"
                           "# TYPE plenum_websocket_connections_max gauge\n"
                           "plenum_websocket_connections_max %d\n",
                           pl_store_connected(srv->store), srv->cfg->max_connections);
    g_string_append_printf(out,
                           "# HELP plenum_rtc_participants Remote participants connected to a "
                           "room (WebRTC).\n"
                           "# TYPE plenum_rtc_participants gauge\nplenum_rtc_participants %u\n",
                           srv->rtc ? pl_rtc_count(srv->rtc, 0) : 0);
    json_t *media = pl_media_status(srv->media);
    json_t *streams = json_object_get(media, "streams");
    static const char *const states[] = {"starting", "waiting", "live",
                                         "retrying", "error",   "stopping"};
    const char *overall = pl_media_state(srv->media);
    g_string_append_printf(out,
                           "# HELP plenum_media_up 1 while the media can record and stream (every "
                           "GStreamer element it needs is installed), 0 when not or off.\n"
                           "# TYPE plenum_media_up gauge\nplenum_media_up %d\n"
                           "# HELP plenum_media_state The media's state (1 for the current one).\n"
                           "# TYPE plenum_media_state gauge\n",
                           strcmp(overall, "ok") == 0);
    static const char *const overall_states[] = {"ok", "error", "off"};
    for (size_t k = 0; k < G_N_ELEMENTS(overall_states); k++)
        g_string_append_printf(out, "plenum_media_state{state=\"%s\"} %d\n", overall_states[k],
                               strcmp(overall, overall_states[k]) == 0);
    g_string_append(out, "# HELP plenum_media_stream_state A sitting's media state (1 for the "
                         "current one).\n# TYPE plenum_media_stream_state gauge\n");
    size_t i;
    json_t *st;
    json_array_foreach(streams, i, st)
    {
        const char *state = json_string_value(json_object_get(st, "state"));
        for (size_t k = 0; k < G_N_ELEMENTS(states); k++)
            g_string_append_printf(out,
                                   "plenum_media_stream_state{sitting=\"%lld\",state=\"%s\"} %d\n",
                                   (long long)json_integer_value(json_object_get(st, "sitting_id")),
                                   states[k], state && strcmp(state, states[k]) == 0);
    }
    const struct {
        const char *name, *key, *help;
    } media_gauges[] = {
        {"plenum_media_bitrate_kbps", "bitrate_kbps", "A sitting's recorded bitrate, kbit/s."},
        {"plenum_media_dropped_frames", "dropped_frames", "Frames a sitting's encoder dropped."},
        {"plenum_media_segments", "segments", "Segments a sitting's current run wrote."},
        {"plenum_media_slate", "slate", "1 while the livestream shows the slate."},
    };
    for (size_t k = 0; k < G_N_ELEMENTS(media_gauges); k++) {
        g_string_append_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", media_gauges[k].name,
                               media_gauges[k].help, media_gauges[k].name);
        json_array_foreach(streams, i, st)
        {
            json_t *v = json_object_get(st, media_gauges[k].key);
            g_string_append_printf(out, "%s{sitting=\"%lld\"} %lld\n", media_gauges[k].name,
                                   (long long)json_integer_value(json_object_get(st, "sitting_id")),
                                   json_is_boolean(v) ? (long long)json_is_true(v)
                                                      : (long long)json_integer_value(v));
        }
    }
    json_decref(media);
    /* The process: resident memory and open descriptors (Linux). */
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    unsigned fds = 0;
    GDir *d = g_dir_open("/proc/self/fd", 0, NULL);
    if (d) {
        while (g_dir_read_name(d))
            fds++;
        g_dir_close(d);
    }
    g_string_append_printf(out,
                           "# HELP plenum_resident_memory_bytes Resident memory of plenumd.\n"
                           "# TYPE plenum_resident_memory_bytes gauge\n"
                           "plenum_resident_memory_bytes %lld\n"
                           "# HELP plenum_open_fds Open file descriptors of plenumd.\n"
                           "# TYPE plenum_open_fds gauge\nplenum_open_fds %u\n"
                           "# HELP plenum_uptime_seconds Seconds since plenumd started.\n"
                           "# TYPE plenum_uptime_seconds gauge\nplenum_uptime_seconds %.3f\n",
                           (long long)resident * sysconf(_SC_PAGESIZE), fds,
                           (double)(g_get_monotonic_time() - srv->started_us) / 1e6);
    pl_http_respond(wsi, hr, 200, "text/plain; version=0.0.4; charset=utf-8", out->str, out->len);
    g_string_free(out, TRUE);
    return 0;
}

/* What plenumd puts on the picture it encodes: the lower third (who has
 * the floor, the agenda item, a published result), kept per session in
 * struct program from the hub's events, and the switch between the hall's
 * picture and the hybrid room's (pl_media_remote_picture). */
#include <string.h>

#include <glib.h>
#include <gst/gst.h>
#include <jansson.h>

#include "log.h"
#include "media_priv.h"

/* The lower third: who has the floor and the agenda item, or the result
 * just published. Only where the program is encoded (the test source and
 * the slate); a passed-through stream is recorded as it came. */
void pl_media_overlay_show(struct stream *s, GstElement *pipeline)
{
    struct program *pr = g_hash_table_lookup(s->m->programs, &s->session);
    GString *t = g_string_new(NULL);
    if (pr && pr->result) {
        g_string_append(t, pr->result);
    } else if (pr) {
        if (pr->speaker)
            g_string_append_printf(t, "Đang phát biểu: %s", pr->speaker);
        if (pr->item)
            g_string_append_printf(t, "%s%s", t->len ? "\n" : "", pr->item);
    }
    GstElement *lower = gst_bin_get_by_name(GST_BIN(pipeline), "lower");
    if (lower) {
        /* textoverlay reads Pango markup: escape what people typed. */
        char *text = g_markup_escape_text(t->str, -1);
        g_object_set(lower, "text", text, "silent", t->len == 0, NULL);
        g_free(text);
        gst_object_unref(lower);
    }
    g_string_free(t, TRUE);
}

/* Which picture an encoded run of the source records: the hall's, or the
 * hybrid room's while a remote participant is on air. The selector drops
 * what the other input brings (sync-streams=false), so both keep flowing
 * and a switch is instant. */
void pl_media_overlay_picture(struct stream *s, GstElement *pipeline)
{
    struct program *pr = g_hash_table_lookup(s->m->programs, &s->session);
    GstElement *pick = gst_bin_get_by_name(GST_BIN(pipeline), "pick");
    if (!pick)
        return; /* the slate, or a passed-through source */
    GstPad *pad = gst_element_get_static_pad(pick, pr && pr->remote_picture ? "sink_1" : "sink_0");
    if (pad) {
        g_object_set(pick, "active-pad", pad, NULL);
        gst_object_unref(pad);
    }
    gst_object_unref(pick);
}

void pl_media_overlay_free(gpointer p)
{
    struct program *pr = p;
    if (pr->result_timer)
        g_source_remove(pr->result_timer);
    g_free(pr->item);
    g_free(pr->speaker);
    g_free(pr->result);
    g_free(pr);
}

void pl_media_overlay_changed(struct pl_media *m, int64_t session_id)
{
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, m->streams);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        struct stream *s = v;
        if (s->session != session_id)
            continue;
        if (s->src && !s->passthrough)
            pl_media_overlay_show(s, s->src->pipeline);
        if (s->slate)
            pl_media_overlay_show(s, s->slate->pipeline);
    }
}

struct result_end {
    struct pl_media *m;
    int64_t session;
};

static gboolean result_over(gpointer data)
{
    struct result_end *r = data;
    struct program *pr = g_hash_table_lookup(r->m->programs, &r->session);
    if (pr) {
        pr->result_timer = 0;
        g_free(pr->result);
        pr->result = NULL;
        pl_media_overlay_changed(r->m, r->session);
    }
    return G_SOURCE_REMOVE;
}

/* The session's program (made on first use; m->programs owns it). */
static struct program *program_of(struct pl_media *m, int64_t session_id)
{
    struct program *pr = g_hash_table_lookup(m->programs, &session_id);
    if (!pr) {
        pr = g_new0(struct program, 1);
        int64_t *key = g_new(int64_t, 1);
        *key = session_id;
        g_hash_table_insert(m->programs, key, pr);
    }
    return pr;
}

/* Follows the events the lower third shows; true if it changed. */
bool pl_media_overlay_follow(struct pl_media *m, int64_t session_id, const char *name,
                             const json_t *data)
{
    struct program *pr = program_of(m, session_id);
    if (strcmp(name, "agenda.activated") == 0) {
        g_free(pr->item);
        pr->item = g_strdup(json_string_value(json_object_get(data, "title")));
        return true;
    }
    if (strcmp(name, "floor.changed") == 0) {
        const json_t *turn = json_object_get(data, "turn");
        g_free(pr->speaker);
        pr->speaker = json_is_object(turn)
                          ? g_strdup(json_string_value(json_object_get(turn, "name")))
                          : NULL;
        return true;
    }
    if (strcmp(name, "vote.published") == 0) {
        const json_t *r = json_object_get(data, "result");
        g_free(pr->result);
        if (json_object_get(r, "for"))
            pr->result = g_strdup_printf(
                "Kết quả biểu quyết: Tán thành %lld · Không tán thành %lld · Không biểu quyết "
                "%lld — %s",
                (long long)json_integer_value(json_object_get(r, "for")),
                (long long)json_integer_value(json_object_get(r, "against")),
                (long long)json_integer_value(json_object_get(r, "abstain")),
                json_is_true(json_object_get(r, "passed")) ? "THÔNG QUA" : "KHÔNG THÔNG QUA");
        else
            pr->result = g_strdup("Đã công bố kết quả biểu quyết");
        if (pr->result_timer)
            g_source_remove(pr->result_timer);
        struct result_end *end = g_new(struct result_end, 1);
        end->m = m;
        end->session = session_id;
        pr->result_timer =
            g_timeout_add_seconds_full(G_PRIORITY_DEFAULT, 60, result_over, end, g_free);
        return true;
    }
    if (strcmp(name, "session.closed") == 0) {
        g_hash_table_remove(m->programs, &session_id);
        return false;
    }
    return false;
}

void pl_media_remote_picture(struct pl_media *m, int64_t session_id, bool remote)
{
    if (m->off || session_id <= 0)
        return;
    struct program *pr = program_of(m, session_id);
    if (pr->remote_picture == remote)
        return;
    pr->remote_picture = remote;
    pl_log_info("recording of session %lld shows the %s picture", (long long)session_id,
                remote ? "remote speaker's" : "hall's");
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, m->streams);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        struct stream *s = v;
        if (s->session == session_id && s->src && !s->passthrough)
            pl_media_overlay_picture(s, s->src->pipeline);
    }
}

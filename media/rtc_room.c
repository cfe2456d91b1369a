/*
 * The hybrid room's pipeline: the program (the hall mixed with whoever is
 * on air), its shared encodings handed to every participant, its meters;
 * see the diagram at the top of rtc.c. The participants' bins are rtc.c's.
 */
#include <string.h>

#include <glib.h>
#include <gst/app/app.h>
#include <gst/gst.h>

#include "log.h"
#include "rtc_priv.h"

/* --- the room's pipeline -------------------------------------------------------------- */

static double level_db(const GstStructure *s)
{
    const GValue *rms = gst_structure_get_value(s, "rms");
    double db = -200.0;
    if (!rms)
        return db;
    G_GNUC_BEGIN_IGNORE_DEPRECATIONS
    GValueArray *arr = (GValueArray *)g_value_get_boxed(rms);
    for (guint i = 0; arr && i < arr->n_values; i++)
        db = MAX(db, g_value_get_double(g_value_array_get_nth(arr, i)));
    G_GNUC_END_IGNORE_DEPRECATIONS
    return db;
}

/*
 * Meters hold their peak: the consoles ask every 2 s and see one value, and
 * speech (or a test beep) is loud in bursts; the latest 100 ms alone would
 * often show a pause. A louder reading replaces the held one at once, a
 * quieter one only after LEVEL_HOLD_US.
 */
#define LEVEL_HOLD_US (2 * G_USEC_PER_SEC)

static void hold_peak(double *held, gint64 *at, double db, gint64 now)
{
    if (db >= *held || now - *at > LEVEL_HOLD_US) {
        *held = db;
        *at = now;
    }
}

static gboolean room_bus(GstBus *bus, GstMessage *msg, gpointer data)
{
    (void)bus;
    struct room *room = data;
    switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ELEMENT: {
        const GstStructure *s = gst_message_get_structure(msg);
        if (!s || !gst_structure_has_name(s, "level"))
            break;
        const char *src = GST_OBJECT_NAME(GST_MESSAGE_SRC(msg));
        double db = level_db(s);
        gint64 now = g_get_monotonic_time();
        if (strcmp(src, "program-level") == 0) {
            hold_peak(&room->level_db, &room->level_at_us, db, now);
        } else if (g_str_has_prefix(src, "plevel-")) {
            guint64 id = g_ascii_strtoull(src + strlen("plevel-"), NULL, 10);
            struct pl_rtc_peer *p = g_hash_table_lookup(room->rtc->peers, &id);
            if (p) {
                hold_peak(&p->audio_db, &p->audio_db_at_us, db, now);
                p->last_audio_us = now;
            }
        }
        break;
    }
    case GST_MESSAGE_ERROR: {
        GError *e = NULL;
        gst_message_parse_error(msg, &e, NULL);
        /* A participant's element failing must not end the room: say who. */
        pl_log_warn("hybrid room of session %lld: %s: %s", (long long)room->session_id,
                    GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), e ? e->message : "error");
        g_clear_error(&e);
        break;
    }
    default:
        break;
    }
    return G_SOURCE_CONTINUE;
}

/*
 * An appsink's streaming thread: one encoded buffer of the program, handed
 * to every participant's appsrc. The return path is not linked to the
 * mixers by pads on purpose: a participant's sound goes into the mix and
 * the mix back to the participant, and as one graph that would be a loop
 * (GStreamer then cannot order state changes or configure latency).
 */
static GstFlowReturn shared_sample(GstAppSink *sink, gpointer data)
{
    struct room *room = data;
    GstSample *sample = gst_app_sink_pull_sample(sink);
    if (!sample)
        return GST_FLOW_OK;
    GPtrArray *outs = GST_ELEMENT(sink) == room->aenc ? room->audio_out : room->video_out;
    g_mutex_lock(&room->lock);
    for (guint i = 0; i < outs->len; i++)
        gst_app_src_push_sample(GST_APP_SRC(g_ptr_array_index(outs, i)), sample);
    g_mutex_unlock(&room->lock);
    gst_sample_unref(sample);
    return GST_FLOW_OK;
}

struct room *pl_rtc_room_new(struct pl_rtc *rtc, int64_t session_id, int64_t floor_person)
{
    const struct pl_config *cfg = rtc->cfg;
    gst_init(NULL, NULL); /* once; media.c does not when recording is off */
    GString *d = g_string_new(NULL);
    long long sid = (long long)session_id;
    /* The hall comes from media.c's encoded recording of the session's
     * sitting (see the diagram at the top); the inter sources give silence
     * and black while nothing feeds them (recording off, or a passed-
     * through source). The sinks towards media.c sit behind leaky queues
     * and never wait on the clock: a recording that is not there costs the
     * room nothing. */
    g_string_append_printf(
        d,
        "audiomixer name=mix latency=20000000 ! " PL_RTC_AUDIO_CAPS
        " ! tee name=atee allow-not-linked=true "
        "interaudiosrc channel=pl-hall-a-%lld period-time=10000000 ! audioconvert ! "
        "audioresample ! " PL_RTC_AUDIO_CAPS " ! mix. "
        "atee. ! queue leaky=downstream max-size-time=200000000 ! "
        "level name=program-level interval=100000000 ! fakesink sync=false async=false "
        "atee. ! queue leaky=downstream max-size-time=200000000 ! audioconvert ! "
        "opusenc frame-size=20 bitrate=64000 ! appsink name=aenc sync=false async=false "
        "max-buffers=10 drop=true "
        "audiomixer name=rmix latency=20000000 ! " PL_RTC_AUDIO_CAPS
        " ! tee name=rtee allow-not-linked=true "
        "rtee. ! queue leaky=downstream max-size-time=200000000 ! "
        "interaudiosink channel=pl-remote-a-%lld sync=false async=false "
        "audiotestsrc is-live=true wave=silence samplesperbuffer=480 ! " PL_RTC_AUDIO_CAPS
        " ! rmix. "
        "compositor name=comp background=black ! " PL_RTC_PROGRAM_CAPS
        " ! tee name=vtee vtee. ! videoconvert ! queue leaky=downstream max-size-time=200000000 ! "
        "vp8enc deadline=1 cpu-used=8 threads=2 target-bitrate=600000 keyframe-max-dist=30 "
        "lag-in-frames=0 name=vencoder ! appsink name=venc sync=false async=false "
        "max-buffers=10 drop=true "
        "vtee. ! queue leaky=downstream max-size-buffers=2 max-size-bytes=0 max-size-time=0 ! "
        "intervideosink channel=pl-room-v-%lld sync=false async=false "
        "intervideosrc channel=pl-hall-v-%lld ! videoconvert ! videoscale ! videorate "
        "! " PL_RTC_PROGRAM_CAPS " ! comp. ",
        sid, sid, sid, sid);
    if (cfg->rtc_hall_sink && strcmp(cfg->rtc_hall_sink, "none") != 0) {
        /* The hall's PA: the remote participants' sound alone (the hall's
         * own, now in the program, would feed back through its
         * microphones), late rather than never. */
        if (g_str_has_prefix(cfg->rtc_hall_sink, "alsa:"))
            g_string_append(d, "rtee. ! queue leaky=downstream max-size-time=200000000 ! "
                               "audioconvert ! audioresample ! alsasink name=hallpa sync=false ");
        else if (strcmp(cfg->rtc_hall_sink, "pulse") == 0)
            g_string_append(d, "rtee. ! queue leaky=downstream max-size-time=200000000 ! "
                               "audioconvert ! audioresample ! pulsesink sync=false ");
    }
    GError *err = NULL;
    GstElement *pipe = gst_parse_launch(d->str, &err);
    g_string_free(d, TRUE);
    if (!pipe || err) {
        pl_log_error("cannot build the hybrid room: %s", err ? err->message : "?");
        g_clear_error(&err);
        if (pipe)
            gst_object_unref(pipe);
        return NULL;
    }
    GstElement *pa = gst_bin_get_by_name(GST_BIN(pipe), "hallpa");
    if (pa) {
        /* Set here, not in the description: an ALSA device name may hold
         * characters the description would read as syntax. */
        g_object_set(pa, "device", cfg->rtc_hall_sink + strlen("alsa:"), NULL);
        gst_object_unref(pa);
    }
    struct room *room = g_new0(struct room, 1);
    room->rtc = rtc;
    room->session_id = session_id;
    room->pipe = pipe;
    room->level_db = -200.0;
    room->floor_person = floor_person;
    room->mix = gst_bin_get_by_name(GST_BIN(pipe), "mix");
    room->comp = gst_bin_get_by_name(GST_BIN(pipe), "comp");
    room->atee = gst_bin_get_by_name(GST_BIN(pipe), "atee");
    room->rmix = gst_bin_get_by_name(GST_BIN(pipe), "rmix");
    room->aenc = gst_bin_get_by_name(GST_BIN(pipe), "aenc");
    room->venc = gst_bin_get_by_name(GST_BIN(pipe), "venc");
    room->vencoder = gst_bin_get_by_name(GST_BIN(pipe), "vencoder");
    g_mutex_init(&room->lock);
    room->audio_out = g_ptr_array_new_with_free_func(gst_object_unref);
    room->video_out = g_ptr_array_new_with_free_func(gst_object_unref);
    GstAppSinkCallbacks cbs = {.new_sample = shared_sample};
    gst_app_sink_set_callbacks(GST_APP_SINK(room->aenc), &cbs, room, NULL);
    gst_app_sink_set_callbacks(GST_APP_SINK(room->venc), &cbs, room, NULL);
    GstBus *bus = gst_element_get_bus(pipe);
    room->bus_watch = gst_bus_add_watch(bus, room_bus, room);
    gst_object_unref(bus);
    if (gst_element_set_state(pipe, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
        pl_log_warn("the hybrid room of session %lld did not start", (long long)session_id);
    pl_log_info("hybrid room of session %lld opened", (long long)session_id);
    return room;
}

void pl_rtc_room_free(gpointer data)
{
    struct room *room = data;
    room->closing = true;
    while (room->peers) {
        struct pl_rtc_peer *p = room->peers->data;
        pl_rtc_drop(p, "closed", "room_closed");
    }
    gst_element_set_state(room->pipe, GST_STATE_NULL);
    if (room->bus_watch)
        g_source_remove(room->bus_watch);
    g_ptr_array_unref(room->audio_out);
    g_ptr_array_unref(room->video_out);
    g_mutex_clear(&room->lock);
    GstElement *borrowed[] = {room->mix,  room->comp, room->atee,    room->rmix,
                              room->aenc, room->venc, room->vencoder};
    for (size_t i = 0; i < G_N_ELEMENTS(borrowed); i++)
        if (borrowed[i])
            gst_object_unref(borrowed[i]);
    gst_object_unref(room->pipe);
    pl_log_info("hybrid room of session %lld closed", (long long)room->session_id);
    g_free(room);
}

/* Tells the recording (pl_rtc_on_picture) whether a participant's picture
 * is on air in room now; only changes. */
void pl_rtc_room_picture(struct room *room)
{
    bool on = false;
    for (GList *l = room->peers; l && !on; l = l->next) {
        const struct pl_rtc_peer *p = l->data;
        on = p->bin && p->on_floor && !p->chair_muted && p->video_mline >= 0 && !p->viewer;
    }
    if (on == room->remote_picture)
        return;
    room->remote_picture = on;
    if (room->rtc->picture)
        room->rtc->picture(room->rtc->picture_user, room->session_id, on);
}

/*
 * libFuzzer harness: the live-session domain driven by arbitrary requests.
 * The input is split on newlines; each line is a plenum.v1 message decoded
 * by the real decoder and, if it is a session command, decided by
 * pl_live_check as the chair, a delegate, the secretary or an observer (the
 * first byte of the line picks who) and applied when allowed. Invariants:
 * a refusal changes nothing, an applied change advances seq by one, there is
 * at most one current turn and the queue holds no two requests of one person
 * for one item.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "live.h"
#include "proto.h"
#include "vote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char doc_text[] =
    "{\"session\":{\"id\":1,\"council_id\":1,\"council_name\":\"H\",\"title\":\"K\",\"number\":1,"
    "\"total_seats\":5,\"quorum_num\":2,\"quorum_den\":3,\"kind\":\"regular\",\"visibility\":"
    "\"public\",\"state\":\"planned\",\"limits\":{},\"display\":{\"mode\":\"agenda\"}},"
    "\"members\":[{\"person_id\":1,\"name\":\"C\",\"role\":\"chair\",\"is_delegate\":true},"
    "{\"person_id\":2,\"name\":\"D\",\"role\":\"delegate\",\"is_delegate\":true},"
    "{\"person_id\":3,\"name\":\"S\",\"role\":\"secretary\",\"is_delegate\":false},"
    "{\"person_id\":4,\"name\":\"E\",\"role\":\"delegate\",\"is_delegate\":true}],"
    "\"sittings\":[{\"id\":1,\"ordinal\":1,\"title\":\"A\",\"visibility\":\"public\",\"state\":"
    "\"planned\"},{\"id\":2,\"ordinal\":2,\"title\":\"B\",\"visibility\":\"closed\",\"state\":"
    "\"planned\"}],\"items\":[{\"id\":1,\"parent_id\":0,\"position\":1,\"title\":\"I\","
    "\"documents\":[],\"state\":\"pending\"},{\"id\":2,\"parent_id\":1,\"position\":1,"
    "\"title\":\"J\",\"documents\":[],\"state\":\"pending\"},{\"id\":3,\"parent_id\":0,"
    "\"position\":2,\"title\":\"K\",\"documents\":[],\"state\":\"pending\"}],\"present\":[],"
    "\"queue\":[],\"speeches\":[],\"turn\":null,\"seq\":0,\"events\":[]}";

static void check_invariants(const struct pl_live *l)
{
    for (guint i = 0; i < l->queue->len; i++) {
        const struct pl_speaker_request *a = &g_array_index(l->queue, struct pl_speaker_request, i);
        for (guint j = i + 1; j < l->queue->len; j++) {
            const struct pl_speaker_request *b =
                &g_array_index(l->queue, struct pl_speaker_request, j);
            if (a->item_id == b->item_id && a->person_id == b->person_id)
                abort();
        }
    }
    if (l->turn.id && !l->open_sitting)
        abort();
    json_t *snap = pl_live_snapshot(l, true, 0);
    if (!snap)
        abort();
    json_decref(snap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pl_identity people[4] = {{1, 1, "c", "C", false, false},
                                           {2, 2, "d", "D", false, false},
                                           {3, 3, "s", "S", false, false},
                                           {4, 4, "e", "E", false, false}};
    json_t *doc = json_loads(doc_text, 0, NULL);
    char err[64];
    struct pl_live *l = pl_live_from_json(doc, err, sizeof err);
    json_decref(doc);
    if (!l)
        abort();
    int64_t now = 1000;
    size_t start = 0;
    while (start < size) {
        size_t end = start;
        while (end < size && data[end] != '\n')
            end++;
        if (end > start + 1) {
            unsigned who_byte = data[start];
            const struct pl_identity *who = who_byte % 5 == 4 ? NULL : &people[who_byte % 5];
            struct pl_request req;
            char field[64];
            if (pl_proto_decode((const char *)data + start + 1, end - start - 1, &req, field,
                                sizeof field) == PL_OK &&
                (req.type == PL_REQ_SESSION_CMD || req.type == PL_REQ_BALLOT)) {
                struct pl_change ch;
                const char *reason;
                int64_t before = l->seq;
                now += 1000 + (who_byte & 0x3f) * 1000;
                if (who && req.type == PL_REQ_BALLOT) {
                    /* A ballot: decided alone, applied as a group of one. */
                    GHashTable *batch = g_hash_table_new(g_int64_hash, g_int64_equal);
                    struct pl_cast *c = g_new0(struct pl_cast, 1);
                    if (pl_vote_check_cast(l, who, req.rq, req.root, batch, 0, c, &reason) ==
                            PL_OK &&
                        c->outcome != PL_CAST_DUPLICATE) {
                        memset(&ch, 0, sizeof ch);
                        ch.vote_id = json_integer_value(json_object_get(req.root, "vote_id"));
                        ch.casts = g_ptr_array_new();
                        g_ptr_array_add(ch.casts, c);
                        pl_vote_batch_event(l, &ch);
                        pl_live_apply(l, &ch);
                        if (l->seq != before) /* a ballot has no event, no seq */
                            abort();
                        g_ptr_array_free(ch.casts, TRUE);
                        ch.casts = NULL;
                        pl_change_clear(&ch);
                    }
                    pl_cast_clear(c);
                    g_free(c);
                    g_hash_table_destroy(batch);
                } else if (pl_live_check(l, who, req.rq, req.root, now, &ch, &reason) == PL_OK) {
                    if (!ch.event || !ch.data || ch.seq != before + 1)
                        abort();
                    pl_live_apply(l, &ch);
                    pl_change_clear(&ch);
                    if (l->seq != before + 1)
                        abort();
                } else if (l->seq != before) {
                    abort();
                }
                if (pl_live_check_overrun(l, now, &ch)) {
                    pl_live_apply(l, &ch);
                    pl_change_clear(&ch);
                }
                check_invariants(l);
            }
            pl_request_clear(&req);
        }
        start = end + 1;
    }
    pl_live_free(l);
    return 0;
}

/* Unit tests for the live-session domain (server/session/live.c) without a socket
 * or a database: agenda order, roles, quorum, the speaker queue, turns and
 * their timers, visibility. */
#include <stdlib.h>

#include <glib.h>
#include <jansson.h>

#include "check.h"
#include "live.h"

static struct pl_identity ids[8];

static const struct pl_identity *who(int person)
{
    ids[person].person_id = person;
    ids[person].signin_id = 100 + person;
    ids[person].login = "x";
    ids[person].display_name = "x";
    return &ids[person];
}

static struct pl_live *load(void)
{
    json_error_t e;
    json_t *doc = json_load_file(PL_TEST_DATA "/live_doc.json", 0, &e);
    if (!doc) {
        fprintf(stderr, "live_doc.json: %s line %d\n", e.text, e.line);
        exit(1);
    }
    char err[128];
    struct pl_live *l = pl_live_from_json(doc, err, sizeof err);
    json_decref(doc);
    return l;
}

/* Decides and, if allowed, applies; returns the error code. */
static enum pl_err act(struct pl_live *l, int person, const char *type, const char *fields,
                       int64_t now, const char **reason)
{
    json_t *req = json_loads(fields ? fields : "{}", 0, NULL);
    struct pl_change ch;
    const char *r;
    /* The type looked up once, as the decoder does; an unknown one is no
     * request (PL_RQ_UNKNOWN), refused as not a session command. */
    const struct pl_req_spec *spec = pl_proto_find(type);
    enum pl_err err = pl_live_check(l, person ? who(person) : NULL, spec ? spec->id : PL_RQ_UNKNOWN,
                                    req, now, &ch, &r);
    if (reason)
        *reason = r;
    if (err == PL_OK) {
        int64_t before = l->seq;
        pl_live_apply(l, &ch);
        CHECK(l->seq == before + 1);
        pl_change_clear(&ch);
    }
    json_decref(req);
    return err;
}

static json_t *queue_of(struct pl_live *l)
{
    json_t *snap = pl_live_snapshot(l, true, 0);
    json_t *q = json_incref(json_object_get(snap, "queue"));
    json_decref(snap);
    return q;
}

int main(void)
{
    struct pl_live *l = load();
    const char *why;
    CHECK(l != NULL);
    /* Agenda in depth-first order by position, whatever the load order. */
    int64_t order[] = {101, 102, 201, 202, 103};
    for (int i = 0; i < 5; i++)
        CHECK(g_array_index(l->items, struct pl_item, i).id == order[i]);
    CHECK(g_array_index(l->items, struct pl_item, 2).depth == 1);
    CHECK(l->active_item == 102 && l->open_sitting == 10 && l->seq == 7);

    /* Roles. */
    bool del;
    CHECK(pl_live_role(l, who(1), &del) == PL_ROLE_CHAIR && del);
    CHECK(pl_live_role(l, who(3), &del) == PL_ROLE_SECRETARY && !del);
    CHECK(pl_live_role(l, NULL, &del) == PL_ROLE_NONE);
    CHECK(act(l, 4, "agenda.next", NULL, 1000, &why) == PL_ERR_FORBIDDEN);
    CHECK(act(l, 3, "agenda.next", NULL, 1000, &why) == PL_ERR_FORBIDDEN);
    CHECK(act(l, 7, "attendance.check_in", NULL, 1000, &why) == PL_ERR_FORBIDDEN);
    CHECK(act(l, 3, "attendance.check_in", NULL, 1000, &why) == PL_ERR_FORBIDDEN);
    CHECK(act(l, 4, "attendance.set", "{\"person_id\":5,\"present\":false}", 1000, &why) ==
          PL_ERR_FORBIDDEN);
    CHECK(l->seq == 7); /* refusals change nothing */

    /* Quorum: two thirds of 31 is 20.67, so 21 are needed. */
    json_t *snap = pl_live_snapshot(l, true, 0);
    json_t *att = json_object_get(snap, "attendance");
    CHECK(json_integer_value(json_object_get(att, "quorum")) == 21);
    CHECK(json_integer_value(json_object_get(att, "present_count")) == 2);
    json_decref(snap);
    CHECK(act(l, 6, "attendance.check_in", NULL, 1000, NULL) == PL_OK);
    CHECK(act(l, 6, "attendance.check_in", NULL, 1000, &why) == PL_ERR_INVALID_STATE);
    CHECK_STR(why, "already_present");
    CHECK(act(l, 3, "attendance.set", "{\"person_id\":7,\"present\":true}", 1000, &why) ==
          PL_ERR_INVALID_STATE);
    CHECK_STR(why, "not_a_delegate");
    CHECK(act(l, 3, "attendance.set", "{\"person_id\":6,\"present\":false}", 1000, NULL) == PL_OK);
    CHECK(g_hash_table_size(l->present) == 2);

    /* Agenda moves: next from 102 is its first child, previous goes back. */
    CHECK(act(l, 2, "agenda.next", NULL, 1000, NULL) == PL_OK); /* vice-chair acts as chair */
    CHECK(l->active_item == 201);
    CHECK(act(l, 1, "agenda.previous", NULL, 1000, NULL) == PL_OK);
    CHECK(l->active_item == 102);
    CHECK(act(l, 1, "agenda.done", "{\"item_id\":201}", 1000, NULL) == PL_OK);
    CHECK(act(l, 1, "agenda.next", NULL, 1000, NULL) == PL_OK); /* skips done 201 */
    CHECK(l->active_item == 202);

    /* Only a delegate checked in to the sitting may ask for the floor. */
    CHECK(act(l, 6, "speaker.request", "{\"kind\":\"order\"}", 2000, &why) == PL_ERR_INVALID_STATE);
    CHECK_STR(why, "not_present");
    CHECK(act(l, 6, "attendance.check_in", NULL, 2000, NULL) == PL_OK);
    CHECK(act(l, 1, "attendance.check_in", NULL, 2000, NULL) == PL_OK);

    /* Queue: points of order first (in their order), then the rest. */
    CHECK(act(l, 4, "speaker.request", "{\"kind\":\"speech\"}", 2000, NULL) == PL_OK);
    CHECK(act(l, 5, "speaker.request", "{\"kind\":\"order\"}", 2000, NULL) == PL_OK);
    CHECK(act(l, 6, "speaker.request", "{\"kind\":\"order\"}", 2000, NULL) == PL_OK);
    CHECK(act(l, 1, "speaker.request", "{\"kind\":\"question\"}", 2000, NULL) == PL_OK);
    CHECK(act(l, 4, "speaker.request", "{\"kind\":\"reply\"}", 2000, &why) == PL_ERR_INVALID_STATE);
    CHECK_STR(why, "already_queued");
    json_t *q = queue_of(l);
    int64_t want[] = {5, 6, 4, 1};
    CHECK(json_array_size(q) == 4);
    for (size_t i = 0; i < 4 && i < json_array_size(q); i++)
        CHECK(json_integer_value(json_object_get(json_array_get(q, i), "person_id")) == want[i]);
    /* Move the question (chair, person 1) to the front, then to the end. */
    int64_t rq = json_integer_value(json_object_get(json_array_get(q, 3), "request_id"));
    json_decref(q);
    char f[64];
    snprintf(f, sizeof f, "{\"request_id\":%lld,\"index\":0}", (long long)rq);
    CHECK(act(l, 1, "speaker.reorder", f, 2000, NULL) == PL_OK);
    q = queue_of(l);
    CHECK(json_integer_value(json_object_get(json_array_get(q, 0), "person_id")) == 1);
    json_decref(q);
    snprintf(f, sizeof f, "{\"request_id\":%lld,\"index\":3}", (long long)rq);
    CHECK(act(l, 1, "speaker.reorder", f, 2000, NULL) == PL_OK);
    q = queue_of(l);
    CHECK(json_integer_value(json_object_get(json_array_get(q, 3), "person_id")) == 1);
    json_decref(q);
    snprintf(f, sizeof f, "{\"request_id\":%lld,\"index\":4}", (long long)rq);
    CHECK(act(l, 1, "speaker.reorder", f, 2000, &why) == PL_ERR_BAD_FIELD);

    /* Turns: the first speech of person 4 on this item gets 420 s, the
     * second 180 s; pause time does not count; overrun at the deadline. */
    CHECK(act(l, 1, "speaker.grant", NULL, 10000, NULL) == PL_OK); /* the first point of order */
    CHECK(l->turn.person_id == 5 && l->turn.limit_s == 120);
    CHECK(act(l, 1, "speaker.grant", NULL, 20000, NULL) == PL_OK);
    CHECK(l->turn.person_id == 6);
    CHECK(act(l, 1, "speaker.grant", NULL, 30000, NULL) == PL_OK);
    CHECK(l->turn.person_id == 4 && l->turn.kind == PL_KIND_SPEECH && l->turn.limit_s == 420);
    CHECK(pl_live_deadline(l) == 30000 + 420000);
    CHECK(act(l, 1, "timer.pause", NULL, 40000, NULL) == PL_OK);
    CHECK(pl_live_deadline(l) == 0);
    CHECK(act(l, 1, "timer.resume", NULL, 50000, NULL) == PL_OK);
    CHECK(pl_live_deadline(l) == 30000 + 420000 + 10000);
    CHECK(act(l, 1, "timer.extend", "{\"seconds\":30}", 50000, NULL) == PL_OK);
    CHECK(pl_live_deadline(l) == 30000 + 450000 + 10000);
    struct pl_change ch;
    CHECK(!pl_live_check_overrun(l, 400000, &ch));
    CHECK(pl_live_check_overrun(l, 490000, &ch));
    pl_live_apply(l, &ch);
    pl_change_clear(&ch);
    CHECK(l->turn.overran && pl_live_deadline(l) == 0);
    CHECK(act(l, 1, "speaker.end", NULL, 500000, NULL) == PL_OK);
    CHECK(l->turn.id == 0);
    CHECK(act(l, 4, "speaker.request", "{\"kind\":\"speech\"}", 510000, NULL) == PL_OK);
    CHECK(act(l, 1, "speaker.grant", NULL, 520000, NULL) == PL_OK);
    CHECK(l->turn.person_id == 1); /* the question was first */
    CHECK(act(l, 1, "speaker.grant", NULL, 530000, NULL) == PL_OK);
    CHECK(l->turn.person_id == 4 && l->turn.limit_s == 180); /* a second speech */
    CHECK(act(l, 1, "speaker.give_floor", "{\"person_id\":99}", 530000, &why) == PL_ERR_NOT_FOUND);
    /* The floor is the delegates': not staff's. */
    CHECK(act(l, 1, "speaker.give_floor", "{\"person_id\":7,\"kind\":\"answer\"}", 540000, &why) ==
          PL_ERR_INVALID_STATE);
    CHECK_STR(why, "not_a_delegate");
    CHECK(act(l, 1, "speaker.give_floor", "{\"person_id\":2,\"kind\":\"answer\"}", 540000, NULL) ==
          PL_OK);
    CHECK(l->turn.person_id == 2 && l->turn.limit_s == 300);

    /* Visibility: a closed sitting hides its events and snapshot from
     * observers. */
    CHECK(pl_live_public_now(l));
    CHECK(act(l, 1, "sitting.open", "{\"sitting_id\":11}", 600000, &why) == PL_ERR_INVALID_STATE);
    CHECK_STR(why, "sitting_already_open");
    CHECK(act(l, 1, "sitting.close", NULL, 600000, NULL) == PL_OK);
    CHECK(l->turn.id == 0 && l->open_sitting == 0 && g_hash_table_size(l->present) == 0);
    CHECK(act(l, 4, "speaker.request", "{\"kind\":\"speech\"}", 600000, &why) ==
          PL_ERR_INVALID_STATE);
    CHECK_STR(why, "no_open_sitting");
    CHECK(act(l, 1, "sitting.open", "{\"sitting_id\":11}", 610000, NULL) == PL_OK);
    CHECK(!pl_live_public_now(l));
    snap = pl_live_snapshot(l, false, 0);
    CHECK(json_is_true(json_object_get(snap, "hidden")) && !json_object_get(snap, "queue"));
    json_decref(snap);
    snap = pl_live_snapshot(l, true, 0);
    CHECK(json_object_get(snap, "queue") != NULL);
    json_decref(snap);

    /* Display. */
    CHECK(act(l, 1, "display.set", "{\"mode\":\"message\"}", 620000, &why) == PL_ERR_BAD_FIELD);
    CHECK(act(l, 1, "display.set", "{\"mode\":\"queue\",\"message\":\"x\"}", 620000, &why) ==
          PL_ERR_BAD_FIELD);
    CHECK(act(l, 1, "display.set", "{\"mode\":\"message\",\"message\":\"Giải lao\"}", 620000,
              NULL) == PL_OK);
    CHECK_STR(l->display_mode, "message");

    /* Council rules on votes: no vote below the quorum (nobody is checked
     * in to this new sitting: 0 of 21), and a secret ballot needs a board
     * of the council's size (3 unless the document says otherwise). */
    CHECK(l->board_size == 3);
    CHECK(act(l, 1, "vote.prepare", "{\"kind\":\"open\",\"question\":\"Q\"}", 620000, NULL) ==
          PL_OK);
    int64_t vid = l->seq;
    char vreq[64];
    snprintf(vreq, sizeof vreq, "{\"vote_id\":%lld}", (long long)vid);
    CHECK(act(l, 1, "vote.open", vreq, 620000, &why) == PL_ERR_INVALID_STATE);
    CHECK_STR(why, "no_quorum");
    json_t *vj = json_loads(vreq, 0, NULL);
    json_t *detail = pl_live_refusal_detail(l, PL_RQ_VOTE_OPEN, vj, why);
    CHECK(json_integer_value(json_object_get(detail, "present")) == 0 &&
          json_integer_value(json_object_get(detail, "needed")) == 21 &&
          json_integer_value(json_object_get(detail, "total_seats")) == 31);
    json_decref(detail);
    json_decref(vj);
    CHECK(act(l, 1, "vote.prepare", "{\"kind\":\"secret\",\"question\":\"Q\",\"board\":[4,5]}",
              620000, &why) == PL_ERR_INVALID_STATE);
    CHECK_STR(why, "counting_board_required");
    CHECK(act(l, 1, "vote.prepare", "{\"kind\":\"secret\",\"question\":\"Q\",\"board\":[4,5,6]}",
              620000, NULL) == PL_OK);
    snprintf(vreq, sizeof vreq, "{\"vote_id\":%lld}", (long long)l->seq);
    CHECK(act(l, 1, "vote.publish", vreq, 620000, &why) == PL_ERR_INVALID_STATE);
    CHECK(pl_live_refusal_detail(l, PL_RQ_VOTE_PUBLISH, NULL, "not_counted") == NULL);

    CHECK(act(l, 1, "session.close", NULL, 630000, &why) == PL_ERR_INVALID_STATE);
    CHECK_STR(why, "sitting_open");
    CHECK(act(l, 1, "sitting.close", NULL, 640000, NULL) == PL_OK);
    CHECK(act(l, 1, "session.close", NULL, 650000, NULL) == PL_OK);
    CHECK(act(l, 1, "session.open", NULL, 660000, &why) == PL_ERR_INVALID_STATE);
    CHECK(act(l, 1, "not.a_command", NULL, 660000, &why) == PL_ERR_UNKNOWN_TYPE);
    pl_live_free(l);
    pl_live_free(NULL);
    return check_report("test_live");
}

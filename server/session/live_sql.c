/* SQL for live sessions; see live_sql.h. */
#include "live_sql.h"

#include "sql_params.h"
#include "vote_sql.h"

#include <stdio.h>

#define MS(col) "(extract(epoch FROM " col ") * 1000)::bigint"

const char pl_live_load_sql[] =
    "SELECT jsonb_build_object("
    "'keys', coalesce((SELECT jsonb_agg(jsonb_build_array(person_id, key, type, seq))"
    " FROM command_key WHERE session_id = $1), '[]'),"
    "'session', (SELECT jsonb_build_object('id', s.id, 'council_id', c.id, 'council_name', c.name,"
    " 'title', s.title, 'number', s.number, 'total_seats', c.total_seats, 'quorum_num',"
    " c.quorum_num, 'quorum_den', c.quorum_den, 'counting_board_size', council_board_size(c),"
    " 'kind', s.kind, 'visibility', s.visibility,"
    " 'state', s.state, 'limits', s.limits, 'display', s.display)"
    " FROM session s JOIN council c ON c.id = s.council_id WHERE s.id = $1),"
    "'members', coalesce((SELECT jsonb_agg(jsonb_build_object('person_id', p.id, 'name',"
    " p.display_name, 'role', m.role, 'is_delegate', m.is_delegate, 'seat_no', m.seat_no)"
    " ORDER BY m.seat_no NULLS LAST, p.id) FROM membership m JOIN person p ON p.id = m.person_id"
    " WHERE m.council_id = (SELECT council_id FROM session WHERE id = $1)), '[]'),"
    "'sittings', coalesce((SELECT jsonb_agg(jsonb_build_object('id', id, 'ordinal', ordinal,"
    " 'title', title, 'visibility', visibility, 'state', state) ORDER BY ordinal)"
    " FROM sitting WHERE session_id = $1), '[]'),"
    "'items', coalesce((SELECT jsonb_agg(jsonb_build_object('id', id, 'parent_id',"
    " coalesce(parent_id, 0), 'position', position, 'title', title, 'presenter', presenter,"
    " 'documents', documents, 'state', state)) FROM agenda_item WHERE session_id = $1), '[]'),"
    "'present', coalesce((SELECT jsonb_agg(a.person_id) FROM attendance a"
    " JOIN sitting st ON st.id = a.sitting_id"
    " WHERE st.session_id = $1 AND st.state = 'open' AND a.present), '[]'),"
    "'queue', coalesce((SELECT jsonb_agg(jsonb_build_object('id', id, 'item_id', agenda_item_id,"
    " 'person_id', person_id, 'kind', kind, 'position', position)) FROM speaker_request"
    " WHERE session_id = $1 AND status = 'queued'), '[]'),"
    "'speeches', coalesce((SELECT jsonb_agg(jsonb_build_object('item_id', agenda_item_id,"
    " 'person_id', person_id, 'n', n)) FROM (SELECT agenda_item_id, person_id, count(*) AS n"
    " FROM speaking_turn WHERE session_id = $1 AND kind = 'speech' GROUP BY 1, 2) x), '[]'),"
    "'turn', (SELECT jsonb_build_object('id', id, 'person_id', person_id, 'item_id',"
    " coalesce(agenda_item_id, 0), 'request_id', coalesce(request_id, 0), 'sitting_id',"
    " sitting_id, 'kind', kind, 'limit_s', limit_s, 'extended_s', extended_s, 'started_ms',"
    " " MS("started_at") ", 'paused_at_ms', coalesce(" MS(
        "paused_at") ", 0), 'paused_ms',"
                     " paused_ms, 'overran', overran) FROM speaking_turn WHERE session_id = $1"
                     " AND ended_at IS NULL),"
                     "'seq', coalesce((SELECT max(seq) FROM session_event WHERE session_id = $1), "
                     "0),"
                     "'events', coalesce((SELECT jsonb_agg(jsonb_build_object('seq', seq, "
                     "'at_ms', " MS("at") ","
                                          " 'name', name, 'public', public, 'data', data) ORDER BY "
                                          "seq) FROM (SELECT * FROM"
                                          " session_event WHERE session_id = $1 ORDER BY seq DESC "
                                          "LIMIT 1024) e), '[]')," PL_VOTES_DOC_SQL ")";

#define T "to_timestamp($3::bigint / 1000.0)"

/* The statement that ends the current turn (ch->ended), as a CTE body. */
static void end_turn(GString *s, GPtrArray *p, const struct pl_change *ch, const char *name)
{
    int pm = pl_param_int(p, ch->ended.paused_ms),
        ov = pl_param(p, g_strdup(ch->ended.overran ? "t" : "f"));
    int id = pl_param_int(p, ch->ended.id);
    g_string_append_printf(s,
                           ", %s AS (UPDATE speaking_turn SET ended_at = " T
                           ", paused_at = NULL, paused_ms = $%d, overran = $%d"
                           " WHERE session_id = $1 AND id = $%d RETURNING 1)",
                           name, pm, ov, id);
}

char *pl_live_change_sql(const struct pl_live *l, const struct pl_change *ch, GPtrArray *p)
{
    char *data = json_dumps(ch->data, JSON_COMPACT);
    pl_param_int(p, l->id);                              /* $1 */
    pl_param_int(p, ch->seq);                            /* $2 */
    pl_param_int(p, ch->now_ms);                         /* $3 */
    pl_param_id(p, ch->actor_id);                        /* $4 */
    pl_param(p, g_strdup(ch->event));                    /* $5 */
    pl_param(p, g_strdup(ch->public ? "t" : "f"));       /* $6 */
    pl_param(p, data ? g_strdup(data) : g_strdup("{}")); /* $7 */
    free(data);

    /* Every change but a batch of ballots appends its event in the same
     * statement. */
    GString *s = g_string_new(
        ch->event ? "WITH ev AS (INSERT INTO session_event (session_id, seq, at, actor_id, name, "
                    "public, data) VALUES ($1, $2, " T ", $4, $5, $6, $7::jsonb))"
                  : "WITH ev AS (SELECT $1::bigint, $2::bigint, $3::bigint, $4::bigint, $5::text, "
                    "$6::boolean, $7::jsonb)");
    if (ch->key && ch->event) {
        /* Commits with the event, or not at all; a second commit of the same
         * key is refused by the table's key (command_key_pkey). */
        int k = pl_param(p, g_strdup(ch->key)), t = pl_param(p, g_strdup(ch->key_type));
        g_string_append_printf(s,
                               ", k AS (INSERT INTO command_key (session_id, person_id, key, type, "
                               "seq) VALUES ($1, $4, $%d, $%d, $2))",
                               k, t);
    }
    int a, b, c, d, e, f;
    switch (ch->op) {
    case PL_OP_SESSION_OPEN:
        g_string_append(s, ", x AS (UPDATE session SET state = 'open', opened_at = " T
                           " WHERE id = $1)");
        break;
    case PL_OP_SESSION_CLOSE:
        g_string_append(s, ", x AS (UPDATE session SET state = 'closed', closed_at = " T
                           " WHERE id = $1)");
        break;
    case PL_OP_SITTING_OPEN:
        a = pl_param_int(p, ch->a);
        g_string_append_printf(s,
                               ", x AS (UPDATE sitting SET state = 'open', opened_at = " T
                               " WHERE id = $%d AND session_id = $1)",
                               a);
        break;
    case PL_OP_SITTING_CLOSE:
        a = pl_param_int(p, ch->a);
        g_string_append_printf(s,
                               ", x AS (UPDATE sitting SET state = 'closed', closed_at = " T
                               " WHERE id = $%d AND session_id = $1)",
                               a);
        if (ch->ends_turn)
            end_turn(s, p, ch, "y");
        break;
    case PL_OP_AGENDA_ACTIVATE:
        a = pl_param_int(p, ch->a);
        b = pl_param_id(p, ch->prev_item);
        g_string_append_printf(s,
                               ", x AS (UPDATE agenda_item SET state = CASE WHEN id = $%d THEN "
                               "'active' ELSE 'pending' END WHERE session_id = $1 AND (id = $%d "
                               "OR (id = $%d AND state = 'active')))",
                               a, a, b);
        break;
    case PL_OP_AGENDA_DONE:
        a = pl_param_int(p, ch->a);
        g_string_append_printf(s,
                               ", x AS (UPDATE agenda_item SET state = 'done' WHERE id = $%d "
                               "AND session_id = $1)",
                               a);
        break;
    case PL_OP_ATTENDANCE:
        a = pl_param_int(p, l->open_sitting);
        b = pl_param_int(p, ch->a);
        c = pl_param(p, g_strdup(ch->flag ? "t" : "f"));
        d = pl_param(p, g_strdup(ch->mode));
        g_string_append_printf(s,
                               ", x AS (INSERT INTO attendance (sitting_id, person_id, present, "
                               "method, changed_at, changed_by) VALUES ($%d, $%d, $%d, $%d, " T
                               ", $4) ON CONFLICT (sitting_id, person_id) DO UPDATE SET present "
                               "= EXCLUDED.present, method = EXCLUDED.method, changed_at = "
                               "EXCLUDED.changed_at, changed_by = EXCLUDED.changed_by)",
                               a, b, c, d);
        break;
    case PL_OP_QUEUE_ADD:
        a = pl_param_int(p, ch->b);
        b = pl_param_int(p, ch->a);
        c = pl_param(p, g_strdup(pl_kind_name((enum pl_kind)ch->kind)));
        d = pl_param(p, g_strdup_printf("%.17g", ch->position));
        g_string_append_printf(s,
                               ", x AS (INSERT INTO speaker_request (session_id, id, "
                               "agenda_item_id, person_id, kind, position, requested_at) VALUES "
                               "($1, $2, $%d, $%d, $%d, $%d, " T "))",
                               a, b, c, d);
        break;
    case PL_OP_QUEUE_CLOSE:
        a = pl_param_int(p, ch->a);
        b = pl_param(p, g_strdup(ch->flag ? "removed" : "withdrawn"));
        g_string_append_printf(s,
                               ", x AS (UPDATE speaker_request SET status = $%d, closed_at = " T
                               " WHERE session_id = $1 AND id = $%d AND status = 'queued')",
                               b, a);
        break;
    case PL_OP_QUEUE_MOVE:
        a = pl_param_int(p, ch->a);
        b = pl_param(p, g_strdup_printf("%.17g", ch->position));
        g_string_append_printf(s,
                               ", x AS (UPDATE speaker_request SET position = $%d WHERE "
                               "session_id = $1 AND id = $%d)",
                               b, a);
        break;
    case PL_OP_TURN_START:
        if (ch->ends_turn)
            end_turn(s, p, ch, "y");
        else
            g_string_append(s, ", y AS (SELECT 1)");
        a = pl_param_int(p, ch->a);
        b = pl_param(p, g_strdup(pl_kind_name((enum pl_kind)ch->kind)));
        c = pl_param_id(p, ch->b);
        d = pl_param_int(p, ch->seconds);
        e = pl_param_id(p, l->active_item);
        f = pl_param_int(p, l->open_sitting);
        if (ch->b)
            g_string_append_printf(s,
                                   ", r AS (UPDATE speaker_request SET status = 'granted', "
                                   "closed_at = " T " WHERE session_id = $1 AND id = $%d)",
                                   c);
        /* Reading y's rows makes the old turn end before the new one starts:
         * only one turn may be open (speaking_turn_one_current). */
        g_string_append_printf(s,
                               ", x AS (INSERT INTO speaking_turn (session_id, id, sitting_id, "
                               "agenda_item_id, person_id, kind, request_id, limit_s, "
                               "started_at) SELECT $1, $2, $%d, $%d, $%d, $%d, $%d, $%d, " T
                               " FROM (SELECT count(*) FROM y) AS dep)",
                               f, e, a, b, c, d);
        break;
    case PL_OP_TURN_END:
        end_turn(s, p, ch, "x");
        break;
    case PL_OP_TURN_PAUSE:
        a = pl_param_int(p, l->turn.id);
        g_string_append_printf(s,
                               ", x AS (UPDATE speaking_turn SET paused_at = " T
                               " WHERE session_id = $1 AND id = $%d)",
                               a);
        break;
    case PL_OP_TURN_RESUME:
        a = pl_param_int(p, l->turn.id);
        b = pl_param_int(p, l->turn.paused_ms + (ch->now_ms - l->turn.paused_at_ms));
        g_string_append_printf(s,
                               ", x AS (UPDATE speaking_turn SET paused_at = NULL, paused_ms = "
                               "$%d WHERE session_id = $1 AND id = $%d)",
                               b, a);
        break;
    case PL_OP_TURN_EXTEND:
        a = pl_param_int(p, l->turn.id);
        b = pl_param_int(p, l->turn.extended_s + ch->seconds);
        g_string_append_printf(s,
                               ", x AS (UPDATE speaking_turn SET extended_s = $%d, overran = "
                               "false WHERE session_id = $1 AND id = $%d)",
                               b, a);
        break;
    case PL_OP_TURN_OVERRUN:
        a = pl_param_int(p, l->turn.id);
        g_string_append_printf(s,
                               ", x AS (UPDATE speaking_turn SET overran = true WHERE "
                               "session_id = $1 AND id = $%d)",
                               a);
        break;
    case PL_OP_VOTE_PREPARE:
    case PL_OP_VOTE_OPEN:
    case PL_OP_VOTE_CASTS:
    case PL_OP_VOTE_CLOSE:
    case PL_OP_VOTE_COUNTED:
    case PL_OP_VOTE_CONFIRM:
    case PL_OP_VOTE_PUBLISH:
    case PL_OP_VOTE_CANCEL:
        pl_vote_sql(l, ch, s, p);
        break;
    case PL_OP_DISPLAY: {
        json_t *disp = json_pack("{s:s, s:s?}", "mode", ch->mode, "message", ch->message);
        char *txt = json_dumps(disp, JSON_COMPACT);
        json_decref(disp);
        a = pl_param(p, g_strdup(txt));
        free(txt);
        g_string_append_printf(s, ", x AS (UPDATE session SET display = $%d::jsonb WHERE id = $1)",
                               a);
        break;
    }
    }
    g_string_append(s, " SELECT 1");
    return g_string_free(s, FALSE);
}

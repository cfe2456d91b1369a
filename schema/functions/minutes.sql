-- functions/minutes.sql: the minutes of a session, built from its record
-- (rec_minutes_raw), cut to what a reader may see (rec_minutes_for, with
-- access.sql's rules), frozen once finalised (009_records, 015_access).

-- The record of a session, built from what the live hub committed: sittings
-- with attendance, agenda items with the time each was first taken up,
-- every speaking turn, every vote that was opened with its result. A secret
-- ballot's entry has its counts and digest, never a voter.
CREATE OR REPLACE FUNCTION rec_minutes_raw(sid bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH RECURSIVE s AS (
        SELECT s.*, c.name AS council_name, c.slug, c.total_seats
        FROM session s JOIN council c ON c.id = s.council_id WHERE s.id = sid),
    items AS (
        SELECT a.id, a.title, a.presenter, a.state, a.position::text AS number,
               ARRAY[a.position] AS path
        FROM agenda_item a WHERE a.session_id = sid AND a.parent_id IS NULL
        UNION ALL
        SELECT c.id, c.title, c.presenter, c.state, i.number || '.' || c.position,
               i.path || c.position
        FROM agenda_item c JOIN items i ON c.parent_id = i.id)
    SELECT jsonb_build_object(
        'session', (SELECT jsonb_build_object('id', s.id, 'number', s.number, 'title', s.title,
            'kind', s.kind, 'visibility', s.visibility, 'council', s.council_name,
            'council_slug', s.slug, 'total_seats', s.total_seats, 'state', s.state,
            'location', s.location, 'opened_at', s.opened_at, 'closed_at', s.closed_at) FROM s),
        'sittings', coalesce((SELECT jsonb_agg(jsonb_build_object('id', t.id,
            'ordinal', t.ordinal, 'title', t.title, 'visibility', t.visibility,
            'state', t.state, 'opened_at', t.opened_at, 'closed_at', t.closed_at,
            'present', coalesce((SELECT jsonb_agg(jsonb_build_object('person_id', a.person_id,
                    'name', p.display_name, 'seat_no', m.seat_no, 'method', a.method,
                    'left_at', CASE WHEN a.present THEN NULL ELSE a.changed_at END)
                    ORDER BY m.seat_no NULLS LAST, p.display_name)
                FROM attendance a JOIN person p ON p.id = a.person_id
                LEFT JOIN membership m ON m.person_id = a.person_id
                    AND m.council_id = (SELECT council_id FROM s)
                WHERE a.sitting_id = t.id), '[]'),
            'absent', coalesce((SELECT jsonb_agg(jsonb_build_object('person_id', m.person_id,
                    'name', p.display_name, 'seat_no', m.seat_no)
                    ORDER BY m.seat_no NULLS LAST, p.display_name)
                FROM membership m JOIN person p ON p.id = m.person_id
                WHERE m.council_id = (SELECT council_id FROM s) AND m.is_delegate
                  AND NOT EXISTS (SELECT 1 FROM attendance a WHERE a.sitting_id = t.id
                                  AND a.person_id = m.person_id)), '[]'),
            'present_count', (SELECT count(*) FROM attendance a WHERE a.sitting_id = t.id),
            'total_seats', (SELECT total_seats FROM s),
            'video', rec_video(sid, t.id, t.opened_at)) ORDER BY t.ordinal)
            FROM sitting t WHERE t.session_id = sid), '[]'),
        'agenda', coalesce((SELECT jsonb_agg(jsonb_build_object('id', i.id, 'number', i.number,
            'title', i.title, 'presenter', i.presenter, 'done', i.state = 'done',
            'first_active_at', (SELECT min(e.at) FROM session_event e WHERE e.session_id = sid
                AND e.name = 'agenda.activated' AND e.data->>'item_id' = i.id::text))
            ORDER BY i.path) FROM items i), '[]'),
        'turns', coalesce((SELECT jsonb_agg(jsonb_build_object('seq', tu.id,
            'sitting_id', tu.sitting_id, 'agenda_item_id', tu.agenda_item_id,
            'person_id', tu.person_id, 'name', p.display_name, 'kind', tu.kind,
            'started_at', tu.started_at, 'ended_at', tu.ended_at,
            'duration_s', CASE WHEN tu.ended_at IS NULL THEN NULL ELSE greatest(0,
                round(extract(epoch FROM tu.ended_at - tu.started_at) - tu.paused_ms / 1000.0))::int
                END,
            'limit_s', tu.limit_s + tu.extended_s, 'overran', tu.overran,
            'video', rec_video(sid, tu.sitting_id, tu.started_at)) ORDER BY tu.started_at, tu.id)
            FROM speaking_turn tu JOIN person p ON p.id = tu.person_id
            WHERE tu.session_id = sid), '[]'),
        'votes', coalesce((SELECT jsonb_agg(jsonb_build_object('id', v.id,
            'agenda_item_id', v.agenda_item_id, 'question', v.question, 'kind', v.kind,
            'rule', v.rule, 'seats', v.seats, 'candidates', v.candidates, 'state', v.state,
            'opened_at', v.opened_at, 'closed_at', v.closed_at, 'published_at', v.published_at,
            'eligible_count', jsonb_array_length(v.eligible), 'result', v.result,
            'ballot_digest', v.ballot_digest,
            'named', CASE WHEN v.kind = 'named' THEN coalesce((SELECT jsonb_agg(
                    jsonb_build_object('person_id', r.person_id, 'name', p.display_name,
                        'choice', r.choice, 'by_secretary', r.entered_by IS NOT NULL
                            AND r.entered_by <> r.person_id)
                    ORDER BY m.seat_no NULLS LAST, p.display_name)
                FROM vote_record r JOIN person p ON p.id = r.person_id
                LEFT JOIN membership m ON m.person_id = r.person_id
                    AND m.council_id = (SELECT council_id FROM s)
                WHERE r.session_id = sid AND r.vote_id = v.id), '[]') END,
            'video', (SELECT rec_video(sid, t.id, v.opened_at) FROM sitting t
                      WHERE t.session_id = sid AND t.opened_at <= v.opened_at
                      ORDER BY t.opened_at DESC LIMIT 1)) ORDER BY v.opened_at, v.id)
            FROM vote v WHERE v.session_id = sid AND v.opened_at IS NOT NULL), '[]'))
$$;

-- The minutes rec (built by rec_minutes_raw, or a frozen record) of session
-- sid as reader (rec_reader's kind; person for the counting board) may see
-- them: each vote by vote_visible_to; for the public, a sitting that was
-- not public keeps its title and times but not who attended, its turns are
-- left out, and the access audit (codes and resets) is for members only.
-- For members, "access": the codes and resets made while the session was
-- open for its council's people (left out when there were none).
CREATE OR REPLACE FUNCTION rec_minutes_for(sid bigint, rec jsonb, reader text, person bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH s AS (SELECT * FROM session WHERE id = sid),
    hidden AS (SELECT t.id FROM sitting t WHERE t.session_id = sid AND reader = 'public'
               AND NOT coalesce(rec_sitting_public(t), false)),
    sittings AS (
        SELECT coalesce(jsonb_agg(CASE WHEN (x.j->>'id')::bigint IN (SELECT id FROM hidden)
            THEN x.j || '{"present": [], "absent": [], "present_count": null, "video": null}'
            ELSE x.j END ORDER BY x.n), '[]') AS j
        FROM jsonb_array_elements(rec->'sittings') WITH ORDINALITY x(j, n)),
    -- When an item was first taken up, for the public from public events
    -- only (an item taken up only in a closed sitting has none).
    agenda AS (
        SELECT coalesce(jsonb_agg(CASE WHEN reader = 'public' THEN x.j || jsonb_build_object(
            'first_active_at', (SELECT min(e.at) FROM session_event e WHERE e.session_id = sid
                AND e.name = 'agenda.activated' AND e.public
                AND e.data->>'item_id' = x.j->>'id')) ELSE x.j END ORDER BY x.n), '[]') AS j
        FROM jsonb_array_elements(rec->'agenda') WITH ORDINALITY x(j, n)),
    turns AS (
        SELECT coalesce(jsonb_agg(x.j ORDER BY x.n), '[]') AS j
        FROM jsonb_array_elements(rec->'turns') WITH ORDINALITY x(j, n)
        WHERE NOT coalesce((x.j->>'sitting_id')::bigint IN (SELECT id FROM hidden), false)),
    votes AS (
        SELECT coalesce(jsonb_agg(x.j
            || CASE WHEN (y.seen->>'result')::boolean THEN '{}'::jsonb
                    ELSE '{"result": null, "ballot_digest": null}' END
            || CASE WHEN (y.seen->>'named')::boolean OR x.j->'named' = 'null' THEN '{}'::jsonb
                    ELSE '{"named": null}' END
            ORDER BY x.n) FILTER (WHERE (y.seen->>'vote')::boolean), '[]') AS j
        FROM jsonb_array_elements(rec->'votes') WITH ORDINALITY x(j, n)
        CROSS JOIN LATERAL (SELECT coalesce((SELECT vote_visible_to(reader, person, v)
            FROM vote v WHERE v.session_id = sid AND v.id = (x.j->>'id')::bigint),
            '{"vote": false}') AS seen) y)
    SELECT CASE WHEN reader = 'public' THEN rec - 'access' ELSE rec END
        || jsonb_build_object('sittings', (SELECT j FROM sittings), 'agenda', (SELECT j FROM agenda),
                              'turns', (SELECT j FROM turns), 'votes', (SELECT j FROM votes))
        || CASE WHEN reader = 'public' OR rec ? 'access' THEN '{}'::jsonb
           ELSE jsonb_strip_nulls(jsonb_build_object('access', (SELECT jsonb_agg(jsonb_build_object(
                'kind', a.kind, 'at', a.at, 'person_id', a.person_id,
                'person', p.display_name, 'by', coalesce(b.display_name, a.by_label))
                ORDER BY a.at, a.id)
                FROM access_audit a JOIN person p ON p.id = a.person_id
                LEFT JOIN person b ON b.id = a.by_person, s
                WHERE s.opened_at IS NOT NULL
                  AND a.at BETWEEN s.opened_at AND coalesce(s.closed_at, now())
                  AND EXISTS (SELECT 1 FROM membership m WHERE m.council_id = s.council_id
                              AND m.person_id = a.person_id)))) END
$$;

-- The record members keep (and finalisation freezes): what any member may
-- see, so no partial tally is frozen into it.
CREATE OR REPLACE FUNCTION rec_minutes_build(sid bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT rec_minutes_for(sid, rec_minutes_raw(sid), 'member', NULL)
$$;

-- The public text of finalised minutes and its SHA-256: the frozen text
-- itself when nothing in it was closed, so its hash is the record's.
CREATE OR REPLACE FUNCTION rec_minutes_public(sid bigint, m minutes)
RETURNS TABLE (body text, hash text) LANGUAGE plpgsql STABLE AS $$
DECLARE
    pub jsonb := rec_minutes_for(sid, m.record::jsonb, 'public', NULL);
BEGIN
    IF pub = m.record::jsonb THEN
        RETURN QUERY SELECT m.record, m.sha256;
    ELSE
        RETURN QUERY SELECT pub::text, encode(sha256(convert_to(pub::text, 'UTF8')), 'hex');
    END IF;
END $$;

-- Every string of a JSON document, for search and its snippets.
CREATE OR REPLACE FUNCTION rec_json_text(j jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(string_agg(x.j #>> '{}', ' '), '')
    FROM jsonb_path_query(j, 'strict $.**') AS x(j) WHERE jsonb_typeof(x.j) = 'string'
$$;

CREATE OR REPLACE FUNCTION minutes_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.finalised_at IS NOT NULL THEN
        RAISE EXCEPTION USING MESSAGE = 'invalid_state', COLUMN = 'session_id',
            HINT = 'minutes_finalised';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

-- 009's rec_minutes_get: members read the record (drafts as they may see
-- them); anyone else a public session's finalised minutes, public view.
CREATE OR REPLACE FUNCTION rec_minutes_get(requester bigint, is_admin boolean, sid bigint)
RETURNS TABLE (body text, hash text) LANGUAGE plpgsql STABLE AS $$
DECLARE
    s session;
    m minutes;
    reader text;
BEGIN
    SELECT * INTO s FROM session WHERE id = sid;
    IF NOT FOUND THEN PERFORM admin_refuse('not_found', 'session_id'); END IF;
    SELECT * INTO m FROM minutes WHERE session_id = sid;
    reader := rec_reader(requester, is_admin, s.council_id);
    IF reader = 'public' AND NOT access_minutes_public(s, m) THEN
        IF requester IS NULL THEN PERFORM admin_refuse('unauthenticated', 'session_id'); END IF;
        PERFORM admin_refuse('forbidden', 'session_id', 'not_a_member');
    END IF;
    IF m.finalised_at IS NOT NULL AND reader = 'public' THEN
        RETURN QUERY SELECT * FROM rec_minutes_public(sid, m);
        RETURN;
    ELSIF m.finalised_at IS NOT NULL THEN
        RETURN QUERY SELECT m.record, m.sha256;
        RETURN;
    END IF;
    RETURN QUERY SELECT (rec_minutes_for(sid, rec_minutes_raw(sid), reader, requester)
        || jsonb_build_object('notes', coalesce(m.notes, ''), 'generated_at', now(),
                              'finalised_at', NULL, 'finalised_by', NULL))::text, NULL::text;
END $$;

CREATE OR REPLACE FUNCTION rec_minutes_staff(requester bigint, is_admin boolean, sid bigint,
                                  roles text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    cid bigint;
BEGIN
    SELECT council_id INTO cid FROM session WHERE id = sid;
    IF NOT FOUND THEN PERFORM admin_refuse('not_found', 'session_id'); END IF;
    IF NOT coalesce(rec_role(requester, is_admin, cid) = ANY (roles), false) THEN
        PERFORM admin_refuse('forbidden', 'session_id', 'not_staff');
    END IF;
END $$;

CREATE OR REPLACE FUNCTION rec_minutes_notes(requester bigint, is_admin boolean, sid bigint, in_notes text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    m minutes;
BEGIN
    PERFORM rec_minutes_staff(requester, is_admin, sid,
                              ARRAY['admin', 'chair', 'vice_chair', 'secretary', 'staff']);
    SELECT * INTO m FROM minutes WHERE session_id = sid FOR UPDATE;
    IF m.finalised_at IS NOT NULL THEN
        PERFORM admin_refuse('invalid_state', 'session_id', 'minutes_finalised');
    END IF;
    INSERT INTO minutes (session_id, notes, updated_by) VALUES (sid, in_notes, requester)
    ON CONFLICT (session_id) DO UPDATE SET notes = excluded.notes, updated_at = now(),
        updated_by = excluded.updated_by
    RETURNING * INTO m;
    RETURN jsonb_build_object('session_id', sid, 'notes', m.notes, 'updated_at', m.updated_at);
END $$;

-- Freezes the minutes of a closed session: the record built now, with the
-- notes and who finalised it, stored as text and hashed.
CREATE OR REPLACE FUNCTION rec_minutes_finalise(requester bigint, is_admin boolean, sid bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    m minutes;
    t_at timestamptz := now();
    txt text;
    who text;
BEGIN
    PERFORM rec_minutes_staff(requester, is_admin, sid,
                              ARRAY['admin', 'chair', 'vice_chair', 'secretary']);
    IF (SELECT state FROM session WHERE id = sid) <> 'closed' THEN
        PERFORM admin_refuse('invalid_state', 'session_id', 'session_not_closed');
    END IF;
    SELECT * INTO m FROM minutes WHERE session_id = sid FOR UPDATE;
    IF m.finalised_at IS NOT NULL THEN
        PERFORM admin_refuse('invalid_state', 'session_id', 'minutes_finalised');
    END IF;
    SELECT display_name INTO who FROM person WHERE id = requester;
    txt := (rec_minutes_build(sid) || jsonb_build_object('notes', coalesce(m.notes, ''),
        'generated_at', t_at, 'finalised_at', t_at, 'finalised_by', who))::text;
    INSERT INTO minutes (session_id, notes, updated_by, finalised_at, finalised_by, record, sha256)
    VALUES (sid, coalesce(m.notes, ''), requester, t_at, requester, txt,
            encode(sha256(convert_to(txt, 'UTF8')), 'hex'))
    ON CONFLICT (session_id) DO UPDATE SET finalised_at = excluded.finalised_at,
        finalised_by = excluded.finalised_by, record = excluded.record,
        sha256 = excluded.sha256
    RETURNING * INTO m;
    RETURN jsonb_build_object('session_id', sid, 'finalised_at', m.finalised_at,
                              'sha256', m.sha256);
END $$;

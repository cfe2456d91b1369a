-- functions/admin.sql: the administration page's writes (people,
-- memberships, CSV import, sessions with their sittings and agenda, media
-- settings). Refusals are raised by admin_refuse: SQLSTATE P0001, MESSAGE
-- the protocol's error code, COLUMN the field, HINT the reason
-- (server/admin.c, server/net_admin.c). Tables: 001_init, 002_accounts,
-- 005_admin, 006-008 (media), 013_council_rules.

CREATE OR REPLACE FUNCTION admin_refuse(code text, field text, reason text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = code, COLUMN = coalesce(field, ''),
        HINT = coalesce(reason, '');
END $$;

-- The roles a requester may give or take away in a council. An administrator
-- (or the command line: requester NULL) any; the chair every role but chair
-- (the council elects its chair; an administrator records it); a vice-chair
-- or the secretary delegates and staff. Nobody else manages the council.
CREATE OR REPLACE FUNCTION admin_grantable(requester bigint, is_admin boolean, in_council bigint)
RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN is_admin OR requester IS NULL
            THEN ARRAY['chair', 'vice_chair', 'secretary', 'delegate', 'staff']
        WHEN r = 'chair' THEN ARRAY['vice_chair', 'secretary', 'delegate', 'staff']
        WHEN r IN ('vice_chair', 'secretary') THEN ARRAY['delegate', 'staff']
        ELSE ARRAY[]::text[]
    END
    FROM (SELECT (SELECT role FROM membership
                  WHERE council_id = in_council AND person_id = requester) AS r) x
$$;

-- 005's admin_save_person, with one rule more: a person who sits in
-- several councils is changed only by someone with the right over all of
-- them (access_over_person). Unchanged otherwise.
CREATE OR REPLACE FUNCTION admin_save_person(requester bigint, is_admin boolean, doc jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    cid      bigint := (doc->>'council_id')::bigint;
    pid      bigint := (doc->>'person_id')::bigint;
    grantable text[];
    old_role text;
    new_role text;
    member   boolean;
    created  boolean := false;
    cons     text;
    why      text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM council WHERE id = cid) THEN
        PERFORM admin_refuse('not_found', 'council_id');
    END IF;
    grantable := admin_grantable(requester, is_admin, cid);
    IF cardinality(grantable) = 0 THEN
        PERFORM admin_refuse('forbidden', 'council_id', 'not_a_manager');
    END IF;
    IF pid IS NULL AND doc ? 'login' THEN
        SELECT id INTO pid FROM person WHERE login = doc->>'login';
    ELSIF pid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM person WHERE id = pid) THEN
        PERFORM admin_refuse('not_found', 'person_id');
    END IF;
    SELECT role INTO old_role FROM membership WHERE council_id = cid AND person_id = pid;
    member := FOUND;
    IF pid IS NOT NULL AND NOT member AND NOT (is_admin OR requester IS NULL) THEN
        -- Someone of another council: a manager here may not rename them or
        -- take their login.
        PERFORM admin_refuse(CASE WHEN doc ? 'person_id' THEN 'forbidden' ELSE 'duplicate' END,
                             CASE WHEN doc ? 'person_id' THEN 'person_id' ELSE 'login' END,
                             'not_a_member');
    END IF;
    -- A member here who also sits elsewhere: their name, login and access
    -- are theirs in every council, so every council's right is needed.
    IF pid IS NOT NULL AND pid IS DISTINCT FROM requester THEN
        why := access_over_person(requester, is_admin, pid);
        IF why = 'other_council' THEN
            RAISE EXCEPTION USING MESSAGE = 'other_council', COLUMN = 'person_id',
                HINT = 'shared_member', DETAIL = 'person ' || pid;
        END IF;
    END IF;
    new_role := coalesce(doc->>'role', old_role);
    IF new_role IS NULL THEN
        PERFORM admin_refuse('missing_field', 'role');
    END IF;
    IF pid = requester AND NOT is_admin THEN
        IF new_role IS DISTINCT FROM old_role THEN
            PERFORM admin_refuse('forbidden', 'role', 'own_role');
        END IF;
        IF (doc->>'disabled')::boolean THEN
            PERFORM admin_refuse('invalid_state', 'disabled', 'own_account');
        END IF;
    ELSIF NOT (new_role = ANY (grantable)) OR (old_role IS NOT NULL AND NOT (old_role = ANY (grantable))) THEN
        PERFORM admin_refuse('forbidden', 'role', 'role_not_grantable');
    END IF;

    BEGIN
        IF pid IS NULL THEN
            IF NOT (doc ? 'login' AND doc ? 'name') THEN
                PERFORM admin_refuse('missing_field', CASE WHEN doc ? 'login' THEN 'name' ELSE 'login' END);
            END IF;
            INSERT INTO person (login, display_name, email, phone)
            VALUES (doc->>'login', doc->>'name', nullif(doc->>'email', ''), nullif(doc->>'phone', ''))
            RETURNING id INTO pid;
            created := true;
        ELSE
            UPDATE person SET
                login = CASE WHEN doc ? 'login' THEN doc->>'login' ELSE login END,
                display_name = coalesce(doc->>'name', display_name),
                email = CASE WHEN doc ? 'email' THEN nullif(doc->>'email', '') ELSE email END,
                phone = CASE WHEN doc ? 'phone' THEN nullif(doc->>'phone', '') ELSE phone END
            WHERE id = pid;
        END IF;
        INSERT INTO membership (council_id, person_id, role, is_delegate, seat_no, title)
        VALUES (cid, pid, new_role, new_role NOT IN ('secretary', 'staff'),
                (doc->>'seat_no')::integer, nullif(doc->>'title', ''))
        ON CONFLICT (council_id, person_id) DO UPDATE SET
            role = EXCLUDED.role, is_delegate = EXCLUDED.is_delegate,
            seat_no = CASE WHEN doc ? 'seat_no' THEN EXCLUDED.seat_no ELSE membership.seat_no END,
            title = CASE WHEN doc ? 'title' THEN EXCLUDED.title ELSE membership.title END;
    EXCEPTION
        WHEN unique_violation THEN
            GET STACKED DIAGNOSTICS cons = CONSTRAINT_NAME;
            PERFORM admin_refuse('duplicate', CASE cons
                WHEN 'person_login_key' THEN 'login'
                WHEN 'membership_council_id_seat_no_key' THEN 'seat_no'
                WHEN 'membership_one_chair' THEN 'role'
                ELSE cons END);
        WHEN check_violation THEN
            GET STACKED DIAGNOSTICS cons = CONSTRAINT_NAME;
            PERFORM admin_refuse('bad_field', regexp_replace(cons, '^(person|membership)_(.*)_check$', '\2'));
    END;

    IF doc ? 'disabled' THEN
        UPDATE person SET disabled = (doc->>'disabled')::boolean
        WHERE id = pid AND disabled IS DISTINCT FROM (doc->>'disabled')::boolean;
        IF FOUND AND (doc->>'disabled')::boolean THEN
            -- Signed out everywhere at once (server/auth.c listens).
            UPDATE auth_session SET revoked_at = now() WHERE person_id = pid AND revoked_at IS NULL;
            PERFORM pg_notify('plenum_auth', 'person ' || pid);
        END IF;
    END IF;
    RETURN jsonb_build_object('person_id', pid, 'created', created,
                              'disabled', (SELECT disabled FROM person WHERE id = pid));
END $$;

-- Imports rows (the objects admin_save_person takes, without council_id)
-- into a council, all or nothing. Returns {"created": n, "updated": n}.
CREATE OR REPLACE FUNCTION admin_import(requester bigint, is_admin boolean, in_council bigint, rows jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    r     record;
    res   jsonb;
    made  integer := 0;
    total integer := 0;
    msg text; col text; hint text;
BEGIN
    FOR r IN SELECT value, ordinality FROM jsonb_array_elements(rows) WITH ORDINALITY LOOP
        BEGIN
            res := admin_save_person(requester, is_admin,
                                     r.value || jsonb_build_object('council_id', in_council));
        EXCEPTION WHEN raise_exception THEN
            GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, col = COLUMN_NAME, hint = PG_EXCEPTION_HINT;
            -- The row as the file numbers it: the header is row 1.
            RAISE EXCEPTION USING MESSAGE = msg, COLUMN = col, HINT = hint,
                DETAIL = 'row ' || (coalesce((r.value->>'row')::integer, r.ordinality::integer + 1));
        END;
        total := total + 1;
        made := made + (res->>'created')::boolean::integer;
    END LOOP;
    RETURN jsonb_build_object('created', made, 'updated', total - made);
END $$;

-- A CSV import reports every refused row at once (admin_import alone stops
-- at the first row the database refuses, so a file came back in rounds:
-- the values first (server/admin_input.c), then one taken login or seat
-- per try). This one tries every row, each in its own subtransaction,
-- collects the refusals, adds the ones the server found in the values
-- (known: [{"row", "field", "error", "reason"?}]; their rows are not in
-- rows, or are there without the bad cells) and, if there is any, raises
-- one refusal for the whole file: MESSAGE and COLUMN the first one's,
-- DETAIL 'rows ' and the whole list as JSON, sorted by row. Nothing is
-- written then. A refusal about the council itself (not a manager, no such
-- council) is raised as it is, once.
CREATE OR REPLACE FUNCTION admin_import_all(requester bigint, is_admin boolean, in_council bigint,
                                 rows jsonb, known jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    r      record;
    res    jsonb;
    made   integer := 0;
    total  integer := 0;
    errs   jsonb := coalesce(known, '[]'::jsonb);
    msg text; col text; hint text;
    rowno  integer;
BEGIN
    FOR r IN SELECT value, ordinality FROM jsonb_array_elements(rows) WITH ORDINALITY LOOP
        rowno := coalesce((r.value->>'row')::integer, r.ordinality::integer + 1);
        BEGIN
            res := admin_save_person(requester, is_admin,
                                     (r.value - 'row') || jsonb_build_object('council_id', in_council));
            total := total + 1;
            made := made + (res->>'created')::boolean::integer;
        EXCEPTION WHEN raise_exception THEN
            GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, col = COLUMN_NAME, hint = PG_EXCEPTION_HINT;
            IF col = 'council_id' THEN
                RAISE EXCEPTION USING MESSAGE = msg, COLUMN = col, HINT = hint;
            END IF;
            errs := errs || jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
                'row', rowno, 'field', nullif(col, ''), 'error', msg,
                'reason', nullif(hint, ''), 'value', r.value->>nullif(col, ''))));
        END;
    END LOOP;
    IF jsonb_array_length(errs) > 0 THEN
        SELECT jsonb_agg(e ORDER BY (e->>'row')::integer, e->>'field') INTO errs
        FROM jsonb_array_elements(errs) e;
        RAISE EXCEPTION USING MESSAGE = errs->0->>'error', COLUMN = coalesce(errs->0->>'field', ''),
            HINT = coalesce(errs->0->>'reason', ''), DETAIL = 'rows ' || errs::text;
    END IF;
    RETURN jsonb_build_object('created', made, 'updated', total - made);
END $$;

-- Puts the agenda items of items (a JSON array, in order) under parent,
-- recursively. Items with an id keep it (and their documents); the caller
-- deletes the items not mentioned.
CREATE OR REPLACE FUNCTION admin_put_items(sid bigint, parent bigint, items jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    it  record;
    iid bigint;
BEGIN
    FOR it IN SELECT value, ordinality FROM jsonb_array_elements(items) WITH ORDINALITY LOOP
        iid := (it.value->>'id')::bigint;
        IF iid IS NULL THEN
            INSERT INTO agenda_item (session_id, parent_id, position, title, presenter)
            VALUES (sid, parent, it.ordinality, it.value->>'title',
                    nullif(it.value->>'presenter', ''))
            RETURNING id INTO iid;
        ELSE
            UPDATE agenda_item SET parent_id = parent, position = it.ordinality,
                title = it.value->>'title', presenter = nullif(it.value->>'presenter', '')
            WHERE id = iid AND session_id = sid;
            IF NOT FOUND THEN
                PERFORM admin_refuse('not_found', 'agenda');
            END IF;
        END IF;
        IF it.value ? 'children' THEN
            PERFORM admin_put_items(sid, iid, it.value->'children');
        END IF;
    END LOOP;
END $$;

-- Creates a session, or edits one that has not opened yet: its details and,
-- when given, the whole list of sittings and the whole agenda tree (items
-- not mentioned are removed). An edit appends the public event
-- session.edited, so clients watching the session reload it. Returns
-- {"id", "created", "seq"}.
CREATE OR REPLACE FUNCTION admin_save_session(requester bigint, is_admin boolean, doc jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    cid     bigint := (doc->>'council_id')::bigint;
    sid     bigint := (doc->>'id')::bigint;
    st      record;
    new_seq bigint;
    cons    text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM council WHERE id = cid) THEN
        PERFORM admin_refuse('not_found', 'council_id');
    END IF;
    IF cardinality(admin_grantable(requester, is_admin, cid)) = 0 THEN
        PERFORM admin_refuse('forbidden', 'council_id', 'not_a_manager');
    END IF;
    BEGIN
        IF sid IS NULL THEN
            INSERT INTO session (council_id, number, title, kind, visibility, location,
                                 planned_start)
            VALUES (cid,
                    coalesce((doc->>'number')::integer,
                             (SELECT coalesce(max(number), 0) + 1 FROM session
                              WHERE council_id = cid)),
                    doc->>'title', coalesce(doc->>'kind', 'regular'),
                    coalesce(doc->>'visibility', 'public'), nullif(doc->>'location', ''),
                    (doc->>'planned_start')::timestamptz)
            RETURNING id INTO sid;
        ELSE
            -- The row lock orders this edit with anything else writing it.
            SELECT council_id, state INTO st FROM session WHERE id = sid FOR UPDATE;
            IF NOT FOUND THEN
                PERFORM admin_refuse('not_found', 'id');
            ELSIF st.council_id <> cid THEN
                PERFORM admin_refuse('bad_field', 'council_id', 'other_council');
            ELSIF st.state <> 'planned' THEN
                PERFORM admin_refuse('invalid_state', 'id', 'session_not_planned');
            END IF;
            UPDATE session SET
                number = coalesce((doc->>'number')::integer, number),
                title = coalesce(doc->>'title', title),
                kind = coalesce(doc->>'kind', kind),
                visibility = coalesce(doc->>'visibility', visibility),
                location = CASE WHEN doc ? 'location' THEN nullif(doc->>'location', '') ELSE location END,
                planned_start = CASE WHEN doc ? 'planned_start'
                                     THEN (doc->>'planned_start')::timestamptz ELSE planned_start END
            WHERE id = sid;
        END IF;

        IF doc ? 'sittings' THEN
            -- Move every sitting out of the way, renumber the ones kept,
            -- then drop the rest: ordinals stay unique at every step.
            UPDATE sitting SET ordinal = ordinal + 100000 WHERE session_id = sid;
            FOR st IN SELECT value, ordinality FROM jsonb_array_elements(doc->'sittings')
                      WITH ORDINALITY LOOP
                IF st.value ? 'id' THEN
                    UPDATE sitting SET ordinal = st.ordinality, title = st.value->>'title',
                        visibility = coalesce(st.value->>'visibility', 'public'),
                        planned_start = (st.value->>'planned_start')::timestamptz
                    WHERE id = (st.value->>'id')::bigint AND session_id = sid;
                    IF NOT FOUND THEN
                        PERFORM admin_refuse('not_found', 'sittings');
                    END IF;
                ELSE
                    INSERT INTO sitting (session_id, ordinal, title, visibility, planned_start)
                    VALUES (sid, st.ordinality, st.value->>'title',
                            coalesce(st.value->>'visibility', 'public'),
                            (st.value->>'planned_start')::timestamptz);
                END IF;
            END LOOP;
            DELETE FROM sitting WHERE session_id = sid AND ordinal > 100000;
        END IF;

        IF doc ? 'agenda' THEN
            UPDATE agenda_item SET position = position + 100000 WHERE session_id = sid;
            PERFORM admin_put_items(sid, NULL, doc->'agenda');
            DELETE FROM agenda_item WHERE session_id = sid AND position > 100000;
        END IF;
    EXCEPTION
        WHEN unique_violation THEN
            GET STACKED DIAGNOSTICS cons = CONSTRAINT_NAME;
            PERFORM admin_refuse('duplicate', CASE cons
                WHEN 'session_council_id_number_key' THEN 'number' ELSE cons END);
        WHEN foreign_key_violation THEN
            -- A speaking request or a vote already refers to it.
            PERFORM admin_refuse('invalid_state', 'agenda', 'in_use');
    END;

    IF doc ? 'id' THEN
        new_seq := coalesce((SELECT max(e.seq) FROM session_event e WHERE e.session_id = sid), 0) + 1;
        INSERT INTO session_event (session_id, seq, at, actor_id, name, public, data)
        SELECT sid, new_seq, now(), requester, 'session.edited', s.visibility = 'public', '{}'::jsonb
        FROM session s WHERE s.id = sid;
    END IF;
    RETURN jsonb_build_object('id', sid, 'created', NOT doc ? 'id', 'seq', new_seq);
END $$;

-- admin_save_session (005), the source and the restream, in one transaction.
CREATE OR REPLACE FUNCTION admin_save_session_media(requester bigint, is_admin boolean, doc jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    res jsonb := admin_save_session(requester, is_admin, doc);
BEGIN
    IF doc ? 'media_source' THEN
        UPDATE session SET media_source = nullif(doc->>'media_source', '')
        WHERE id = (res->>'id')::bigint;
    END IF;
    IF doc ? 'media_restream' THEN
        UPDATE session SET media_restream = nullif(doc->>'media_restream', '')
        WHERE id = (res->>'id')::bigint;
    END IF;
    RETURN res;
END $$;

-- The size that applies, for plenumd's session document and reports.
CREATE OR REPLACE FUNCTION council_board_size(c council) RETURNS integer
    LANGUAGE sql IMMUTABLE
    RETURN coalesce(c.counting_board_size,
                    CASE c.level WHEN 'province' THEN 7 WHEN 'national' THEN 7 ELSE 3 END);

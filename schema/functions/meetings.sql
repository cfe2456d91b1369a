-- functions/meetings.sql: online voter-contact meetings (011_meetings).
-- Every change is one call of meeting_do(), which locks the meeting's row,
-- decides against what is committed, and appends the event it publishes to
-- meeting_event; plenumd broadcasts an event only once the call has
-- committed (server/meeting.c).

CREATE OR REPLACE FUNCTION meeting_event_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('plenum_meeting_event', NEW.meeting_id || ' ' || NEW.seq);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION meeting_event_json(e meeting_event) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('type', 'event', 'meeting_id', e.meeting_id, 'seq', e.seq,
        'at_ms', (extract(epoch FROM e.at) * 1000)::bigint, 'name', e.name, 'data', e.data)
$$;

-- Appends the meeting's next event (the meeting's row is locked by the caller).
CREATE OR REPLACE FUNCTION meeting_emit(mid bigint, ev text, d jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    e meeting_event;
BEGIN
    UPDATE voter_meeting SET seq = seq + 1 WHERE id = mid;
    INSERT INTO meeting_event (meeting_id, seq, name, data)
    SELECT mid, m.seq, ev, d FROM voter_meeting m WHERE m.id = mid
    RETURNING * INTO e;
    RETURN meeting_event_json(e);
END $$;

CREATE OR REPLACE FUNCTION meeting_guest_json(g meeting_guest, full_view boolean) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('guest_id', g.id, 'name', g.name, 'state', g.state,
        'hand_at_ms', (extract(epoch FROM g.hand_at) * 1000)::bigint, 'spoke', g.spoke)
        || CASE WHEN full_view THEN jsonb_build_object('phone', g.phone,
                'joined_at', g.joined_at) ELSE '{}' END
$$;

-- What a client joining sees: the meeting, its last seq, and the citizens
-- in it (staff also see phones).
CREATE OR REPLACE FUNCTION meeting_state(mid bigint, full_view boolean) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('meeting_id', m.id, 'council_id', m.council_id,
        'council', c.name, 'title', m.title, 'location', m.location,
        'planned_start', m.planned_start, 'state', m.state, 'capacity', m.capacity,
        'seq', m.seq,
        'present', (SELECT count(*) FROM meeting_guest g WHERE g.meeting_id = m.id
                      AND g.state IN ('present', 'hand', 'admitted')),
        'guests', coalesce((SELECT jsonb_agg(meeting_guest_json(g, full_view)
                        ORDER BY g.hand_at NULLS LAST, g.id)
                   FROM meeting_guest g WHERE g.meeting_id = m.id
                    AND g.state IN ('present', 'hand', 'admitted')), '[]'))
    FROM voter_meeting m JOIN council c ON c.id = m.council_id WHERE m.id = mid
$$;

-- Events after seq (a node catching up with what another node committed).
CREATE OR REPLACE FUNCTION meeting_events_since(mid bigint, after bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(meeting_event_json(e) ORDER BY e.seq), '[]')
    FROM meeting_event e WHERE e.meeting_id = mid AND e.seq > after
$$;

-- Meetings a person may see listed: public ones (all), for the landing page.
CREATE OR REPLACE FUNCTION meeting_list() RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('meeting_id', m.id, 'title', m.title,
        'council', c.name, 'location', m.location, 'planned_start', m.planned_start,
        'state', m.state) ORDER BY m.state = 'closed', m.planned_start DESC NULLS LAST, m.id),
        '[]')
    FROM voter_meeting m JOIN council c ON c.id = m.council_id
$$;

CREATE OR REPLACE FUNCTION meeting_do(requester bigint, is_admin boolean, token_hash text, doc jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    act text := doc->>'action';
    m voter_meeting;
    g meeting_guest;
    other meeting_guest;
    ev jsonb;
    staff boolean;
    n bigint;
    p jsonb;
BEGIN
    IF act = 'create' THEN
        IF NOT rec_is_staff(requester, is_admin, (doc->>'council_id')::bigint) THEN
            PERFORM admin_refuse('forbidden', 'council_id', 'not_staff');
        END IF;
        INSERT INTO voter_meeting (council_id, title, location, planned_start, capacity,
                                   created_by)
        VALUES ((doc->>'council_id')::bigint, doc->>'title', nullif(doc->>'location', ''),
                (doc->>'planned_start')::timestamptz,
                coalesce((doc->>'capacity')::integer, 300), requester)
        RETURNING * INTO m;
        RETURN jsonb_build_object('reply', meeting_state(m.id, true), 'event', NULL);
    END IF;

    SELECT * INTO m FROM voter_meeting WHERE id = (doc->>'meeting_id')::bigint FOR UPDATE;
    IF NOT FOUND THEN PERFORM admin_refuse('not_found', 'meeting_id'); END IF;
    staff := requester IS NOT NULL AND rec_is_staff(requester, is_admin, m.council_id);

    IF token_hash IS NOT NULL THEN
        SELECT * INTO g FROM meeting_guest gu
        WHERE gu.token_hash = meeting_do.token_hash AND gu.meeting_id = m.id FOR UPDATE;
        IF NOT FOUND AND act <> 'sign_in' THEN
            PERFORM admin_refuse('unauthenticated', 'token', 'unknown_guest');
        END IF;
        IF FOUND AND g.state = 'removed' THEN
            PERFORM admin_refuse('forbidden', 'token', 'removed');
        END IF;
    END IF;

    -- The moderator's actions: the council's chair, secretary or staff.
    IF act IN ('open', 'close', 'admit', 'release', 'remove') THEN
        IF NOT staff THEN PERFORM admin_refuse('forbidden', 'meeting_id', 'moderator_only'); END IF;
        IF m.state = 'closed' THEN PERFORM admin_refuse('invalid_state', 'meeting_id', 'meeting_closed'); END IF;
    END IF;

    IF act = 'open' THEN
        IF m.state = 'open' THEN PERFORM admin_refuse('invalid_state', 'meeting_id', 'already_open'); END IF;
        UPDATE voter_meeting SET state = 'open', opened_at = now() WHERE id = m.id;
        ev := meeting_emit(m.id, 'meeting.opened', jsonb_build_object('by', requester));
        RETURN jsonb_build_object('reply', jsonb_build_object('state', 'open'), 'event', ev);
    ELSIF act = 'close' THEN
        UPDATE voter_meeting SET state = 'closed', closed_at = now() WHERE id = m.id;
        -- Nobody is left on air or waiting with a raised hand.
        UPDATE meeting_guest SET state = 'present', hand_at = NULL
        WHERE meeting_id = m.id AND state IN ('hand', 'admitted');
        ev := meeting_emit(m.id, 'meeting.closed', jsonb_build_object('by', requester));
        RETURN jsonb_build_object('reply', jsonb_build_object('state', 'closed'), 'event', ev);
    ELSIF act IN ('admit', 'release', 'remove') THEN
        SELECT * INTO other FROM meeting_guest
        WHERE id = (doc->>'guest_id')::bigint AND meeting_id = m.id FOR UPDATE;
        IF NOT FOUND OR other.state IN ('left', 'removed') THEN
            PERFORM admin_refuse('not_found', 'guest_id');
        END IF;
        IF act = 'admit' THEN
            IF m.state <> 'open' THEN PERFORM admin_refuse('invalid_state', 'meeting_id', 'meeting_not_open'); END IF;
            IF other.state = 'admitted' THEN PERFORM admin_refuse('invalid_state', 'guest_id', 'already_admitted'); END IF;
            IF other.state <> 'hand' THEN PERFORM admin_refuse('invalid_state', 'guest_id', 'hand_not_raised'); END IF;
            -- One citizen on air at a time: admitting the next ends the turn
            -- of the one before.
            SELECT id INTO n FROM meeting_guest WHERE meeting_id = m.id AND state = 'admitted';
            UPDATE meeting_guest SET state = 'present', hand_at = NULL
            WHERE meeting_id = m.id AND state = 'admitted';
            UPDATE meeting_guest SET state = 'admitted', admitted_at = now(), hand_at = NULL,
                   spoke = spoke + 1
            WHERE id = other.id;
            ev := meeting_emit(m.id, 'guest.admitted', jsonb_build_object('guest_id', other.id,
                  'name', other.name, 'released', n));
        ELSIF act = 'release' THEN
            IF other.state <> 'admitted' THEN PERFORM admin_refuse('invalid_state', 'guest_id', 'not_admitted'); END IF;
            UPDATE meeting_guest SET state = 'present' WHERE id = other.id;
            ev := meeting_emit(m.id, 'guest.released', jsonb_build_object('guest_id', other.id,
                  'name', other.name, 'by', 'moderator'));
        ELSE
            UPDATE meeting_guest SET state = 'removed', left_at = now(), hand_at = NULL
            WHERE id = other.id;
            ev := meeting_emit(m.id, 'guest.removed', jsonb_build_object('guest_id', other.id,
                  'name', other.name));
        END IF;
        RETURN jsonb_build_object('reply', NULL, 'event', ev);
    END IF;

    -- A citizen's actions.
    IF token_hash IS NULL THEN
        PERFORM admin_refuse('forbidden', 'meeting_id', 'guests_only');
    END IF;
    IF m.state = 'closed' THEN PERFORM admin_refuse('invalid_state', 'meeting_id', 'meeting_closed'); END IF;

    IF act = 'sign_in' THEN
        -- A new citizen, or one coming back with their token.
        IF g.id IS NULL OR g.state = 'left' THEN
            SELECT count(*) INTO n FROM meeting_guest
            WHERE meeting_id = m.id AND state IN ('present', 'hand', 'admitted');
            IF n >= m.capacity THEN
                PERFORM admin_refuse('meeting_full', 'meeting_id', 'meeting_full');
            END IF;
        END IF;
        IF g.id IS NULL THEN
            IF doc->>'name' IS NULL THEN PERFORM admin_refuse('missing_field', 'name'); END IF;
            INSERT INTO meeting_guest (meeting_id, name, phone, token_hash)
            VALUES (m.id, doc->>'name', nullif(doc->>'phone', ''), meeting_do.token_hash)
            RETURNING * INTO g;
        ELSIF g.state = 'left' THEN
            UPDATE meeting_guest SET state = 'present', left_at = NULL WHERE id = g.id
            RETURNING * INTO g;
        ELSE
            -- Already in (a second tab, or a reconnect before the old
            -- connection was seen to drop): the same place, no event.
            RETURN jsonb_build_object('reply', jsonb_build_object('guest',
                meeting_guest_json(g, true), 'meeting', meeting_state(m.id, false)), 'event', NULL);
        END IF;
        -- The phone is in the record for staff; plenumd strips it from what
        -- anyone else is sent (server/meeting.c, deliver).
        ev := meeting_emit(m.id, 'guest.joined', jsonb_build_object('guest_id', g.id,
              'name', g.name, 'phone', g.phone));
        RETURN jsonb_build_object('reply', jsonb_build_object('guest',
            meeting_guest_json(g, true), 'meeting', meeting_state(m.id, false)), 'event', ev);
    END IF;

    IF g.state = 'left' THEN PERFORM admin_refuse('invalid_state', 'token', 'not_in_meeting'); END IF;

    IF act = 'leave' THEN
        UPDATE meeting_guest SET state = 'left', left_at = now(), hand_at = NULL
        WHERE id = g.id;
        ev := meeting_emit(m.id, 'guest.left', jsonb_build_object('guest_id', g.id,
              'name', g.name, 'was', g.state));
        RETURN jsonb_build_object('reply', NULL, 'event', ev);
    ELSIF act = 'hand' THEN
        IF (doc->>'raised')::boolean THEN
            IF m.state <> 'open' THEN PERFORM admin_refuse('invalid_state', 'meeting_id', 'meeting_not_open'); END IF;
            IF g.state = 'admitted' THEN PERFORM admin_refuse('invalid_state', 'raised', 'already_admitted'); END IF;
            IF g.state = 'hand' THEN
                RETURN jsonb_build_object('reply', meeting_guest_json(g, true), 'event', NULL);
            END IF;
            UPDATE meeting_guest SET state = 'hand', hand_at = now() WHERE id = g.id
            RETURNING * INTO g;
            ev := meeting_emit(m.id, 'hand.raised', jsonb_build_object('guest_id', g.id,
                  'name', g.name, 'hand_at_ms', (extract(epoch FROM g.hand_at) * 1000)::bigint));
        ELSIF g.state = 'hand' THEN
            UPDATE meeting_guest SET state = 'present', hand_at = NULL WHERE id = g.id
            RETURNING * INTO g;
            ev := meeting_emit(m.id, 'hand.lowered', jsonb_build_object('guest_id', g.id,
                  'name', g.name));
        ELSIF g.state = 'admitted' THEN
            -- Lowering the hand on air: the citizen ends their own turn.
            UPDATE meeting_guest SET state = 'present' WHERE id = g.id RETURNING * INTO g;
            ev := meeting_emit(m.id, 'guest.released', jsonb_build_object('guest_id', g.id,
                  'name', g.name, 'by', 'guest'));
        ELSE
            RETURN jsonb_build_object('reply', meeting_guest_json(g, true), 'event', NULL);
        END IF;
        RETURN jsonb_build_object('reply', meeting_guest_json(g, true), 'event', ev);
    ELSIF act = 'petition' THEN
        p := rec_petition_add(NULL, false, jsonb_build_object(
            'council', (SELECT slug FROM council WHERE id = m.council_id),
            'meeting', left(m.title, 200), 'name', g.name,
            'contact', coalesce(nullif(doc->>'contact', ''), g.phone),
            'content', doc->>'content', 'area', coalesce(doc->>'area', 'other'),
            'locality', coalesce(nullif(doc->>'locality', ''), m.location, '-')));
        UPDATE petition SET source = 'meeting' WHERE id = (p->>'id')::bigint;
        -- The event says that a petition came and from whom, never what it
        -- says (staff read it in the records).
        ev := meeting_emit(m.id, 'petition.received', jsonb_build_object('guest_id', g.id,
              'name', g.name, 'code', p->>'code'));
        RETURN jsonb_build_object('reply', jsonb_build_object('code', p->>'code',
                                  'petition_id', (p->>'id')::bigint), 'event', ev);
    END IF;
    PERFORM admin_refuse('bad_field', 'action');
END $$;

-- meeting_do's answer to a petition with the lookup code added to the
-- reply (to the citizen only: the event the room sees stays without it).
CREATE OR REPLACE FUNCTION meeting_petition_lookup(res jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_set(res, '{reply,lookup_code}',
                     to_jsonb(rec_petition_lookup_issue((res->'reply'->>'petition_id')::bigint)))
$$;

-- 015_access: who may act on whom, and who may read what of the record
-- (issue 20).
--
-- Standing. admin > chair > vice_chair > secretary > delegate, staff. A
-- person is acted on (renamed, locked, given a new login, given a sign-in
-- code) only by someone who manages every council that person sits in and
-- may grant their role there (admin_grantable of 005_admin is that order
-- per council), or by an administrator. Refusals are 005_admin's: SQLSTATE
-- P0001, MESSAGE the protocol's error code (here standing_too_high,
-- other_council, needs_reset, forbidden), COLUMN the field, DETAIL
-- 'person N' naming whom it concerns.
--
-- Sign-in codes sign someone in without their password, so they are for
-- people who have none yet: a code is made only for a person with no
-- password who has not signed in since their last reset. Anyone else needs
-- an administrator's reset first (admin_reset_person), which ends their
-- sign-ins and clears their password. Every code and reset is a row of
-- access_audit: the person reads them (GET /api/account/notices) and the
-- minutes of a session list those made while it was open.
--
-- Reading. An event is public iff it was public when committed
-- (session_event.public). The public view of the minutes, search and the
-- archive keep only that; what a reader may see of a vote is decided by
-- vote_visible_to alone, which the minutes, search, the archive and the
-- WebSocket vote.tally (vote_tally_for) all call.

-- --- standing ------------------------------------------------------------------

-- Why requester may not act on the person target, or NULL when they may.
-- requester NULL is the command line (the operator). An administrator acts
-- on anyone but another administrator's sign-in (see admin_code_refusal);
-- others need to grant the target's role in every council the target is in.
CREATE FUNCTION access_over_person(requester bigint, is_admin boolean, target bigint)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN requester IS NULL OR is_admin THEN NULL
        WHEN coalesce((SELECT p.is_admin FROM person p WHERE p.id = target), false)
            THEN 'standing_too_high'
        WHEN NOT EXISTS (SELECT 1 FROM membership m WHERE m.person_id = target
                         AND cardinality(admin_grantable(requester, false, m.council_id)) > 0)
            THEN 'forbidden'
        WHEN EXISTS (SELECT 1 FROM membership m WHERE m.person_id = target
                     AND cardinality(admin_grantable(requester, false, m.council_id)) = 0)
            THEN 'other_council'
        WHEN EXISTS (SELECT 1 FROM membership m WHERE m.person_id = target
                     AND NOT (m.role = ANY (admin_grantable(requester, false, m.council_id))))
            THEN 'standing_too_high'
    END
$$;

-- --- the audit of codes and resets ---------------------------------------------

CREATE TABLE access_audit (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    kind       text NOT NULL CHECK (kind IN ('code_issued', 'reset')),
    person_id  bigint NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    by_person  bigint REFERENCES person (id) ON DELETE SET NULL,
    by_label   text NOT NULL   -- 'person:N' or 'admin-cli'
);
CREATE INDEX access_audit_person ON access_audit (person_id, at);
CREATE INDEX access_audit_at ON access_audit (at);

-- Whether target has signed in (or set a password) since their last reset.
CREATE FUNCTION access_has_signed_in(target bigint) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT (SELECT password_hash IS NOT NULL FROM person WHERE id = target)
        OR EXISTS (SELECT 1 FROM auth_session s WHERE s.person_id = target
                   AND s.created_at > coalesce((SELECT max(a.at) FROM access_audit a
                       WHERE a.person_id = target AND a.kind = 'reset'), '-infinity'))
$$;

-- Why requester may not have a sign-in code made for target, or NULL.
CREATE FUNCTION admin_code_refusal(requester bigint, is_admin boolean, target bigint)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM person WHERE id = target AND NOT disabled)
            THEN 'forbidden'
        WHEN target = requester
            OR coalesce((SELECT p.is_admin FROM person p WHERE p.id = target), false)
            THEN 'standing_too_high'
        WHEN access_over_person(requester, is_admin, target) IS NOT NULL
            THEN access_over_person(requester, is_admin, target)
        WHEN access_has_signed_in(target) THEN 'needs_reset'
    END
$$;

-- The people of ids (a JSON array) requester may have codes made for, as
-- (id, name, login, seat); refuses for the first one they may not.
CREATE FUNCTION admin_code_check(requester bigint, is_admin boolean, ids jsonb)
RETURNS TABLE (id bigint, name text, login text, seat_no text) LANGUAGE plpgsql STABLE AS $$
DECLARE
    t bigint;
    why text;
BEGIN
    FOR t IN SELECT x::bigint FROM jsonb_array_elements_text(ids) x LOOP
        why := admin_code_refusal(requester, is_admin, t);
        IF why IS NOT NULL THEN
            RAISE EXCEPTION USING MESSAGE = why, COLUMN = 'person_ids',
                HINT = 'code_not_allowed', DETAIL = 'person ' || t;
        END IF;
    END LOOP;
    RETURN QUERY SELECT p.id, p.display_name, p.login,
        (SELECT min(m.seat_no)::text FROM membership m WHERE m.person_id = p.id)
        FROM person p WHERE p.id IN (SELECT x::bigint FROM jsonb_array_elements_text(ids) x)
        ORDER BY 4 NULLS LAST, 2;
END $$;

-- Stores the codes made for rows [{"h": sha256 hex, "p": person}] after
-- checking again (a person may have signed in meanwhile): each person's
-- older unused codes stop working, each code is in access_audit. Returns
-- when the codes expire.
CREATE FUNCTION admin_code_store(requester bigint, is_admin boolean, rows jsonb,
                                 ttl_minutes integer, by_label text)
RETURNS timestamptz LANGUAGE plpgsql AS $$
DECLARE
    until timestamptz := now() + make_interval(mins => ttl_minutes);
BEGIN
    PERFORM admin_code_check(requester, is_admin,
                             (SELECT jsonb_agg(r->'p') FROM jsonb_array_elements(rows) r));
    UPDATE signin_code SET expires_at = now()
    WHERE person_id IN (SELECT (r->>'p')::bigint FROM jsonb_array_elements(rows) r)
      AND used_at IS NULL AND expires_at > now();
    INSERT INTO signin_code (code_sha256, person_id, created_by, expires_at)
    SELECT decode(r->>'h', 'hex'), (r->>'p')::bigint, by_label, until
    FROM jsonb_array_elements(rows) r;
    INSERT INTO access_audit (kind, person_id, by_person, by_label)
    SELECT 'code_issued', (r->>'p')::bigint, requester, by_label
    FROM jsonb_array_elements(rows) r;
    RETURN until;
END $$;

-- An administrator's reset: the person's password is cleared, their
-- sign-ins and unused codes end, and a code may be made for them again.
-- Returns {"person_id"}.
CREATE FUNCTION admin_reset_person(requester bigint, is_admin boolean, target bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    IF NOT is_admin THEN
        PERFORM admin_refuse('forbidden', 'person_id', 'admin_only');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM person WHERE id = target) THEN
        PERFORM admin_refuse('not_found', 'person_id');
    END IF;
    IF target = requester OR (SELECT p.is_admin FROM person p WHERE p.id = target) THEN
        PERFORM admin_refuse('standing_too_high', 'person_id');
    END IF;
    UPDATE person SET password_hash = NULL, password_changed_at = now() WHERE id = target;
    UPDATE signin_code SET expires_at = now()
    WHERE person_id = target AND used_at IS NULL AND expires_at > now();
    UPDATE auth_session SET revoked_at = now() WHERE person_id = target AND revoked_at IS NULL;
    PERFORM pg_notify('plenum_auth', 'person ' || target);
    INSERT INTO access_audit (kind, person_id, by_person, by_label)
    VALUES ('reset', target, requester, 'person:' || requester);
    RETURN jsonb_build_object('person_id', target);
END $$;

-- What a person is told of codes and resets made for them, newest first;
-- "new": made after their sign-in before the current one (the pages show
-- those at sign-in).
CREATE FUNCTION access_notices(requester bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH since AS (SELECT coalesce((SELECT created_at FROM auth_session
                                    WHERE person_id = requester
                                    ORDER BY created_at DESC OFFSET 1 LIMIT 1),
                                   '-infinity') AS at)
    SELECT jsonb_build_object('notices', coalesce(jsonb_agg(jsonb_build_object(
        'kind', a.kind, 'at', a.at, 'by', coalesce(p.display_name, a.by_label),
        'new', a.at > (SELECT at FROM since))
        ORDER BY a.at DESC, a.id DESC), '[]'))
    FROM (SELECT * FROM access_audit WHERE person_id = requester
          ORDER BY at DESC, id DESC LIMIT 50) a
    LEFT JOIN person p ON p.id = a.by_person
$$;

-- --- changing a person ------------------------------------------------------------

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

-- --- what a reader may see --------------------------------------------------------

-- Whether the first event of session sid named ev, whose data->>key is id,
-- was public when committed; NULL when there is none.
CREATE FUNCTION rec_event_public(sid bigint, ev text, key text, id bigint)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT e.public FROM session_event e
    WHERE e.session_id = sid AND e.name = ev AND e.data->>key = id::text
    ORDER BY e.seq LIMIT 1
$$;

-- Whether a sitting's content (attendance, turns, votes) was public: the
-- events committed while it was open (after its sitting.opened, before its
-- sitting.closed, both of which are announced to everyone) were all public.
-- A sitting without such events goes by its own and its session's
-- visibility.
CREATE FUNCTION rec_sitting_public(t sitting) RETURNS boolean LANGUAGE sql STABLE AS $$
    WITH w AS (
        SELECT (SELECT min(e.seq) FROM session_event e WHERE e.session_id = t.session_id
                AND e.name = 'sitting.opened' AND e.data->>'sitting_id' = t.id::text) AS a,
               (SELECT min(e.seq) FROM session_event e WHERE e.session_id = t.session_id
                AND e.name = 'sitting.closed' AND e.data->>'sitting_id' = t.id::text) AS b)
    SELECT coalesce((SELECT bool_and(e.public) FROM session_event e, w
                     WHERE e.session_id = t.session_id AND e.seq > w.a
                       AND (w.b IS NULL OR e.seq < w.b)),
                    t.visibility = 'public' AND (SELECT s.visibility = 'public' FROM session s
                                                 WHERE s.id = t.session_id))
$$;

-- The kind of reader requester is for a council: 'chair' (runs sittings:
-- chair, vice-chair), 'member' (any other member or an administrator), or
-- 'public'.
CREATE FUNCTION rec_reader(requester bigint, is_admin boolean, in_council bigint)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN rec_role(requester, is_admin, in_council) IN ('chair', 'vice_chair') THEN 'chair'
        WHEN rec_is_member(requester, is_admin, in_council) THEN 'member'
        ELSE 'public' END
$$;

-- THE rule for a vote: what reader (rec_reader's kind; person for the
-- counting board, NULL for none) may see of v. {"vote": its existence and
-- question, "result": its tally, counts and digest, "named": who chose
-- what}. The tally is public once published; before that, once counted,
-- only the chair, vice-chairs and the counting board see it (DOMAIN: no
-- partial result, the board confirms first); a cancelled vote's tally is
-- never shown. Named choices: a named vote's, once published, or live
-- while open if the chair chose so. The public sees only what was public
-- when it happened: a vote opened in a closed sitting not at all, a result
-- only if published in public.
CREATE FUNCTION vote_visible_to(reader text, person bigint, v vote)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH f AS (
        SELECT reader <> 'public' AS member,
               (reader <> 'public' OR coalesce(rec_event_public(v.session_id, 'vote.opened',
                   'vote_id', v.id), false)) AS seen_open,
               (reader <> 'public' OR coalesce(rec_event_public(v.session_id, 'vote.published',
                   'vote_id', v.id), false)) AS seen_published,
               (reader = 'chair' OR (person IS NOT NULL AND reader <> 'public'
                                     AND v.board @> to_jsonb(person))) AS counts)
    SELECT jsonb_build_object(
        'vote', f.seen_open,
        'result', f.seen_open AND ((v.state = 'published' AND f.seen_published)
                                   OR (v.state = 'counted' AND f.counts)),
        'named', f.seen_open AND v.kind = 'named'
                 AND ((v.state = 'published' AND f.seen_published)
                      OR (v.state = 'open' AND coalesce((v.options->>'live_named')::boolean,
                                                        false))))
    FROM f
$$;

-- vote.tally over the WebSocket: the result of vote vid of session sid for
-- requester, by vote_visible_to. Refuses as the hub did (forbidden
-- chair_or_board_only, invalid_state not_counted).
CREATE FUNCTION vote_tally_for(requester bigint, is_admin boolean, sid bigint, vid bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
    v vote;
    reader text;
    seen jsonb;
BEGIN
    SELECT * INTO v FROM vote WHERE session_id = sid AND id = vid;
    IF NOT FOUND THEN PERFORM admin_refuse('not_found', 'vote_id'); END IF;
    reader := rec_reader(requester, is_admin, (SELECT council_id FROM session WHERE id = sid));
    seen := vote_visible_to(reader, requester, v);
    IF NOT (seen->>'result')::boolean THEN
        IF v.state NOT IN ('counted', 'published') THEN
            PERFORM admin_refuse('invalid_state', 'vote_id', 'not_counted');
        END IF;
        PERFORM admin_refuse('forbidden', 'vote_id', 'chair_or_board_only');
    END IF;
    RETURN jsonb_build_object('vote_id', v.id, 'state', v.state, 'result', v.result);
END $$;

-- --- the minutes, search and archive through that rule ------------------------------

-- 009's builder is the raw record of everything; what each reader gets of
-- it is rec_minutes_for's work.
ALTER FUNCTION rec_minutes_build(bigint) RENAME TO rec_minutes_raw;

-- The minutes rec (built by rec_minutes_raw, or a frozen record) of session
-- sid as reader (rec_reader's kind; person for the counting board) may see
-- them: each vote by vote_visible_to; for the public, a sitting that was
-- not public keeps its title and times but not who attended, its turns are
-- left out, and the access audit (codes and resets) is for members only.
-- For members, "access": the codes and resets made while the session was
-- open for its council's people (left out when there were none).
CREATE FUNCTION rec_minutes_for(sid bigint, rec jsonb, reader text, person bigint)
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
CREATE FUNCTION rec_minutes_build(sid bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT rec_minutes_for(sid, rec_minutes_raw(sid), 'member', NULL)
$$;

-- The public text of finalised minutes and its SHA-256: the frozen text
-- itself when nothing in it was closed, so its hash is the record's.
CREATE FUNCTION rec_minutes_public(sid bigint, m minutes)
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
CREATE FUNCTION rec_json_text(j jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(string_agg(x.j #>> '{}', ' '), '')
    FROM jsonb_path_query(j, 'strict $.**') AS x(j) WHERE jsonb_typeof(x.j) = 'string'
$$;

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
    IF reader = 'public' AND NOT (s.visibility = 'public' AND m.finalised_at IS NOT NULL) THEN
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

-- 009's rec_search: for anyone but a member, minutes match and are quoted
-- from their public view only.
CREATE OR REPLACE FUNCTION rec_search(requester bigint, is_admin boolean, in_slug text, in_q text)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
    cid bigint;
    member boolean;
    staff boolean;
    q tsquery := websearch_to_tsquery('pl_vi', in_q);
BEGIN
    SELECT id INTO cid FROM council WHERE slug = in_slug;
    IF NOT FOUND THEN PERFORM admin_refuse('not_found', 'council'); END IF;
    member := rec_is_member(requester, is_admin, cid);
    staff := rec_is_staff(requester, is_admin, cid);
    RETURN jsonb_build_object('q', in_q,
        'petitions', coalesce((SELECT jsonb_agg(jsonb_build_object('id', p.id,
            'code', 'KN-' || lpad(p.id::text, 6, '0'), 'content', p.content, 'status', p.status,
            'area', p.area, 'locality', p.locality, 'answer', p.answer)
            ORDER BY ts_rank(p.search, q) DESC, p.id DESC)
            FROM petition p WHERE p.council_id = cid AND p.search @@ q
              AND (staff OR p.status = 'published')), '[]'),
        'documents', coalesce((SELECT jsonb_agg(jsonb_build_object('id', d.id,
            'title', d.title, 'session_id', d.session_id, 'kind', d.kind,
            'visibility', d.visibility, 'url', '/api/documents/file?id=' || d.id)
            ORDER BY ts_rank(d.search, q) DESC, d.id DESC)
            FROM document d JOIN session s ON s.id = d.session_id
            WHERE s.council_id = cid AND d.superseded_at IS NULL AND d.search @@ q
              AND (member OR (d.visibility = 'public' AND s.visibility = 'public'))), '[]'),
        'minutes', coalesce((SELECT jsonb_agg(jsonb_build_object('session_id', s.id,
            'title', s.title, 'finalised', m.finalised_at IS NOT NULL,
            'snippet', ts_headline('pl_vi', x.txt, q, 'MaxFragments=1, MaxWords=20, MinWords=5'))
            ORDER BY s.number DESC)
            FROM minutes m JOIN session s ON s.id = m.session_id
            CROSS JOIN LATERAL (SELECT CASE WHEN member
                THEN m.notes || ' ' || coalesce(rec_json_text(m.record::jsonb), '')
                WHEN m.finalised_at IS NOT NULL AND s.visibility = 'public'
                THEN rec_json_text((SELECT body FROM rec_minutes_public(s.id, m))::jsonb)
                ELSE '' END AS txt) x
            WHERE s.council_id = cid
              AND CASE WHEN member THEN m.search @@ q
                  ELSE m.finalised_at IS NOT NULL AND s.visibility = 'public'
                       AND to_tsvector('pl_vi', x.txt) @@ q END), '[]'));
END $$;

-- 009's rec_archive (open data): a vote, its result and its named choices
-- by vote_visible_to for the public, instead of a closed sitting's time
-- window; the minutes' hash is that of their public text.
CREATE OR REPLACE FUNCTION rec_archive(in_slug text) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
    c council;
BEGIN
    SELECT * INTO c FROM council WHERE slug = in_slug;
    IF NOT FOUND THEN PERFORM admin_refuse('not_found', 'council'); END IF;
    RETURN jsonb_build_object('council', jsonb_build_object('slug', c.slug, 'name', c.name,
            'total_seats', c.total_seats),
        'sessions', coalesce((SELECT jsonb_agg(jsonb_build_object('id', s.id,
            'number', s.number, 'title', s.title, 'kind', s.kind, 'state', s.state,
            'location', s.location, 'opened_at', s.opened_at, 'closed_at', s.closed_at,
            'votes', coalesce((SELECT jsonb_agg(jsonb_build_object('id', v.id,
                'question', v.question, 'kind', v.kind, 'rule', v.rule,
                'published_at', v.published_at, 'result', v.result,
                'named', CASE WHEN (y.seen->>'named')::boolean THEN (SELECT jsonb_agg(
                    jsonb_build_object('name', p.display_name, 'choice', r.choice)
                    ORDER BY p.display_name)
                    FROM vote_record r JOIN person p ON p.id = r.person_id
                    WHERE r.session_id = s.id AND r.vote_id = v.id) END)
                ORDER BY v.published_at)
                FROM vote v CROSS JOIN LATERAL (SELECT vote_visible_to('public', NULL, v) AS seen) y
                WHERE v.session_id = s.id AND v.state = 'published'
                  AND (y.seen->>'result')::boolean), '[]'),
            'resolutions', coalesce((SELECT jsonb_agg(rec_doc_json(d) ORDER BY d.title)
                FROM document d WHERE d.session_id = s.id AND d.superseded_at IS NULL
                  AND d.visibility = 'public' AND d.kind = 'resolution'), '[]'),
            'documents', coalesce((SELECT jsonb_agg(rec_doc_json(d) ORDER BY
                d.agenda_item_id NULLS FIRST, d.title)
                FROM document d WHERE d.session_id = s.id AND d.superseded_at IS NULL
                  AND d.visibility = 'public' AND d.kind <> 'resolution'), '[]'),
            'minutes', (SELECT jsonb_build_object('url', '/api/minutes?session_id=' || s.id ||
                '&format=html', 'json', '/api/minutes?session_id=' || s.id || '&format=json',
                'finalised_at', m.finalised_at,
                'sha256', (SELECT hash FROM rec_minutes_public(s.id, m)))
                FROM minutes m WHERE m.session_id = s.id AND m.finalised_at IS NOT NULL),
            'recordings', coalesce((SELECT jsonb_agg(jsonb_build_object('sitting_id', t.id,
                'title', t.title, 'opened_at', t.opened_at,
                'page', '/public/?session=' || s.id || '&sitting=' || t.id,
                'vod', '/media/' || t.id || '/vod.m3u8',
                'chapters', '/media/' || t.id || '/chapters.json') ORDER BY t.ordinal)
                FROM sitting t WHERE t.session_id = s.id AND t.visibility = 'public'
                  AND EXISTS (SELECT 1 FROM recording r WHERE r.sitting_id = t.id
                              AND r.dir LIKE 'media/public/%')), '[]'))
            ORDER BY s.number DESC)
            FROM session s WHERE s.council_id = c.id AND s.visibility = 'public'
              AND s.state <> 'planned'), '[]'),
        'petitions', coalesce((SELECT jsonb_agg(rec_petition_json(p, false)
            ORDER BY p.published_at DESC)
            FROM petition p WHERE p.council_id = c.id AND p.status = 'published'), '[]'));
END $$;

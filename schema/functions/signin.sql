-- functions/signin.sql: sign-in codes and password resets (015_access):
-- who may be given a code, the audit of codes and resets a person reads.

-- Whether target has signed in (or set a password) since their last reset.
CREATE OR REPLACE FUNCTION access_has_signed_in(target bigint) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT (SELECT password_hash IS NOT NULL FROM person WHERE id = target)
        OR EXISTS (SELECT 1 FROM auth_session s WHERE s.person_id = target
                   AND s.created_at > coalesce((SELECT max(a.at) FROM access_audit a
                       WHERE a.person_id = target AND a.kind = 'reset'), '-infinity'))
$$;

-- Why requester may not have a sign-in code made for target, or NULL.
CREATE OR REPLACE FUNCTION admin_code_refusal(requester bigint, is_admin boolean, target bigint)
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
CREATE OR REPLACE FUNCTION admin_code_check(requester bigint, is_admin boolean, ids jsonb)
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
CREATE OR REPLACE FUNCTION admin_code_store(requester bigint, is_admin boolean, rows jsonb,
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
CREATE OR REPLACE FUNCTION admin_reset_person(requester bigint, is_admin boolean, target bigint)
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
CREATE OR REPLACE FUNCTION access_notices(requester bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
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

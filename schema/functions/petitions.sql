-- functions/petitions.sql: voters' petitions and their workflow, the
-- public lookup code and secret a citizen keeps (009_records,
-- 016_citizen_lookup, 018_meeting_petition_lookup).

CREATE OR REPLACE FUNCTION rec_overdue(p petition) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT p.status IN ('received', 'assigned') AND p.due_on IS NOT NULL
       AND p.due_on < rec_today()
$$;

-- The staff code of a petition id.
CREATE OR REPLACE FUNCTION rec_code(id bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT 'KN-' || lpad(id::text, 6, '0')
$$;

-- The petition id a search text names: "KN-000123", "kn000123", "000123"
-- (six digits or more, as printed), or a citizen's "KN-000123-ABCD2345";
-- NULL for anything else (a short number is more likely a year or a house).
CREATE OR REPLACE FUNCTION rec_code_id(q text) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN length(coalesce(r[1], r[2])) <= 18 THEN coalesce(r[1], r[2])::bigint END
    FROM regexp_match(upper(btrim(q)),
                      '^(?:KN-?0*([0-9]+)(?:-[0-9A-Z]+)?|(?=[0-9]{6,}$)0*([0-9]+))$') AS r
$$;

-- The secret's alphabet: Crockford's base 32 (no I, L, O, U: nothing to
-- misread when copied by hand). Input is read leniently: lower case, I and
-- L as 1, O as 0, spaces and hyphens ignored.
CREATE OR REPLACE FUNCTION rec_lookup_secret() RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    -- gen_random_uuid(): PostgreSQL's strong random source; its first five
    -- bytes are all random (the version bits come later).
    b bytea := decode(replace(gen_random_uuid()::text, '-', ''), 'hex');
    n bigint := 0;
    out text := '';
BEGIN
    FOR i IN 0..4 LOOP
        n := n * 256 + get_byte(b, i);
    END LOOP;
    FOR i IN 1..8 LOOP
        out := substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (n % 32)::int + 1, 1) || out;
        n := n / 32;
    END LOOP;
    RETURN out;
END $$;

CREATE OR REPLACE FUNCTION rec_lookup_norm(secret text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT translate(upper(regexp_replace(secret, '[\s-]', '', 'g')), 'ILO', '110')
$$;

-- A petition as staff see it (public: without the citizen's name and
-- contact, and without history).
CREATE OR REPLACE FUNCTION rec_petition_json(p petition, full_view boolean) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', p.id, 'code', 'KN-' || lpad(p.id::text, 6, '0'),
        'council_id', p.council_id, 'source', p.source, 'meeting', p.meeting,
        'received_on', p.received_on, 'content', p.content, 'area', p.area,
        'locality', p.locality, 'status', p.status, 'agency', p.agency, 'due_on', p.due_on,
        'answer', p.answer, 'answered_at', p.answered_at, 'published_at', p.published_at,
        'closed_at', p.closed_at, 'merged_into', p.merged_into, 'count', p.count,
        'overdue', rec_overdue(p), 'created_at', p.created_at)
        || CASE WHEN full_view THEN jsonb_build_object('name', p.name, 'contact', p.contact,
            'history', coalesce((SELECT jsonb_agg(jsonb_build_object('at', h.at,
                'action', h.action, 'by', pe.display_name, 'detail', h.detail) ORDER BY h.at)
                FROM petition_history h LEFT JOIN person pe ON pe.id = h.actor_id
                WHERE h.petition_id = p.id), '[]'))
           ELSE '{}' END
$$;

-- Records a petition. requester NULL: a citizen online (doc->council is the
-- council's slug); otherwise staff of doc->council_id. The shape of doc is
-- checked field by field in server/records_input.c first.
CREATE OR REPLACE FUNCTION rec_petition_add(requester bigint, is_admin boolean, doc jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    cid bigint;
    p petition;
BEGIN
    IF requester IS NULL THEN
        SELECT id INTO cid FROM council WHERE slug = doc->>'council';
        IF NOT FOUND THEN PERFORM admin_refuse('not_found', 'council'); END IF;
    ELSE
        cid := (doc->>'council_id')::bigint;
        IF NOT EXISTS (SELECT 1 FROM council WHERE id = cid) THEN
            PERFORM admin_refuse('not_found', 'council_id');
        END IF;
        IF NOT rec_is_staff(requester, is_admin, cid) THEN
            PERFORM admin_refuse('forbidden', 'council_id', 'not_staff');
        END IF;
        IF (doc->>'received_on')::date > rec_today() THEN
            PERFORM admin_refuse('bad_field', 'received_on', 'in_the_future');
        END IF;
    END IF;
    INSERT INTO petition (council_id, source, meeting, received_on, name, contact, content,
                          area, locality, created_by)
    VALUES (cid, CASE WHEN requester IS NULL THEN 'online' ELSE
                coalesce(doc->>'source', 'staff') END,
            nullif(doc->>'meeting', ''),
            coalesce((doc->>'received_on')::date, rec_today()), doc->>'name',
            nullif(doc->>'contact', ''), doc->>'content', doc->>'area', doc->>'locality',
            requester)
    RETURNING * INTO p;
    INSERT INTO petition_history (petition_id, actor_id, action, detail)
    VALUES (p.id, requester, 'received', jsonb_build_object('source', p.source));
    RETURN rec_petition_json(p, requester IS NOT NULL);
END $$;

CREATE OR REPLACE FUNCTION rec_petition_public_add(requester bigint, is_admin boolean, doc jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    out jsonb := rec_petition_add(NULL, false, doc);
BEGIN
    RETURN out || jsonb_build_object('lookup_code',
                                     rec_petition_lookup_issue((out->>'id')::bigint));
END $$;

-- Gives petition id a new lookup secret (its hash stored) and answers the
-- whole lookup code; shared by the public form and the meeting.
CREATE OR REPLACE FUNCTION rec_petition_lookup_issue(pid bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    secret text := rec_lookup_secret();
BEGIN
    UPDATE petition SET lookup_hash = sha256(convert_to(secret, 'UTF8')) WHERE id = pid;
    RETURN rec_code(pid) || '-' || secret;
END $$;

-- One step of a petition's workflow (doc: id, action and its fields).
CREATE OR REPLACE FUNCTION rec_petition_act(requester bigint, is_admin boolean, doc jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    p petition;
    target petition;
    act text := doc->>'action';
BEGIN
    SELECT * INTO p FROM petition WHERE id = (doc->>'id')::bigint FOR UPDATE;
    IF NOT FOUND THEN PERFORM admin_refuse('not_found', 'id'); END IF;
    IF NOT rec_is_staff(requester, is_admin, p.council_id) THEN
        PERFORM admin_refuse('forbidden', 'id', 'not_staff');
    END IF;
    IF p.status IN ('merged', 'closed') AND act <> 'classify' OR p.status = 'merged' THEN
        PERFORM admin_refuse('invalid_state', 'action', 'wrong_status');
    END IF;
    CASE act
    WHEN 'assign' THEN
        IF p.status NOT IN ('received', 'assigned') THEN
            PERFORM admin_refuse('invalid_state', 'action', 'wrong_status');
        END IF;
        IF (doc->>'due_on')::date < p.received_on THEN
            PERFORM admin_refuse('bad_field', 'due_on', 'before_received');
        END IF;
        UPDATE petition SET status = 'assigned', agency = doc->>'agency',
            due_on = (doc->>'due_on')::date WHERE id = p.id RETURNING * INTO p;
    WHEN 'answer' THEN
        IF p.status <> 'assigned' THEN
            PERFORM admin_refuse('invalid_state', 'action', 'wrong_status');
        END IF;
        UPDATE petition SET status = 'answered', answer = doc->>'answer', answered_at = now()
        WHERE id = p.id RETURNING * INTO p;
    WHEN 'publish' THEN
        IF p.status <> 'answered' THEN
            PERFORM admin_refuse('invalid_state', 'action', 'wrong_status');
        END IF;
        UPDATE petition SET status = 'published', published_at = now()
        WHERE id = p.id RETURNING * INTO p;
    WHEN 'close' THEN
        UPDATE petition SET status = 'closed', closed_at = now()
        WHERE id = p.id RETURNING * INTO p;
    WHEN 'classify' THEN
        UPDATE petition SET area = coalesce(doc->>'area', area),
            locality = coalesce(doc->>'locality', locality)
        WHERE id = p.id RETURNING * INTO p;
    WHEN 'merge' THEN
        SELECT * INTO target FROM petition WHERE id = (doc->>'into')::bigint FOR UPDATE;
        IF NOT FOUND OR target.council_id <> p.council_id THEN
            PERFORM admin_refuse('not_found', 'into');
        END IF;
        IF target.id = p.id THEN PERFORM admin_refuse('bad_field', 'into', 'itself'); END IF;
        IF target.status IN ('merged', 'closed') THEN
            PERFORM admin_refuse('invalid_state', 'into', 'wrong_status');
        END IF;
        UPDATE petition SET count = count + p.count WHERE id = target.id;
        INSERT INTO petition_history (petition_id, actor_id, action, detail)
        VALUES (target.id, requester, 'merged_in', jsonb_build_object('from', p.id,
                'count', p.count));
        UPDATE petition SET status = 'merged', merged_into = target.id, count = 1
        WHERE id = p.id RETURNING * INTO p;
    ELSE
        PERFORM admin_refuse('bad_field', 'action');
    END CASE;
    INSERT INTO petition_history (petition_id, actor_id, action, detail)
    VALUES (p.id, requester, act, doc - 'id' - 'action');
    RETURN rec_petition_json(p, true);
END $$;

-- Staff's list with filters (f: status, area, agency, overdue, q).
CREATE OR REPLACE FUNCTION rec_petition_list_words(requester bigint, is_admin boolean, cid bigint, f jsonb)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
    q tsquery := CASE WHEN coalesce(f->>'q', '') <> ''
                      THEN websearch_to_tsquery('pl_vi', f->>'q') END;
BEGIN
    IF NOT rec_is_staff(requester, is_admin, cid) THEN
        PERFORM admin_refuse('forbidden', 'council_id', 'not_staff');
    END IF;
    RETURN (SELECT jsonb_build_object('petitions', coalesce(jsonb_agg(j ORDER BY created_at DESC,
                                      id DESC), '[]'), 'total', count(*))
        FROM (SELECT rec_petition_json(p, true) AS j, p.created_at, p.id FROM petition p
              WHERE p.council_id = cid
                AND (f->>'status' IS NULL OR p.status = f->>'status')
                AND (f->>'area' IS NULL OR p.area = f->>'area')
                AND (f->>'agency' IS NULL OR p.agency = f->>'agency')
                AND (NOT coalesce((f->>'overdue')::boolean, false) OR rec_overdue(p))
                AND (q IS NULL OR p.search @@ q)
              ORDER BY p.created_at DESC, p.id DESC LIMIT 500) x);
END $$;

CREATE OR REPLACE FUNCTION rec_petition_list(requester bigint, is_admin boolean, cid bigint, f jsonb)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
    pid bigint := rec_code_id(f->>'q');
BEGIN
    IF pid IS NULL THEN RETURN rec_petition_list_words(requester, is_admin, cid, f); END IF;
    IF NOT rec_is_staff(requester, is_admin, cid) THEN
        PERFORM admin_refuse('forbidden', 'council_id', 'not_staff');
    END IF;
    RETURN (SELECT jsonb_build_object('petitions', coalesce(jsonb_agg(rec_petition_json(p, true)),
                                      '[]'), 'total', count(*))
            FROM petition p WHERE p.id = pid AND p.council_id = cid);
END $$;

-- The public status of a petition by its lookup code: NULL unless the code
-- is one given at submission. A merged petition answers with the one it was
-- merged into (where its answer will be).
CREATE OR REPLACE FUNCTION rec_petition_status(code text) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
    m text[] := regexp_match(upper(regexp_replace(code, '\s', '', 'g')),
                             '^KN-?0*([0-9]{1,18})-(.+)$');
    p petition;
    t petition;
BEGIN
    IF m IS NULL THEN RETURN NULL; END IF;
    SELECT * INTO p FROM petition WHERE id = m[1]::bigint;
    -- Only the secret's hash is compared: a timing difference says nothing
    -- about the secret itself.
    IF NOT FOUND OR p.lookup_hash IS NULL
       OR p.lookup_hash <> sha256(convert_to(rec_lookup_norm(m[2]), 'UTF8')) THEN
        RETURN NULL;
    END IF;
    t := p;
    WHILE t.status = 'merged' LOOP
        SELECT * INTO t FROM petition WHERE id = t.merged_into;
    END LOOP;
    RETURN jsonb_build_object('code', rec_code(p.id), 'received_on', p.received_on,
        'merged', p.status = 'merged', 'status', t.status, 'agency', t.agency,
        'due_on', t.due_on, 'answered_at', t.answered_at, 'published_at', t.published_at,
        'closed_at', t.closed_at,
        'answer', CASE WHEN access_petition_public(t) THEN t.answer END);
END $$;

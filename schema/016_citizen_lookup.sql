-- Citizens following up their petitions, and the public schedule.
--
-- A petition's code KN-000123 is its id: fine for staff, but anyone could
-- count through them. A citizen who files online gets a second code with a
-- secret part, KN-000123-ABCD2345 (8 Crockford base-32 characters, 40
-- random bits), shown once in the receipt; only its SHA-256 is kept. The
-- public status page takes that code and answers the status, dates and the
-- published answer, never who sent it or what they wrote. An unknown id and
-- a wrong secret get the same answer (NULL); plenumd counts such misses per
-- address (server/net_records.c). See docs/security.md.

ALTER TABLE petition ADD COLUMN lookup_hash bytea CHECK (length(lookup_hash) = 32);

-- The staff code of a petition id.
CREATE FUNCTION rec_code(id bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT 'KN-' || lpad(id::text, 6, '0')
$$;

-- The petition id a search text names: "KN-000123", "kn000123", "000123"
-- (six digits or more, as printed), or a citizen's "KN-000123-ABCD2345";
-- NULL for anything else (a short number is more likely a year or a house).
CREATE FUNCTION rec_code_id(q text) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN length(coalesce(r[1], r[2])) <= 18 THEN coalesce(r[1], r[2])::bigint END
    FROM regexp_match(upper(btrim(q)),
                      '^(?:KN-?0*([0-9]+)(?:-[0-9A-Z]+)?|(?=[0-9]{6,}$)0*([0-9]+))$') AS r
$$;

-- The secret's alphabet: Crockford's base 32 (no I, L, O, U: nothing to
-- misread when copied by hand). Input is read leniently: lower case, I and
-- L as 1, O as 0, spaces and hyphens ignored.
CREATE FUNCTION rec_lookup_secret() RETURNS text LANGUAGE plpgsql VOLATILE AS $$
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

CREATE FUNCTION rec_lookup_norm(secret text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT translate(upper(regexp_replace(secret, '[\s-]', '', 'g')), 'ILO', '110')
$$;

-- A citizen's petition from the public form: rec_petition_add's, and the
-- lookup code (only in this answer).
CREATE FUNCTION rec_petition_public_add(requester bigint, is_admin boolean, doc jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    out jsonb := rec_petition_add(NULL, false, doc);
    secret text := rec_lookup_secret();
BEGIN
    UPDATE petition SET lookup_hash = sha256(convert_to(secret, 'UTF8'))
    WHERE id = (out->>'id')::bigint;
    RETURN out || jsonb_build_object('lookup_code', out->>'code' || '-' || secret);
END $$;

-- The public status of a petition by its lookup code: NULL unless the code
-- is one given at submission. A merged petition answers with the one it was
-- merged into (where its answer will be).
CREATE FUNCTION rec_petition_status(code text) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
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
        'answer', CASE WHEN t.status = 'published' THEN t.answer END);
END $$;

-- Search (015's rec_search) finds a petition by its code too, for staff any
-- of their council's, for others a published one.
ALTER FUNCTION rec_search(bigint, boolean, text, text) RENAME TO rec_search_words;
CREATE FUNCTION rec_search(requester bigint, is_admin boolean, in_slug text, in_q text)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
    r jsonb := rec_search_words(requester, is_admin, in_slug, in_q);
    pid bigint := rec_code_id(in_q);
    hit jsonb;
BEGIN
    IF pid IS NULL OR r->'petitions' @> jsonb_build_array(jsonb_build_object('id', pid)) THEN
        RETURN r;
    END IF;
    SELECT jsonb_build_object('id', p.id, 'code', rec_code(p.id), 'content', p.content,
        'status', p.status, 'area', p.area, 'locality', p.locality, 'answer', p.answer)
    INTO hit
    FROM petition p JOIN council c ON c.id = p.council_id
    WHERE p.id = pid AND c.slug = in_slug
      AND (rec_is_staff(requester, is_admin, c.id) OR p.status = 'published');
    IF hit IS NULL THEN RETURN r; END IF;
    RETURN jsonb_set(r, '{petitions}', jsonb_build_array(hit) || (r->'petitions'));
END $$;

-- Staff's petition list (009's): q that is a code lists that petition.
ALTER FUNCTION rec_petition_list(bigint, boolean, bigint, jsonb) RENAME TO rec_petition_list_words;
CREATE FUNCTION rec_petition_list(requester bigint, is_admin boolean, cid bigint, f jsonb)
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

-- When the public sittings of a public session are planned (the public
-- page says when the next one starts); NULL for a session that is not
-- public.
CREATE FUNCTION rec_public_schedule(sid bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('session_id', s.id, 'planned_start', s.planned_start,
        'sittings', coalesce((SELECT jsonb_agg(jsonb_build_object('id', t.id,
            'ordinal', t.ordinal, 'title', t.title, 'state', t.state,
            'planned_start', t.planned_start, 'opened_at', t.opened_at) ORDER BY t.ordinal)
            FROM sitting t WHERE t.session_id = s.id AND t.visibility = 'public'), '[]'))
    FROM session s WHERE s.id = sid AND s.visibility = 'public'
$$;

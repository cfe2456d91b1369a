-- functions/access.sql: who may see and do what, in one place.
-- - A reader's kind in a council: rec_role, rec_is_staff, rec_is_member,
--   rec_reader (member or citizen, i.e. 'public').
-- - What the public may see of a session's record: access_doc_public,
--   access_minutes_public, access_petition_public, rec_event_public,
--   rec_sitting_public, vote_visible_to; rec_doc_readable for one reader.
-- - Who may act on whom: access_over_person (admin_grantable's order).
-- The other files call these rather than repeat the predicates. This file
-- is applied first (files go in name order), so they exist for the others.
-- Tables: 001_init, 009_records, 015_access.

-- The requester's role in a council: 'admin', the membership role, or NULL.
CREATE OR REPLACE FUNCTION rec_role(requester bigint, is_admin boolean, in_council bigint)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN is_admin THEN 'admin' ELSE
        (SELECT role FROM membership WHERE council_id = in_council AND person_id = requester) END
$$;

-- Staff keep the records: the chair, vice-chairs, the secretary, the
-- council's staff, an administrator. Delegates read.
CREATE OR REPLACE FUNCTION rec_is_staff(requester bigint, is_admin boolean, in_council bigint)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(rec_role(requester, is_admin, in_council)
                    IN ('admin', 'chair', 'vice_chair', 'secretary', 'staff'), false)
$$;

CREATE OR REPLACE FUNCTION rec_is_member(requester bigint, is_admin boolean, in_council bigint)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT rec_role(requester, is_admin, in_council) IS NOT NULL
$$;

-- The kind of reader requester is for a council: 'chair' (runs sittings:
-- chair, vice-chair), 'member' (any other member or an administrator), or
-- 'public'.
CREATE OR REPLACE FUNCTION rec_reader(requester bigint, is_admin boolean, in_council bigint)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN rec_role(requester, is_admin, in_council) IN ('chair', 'vice_chair') THEN 'chair'
        WHEN rec_is_member(requester, is_admin, in_council) THEN 'member'
        ELSE 'public' END
$$;

-- What anyone, signed in or not, may read of a session's record; members of
-- its council read all of it. A document of session s: when both are
-- public.
CREATE OR REPLACE FUNCTION access_doc_public(d document, s session)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT d.visibility = 'public' AND s.visibility = 'public'
$$;

-- The minutes m of session s: once finalised, if the session is public
-- (what of them is then shown is rec_minutes_public's cut). m may be a row
-- of NULLs (no minutes yet): false.
CREATE OR REPLACE FUNCTION access_minutes_public(s session, m minutes)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT m.finalised_at IS NOT NULL AND s.visibility = 'public'
$$;

-- A petition p: once its answer is published (staff see every petition).
CREATE OR REPLACE FUNCTION access_petition_public(p petition)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT p.status = 'published'
$$;

-- Whether the requester may read a document: a member of its council
-- anything of it; anyone else public documents of public sessions.
CREATE OR REPLACE FUNCTION rec_doc_readable(requester bigint, is_admin boolean, d document)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT rec_is_member(requester, is_admin, s.council_id) OR access_doc_public(d, s)
    FROM session s WHERE s.id = d.session_id
$$;

-- Whether the first event of session sid named ev, whose data->>key is id,
-- was public when committed; NULL when there is none.
CREATE OR REPLACE FUNCTION rec_event_public(sid bigint, ev text, key text, id bigint)
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
CREATE OR REPLACE FUNCTION rec_sitting_public(t sitting) RETURNS boolean LANGUAGE sql STABLE AS $$
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
CREATE OR REPLACE FUNCTION vote_visible_to(reader text, person bigint, v vote)
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

-- Why requester may not act on the person target, or NULL when they may.
-- requester NULL is the command line (the operator). An administrator acts
-- on anyone but another administrator's sign-in (see admin_code_refusal);
-- others need to grant the target's role in every council the target is in.
CREATE OR REPLACE FUNCTION access_over_person(requester bigint, is_admin boolean, target bigint)
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

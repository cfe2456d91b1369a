-- functions/records.sql: what the council keeps besides the minutes and
-- petitions: session documents (every version, who opened what), search
-- that ignores diacritics, the dashboard, the public archive and schedule,
-- and the recording of a moment (009_records, 015_access, 016).

-- "Today" for due dates: the councils are in Viet Nam.
CREATE OR REPLACE FUNCTION rec_today() RETURNS date LANGUAGE sql STABLE AS $$
    SELECT (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
$$;

-- Where in a sitting's public recording a moment falls, as a link to the
-- public page (NULL when the sitting has no public recording there). The
-- same arithmetic as the chapters of server/net_media.c: the segments'
-- durations before the one holding the moment, plus how far into it.
CREATE OR REPLACE FUNCTION rec_video(in_session bigint, in_sitting bigint, moment timestamptz)
RETURNS text LANGUAGE sql STABLE AS $$
    WITH seg AS (
        SELECT s.started_at, s.duration_ms,
               sum(s.duration_ms) OVER (ORDER BY s.started_at, s.seq) - s.duration_ms AS before_ms
        FROM media_segment s JOIN recording r ON r.id = s.recording_id
        WHERE r.sitting_id = in_sitting AND r.dir LIKE 'media/public/%')
    SELECT '/public/?session=' || in_session || '&sitting=' || in_sitting || '&t=' ||
           (greatest(0, least(seg.before_ms + seg.duration_ms, seg.before_ms +
               (extract(epoch FROM moment - seg.started_at) * 1000)::bigint)) / 1000)
    -- The segment holding the moment; a moment just before the recording's
    -- first segment (the sitting's opening: the pipeline takes a second or
    -- two to start) is its start.
    FROM seg WHERE seg.started_at <= moment + interval '10 seconds'
    ORDER BY seg.started_at <= moment DESC,
             CASE WHEN seg.started_at <= moment THEN seg.started_at END DESC NULLS LAST,
             seg.started_at LIMIT 1
$$;

CREATE OR REPLACE FUNCTION rec_doc_json(d document) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', d.id, 'series_id', d.series_id, 'version', d.version,
        'title', d.title, 'kind', d.kind, 'visibility', d.visibility, 'file_name', d.file_name,
        'media_type', d.media_type, 'bytes', d.bytes, 'sha256', d.sha256,
        'session_id', d.session_id, 'agenda_item_id', d.agenda_item_id,
        'uploaded_at', d.uploaded_at, 'current', d.superseded_at IS NULL,
        'url', '/api/documents/file?id=' || d.id)
$$;

-- Adds a document or a new version of one. doc: session_id, agenda_item_id,
-- title, kind, visibility, replaces (checked for shape by
-- server/records_input.c), and file_name, media_type, bytes, sha256 of the
-- file already stored.
CREATE OR REPLACE FUNCTION rec_doc_add(requester bigint, is_admin boolean, doc jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    old document;
    sid bigint := (doc->>'session_id')::bigint;
    item bigint := (doc->>'agenda_item_id')::bigint;
    cid bigint;
    d document;
BEGIN
    IF doc ? 'replaces' THEN
        SELECT * INTO old FROM document WHERE id = (doc->>'replaces')::bigint FOR UPDATE;
        IF NOT FOUND THEN PERFORM admin_refuse('not_found', 'replaces'); END IF;
        IF sid IS NOT NULL AND sid <> old.session_id THEN
            PERFORM admin_refuse('bad_field', 'session_id', 'not_the_series_session');
        END IF;
        sid := old.session_id;
        item := coalesce(item, old.agenda_item_id);
    END IF;
    SELECT council_id INTO cid FROM session WHERE id = sid;
    IF NOT FOUND THEN PERFORM admin_refuse('not_found', 'session_id'); END IF;
    IF NOT rec_is_staff(requester, is_admin, cid) THEN
        PERFORM admin_refuse('forbidden', 'session_id', 'not_staff');
    END IF;
    IF item IS NOT NULL AND NOT EXISTS (SELECT 1 FROM agenda_item
                                        WHERE id = item AND session_id = sid) THEN
        PERFORM admin_refuse('not_found', 'agenda_item_id');
    END IF;
    IF old.id IS NOT NULL THEN
        IF old.superseded_at IS NOT NULL THEN
            PERFORM admin_refuse('invalid_state', 'replaces', 'superseded');
        END IF;
        UPDATE document SET superseded_at = now() WHERE id = old.id;
    END IF;
    d.id := nextval(pg_get_serial_sequence('document', 'id'));
    INSERT INTO document (id, series_id, version, session_id, agenda_item_id, title, kind,
                          visibility, file_name, media_type, bytes, sha256, uploaded_by)
    VALUES (d.id, coalesce(old.series_id, d.id), coalesce(old.version, 0) + 1, sid, item,
            coalesce(doc->>'title', old.title), coalesce(doc->>'kind', old.kind, 'other'),
            coalesce(doc->>'visibility', old.visibility, 'delegates'), doc->>'file_name',
            doc->>'media_type', (doc->>'bytes')::bigint, doc->>'sha256', requester)
    RETURNING * INTO d;
    RETURN rec_doc_json(d);
END $$;

-- The documents of a session the requester may read: current versions with
-- their history; staff also see how often each was opened and by how many.
CREATE OR REPLACE FUNCTION rec_doc_list(requester bigint, is_admin boolean, sid bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
    cid bigint;
    staff boolean;
BEGIN
    SELECT council_id INTO cid FROM session WHERE id = sid;
    IF NOT FOUND THEN PERFORM admin_refuse('not_found', 'session_id'); END IF;
    staff := rec_is_staff(requester, is_admin, cid);
    RETURN jsonb_build_object('session_id', sid, 'documents', coalesce((
        SELECT jsonb_agg(rec_doc_json(d) || jsonb_build_object(
            'versions', (SELECT jsonb_agg(jsonb_build_object('id', v.id, 'version', v.version,
                             'uploaded_at', v.uploaded_at, 'sha256', v.sha256, 'bytes', v.bytes,
                             'file_name', v.file_name, 'url', '/api/documents/file?id=' || v.id)
                             ORDER BY v.version DESC)
                         FROM document v WHERE v.series_id = d.series_id))
            || CASE WHEN staff THEN jsonb_build_object(
                'opens', (SELECT count(*) FROM document_open o JOIN document v ON v.id = o.document_id
                          WHERE v.series_id = d.series_id),
                'readers', (SELECT count(DISTINCT o.person_id) FROM document_open o
                            JOIN document v ON v.id = o.document_id
                            WHERE v.series_id = d.series_id)) ELSE '{}' END
            ORDER BY d.agenda_item_id NULLS FIRST, d.title, d.id)
        FROM document d WHERE d.session_id = sid AND d.superseded_at IS NULL
            AND rec_doc_readable(requester, is_admin, d)), '[]'));
END $$;

-- Opening a document: checks the requester may read it and records the
-- open (a signed-in reader) in the same statement. Returns what the file
-- is and where it is kept.
CREATE OR REPLACE FUNCTION rec_doc_open(requester bigint, is_admin boolean, in_id bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    d document;
BEGIN
    SELECT * INTO d FROM document WHERE id = in_id;
    IF NOT FOUND THEN PERFORM admin_refuse('not_found', 'id'); END IF;
    IF NOT rec_doc_readable(requester, is_admin, d) THEN
        IF requester IS NULL THEN PERFORM admin_refuse('unauthenticated', 'id'); END IF;
        PERFORM admin_refuse('forbidden', 'id', 'not_a_member');
    END IF;
    IF requester IS NOT NULL THEN
        INSERT INTO document_open (document_id, person_id) VALUES (d.id, requester);
    END IF;
    RETURN rec_doc_json(d);
END $$;

-- Who opened a document (any version of its series), and which of the
-- council's delegates never did.
CREATE OR REPLACE FUNCTION rec_doc_opens(requester bigint, is_admin boolean, in_id bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
    d document;
    cid bigint;
BEGIN
    SELECT * INTO d FROM document WHERE id = in_id;
    IF NOT FOUND THEN PERFORM admin_refuse('not_found', 'id'); END IF;
    SELECT council_id INTO cid FROM session WHERE id = d.session_id;
    IF NOT rec_is_staff(requester, is_admin, cid) THEN
        PERFORM admin_refuse('forbidden', 'id', 'not_staff');
    END IF;
    RETURN jsonb_build_object('id', d.id, 'opens', coalesce((
        SELECT jsonb_agg(jsonb_build_object('person_id', o.person_id, 'name', p.display_name,
                         'version', v.version, 'opened_at', o.opened_at) ORDER BY o.opened_at)
        FROM document_open o JOIN document v ON v.id = o.document_id
        JOIN person p ON p.id = o.person_id WHERE v.series_id = d.series_id), '[]'),
        'unread', coalesce((
        SELECT jsonb_agg(jsonb_build_object('person_id', m.person_id, 'name', p.display_name)
                         ORDER BY m.seat_no NULLS LAST, p.display_name)
        FROM membership m JOIN person p ON p.id = m.person_id
        WHERE m.council_id = cid AND m.is_delegate AND NOT EXISTS (
            SELECT 1 FROM document_open o JOIN document v ON v.id = o.document_id
            WHERE v.series_id = d.series_id AND o.person_id = m.person_id)), '[]'));
END $$;

-- 009's rec_search: for anyone but a member, minutes match and are quoted
-- from their public view only.
CREATE OR REPLACE FUNCTION rec_search_words(requester bigint, is_admin boolean, in_slug text, in_q text)
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
              AND (staff OR access_petition_public(p))), '[]'),
        'documents', coalesce((SELECT jsonb_agg(jsonb_build_object('id', d.id,
            'title', d.title, 'session_id', d.session_id, 'kind', d.kind,
            'visibility', d.visibility, 'url', '/api/documents/file?id=' || d.id)
            ORDER BY ts_rank(d.search, q) DESC, d.id DESC)
            FROM document d JOIN session s ON s.id = d.session_id
            WHERE s.council_id = cid AND d.superseded_at IS NULL AND d.search @@ q
              AND (member OR access_doc_public(d, s))), '[]'),
        'minutes', coalesce((SELECT jsonb_agg(jsonb_build_object('session_id', s.id,
            'title', s.title, 'finalised', m.finalised_at IS NOT NULL,
            'snippet', ts_headline('pl_vi', x.txt, q, 'MaxFragments=1, MaxWords=20, MinWords=5'))
            ORDER BY s.number DESC)
            FROM minutes m JOIN session s ON s.id = m.session_id
            CROSS JOIN LATERAL (SELECT CASE WHEN member
                THEN m.notes || ' ' || coalesce(rec_json_text(m.record::jsonb), '')
                WHEN access_minutes_public(s, m)
                THEN rec_json_text((SELECT body FROM rec_minutes_public(s.id, m))::jsonb)
                ELSE '' END AS txt) x
            WHERE s.council_id = cid
              AND CASE WHEN member THEN m.search @@ q
                  ELSE access_minutes_public(s, m)
                       AND to_tsvector('pl_vi', x.txt) @@ q END), '[]'));
END $$;

CREATE OR REPLACE FUNCTION rec_search(requester bigint, is_admin boolean, in_slug text, in_q text)
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
      AND (rec_is_staff(requester, is_admin, c.id) OR access_petition_public(p));
    IF hit IS NULL THEN RETURN r; END IF;
    RETURN jsonb_set(r, '{petitions}', jsonb_build_array(hit) || (r->'petitions'));
END $$;

-- Figures for the standing board, and those the ward plan asks the council
-- to report.
CREATE OR REPLACE FUNCTION rec_dashboard(requester bigint, is_admin boolean, cid bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
    out jsonb;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM council WHERE id = cid) THEN
        PERFORM admin_refuse('not_found', 'council_id');
    END IF;
    IF NOT rec_is_member(requester, is_admin, cid) THEN
        PERFORM admin_refuse('forbidden', 'council_id', 'not_a_member');
    END IF;
    WITH p AS (SELECT * FROM petition WHERE council_id = cid AND status <> 'merged'),
    se AS (SELECT * FROM session WHERE council_id = cid),
    si AS (SELECT t.* FROM sitting t JOIN se ON se.id = t.session_id WHERE t.state = 'closed'),
    it AS (SELECT a.* FROM agenda_item a JOIN se ON se.id = a.session_id
           WHERE se.state <> 'planned'),
    vo AS (SELECT v.* FROM vote v JOIN se ON se.id = v.session_id
           WHERE v.state IN ('counted', 'published')),
    doc AS (SELECT d.* FROM document d JOIN se ON se.id = d.session_id
            WHERE d.superseded_at IS NULL)
    SELECT jsonb_build_object(
        'petitions', jsonb_build_object(
            'total', (SELECT count(*) FROM p),
            'by_status', coalesce((SELECT jsonb_object_agg(status, n) FROM
                (SELECT status, count(*) n FROM p GROUP BY status) x), '{}'),
            'by_area', coalesce((SELECT jsonb_object_agg(area, n) FROM
                (SELECT area, count(*) n FROM p GROUP BY area) x), '{}'),
            'by_agency', coalesce((SELECT jsonb_object_agg(agency, n) FROM
                (SELECT agency, count(*) n FROM p WHERE agency IS NOT NULL GROUP BY agency) x),
                '{}'),
            'overdue', (SELECT count(*) FROM p WHERE p.status IN ('received', 'assigned')
                        AND p.due_on < rec_today()),
            'voters', (SELECT coalesce(sum(count), 0) FROM p)),
        'sessions', jsonb_build_object(
            'held', (SELECT count(*) FROM se WHERE state = 'closed'),
            'open', (SELECT count(*) FROM se WHERE state = 'open'),
            'planned', (SELECT count(*) FROM se WHERE state = 'planned'),
            'minutes_finalised', (SELECT count(*) FROM minutes m JOIN se ON se.id = m.session_id
                                  WHERE m.finalised_at IS NOT NULL)),
        'sittings', jsonb_build_object(
            'held', (SELECT count(*) FROM si),
            'recorded', (SELECT count(*) FROM si WHERE EXISTS (SELECT 1 FROM recording r
                         WHERE r.sitting_id = si.id)),
            'streamed', (SELECT count(*) FROM si WHERE EXISTS (SELECT 1 FROM recording r
                         WHERE r.sitting_id = si.id AND r.dir LIKE 'media/public/%'))),
        'votes', jsonb_build_object(
            'held', (SELECT count(*) FROM vo),
            'published', (SELECT count(*) FROM vo WHERE state = 'published'),
            'passed', (SELECT count(*) FROM vo WHERE (result->>'passed')::boolean)),
        'documents', jsonb_build_object(
            'total', (SELECT count(*) FROM doc),
            'public', (SELECT count(*) FROM doc WHERE visibility = 'public'),
            'resolutions', (SELECT count(*) FROM doc WHERE kind = 'resolution'),
            'items', (SELECT count(*) FROM it),
            'items_with_documents', (SELECT count(*) FROM it WHERE EXISTS (SELECT 1 FROM doc
                                     WHERE doc.agenda_item_id = it.id)
                                     OR jsonb_array_length(it.documents) > 0)))
    INTO out;
    -- Shares for the ward plan (NULL when there is nothing to count yet).
    RETURN out || jsonb_build_object('ward_plan', jsonb_build_object(
        'petitions_digital', CASE WHEN (out#>>'{petitions,total}')::int > 0 THEN 1.0 END,
        'documents_digital', round((out#>>'{documents,items_with_documents}')::numeric /
            nullif((out#>>'{documents,items}')::numeric, 0), 3),
        'sittings_recorded', round((out#>>'{sittings,recorded}')::numeric /
            nullif((out#>>'{sittings,held}')::numeric, 0), 3),
        'sittings_streamed', round((out#>>'{sittings,streamed}')::numeric /
            nullif((out#>>'{sittings,held}')::numeric, 0), 3),
        'petitions_answered', round(((SELECT count(*) FROM petition WHERE council_id = cid
            AND status IN ('answered', 'published', 'closed')))::numeric /
            nullif((out#>>'{petitions,total}')::numeric, 0), 3),
        'results_published', round((out#>>'{votes,published}')::numeric /
            nullif((out#>>'{votes,held}')::numeric, 0), 3)));
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
                  AND access_doc_public(d, s) AND d.kind = 'resolution'), '[]'),
            'documents', coalesce((SELECT jsonb_agg(rec_doc_json(d) ORDER BY
                d.agenda_item_id NULLS FIRST, d.title)
                FROM document d WHERE d.session_id = s.id AND d.superseded_at IS NULL
                  AND access_doc_public(d, s) AND d.kind <> 'resolution'), '[]'),
            'minutes', (SELECT jsonb_build_object('url', '/api/minutes?session_id=' || s.id ||
                '&format=html', 'json', '/api/minutes?session_id=' || s.id || '&format=json',
                'finalised_at', m.finalised_at,
                'sha256', (SELECT hash FROM rec_minutes_public(s.id, m)))
                FROM minutes m WHERE m.session_id = s.id AND access_minutes_public(s, m)),
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
            FROM petition p WHERE p.council_id = c.id AND access_petition_public(p)), '[]'));
END $$;

-- When the public sittings of a public session are planned (the public
-- page says when the next one starts); NULL for a session that is not
-- public.
CREATE OR REPLACE FUNCTION rec_public_schedule(sid bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('session_id', s.id, 'planned_start', s.planned_start,
        'sittings', coalesce((SELECT jsonb_agg(jsonb_build_object('id', t.id,
            'ordinal', t.ordinal, 'title', t.title, 'state', t.state,
            'planned_start', t.planned_start, 'opened_at', t.opened_at) ORDER BY t.ordinal)
            FROM sitting t WHERE t.session_id = s.id AND t.visibility = 'public'), '[]'))
    FROM session s WHERE s.id = sid AND s.visibility = 'public'
$$;

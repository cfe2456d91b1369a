-- 007_session_media: where a session's picture and sound come from
-- (media/media.c): "test" (a generated slate), "srt://:PORT" (plenumd
-- listens; an encoder or OBS pushes MPEG-TS with H.264 and AAC, recorded as
-- it is) or "srt://HOST:PORT" (plenumd pulls from an encoder). NULL: the
-- server's --media-source.
ALTER TABLE session ADD COLUMN media_source text
    CHECK (media_source IS NULL OR media_source ~ '^(test|srt://[A-Za-z0-9.-]{0,253}:[0-9]{1,5})$');

-- admin_save_session (005) and the source, in the same transaction.
CREATE FUNCTION admin_save_session_media(requester bigint, is_admin boolean, doc jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    res jsonb := admin_save_session(requester, is_admin, doc);
BEGIN
    IF doc ? 'media_source' THEN
        UPDATE session SET media_source = nullif(doc->>'media_source', '')
        WHERE id = (res->>'id')::bigint;
    END IF;
    RETURN res;
END $$;

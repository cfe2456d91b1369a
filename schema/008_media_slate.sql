-- 008_media_slate: the slate and more sources (media/media.c).
-- Sources: an RTSP camera (rtsp://[user:password@]host[:port]/path, its
-- H.264 recorded as it is) and a capture device with its sound card
-- (v4l2:/dev/videoN[?audio=hw:C[,D]], encoded once). Restreaming: a
-- session may send its livestream on to an RTMP server (the council's
-- YouTube or Facebook page); the URL holds the stream key, a secret.
-- While a public sitting's source delivers nothing (before its encoder
-- connects, or after it is lost), a slate saying so is streamed and
-- recorded as a run of its own (kind 'slate'), so the livestream and the
-- archive keep going and the gap is in the record: the program run before
-- it ends with 'source_lost'.
ALTER TABLE recording ADD COLUMN kind text NOT NULL DEFAULT 'program'
    CHECK (kind IN ('program', 'slate'));
ALTER TABLE recording DROP CONSTRAINT recording_end_reason_check;
ALTER TABLE recording ADD CONSTRAINT recording_end_reason_check
    CHECK (end_reason IN ('stopped', 'interrupted', 'error', 'source_lost'));
ALTER TABLE session DROP CONSTRAINT session_media_source_check;
ALTER TABLE session ADD CONSTRAINT session_media_source_check CHECK (media_source IS NULL
    OR media_source ~ '^(test|srt://[A-Za-z0-9.-]{0,253}:[0-9]{1,5})$'
    OR (length(media_source) <= 500
        AND media_source ~ '^rtsp://(?!/)[]A-Za-z0-9._~:/?#@!$&''()*+,;=%[-]+$')
    OR media_source ~ '^v4l2:/dev/video[0-9]{1,3}(\?audio=hw:[0-9]{1,2}(,[0-9]{1,2})?)?$');

ALTER TABLE session ADD COLUMN media_restream text CHECK (media_restream IS NULL
    OR (length(media_restream) <= 500
        AND media_restream ~ '^rtmps?://(?!/)[]A-Za-z0-9._~:/?#@!$&''()*+,;=%[-]+$'));

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

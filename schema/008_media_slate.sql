-- 008_media_slate: the slate and more sources (media/media.c).
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

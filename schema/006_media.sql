-- 006_media: recordings of sittings and their segments (media/media.c).
-- The segments are the recording: 1-second MPEG-TS files, also served as
-- the live HLS stream. Chapters are not stored twice: they are the
-- session's events (agenda, floor, votes) placed on the recording's
-- timeline through the segments' wall-clock starts (server/net_media.c).

-- One pipeline run: a sitting has several when plenumd restarted or the
-- source failed; the gaps between runs are in the record.
CREATE TABLE recording (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sitting_id bigint NOT NULL REFERENCES sitting (id) ON DELETE CASCADE,
    run        text NOT NULL UNIQUE CHECK (run ~ '^[0-9a-f]{16}$'),
    dir        text NOT NULL,   -- relative to the data dir
    started_at timestamptz NOT NULL,
    ended_at   timestamptz,     -- NULL while recording
    end_reason text CHECK (end_reason IN ('stopped', 'interrupted', 'error'))
);
CREATE INDEX recording_sitting ON recording (sitting_id, started_at);

CREATE TABLE media_segment (
    recording_id bigint NOT NULL REFERENCES recording (id) ON DELETE CASCADE,
    seq          integer NOT NULL CHECK (seq >= 0),
    file         text NOT NULL CHECK (file ~ '^seg-[0-9a-f]{16}-[0-9]{5,}\.ts$'),
    started_at   timestamptz NOT NULL,
    duration_ms  integer NOT NULL CHECK (duration_ms > 0),
    bytes        bigint NOT NULL CHECK (bytes >= 0),
    PRIMARY KEY (recording_id, seq)
);

-- 003_live: attendance, speaker queue, speaking turns, hall display, and the
-- append-only, gap-free event log of every live change.

-- Time limits per kind of turn, in seconds (DOMAIN.md: 7 minutes for a first
-- speech, 3 for a second, 3 per debate turn), configurable per session.
ALTER TABLE session ADD COLUMN limits jsonb NOT NULL DEFAULT
    '{"speech": 420, "second_speech": 180, "question": 180, "answer": 300, "reply": 180, "order": 120}';
-- What the hall display shows, set by the chair.
ALTER TABLE session ADD COLUMN display jsonb NOT NULL DEFAULT '{"mode": "agenda"}';
-- Documents attached to an agenda item: [{"title": ..., "url": ...}].
ALTER TABLE agenda_item ADD COLUMN documents jsonb NOT NULL DEFAULT '[]'
    CHECK (jsonb_typeof(documents) = 'array');

-- Who is present at a sitting (roll call / check-in).
CREATE TABLE attendance (
    sitting_id bigint NOT NULL REFERENCES sitting (id) ON DELETE CASCADE,
    person_id  bigint NOT NULL REFERENCES person (id),
    present    boolean NOT NULL,
    method     text NOT NULL CHECK (method IN ('self', 'secretary')),
    changed_at timestamptz NOT NULL,
    changed_by bigint REFERENCES person (id),
    PRIMARY KEY (sitting_id, person_id)
);

-- A request to speak on an agenda item. id is the seq of the event that
-- created it (unique within the session).
CREATE TABLE speaker_request (
    session_id     bigint NOT NULL REFERENCES session (id) ON DELETE CASCADE,
    id             bigint NOT NULL,
    agenda_item_id bigint NOT NULL REFERENCES agenda_item (id),
    person_id      bigint NOT NULL REFERENCES person (id),
    kind           text NOT NULL CHECK (kind IN ('speech', 'question', 'answer', 'reply', 'order')),
    status         text NOT NULL DEFAULT 'queued'
                   CHECK (status IN ('queued', 'granted', 'withdrawn', 'removed')),
    position       double precision NOT NULL, -- order in the queue, lowest first
    requested_at   timestamptz NOT NULL,
    closed_at      timestamptz,
    PRIMARY KEY (session_id, id)
);
-- One queued request per person per agenda item.
CREATE UNIQUE INDEX speaker_request_one_queued
    ON speaker_request (agenda_item_id, person_id) WHERE status = 'queued';

-- A turn at the floor. id is the seq of the event that started it.
CREATE TABLE speaking_turn (
    session_id     bigint NOT NULL REFERENCES session (id) ON DELETE CASCADE,
    id             bigint NOT NULL,
    sitting_id     bigint NOT NULL REFERENCES sitting (id),
    agenda_item_id bigint REFERENCES agenda_item (id),
    person_id      bigint NOT NULL REFERENCES person (id),
    kind           text NOT NULL CHECK (kind IN ('speech', 'question', 'answer', 'reply', 'order')),
    request_id     bigint,
    limit_s        integer NOT NULL CHECK (limit_s > 0),
    extended_s     integer NOT NULL DEFAULT 0 CHECK (extended_s >= 0),
    started_at     timestamptz NOT NULL,
    paused_at      timestamptz,               -- set while paused
    paused_ms      bigint NOT NULL DEFAULT 0, -- total time paused before paused_at
    ended_at       timestamptz,
    overran        boolean NOT NULL DEFAULT false,
    PRIMARY KEY (session_id, id)
);
-- One speaker at a time.
CREATE UNIQUE INDEX speaking_turn_one_current ON speaking_turn (session_id) WHERE ended_at IS NULL;

-- Every live change, in the transaction that makes it. seq is per session
-- and gap-free (enforced below); observers of a closed sitting get public =
-- false events redacted.
CREATE TABLE session_event (
    session_id bigint NOT NULL REFERENCES session (id) ON DELETE CASCADE,
    seq        bigint NOT NULL CHECK (seq > 0),
    at         timestamptz NOT NULL,
    actor_id   bigint REFERENCES person (id),
    name       text NOT NULL CHECK (name ~ '^[a-z_]+\.[a-z_]+$'),
    public     boolean NOT NULL,
    data       jsonb NOT NULL,
    PRIMARY KEY (session_id, seq)
);

CREATE FUNCTION session_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        RAISE EXCEPTION 'session_event is append-only';
    END IF;
    -- Gap-free: each event follows the last one of its session.
    IF NEW.seq <> coalesce((SELECT max(seq) FROM session_event
                            WHERE session_id = NEW.session_id), 0) + 1 THEN
        RAISE EXCEPTION 'session_event seq % is not the next for session %', NEW.seq,
            NEW.session_id USING ERRCODE = 'serialization_failure';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER session_event_guard BEFORE INSERT OR UPDATE OR DELETE ON session_event
    FOR EACH ROW EXECUTE FUNCTION session_event_guard();

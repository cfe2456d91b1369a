-- functions/live.sql: the triggers of the session event log (003_live,
-- 010_nodes): append-only and gap-free, and every committed event announced
-- on plenum_session_event so other nodes catch up (server/hub.c). The
-- CREATE TRIGGER statements stay in those migrations.

-- session_event is append-only and gap-free per session (003_live): the
-- database refuses any other write, so even a second writer (the admin page)
-- cannot leave a hole.
CREATE OR REPLACE FUNCTION session_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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

-- Several plenumd nodes on one database (010_nodes). Every committed session
-- event is announced on the channel plenum_session_event with the payload
-- "<session id> <seq>"; PostgreSQL delivers it at commit, to every node
-- listening (server/hub.c), which then reloads a session it holds and is
-- behind on, and sends its clients the events they missed. The seq stays
-- the one the database gave (the guard of 003_live.sql), so it is gap-free
-- and the same on every node.
CREATE OR REPLACE FUNCTION session_event_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('plenum_session_event', NEW.session_id || ' ' || NEW.seq);
    RETURN NULL;
END $$;

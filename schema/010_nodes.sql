-- 010_nodes: several plenumd nodes on one database. Every committed session
-- event is announced on the channel plenum_session_event with the payload
-- "<session id> <seq>"; PostgreSQL delivers it at commit, to every node
-- listening (server/hub.c), which then reloads a session it holds and is
-- behind on, and sends its clients the events they missed. The seq stays
-- the one the database gave (the guard of 003_live.sql), so it is gap-free
-- and the same on every node.
CREATE FUNCTION session_event_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('plenum_session_event', NEW.session_id || ' ' || NEW.seq);
    RETURN NULL;
END $$;
CREATE TRIGGER session_event_notify AFTER INSERT ON session_event
    FOR EACH ROW EXECUTE FUNCTION session_event_notify();

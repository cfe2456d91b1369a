-- 014_idempotency: a session command may carry a client-chosen idempotency
-- key (docs/protocol.md, "Retrying safely"). The key is written in the same
-- statement as the command's event, so it commits exactly when the command
-- does. When plenumd could not learn whether a command committed (the
-- database hung or the connection dropped after the statement was sent: the
-- answer outcome_unknown), the client sends it again with the same key;
-- plenumd, having reloaded the session (its keys included), answers a key
-- found here with the original seq instead of doing the command twice.
--
-- The primary key is the last guard: a retry racing a late commit of the
-- first attempt (a backend that resumes after a hang) cannot commit a second
-- time, whatever plenumd's memory says.
--
-- Ballots need no key: the nonce (secret kinds) or the person and choice
-- (named kinds) already make a retried ballot a duplicate (004_votes.sql).

CREATE TABLE command_key (
    session_id bigint NOT NULL,
    person_id  bigint NOT NULL REFERENCES person (id),
    key        text NOT NULL CHECK (key ~ '^[A-Za-z0-9_-]{8,64}$'),
    -- The request type, so that a key reused for another command is
    -- refused rather than answered with the first command's seq.
    type       text NOT NULL CHECK (type ~ '^[a-z_]+\.[a-z_]+$'),
    seq        bigint NOT NULL,
    PRIMARY KEY (session_id, person_id, key),
    FOREIGN KEY (session_id, seq) REFERENCES session_event (session_id, seq) ON DELETE CASCADE
);

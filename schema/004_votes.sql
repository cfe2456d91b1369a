-- 004_votes: electronic votes. Open and named votes record who chose what;
-- secret ballots, elections and confidence votes keep who took part apart
-- from the ballots (server/vote.h explains the keys).

CREATE TABLE vote (
    session_id     bigint NOT NULL REFERENCES session (id) ON DELETE CASCADE,
    id             bigint NOT NULL, -- the seq of the event that prepared it
    agenda_item_id bigint REFERENCES agenda_item (id),
    kind           text NOT NULL
                   CHECK (kind IN ('open', 'named', 'secret', 'election', 'confidence')),
    question       text NOT NULL CHECK (length(question) BETWEEN 1 AND 2000),
    rule           text NOT NULL CHECK (rule IN ('total_majority', 'present_majority',
                   'cast_majority', 'total_two_thirds', 'cast_two_thirds')),
    seats          integer NOT NULL DEFAULT 1 CHECK (seats > 0),
    mode           text NOT NULL DEFAULT 'choose' CHECK (mode IN ('choose', 'mark')),
    candidates     jsonb NOT NULL DEFAULT '[]',
    options        jsonb NOT NULL DEFAULT '{}',
    board          jsonb NOT NULL DEFAULT '[]', -- counting board: person ids
    confirmed      jsonb NOT NULL DEFAULT '[]', -- board members who confirmed
    state          text NOT NULL CHECK (state IN ('prepared', 'open', 'closed', 'counted',
                   'published', 'cancelled')),
    eligible       jsonb NOT NULL DEFAULT '[]', -- delegates present when it opened
    opened_at      timestamptz,
    closes_at      timestamptz,
    closed_at      timestamptz,
    published_at   timestamptz,
    result         jsonb,
    ballot_digest  text, -- secret kinds: SHA-256 chain over the ballots in key order
    PRIMARY KEY (session_id, id)
);
CREATE UNIQUE INDEX vote_one_open ON vote (session_id) WHERE state = 'open';

-- Open and named votes: each delegate's choice. entered_by: the secretary
-- who entered it for a delegate without a device (manual entry).
CREATE TABLE vote_record (
    session_id  bigint NOT NULL,
    vote_id     bigint NOT NULL,
    person_id   bigint NOT NULL REFERENCES person (id),
    choice      jsonb NOT NULL,
    entered_by  bigint REFERENCES person (id),
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (session_id, vote_id, person_id),
    FOREIGN KEY (session_id, vote_id) REFERENCES vote (session_id, id) ON DELETE CASCADE
);

-- Secret kinds: who took part. No choice, no time. nonce_check and
-- commitment are keyed on the voter's nonce, which is never stored: they
-- cannot be matched to a ballot or a receipt without it.
CREATE TABLE vote_participation (
    session_id  bigint NOT NULL,
    vote_id     bigint NOT NULL,
    person_id   bigint NOT NULL REFERENCES person (id),
    nonce_check bytea NOT NULL CHECK (length(nonce_check) = 32),
    commitment  bytea NOT NULL CHECK (length(commitment) = 32),
    PRIMARY KEY (session_id, vote_id, person_id),
    FOREIGN KEY (session_id, vote_id) REFERENCES vote (session_id, id) ON DELETE CASCADE
);

-- Secret ballots: the choice under a random key, and nothing else: no voter,
-- no serial number, no timestamp. Rows of a batch are inserted in random
-- order, and the table is rewritten in key order when a vote is counted, so
-- not even the physical order tells when a ballot arrived.
CREATE TABLE ballot (
    session_id bigint NOT NULL,
    vote_id    bigint NOT NULL,
    ballot_key bytea NOT NULL CHECK (length(ballot_key) = 32),
    choice     jsonb NOT NULL,
    PRIMARY KEY (session_id, vote_id, ballot_key),
    FOREIGN KEY (session_id, vote_id) REFERENCES vote (session_id, id) ON DELETE CASCADE
);

-- Receipts, published with the result: each proves a ballot was included
-- without saying which ballot or what it chose.
CREATE TABLE ballot_receipt (
    session_id bigint NOT NULL,
    vote_id    bigint NOT NULL,
    receipt    text NOT NULL CHECK (receipt ~ '^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$'),
    PRIMARY KEY (session_id, vote_id, receipt),
    FOREIGN KEY (session_id, vote_id) REFERENCES vote (session_id, id) ON DELETE CASCADE
);

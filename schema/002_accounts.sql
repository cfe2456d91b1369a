-- 002_accounts: sign-in sessions, one-time sign-in codes, the security log.

-- A disabled person cannot sign in; their open sessions are revoked.
ALTER TABLE person ADD COLUMN disabled boolean NOT NULL DEFAULT false;
ALTER TABLE person ADD COLUMN password_changed_at timestamptz;

-- A signed-in browser or client. Only the SHA-256 of the 256-bit random
-- token is stored: a database dump does not let anyone sign in.
CREATE TABLE auth_session (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_sha256 bytea NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
    person_id    bigint NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    method       text NOT NULL CHECK (method IN ('password', 'code')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,  -- absolute lifetime
    revoked_at   timestamptz,
    address      text,
    user_agent   text CHECK (user_agent IS NULL OR length(user_agent) <= 300)
);
CREATE INDEX auth_session_live ON auth_session (expires_at) WHERE revoked_at IS NULL;
CREATE INDEX auth_session_person ON auth_session (person_id);

-- One-time sign-in codes a secretary prints for delegates' tablets. Single
-- use (used_at), short-lived (expires_at); only the SHA-256 is stored.
CREATE TABLE signin_code (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code_sha256 bytea NOT NULL UNIQUE CHECK (length(code_sha256) = 32),
    person_id   bigint NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX signin_code_person ON signin_code (person_id);

-- Who signed in, failed, was locked out, signed out, was refused a
-- handshake or an action. Never passwords, tokens or ballot contents.
CREATE TABLE security_event (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    event     text NOT NULL CHECK (event ~ '^[a-z_]{2,40}$'),
    person_id bigint REFERENCES person (id) ON DELETE SET NULL,
    login     text,
    address   text,
    detail    text
);
CREATE INDEX security_event_at ON security_event (at);

-- 001_init: councils, people and their roles, sessions, sittings, agenda.
-- Rules: ../shared/DOMAIN.md. The migration runner wraps this file in one
-- transaction; never edit it once released, add 002_... instead.

-- A council (Hội đồng nhân dân) or any assembly that works the same way.
CREATE TABLE council (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    level       text NOT NULL CHECK (level IN ('national', 'province', 'commune', 'other')),
    -- The total number of delegates: majorities are counted against this,
    -- not against those present (Law on Local Government 2015, Art. 91).
    total_seats integer NOT NULL CHECK (total_seats > 0),
    -- A sitting may proceed when at least quorum_num/quorum_den of the total
    -- are present (HĐND: two-thirds).
    quorum_num  integer NOT NULL DEFAULT 2 CHECK (quorum_num > 0),
    quorum_den  integer NOT NULL DEFAULT 3 CHECK (quorum_den >= quorum_num),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A person who can sign in. Membership and role are per council.
CREATE TABLE person (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login         text UNIQUE CHECK (login ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
    display_name  text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    email         text CHECK (email IS NULL OR length(email) <= 254),
    phone         text CHECK (phone IS NULL OR length(phone) <= 32),
    -- scrypt, "$scrypt$ln=..,r=..,p=..$salt$hash" (server/password.c); NULL: cannot sign in.
    password_hash text,
    is_admin      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE membership (
    council_id  bigint NOT NULL REFERENCES council (id) ON DELETE CASCADE,
    person_id   bigint NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    role        text NOT NULL
                CHECK (role IN ('chair', 'vice_chair', 'secretary', 'delegate', 'staff')),
    -- Holds a delegate's seat and so may vote. The chair and vice-chairs are
    -- delegates; a secretary or staff member usually is not.
    is_delegate boolean NOT NULL,
    seat_no     integer CHECK (seat_no > 0),
    title       text,
    PRIMARY KEY (council_id, person_id),
    UNIQUE (council_id, seat_no)
);
CREATE UNIQUE INDEX membership_one_chair ON membership (council_id) WHERE role = 'chair';

-- A session (kỳ họp): regular (thường lệ) or extraordinary (chuyên đề, bất thường).
CREATE TABLE session (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    council_id    bigint NOT NULL REFERENCES council (id) ON DELETE CASCADE,
    number        integer NOT NULL CHECK (number > 0),
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    kind          text NOT NULL DEFAULT 'regular' CHECK (kind IN ('regular', 'extraordinary')),
    visibility    text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'closed')),
    state         text NOT NULL DEFAULT 'planned' CHECK (state IN ('planned', 'open', 'closed')),
    location      text,
    planned_start timestamptz,
    opened_at     timestamptz,
    closed_at     timestamptz,
    UNIQUE (council_id, number)
);

-- A sitting (phiên họp): a day or half-day of a session. A closed sitting is
-- not livestreamed and is invisible to observers.
CREATE TABLE sitting (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id    bigint NOT NULL REFERENCES session (id) ON DELETE CASCADE,
    ordinal       integer NOT NULL CHECK (ordinal > 0),
    title         text NOT NULL,
    visibility    text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'closed')),
    state         text NOT NULL DEFAULT 'planned' CHECK (state IN ('planned', 'open', 'closed')),
    planned_start timestamptz,
    opened_at     timestamptz,
    closed_at     timestamptz,
    UNIQUE (session_id, ordinal)
);

-- The agenda (chương trình kỳ họp) is an ordered tree of items.
CREATE TABLE agenda_item (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id bigint NOT NULL REFERENCES session (id) ON DELETE CASCADE,
    parent_id  bigint REFERENCES agenda_item (id) ON DELETE CASCADE,
    position   integer NOT NULL CHECK (position > 0),
    title      text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    presenter  text,
    state      text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'active', 'done')),
    CHECK (parent_id IS NULL OR parent_id <> id)
);
-- Siblings have distinct positions; top-level items share parent 0.
CREATE UNIQUE INDEX agenda_item_order
    ON agenda_item (session_id, coalesce(parent_id, 0), position);

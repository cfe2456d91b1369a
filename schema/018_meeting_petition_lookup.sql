-- A petition given at a voter-contact meeting gets a lookup code too
-- (KN-000123-ABCD2345, the same scheme as the public form in 016): a
-- citizen who petitions at a meeting follows it up on /public/petition/
-- like one who filed online. Only the secret's SHA-256 is kept.

-- Gives petition id a new lookup secret (its hash stored) and answers the
-- whole lookup code; shared by the public form and the meeting.
CREATE FUNCTION rec_petition_lookup_issue(pid bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    secret text := rec_lookup_secret();
BEGIN
    UPDATE petition SET lookup_hash = sha256(convert_to(secret, 'UTF8')) WHERE id = pid;
    RETURN rec_code(pid) || '-' || secret;
END $$;

CREATE OR REPLACE FUNCTION rec_petition_public_add(requester bigint, is_admin boolean, doc jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    out jsonb := rec_petition_add(NULL, false, doc);
BEGIN
    RETURN out || jsonb_build_object('lookup_code',
                                     rec_petition_lookup_issue((out->>'id')::bigint));
END $$;

-- meeting_do's answer to a petition with the lookup code added to the
-- reply (to the citizen only: the event the room sees stays without it).
CREATE FUNCTION meeting_petition_lookup(res jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_set(res, '{reply,lookup_code}',
                     to_jsonb(rec_petition_lookup_issue((res->'reply'->>'petition_id')::bigint)))
$$;

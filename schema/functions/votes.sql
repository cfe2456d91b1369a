-- functions/votes.sql: a vote's tally as the WebSocket vote.tally sends
-- it, cut by access.sql's vote_visible_to (004_votes, 015_access).

-- vote.tally over the WebSocket: the result of vote vid of session sid for
-- requester, by vote_visible_to. Refuses as the hub did (forbidden
-- chair_or_board_only, invalid_state not_counted).
CREATE OR REPLACE FUNCTION vote_tally_for(requester bigint, is_admin boolean, sid bigint, vid bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
    v vote;
    reader text;
    seen jsonb;
BEGIN
    SELECT * INTO v FROM vote WHERE session_id = sid AND id = vid;
    IF NOT FOUND THEN PERFORM admin_refuse('not_found', 'vote_id'); END IF;
    reader := rec_reader(requester, is_admin, (SELECT council_id FROM session WHERE id = sid));
    seen := vote_visible_to(reader, requester, v);
    IF NOT (seen->>'result')::boolean THEN
        IF v.state NOT IN ('counted', 'published') THEN
            PERFORM admin_refuse('invalid_state', 'vote_id', 'not_counted');
        END IF;
        PERFORM admin_refuse('forbidden', 'vote_id', 'chair_or_board_only');
    END IF;
    RETURN jsonb_build_object('vote_id', v.id, 'state', v.state, 'result', v.result);
END $$;

-- 013_council_rules: the council settings that the law's rules on votes need
-- beyond the quorum (001_init.sql). See ../shared/DOMAIN.md and
-- docs/protocol.md ("Council rules").
--
-- counting_board_size: how many sit on the counting board (Ban kiểm phiếu)
-- of a secret ballot, an election or a confidence vote. plenumd refuses to
-- prepare or open such a vote without a board of exactly this size, and
-- publishes its result only once more than half of the board confirms it.
-- NULL means the law's number for the council's level: 7 for a
-- province/city (and the national level), 3 for a commune/ward or any
-- other assembly; a district council (5) sets it explicitly.

ALTER TABLE council
    ADD COLUMN counting_board_size integer
        CHECK (counting_board_size IS NULL OR counting_board_size BETWEEN 1 AND 15);

-- The size that applies, for plenumd's session document and reports.
CREATE FUNCTION council_board_size(c council) RETURNS integer
    LANGUAGE sql IMMUTABLE
    RETURN coalesce(c.counting_board_size,
                    CASE c.level WHEN 'province' THEN 7 WHEN 'national' THEN 7 ELSE 3 END);

-- 012_ballot_secrecy: no secret ballot may be linked to its voter through
-- PostgreSQL's own bookkeeping (issue 19).
--
-- A group commit writes the voters' participation rows and their ballots and
-- receipts in one transaction, so while a vote is open the rows share an
-- xmin. From now on plenumd closes (or cancels) a secret vote in a
-- transaction that deletes the vote's ballots and receipts and inserts them
-- again in one statement in key order: every copy carries that transaction's
-- xmin and one cmin, and ctids in key order. After the commit it rewrites
-- the participation rows in person order in a transaction of their own, and
-- rewrites the three tables (CLUSTER) so the dead originals, which kept the
-- old xmins, are gone from the pages (server/vote_sql.c, pl_vote_compact).
--
-- This migration does the same for the votes closed before it: their ballots
-- and receipts are inserted again, in key order, by this one transaction.
-- The dead originals stay in the pages until the next secret vote is counted
-- (which rewrites the tables) or an operator runs
-- `VACUUM FULL ballot, ballot_receipt` (docs/security.md). Votes still open
-- are left alone: they are rewritten when they close.

WITH d AS (
    DELETE FROM ballot b USING vote v
    WHERE v.session_id = b.session_id AND v.id = b.vote_id AND v.state <> 'open'
    RETURNING b.session_id, b.vote_id, b.ballot_key, b.choice
)
INSERT INTO ballot (session_id, vote_id, ballot_key, choice)
SELECT session_id, vote_id, ballot_key, choice FROM d
ORDER BY session_id, vote_id, ballot_key;

WITH d AS (
    DELETE FROM ballot_receipt r USING vote v
    WHERE v.session_id = r.session_id AND v.id = r.vote_id AND v.state <> 'open'
    RETURNING r.session_id, r.vote_id, r.receipt
)
INSERT INTO ballot_receipt (session_id, vote_id, receipt)
SELECT session_id, vote_id, receipt FROM d
ORDER BY session_id, vote_id, receipt;

COMMENT ON TABLE ballot IS
    'Secret ballots: key and choice only. Once the vote closes, its rows are '
    're-inserted in key order by one statement (one xmin, one cmin for all) and the '
    'table is rewritten without the dead originals: see 012_ballot_secrecy.sql.';
COMMENT ON TABLE ballot_receipt IS
    'Receipts of secret ballots, rewritten like ballot when the vote closes.';

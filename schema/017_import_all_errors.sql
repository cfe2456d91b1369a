-- 017_import_all_errors: a CSV import reports every refused row at once.
-- 005's admin_import stopped at the first row the database refused, so a
-- file came back in rounds: the values first (server/admin_input.c), then
-- one taken login or seat per try. This one tries every row, each in its
-- own subtransaction, collects the refusals, adds the ones the server found
-- in the values (known: [{"row", "field", "error", "reason"?}]; their rows
-- are not in rows, or are there without the bad cells) and, if there is
-- any, raises one refusal for the whole file: MESSAGE and COLUMN the first
-- one's, DETAIL 'rows ' and the whole list as JSON, sorted by row. Nothing
-- is written then. A refusal about the council itself (not a manager, no
-- such council) is raised as it is, once.
CREATE FUNCTION admin_import_all(requester bigint, is_admin boolean, in_council bigint,
                                 rows jsonb, known jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    r      record;
    res    jsonb;
    made   integer := 0;
    total  integer := 0;
    errs   jsonb := coalesce(known, '[]'::jsonb);
    msg text; col text; hint text;
    rowno  integer;
BEGIN
    FOR r IN SELECT value, ordinality FROM jsonb_array_elements(rows) WITH ORDINALITY LOOP
        rowno := coalesce((r.value->>'row')::integer, r.ordinality::integer + 1);
        BEGIN
            res := admin_save_person(requester, is_admin,
                                     (r.value - 'row') || jsonb_build_object('council_id', in_council));
            total := total + 1;
            made := made + (res->>'created')::boolean::integer;
        EXCEPTION WHEN raise_exception THEN
            GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, col = COLUMN_NAME, hint = PG_EXCEPTION_HINT;
            IF col = 'council_id' THEN
                RAISE EXCEPTION USING MESSAGE = msg, COLUMN = col, HINT = hint;
            END IF;
            errs := errs || jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
                'row', rowno, 'field', nullif(col, ''), 'error', msg,
                'reason', nullif(hint, ''), 'value', r.value->>nullif(col, ''))));
        END;
    END LOOP;
    IF jsonb_array_length(errs) > 0 THEN
        SELECT jsonb_agg(e ORDER BY (e->>'row')::integer, e->>'field') INTO errs
        FROM jsonb_array_elements(errs) e;
        RAISE EXCEPTION USING MESSAGE = errs->0->>'error', COLUMN = coalesce(errs->0->>'field', ''),
            HINT = coalesce(errs->0->>'reason', ''), DETAIL = 'rows ' || errs::text;
    END IF;
    RETURN jsonb_build_object('created', made, 'updated', total - made);
END $$;

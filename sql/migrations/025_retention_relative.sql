-- Retention relative to the port's newest data, never touching the days a run has just written (issue 25).
-- Drops day partitions of vessel_position whose whole day is more than keep_days before `newest` and
-- before `protect_from` (the oldest day the calling writer stored); returns each dropped name and its rows.
CREATE FUNCTION drop_position_partitions_before(keep_days integer, newest timestamptz, protect_from date)
RETURNS TABLE (partition_name text, row_count bigint)
LANGUAGE plpgsql AS $$
DECLARE
    part record;
    n bigint;
BEGIN
    IF newest IS NULL THEN
        RETURN;
    END IF;
    FOR part IN
        SELECT c.relname FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'vessel_position'::regclass
          AND c.relname ~ '^vessel_position_[0-9]{8}$'
          AND to_date(right(c.relname, 8), 'YYYYMMDD') < (newest AT TIME ZONE 'UTC')::date - keep_days
          AND (protect_from IS NULL OR to_date(right(c.relname, 8), 'YYYYMMDD') < protect_from)
        ORDER BY c.relname
    LOOP
        EXECUTE format('SELECT count(*) FROM %I', part.relname) INTO n;
        EXECUTE format('DROP TABLE %I', part.relname);
        partition_name := part.relname;
        row_count := n;
        RETURN NEXT;
    END LOOP;
END $$;

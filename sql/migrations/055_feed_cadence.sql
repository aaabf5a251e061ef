-- Feed health by kind (issue 32): each feed_status row carries its source's expected cadence (ingest/sources.py
-- SOURCES, written with every batch), and one function gives the verdict that the wall's lights, the map's KPI
-- strip and its silent-feed banner all show.
--   ok      heard within its grace: a live feed within max(120 s, 3 cadences); a feed that is quiet by nature
--           (a TOS snapshot every 5 min, hazmat declarations, the gate, a camera webhook) within 3 of its
--           cadences (at least 120 s); one that speaks only when someone drops a file (no cadence) always
--   late    a quiet-by-nature feed past its grace (amber: worth a look, not an outage)
--   silent  a live feed past its grace (red: an outage, as the feed-health rule says)
ALTER TABLE feed_status ADD COLUMN IF NOT EXISTS cadence_s double precision
    CHECK (cadence_s IS NULL OR cadence_s > 0);

CREATE OR REPLACE FUNCTION feed_verdict(silent_s double precision, live boolean, cadence_s double precision)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN NOT live AND cadence_s IS NULL THEN 'ok'
        WHEN silent_s IS NOT NULL AND silent_s <= greatest(120, 3 * coalesce(cadence_s, 0)) THEN 'ok'
        WHEN live THEN 'silent'
        ELSE 'late'
    END
$$;

-- Two reports of one vessel in the same second (a type 27 and a type 1, say) share the key (mmsi, observed_at).
-- The better one is kept (issue 25), by this documented rank, lowest best:
--   1. a report with a position before one without;
--   2. position accuracy high (the AIS accuracy flag, < 10 m, DGNSS) before low or unknown;
--   3. by type: class A position reports (1, 2, 3) > class B (18, 19) > SAR aircraft (9) > long-range (27)
--      > anything else (its position is coarser: type 27 has 1/10 minute and no second);
-- ties keep the report stored first (a replay or the second reception of one transmission changes nothing).
CREATE FUNCTION position_rank(geom geometry, accuracy boolean, msg_type smallint) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (CASE WHEN geom IS NULL THEN 100 ELSE 0 END)
         + (CASE WHEN accuracy THEN 0 ELSE 10 END)
         + (CASE WHEN msg_type IN (1, 2, 3) THEN 0 WHEN msg_type IN (18, 19) THEN 1 WHEN msg_type = 9 THEN 2
                 WHEN msg_type = 27 THEN 3 ELSE 4 END)
$$;

-- The live picture moves only forward; a report without a position keeps the last known one. Of reports of
-- the same second it holds the one history keeps (position_rank, migration 026).
INSERT INTO vessel_latest AS l (mmsi, observed_at, received_at, source, msg_type, geom, sog_kn, cog_deg,
                                heading_deg, rot_deg_min, nav_status, accuracy, altitude_m)
SELECT DISTINCT ON (mmsi) *
FROM stg_position_row
ORDER BY mmsi, observed_at DESC, position_rank(geom, accuracy, msg_type), received_at
ON CONFLICT (mmsi) DO UPDATE SET
    observed_at = EXCLUDED.observed_at, received_at = EXCLUDED.received_at, source = EXCLUDED.source,
    msg_type = EXCLUDED.msg_type, geom = coalesce(EXCLUDED.geom, l.geom), sog_kn = EXCLUDED.sog_kn,
    cog_deg = EXCLUDED.cog_deg, heading_deg = EXCLUDED.heading_deg, rot_deg_min = EXCLUDED.rot_deg_min,
    nav_status = EXCLUDED.nav_status, accuracy = EXCLUDED.accuracy, altitude_m = EXCLUDED.altitude_m
WHERE l.observed_at < EXCLUDED.observed_at
   OR (l.observed_at = EXCLUDED.observed_at AND position_rank(EXCLUDED.geom, EXCLUDED.accuracy, EXCLUDED.msg_type)
       < position_rank(l.geom, l.accuracy, l.msg_type))

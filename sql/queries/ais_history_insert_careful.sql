-- History: one report per (mmsi, observed_at). A replay or a retry adds nothing; of two different reports of
-- the same second the better one by position_rank (migration 026) is kept, in the batch and against what is
-- stored. Each row is a speculative insertion, about a fifth dearer than ais_history_insert, so it is used
-- when that one conflicts.
INSERT INTO vessel_position AS p (mmsi, observed_at, received_at, source, msg_type, geom, sog_kn, cog_deg,
                                  heading_deg, rot_deg_min, nav_status, accuracy, altitude_m)
SELECT DISTINCT ON (mmsi, observed_at) *
FROM stg_position_row
ORDER BY mmsi, observed_at, position_rank(geom, accuracy, msg_type), received_at
ON CONFLICT (mmsi, observed_at) DO UPDATE SET
    received_at = EXCLUDED.received_at, source = EXCLUDED.source, msg_type = EXCLUDED.msg_type,
    geom = EXCLUDED.geom, sog_kn = EXCLUDED.sog_kn, cog_deg = EXCLUDED.cog_deg,
    heading_deg = EXCLUDED.heading_deg, rot_deg_min = EXCLUDED.rot_deg_min, nav_status = EXCLUDED.nav_status,
    accuracy = EXCLUDED.accuracy, altitude_m = EXCLUDED.altitude_m
WHERE position_rank(EXCLUDED.geom, EXCLUDED.accuracy, EXCLUDED.msg_type)
    < position_rank(p.geom, p.accuracy, p.msg_type)

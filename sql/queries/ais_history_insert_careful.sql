-- History: a report is stored once per (mmsi, observed_at); a replay or a retry adds nothing. Each row is a
-- speculative insertion, about a fifth dearer than ais_history_insert, so it is used when that one conflicts.
INSERT INTO vessel_position (mmsi, observed_at, received_at, source, msg_type, geom, sog_kn, cog_deg, heading_deg,
                             rot_deg_min, nav_status, accuracy, altitude_m)
SELECT * FROM stg_position_row
ON CONFLICT (mmsi, observed_at) DO NOTHING

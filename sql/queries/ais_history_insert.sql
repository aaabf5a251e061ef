-- History, the fast way: a plain insert. It fails on a report already stored (a replay, a retry after a lost
-- commit, the same report from two receivers), and the writer then uses ais_history_insert_careful.
INSERT INTO vessel_position (mmsi, observed_at, received_at, source, msg_type, geom, sog_kn, cog_deg, heading_deg,
                             rot_deg_min, nav_status, accuracy, altitude_m)
SELECT * FROM stg_position_row

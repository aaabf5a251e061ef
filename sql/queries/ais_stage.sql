CREATE TEMP TABLE IF NOT EXISTS stg_position (
    mmsi integer, observed_at timestamptz, received_at timestamptz, source text, msg_type smallint,
    lon double precision, lat double precision, sog_kn real, cog_deg real, heading_deg smallint,
    rot_deg_min real, nav_status smallint, accuracy boolean, altitude_m integer
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stg_vessel (
    mmsi integer, kind text, ais_class char(1), imo integer, call_sign text, name text, ship_type smallint,
    dim_a_m smallint, dim_b_m smallint, dim_c_m smallint, dim_d_m smallint, draught_m real, destination text,
    eta timestamptz, flag char(2), static_at timestamptz
) ON COMMIT DELETE ROWS;
-- The staged reports as history rows (the table's columns, in its order), for the history insert and the live picture.
CREATE OR REPLACE TEMP VIEW stg_position_row AS
    SELECT mmsi, observed_at, received_at, source, msg_type,
           CASE WHEN lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(lon, lat), 4326) END AS geom,
           sog_kn, cog_deg, heading_deg, rot_deg_min, nav_status, accuracy, altitude_m
    FROM stg_position;

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

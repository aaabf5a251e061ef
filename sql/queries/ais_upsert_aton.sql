INSERT INTO aton AS a (mmsi, name, aid_type, dim_a_m, dim_b_m, dim_c_m, dim_d_m, virtual_aid, off_position, geom,
                       observed_at, source)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, %s)
ON CONFLICT (mmsi) DO UPDATE SET
    name = coalesce(EXCLUDED.name, a.name), aid_type = EXCLUDED.aid_type, dim_a_m = EXCLUDED.dim_a_m,
    dim_b_m = EXCLUDED.dim_b_m, dim_c_m = EXCLUDED.dim_c_m, dim_d_m = EXCLUDED.dim_d_m,
    virtual_aid = EXCLUDED.virtual_aid, off_position = EXCLUDED.off_position, geom = EXCLUDED.geom,
    observed_at = EXCLUDED.observed_at, source = EXCLUDED.source
WHERE a.observed_at < EXCLUDED.observed_at

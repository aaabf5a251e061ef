INSERT INTO berth (port_id, berth_id, name_en, name_zh, terminal_id, cargo, length_m, depth_m, max_dwt_t,
                   geom, area)
VALUES (%(port_id)s, %(feature_id)s, %(name_en)s, %(name_zh)s, %(terminal_id)s, %(kind)s, %(length_m)s,
        %(depth_m)s, %(max_dwt_t)s, ST_GeomFromWKB(%(geom)s, 4326), ST_GeomFromWKB(%(area)s, 4326))
ON CONFLICT (port_id, berth_id) DO UPDATE SET
    name_en = EXCLUDED.name_en, name_zh = EXCLUDED.name_zh, terminal_id = EXCLUDED.terminal_id,
    cargo = EXCLUDED.cargo, length_m = EXCLUDED.length_m, depth_m = EXCLUDED.depth_m,
    max_dwt_t = EXCLUDED.max_dwt_t, geom = EXCLUDED.geom, area = EXCLUDED.area

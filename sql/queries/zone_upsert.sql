INSERT INTO zone (port_id, zone_id, kind, name_en, name_zh, speed_limit_kn, props, geom)
VALUES (%(port_id)s, %(feature_id)s, %(kind)s, %(name_en)s, %(name_zh)s, %(speed_limit_kn)s, %(props)s,
        ST_Multi(ST_GeomFromWKB(%(geom)s, 4326)))
ON CONFLICT (port_id, zone_id) DO UPDATE SET
    kind = EXCLUDED.kind, name_en = EXCLUDED.name_en, name_zh = EXCLUDED.name_zh,
    speed_limit_kn = EXCLUDED.speed_limit_kn, props = EXCLUDED.props, geom = EXCLUDED.geom

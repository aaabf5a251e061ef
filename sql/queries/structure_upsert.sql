INSERT INTO structure (port_id, structure_id, kind, name_en, name_zh, geom)
VALUES (%(port_id)s, %(feature_id)s, %(kind)s, %(name_en)s, %(name_zh)s, ST_GeomFromWKB(%(geom)s, 4326))
ON CONFLICT (port_id, structure_id) DO UPDATE SET
    kind = EXCLUDED.kind, name_en = EXCLUDED.name_en, name_zh = EXCLUDED.name_zh, geom = EXCLUDED.geom

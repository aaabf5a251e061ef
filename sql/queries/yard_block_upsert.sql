INSERT INTO yard_block (port_id, block_id, name_en, name_zh, terminal_id, kind, bays, rows_, tiers,
                        orientation_deg, geom)
VALUES (%(port_id)s, %(feature_id)s, %(name_en)s, %(name_zh)s, %(terminal_id)s, %(kind)s, %(bays)s,
        %(rows)s, %(tiers)s, %(orientation_deg)s, ST_GeomFromWKB(%(geom)s, 4326))
ON CONFLICT (port_id, block_id) DO UPDATE SET
    name_en = EXCLUDED.name_en, name_zh = EXCLUDED.name_zh, terminal_id = EXCLUDED.terminal_id,
    kind = EXCLUDED.kind, bays = EXCLUDED.bays, rows_ = EXCLUDED.rows_, tiers = EXCLUDED.tiers,
    orientation_deg = EXCLUDED.orientation_deg, geom = EXCLUDED.geom

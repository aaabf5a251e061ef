INSERT INTO port (port_id, name_en, name_zh, crs, timezone, centre, bbox, zoom, config, loaded_at)
VALUES (%(port_id)s, %(name_en)s, %(name_zh)s, %(crs)s, %(timezone)s,
        ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326),
        ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326),
        %(zoom)s, %(config)s, now())
ON CONFLICT (port_id) DO UPDATE SET
    name_en = EXCLUDED.name_en, name_zh = EXCLUDED.name_zh, crs = EXCLUDED.crs,
    timezone = EXCLUDED.timezone, centre = EXCLUDED.centre, bbox = EXCLUDED.bbox,
    zoom = EXCLUDED.zoom, config = EXCLUDED.config, loaded_at = EXCLUDED.loaded_at

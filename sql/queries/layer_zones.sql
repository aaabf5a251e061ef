SELECT zone_id, kind, name_en, name_zh, speed_limit_kn, props,
       round((ST_Area(geom::geography) / 10000)::numeric, 1) AS area_ha, ST_AsBinary(geom) AS geom
FROM zone
WHERE port_id = %(port_id)s AND geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
ORDER BY CASE kind WHEN 'anchorage' THEN 0 WHEN 'channel' THEN 1 WHEN 'harbour' THEN 2 WHEN 'basin' THEN 3
                   WHEN 'terminal' THEN 4 ELSE 5 END, zone_id

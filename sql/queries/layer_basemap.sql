SELECT feature_id, kind, name_en, name_zh, ST_AsBinary(geom) AS geom
FROM basemap_feature
WHERE port_id = %(port_id)s AND geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
ORDER BY CASE kind WHEN 'water' THEN 0 WHEN 'land' THEN 1 ELSE 2 END, feature_id

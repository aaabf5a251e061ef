SELECT structure_id, kind, name_en, name_zh, round(ST_Length(geom::geography)::numeric) AS length_m,
       ST_AsBinary(geom) AS geom
FROM structure
WHERE port_id = %(port_id)s AND geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
ORDER BY structure_id

SELECT berth_id, name_en, name_zh, terminal_id, cargo, length_m, depth_m, max_dwt_t, ST_AsBinary(geom) AS geom
FROM berth
WHERE port_id = %(port_id)s AND geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
ORDER BY berth_id

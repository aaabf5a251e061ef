SELECT camera_id, name_en, name_zh, source_name, bearing_deg, fov_deg, range_m, ptz, status,
       ST_X(geom) AS lon, ST_Y(geom) AS lat, ST_AsBinary(fov) AS geom
FROM camera
WHERE port_id = %(port_id)s AND fov && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
ORDER BY camera_id

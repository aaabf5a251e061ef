-- The cameras whose field of view covers the incident's place.
SELECT camera_id, name_en, name_zh, status
FROM camera
WHERE port_id = %(port_id)s AND ST_Intersects(fov, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326))
ORDER BY camera_id

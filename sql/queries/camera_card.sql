-- A camera's card: what it is and its last ten tracks.
SELECT c.camera_id, c.name_en, c.name_zh, c.status, c.status_at, c.bearing_deg, c.fov_deg, c.range_m, c.ptz,
       e.label, e.sub_label, e.top_score, e.start_at, e.end_at, e.zones
FROM camera c
LEFT JOIN LATERAL (SELECT * FROM camera_event e WHERE e.port_id = c.port_id AND e.camera_id = c.camera_id
                   ORDER BY e.start_at DESC LIMIT 10) e ON true
WHERE c.port_id = %(port_id)s AND c.camera_id = %(camera_id)s
ORDER BY e.start_at DESC NULLS LAST

-- A new alert; its details also name the cameras whose field of view covers where it is.
INSERT INTO alert (port_id, rule, severity, subject_kind, subject_id, dedup_key, geom, evidence_at, title_en,
                   title_zh, details)
SELECT %(port_id)s, %(rule)s, %(severity)s, %(subject_kind)s, %(subject_id)s, %(dedup_key)s, g.geom, %(evidence_at)s,
       %(title_en)s, %(title_zh)s,
       %(details)s::jsonb || jsonb_build_object('cameras', coalesce(
           (SELECT jsonb_agg(c.camera_id ORDER BY c.camera_id) FROM camera c
            WHERE c.port_id = %(port_id)s AND g.geom IS NOT NULL AND ST_Intersects(c.fov, g.geom)), '[]'::jsonb))
FROM (SELECT ST_GeomFromText(%(wkt)s, 4326) AS geom) g
WHERE NOT EXISTS (SELECT 1 FROM alert q WHERE q.dedup_key = %(dedup_key)s AND q.state = 'resolved'
                  AND q.quiet_until > now())    -- an officer resolved it while it held: quiet for a while (040)
ON CONFLICT (dedup_key) WHERE state <> 'resolved' DO NOTHING
RETURNING alert_id

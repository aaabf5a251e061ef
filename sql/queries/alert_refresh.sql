-- The condition still holds: the alert follows it (where, how bad, the latest evidence) without a new row.
UPDATE alert SET last_seen_at = now(), severity = %(severity)s, evidence_at = greatest(evidence_at, %(evidence_at)s),
                 geom = coalesce(ST_GeomFromText(%(wkt)s, 4326), geom), title_en = %(title_en)s,
                 title_zh = %(title_zh)s,
                 details = %(details)s::jsonb || jsonb_build_object('cameras', details -> 'cameras')
WHERE alert_id = %(alert_id)s

INSERT INTO alert_retrospective (run_id, port_id, rule, severity, subject_kind, subject_id, dedup_key, geom,
                                 evidence_at, raised_at, last_seen_at, resolved_at, title_en, title_zh, details)
VALUES (%(run_id)s, %(port_id)s, %(rule)s, %(severity)s, %(subject_kind)s, %(subject_id)s, %(dedup_key)s,
        ST_GeomFromText(%(wkt)s, 4326), %(evidence_at)s, %(raised_at)s, %(last_seen_at)s, %(resolved_at)s,
        %(title_en)s, %(title_zh)s, %(details)s)

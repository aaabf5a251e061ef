INSERT INTO permit (permit_id, port_id, subject_kind, subject_id, zone_id, valid_from, valid_to, source_file, updated_at)
VALUES (%(permit_id)s, %(port_id)s, %(subject_kind)s, %(subject_id)s, %(zone_id)s, %(valid_from)s, %(valid_to)s,
        %(source)s, now())
ON CONFLICT (permit_id) DO UPDATE SET subject_kind = EXCLUDED.subject_kind, subject_id = EXCLUDED.subject_id,
    zone_id = EXCLUDED.zone_id, valid_from = EXCLUDED.valid_from, valid_to = EXCLUDED.valid_to,
    source_file = EXCLUDED.source_file, updated_at = now()

INSERT INTO vehicle (terminal_phone, plate, kind, owner, source_file, updated_at)
VALUES (%(terminal_phone)s, %(plate)s, %(kind)s, %(owner)s, %(source)s, now())
ON CONFLICT (terminal_phone) DO UPDATE SET plate = EXCLUDED.plate, kind = EXCLUDED.kind, owner = EXCLUDED.owner,
    source_file = EXCLUDED.source_file, updated_at = now()

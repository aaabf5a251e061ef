INSERT INTO ingest_checkpoint (source, position, file_identity, updated_at)
VALUES (%(source)s, %(position)s, %(file_identity)s, now())
ON CONFLICT (source) DO UPDATE SET position = EXCLUDED.position, file_identity = EXCLUDED.file_identity,
    updated_at = now()

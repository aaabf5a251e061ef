-- A record given up on (ingest.batchsplit): kept with its reason; the same record again adds its attempts.
INSERT INTO ingest_dead_letter AS d (source, kind, reason, attempts, record, record_sha256)
VALUES (%(source)s, %(kind)s, %(reason)s, %(attempts)s, %(record)s, sha256(convert_to(%(record)s, 'UTF8')))
ON CONFLICT (source, record_sha256) DO UPDATE SET
    attempts = d.attempts + EXCLUDED.attempts, reason = EXCLUDED.reason, last_failed_at = now()

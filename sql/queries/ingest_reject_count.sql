INSERT INTO ingest_reject_count AS c (source, reason, count, last_at) VALUES (%s, %s, %s, now())
ON CONFLICT (source, reason) DO UPDATE SET count = c.count + EXCLUDED.count, last_at = EXCLUDED.last_at

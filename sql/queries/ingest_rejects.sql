INSERT INTO ingest_reject (source, reason, detail, raw) VALUES (%s, %s, %s, %s)

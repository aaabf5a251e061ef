-- Keep the newest %(keep)s rejects of a source: the table is a window for diagnosis, the counts are forever.
DELETE FROM ingest_reject
WHERE source = %(source)s
  AND reject_id < (SELECT min(reject_id) FROM (SELECT reject_id FROM ingest_reject WHERE source = %(source)s
                                               ORDER BY reject_id DESC LIMIT %(keep)s) newest)

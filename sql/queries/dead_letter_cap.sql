-- Keep the newest %(keep)s dead letters of a source: a window for diagnosis and replay (the counts are forever).
DELETE FROM dead_letter
WHERE source = %(source)s
  AND dead_letter_id < (SELECT min(dead_letter_id) FROM (SELECT dead_letter_id FROM dead_letter WHERE source = %(source)s
                                                        ORDER BY dead_letter_id DESC LIMIT %(keep)s) newest)

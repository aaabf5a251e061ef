-- Retention of vendor pictures: older than keep_days are deleted (the event rows stay).
DELETE FROM camera_picture WHERE stored_at < now() - make_interval(days => %(keep_days)s)

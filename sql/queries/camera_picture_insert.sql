INSERT INTO camera_picture (event_id, content_type, picture) VALUES (%(event_id)s, %(content_type)s, %(picture)s)
ON CONFLICT (event_id) DO NOTHING

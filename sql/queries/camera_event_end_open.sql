-- An ONVIF rule went inactive: end the open event of that camera and topic.
UPDATE camera_event e SET end_at = greatest(%(at)s, e.start_at), updated_at = now()
FROM camera c
WHERE c.port_id = %(port_id)s AND c.source_name = %(camera)s AND e.port_id = c.port_id
  AND e.camera_id = c.camera_id AND e.source = 'onvif' AND e.end_at IS NULL AND e.raw->>'topic' = %(topic)s
RETURNING e.event_id

-- The cameras that read a plate (their detections' sub-label), the last five.
SELECT camera_id, start_at FROM camera_event
WHERE port_id = %(port_id)s AND upper(sub_label) = upper(%(plate)s)
ORDER BY start_at DESC LIMIT 5

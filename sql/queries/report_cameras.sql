-- The report's camera summary: tracks per camera and object label that started in the window.
SELECT camera_id, label, count(*) AS tracks, min(start_at) AS first_at, max(start_at) AS last_at
FROM camera_event
WHERE port_id = %(port_id)s AND start_at >= %(from)s AND start_at <= %(to)s
GROUP BY camera_id, label
ORDER BY camera_id, tracks DESC

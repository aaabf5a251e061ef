-- Camera health from the video system: one camera by its source name, or every camera of the port (NULL).
UPDATE camera SET status = %(status)s, status_at = now()
WHERE port_id = %(port_id)s AND (%(camera)s::text IS NULL OR source_name = %(camera)s::text)
  AND status IS DISTINCT FROM %(status)s
RETURNING camera_id

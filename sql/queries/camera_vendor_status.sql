-- A vendor's keepalive (GB/T 28181 Keepalive): the cameras named by these ids are online, seen now.
UPDATE camera SET status = %(status)s, status_at = now()
WHERE port_id = %(port_id)s AND vendor_ids && %(keys)s::text[]
RETURNING camera_id

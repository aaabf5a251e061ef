-- Suppression ends at its time (counted from the evidence): the alert is live again.
UPDATE alert SET state = 'open', suppressed_until = NULL
WHERE port_id = %(port_id)s AND state = 'suppressed' AND suppressed_until <= %(now)s
RETURNING alert_id

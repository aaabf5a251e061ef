-- The engine resolves an alert whose condition cleared (quiet_until: the epoch, nothing to quiet; migration 040).
UPDATE alert SET state = 'resolved', resolved_at = now(), suppressed_until = NULL, quiet_until = 'epoch'
WHERE alert_id = %(alert_id)s

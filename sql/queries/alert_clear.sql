UPDATE alert SET state = 'resolved', resolved_at = now(), suppressed_until = NULL WHERE alert_id = %(alert_id)s

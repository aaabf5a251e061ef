UPDATE alert SET state = %(state)s, suppressed_until = %(until)s,
                 resolved_at = CASE WHEN %(state)s = 'resolved' THEN now() END
WHERE alert_id = %(alert_id)s

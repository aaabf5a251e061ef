SELECT alert_id, rule, dedup_key, state, suppressed_until, subject_kind, subject_id FROM alert
WHERE port_id = %(port_id)s AND state <> 'resolved'

SELECT state, evidence_at, severity FROM alert WHERE alert_id = %(alert_id)s FOR UPDATE

SELECT state, evidence_at FROM alert WHERE alert_id = %(alert_id)s FOR UPDATE

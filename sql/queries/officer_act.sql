SELECT severity, woke_at FROM officer_act(%(alert_id)s, %(actor)s, %(role)s, %(agency)s, %(action)s, %(note)s,
                                          %(minutes)s)

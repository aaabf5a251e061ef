SELECT alert_action_append(%(alert_id)s, %(actor)s, %(role)s, %(agency)s, %(action)s, %(note)s)

SELECT case_step_complete(%(case_id)s, %(step)s, %(actor)s, %(role)s, %(agency)s, %(outcome)s, %(note)s)

SELECT login_wait(%(account)s, %(address)s)

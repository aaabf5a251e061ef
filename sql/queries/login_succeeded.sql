SELECT login_succeeded(%(account)s)

SELECT login_failed(%(account)s, %(address)s, %(free)s, %(base_s)s, %(cap_s)s, %(forget_s)s, %(address_limit)s,
                    %(address_window_s)s)

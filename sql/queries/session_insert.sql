INSERT INTO user_session (session_hash, user_id, csrf_token, expires_at)
VALUES (%(session_hash)s, %(user_id)s, %(csrf_token)s, now() + make_interval(secs => %(ttl_s)s))

DELETE FROM user_session WHERE session_hash = %(session_hash)s OR expires_at < now() - interval '1 day'

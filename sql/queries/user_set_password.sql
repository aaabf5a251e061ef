UPDATE app_user SET password_hash = %(password_hash)s, password_changed_at = now() WHERE username = %(username)s
RETURNING user_id

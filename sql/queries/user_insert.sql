INSERT INTO app_user (username, display_name, role, agency, password_hash)
VALUES (%(username)s, %(display_name)s, %(role)s, %(agency)s, %(password_hash)s)
RETURNING user_id

SELECT user_id, username, display_name, role, agency, password_hash, disabled FROM app_user WHERE username = %(username)s

UPDATE app_user SET disabled = %(disabled)s WHERE username = %(username)s RETURNING user_id

-- A disabled user or a reset password ends every session of that user.
DELETE FROM user_session WHERE user_id = (SELECT user_id FROM app_user WHERE username = %(username)s)

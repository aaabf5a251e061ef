UPDATE access_token SET revoked_at = now() WHERE name = %(name)s AND revoked_at IS NULL RETURNING token_id

SELECT name, kind, agency, created_by, created_at, revoked_at, last_used_at FROM access_token ORDER BY name

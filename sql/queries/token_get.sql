-- The live (not revoked) token of that hash; its last use is recorded.
UPDATE access_token SET last_used_at = now()
WHERE token_hash = %(token_hash)s AND revoked_at IS NULL
RETURNING name, kind, agency

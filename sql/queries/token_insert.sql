INSERT INTO access_token (name, kind, agency, token_hash, created_by)
VALUES (%(name)s, %(kind)s, %(agency)s, %(token_hash)s, %(created_by)s)
RETURNING token_id

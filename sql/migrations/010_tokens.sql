-- Read-only access tokens: `api` for tools reading the layer API (QGIS, scripts), `wall` for the control-centre
-- wall display. Only the token's SHA-256 is stored; a token acts as a viewer of its agency and can change nothing.
CREATE TABLE access_token (
    token_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9._-]{2,64}$'),
    kind          text NOT NULL CHECK (kind IN ('api', 'wall')),
    agency        text NOT NULL CHECK (agency IN ('port', 'customs', 'border', 'maritime_safety', 'control_centre')),
    token_hash    bytea NOT NULL UNIQUE,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    last_used_at  timestamptz
);

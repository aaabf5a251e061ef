-- Feed health per source, ingest rejects, officers and their sessions, and the audit of every action.
CREATE TABLE feed_status (
    source        text PRIMARY KEY,            -- e.g. 'ais:udp:station-1', 'camera:mqtt'
    kind          text NOT NULL CHECK (kind IN ('ais', 'camera', 'yard', 'hazmat', 'gate', 'other')),
    last_message_at timestamptz,
    rate_per_s    real NOT NULL DEFAULT 0,
    messages_total bigint NOT NULL DEFAULT 0,
    rejects_total bigint NOT NULL DEFAULT 0,
    errors_total  bigint NOT NULL DEFAULT 0,
    state         text NOT NULL DEFAULT 'unknown' CHECK (state IN ('unknown', 'ok', 'degraded', 'silent')),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ingest_reject_count (
    source        text NOT NULL,
    reason        text NOT NULL,
    count         bigint NOT NULL DEFAULT 0,
    last_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, reason)
);

-- The last rejected inputs with their reason, capped by the writer (oldest rows deleted first).
CREATE TABLE ingest_reject (
    reject_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source        text NOT NULL,
    reason        text NOT NULL,
    detail        text,
    raw           text NOT NULL,
    rejected_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ingest_reject_source_idx ON ingest_reject (source, reject_id);

CREATE TABLE ingest_checkpoint (
    source        text PRIMARY KEY,            -- e.g. 'ais:file:/path'
    position      bigint NOT NULL,             -- byte offset committed with the rows it covers
    file_identity text,                        -- inode/size fingerprint so a new file starts over
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE app_user (
    user_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9._-]{2,64}$'),
    display_name  text NOT NULL,
    role          text NOT NULL CHECK (role IN ('viewer', 'officer', 'supervisor', 'admin')),
    agency        text NOT NULL CHECK (agency IN ('port', 'customs', 'border', 'maritime_safety', 'control_centre')),
    password_hash text NOT NULL,
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE user_session (
    session_hash  bytea PRIMARY KEY,           -- sha256 of the session token; the token is never stored
    user_id       bigint NOT NULL REFERENCES app_user ON DELETE CASCADE,
    csrf_token    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);
CREATE INDEX user_session_expiry_idx ON user_session (expires_at);

CREATE TABLE audit_log (
    audit_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor         text NOT NULL,
    actor_role    text,
    actor_agency  text,
    action        text NOT NULL,
    object_kind   text,
    object_id     text,
    detail        jsonb NOT NULL DEFAULT '{}'::jsonb,
    client_addr   inet,
    acted_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_time_idx ON audit_log (acted_at);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

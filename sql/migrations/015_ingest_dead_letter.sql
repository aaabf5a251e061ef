-- Records a writer gave up on: the database refused them on their own, `attempts` times (issue 23). They are
-- kept with the refusal's reason, out of the way of the good rows around them, and never retried by the
-- worker; a replay of the same record (same source and text) adds its attempts to the row already here.
CREATE TABLE ingest_dead_letter (
    dead_letter_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source          text NOT NULL,
    kind            text NOT NULL,                 -- e.g. position, vessel, aton, reject
    reason          text NOT NULL,
    attempts        integer NOT NULL CHECK (attempts > 0),
    record          text NOT NULL,                 -- the row as text PostgreSQL takes (ingest.limits.safe_raw)
    record_sha256   bytea NOT NULL,
    first_failed_at timestamptz NOT NULL DEFAULT now(),
    last_failed_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, record_sha256)
);
CREATE INDEX ingest_dead_letter_source_idx ON ingest_dead_letter (source, dead_letter_id);

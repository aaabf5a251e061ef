-- Poison inputs: a message refused or failing N times is kept here with its reason before it is acknowledged,
-- so the broker stops re-delivering it and nothing is lost. The raw bytes are kept as bytea (NUL, invalid
-- UTF-8 and all), the first 16 KB of them, with the full size.
CREATE TABLE dead_letter (
    dead_letter_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source         text NOT NULL,               -- e.g. 'camera:mqtt:portmap-camera'
    channel        text NOT NULL DEFAULT '',    -- the MQTT topic
    reason         text NOT NULL,
    detail         text,
    attempts       integer NOT NULL DEFAULT 1,
    payload        bytea NOT NULL,
    payload_bytes  integer NOT NULL,
    digest         bytea NOT NULL,              -- SHA-256 of the payload (of its head, if only that was held)
    dead_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dead_letter_source_idx ON dead_letter (source, dead_letter_id);

-- Retrospective evaluation (issue 25): the alert rules run over a past window (`python -m ingest alerts --from
-- --to`), each step with the positions as they stood then. What they raise is kept apart from live alerts: its
-- own table, never on the wall, the alert list or a pager, never NOTIFYed; shown in a replay's map at its
-- historical time and in the incident report, marked retrospective.
CREATE TABLE retrospective_run (
    run_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    port_id       text NOT NULL,
    from_at       timestamptz NOT NULL,
    to_at         timestamptz NOT NULL,
    step_s        real NOT NULL CHECK (step_s > 0),
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    steps         integer NOT NULL DEFAULT 0,
    raised        integer NOT NULL DEFAULT 0,
    CHECK (to_at >= from_at)
);

CREATE TABLE alert_retrospective (
    alert_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id        bigint NOT NULL REFERENCES retrospective_run ON DELETE CASCADE,
    retrospective boolean NOT NULL DEFAULT true CHECK (retrospective),
    port_id       text NOT NULL,
    rule          text NOT NULL,
    severity      text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    subject_kind  text NOT NULL,
    subject_id    text NOT NULL,
    dedup_key     text NOT NULL,
    geom          geometry(Geometry, 4326),
    evidence_at   timestamptz NOT NULL,     -- the time of the data that raised it
    raised_at     timestamptz NOT NULL,     -- the historical instant the engine would have raised it
    last_seen_at  timestamptz NOT NULL,
    resolved_at   timestamptz,              -- the historical instant its condition cleared (NULL: held to the end)
    title_en      text NOT NULL,
    title_zh      text NOT NULL,
    details       jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX alert_retrospective_time_idx ON alert_retrospective (port_id, raised_at);

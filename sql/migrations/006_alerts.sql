-- Alerts with their lifecycle, an append-only action log, and the multi-agency hazmat case chain.
CREATE TABLE alert (
    alert_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    port_id       text NOT NULL,
    rule          text NOT NULL,
    severity      text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    subject_kind  text NOT NULL,
    subject_id    text NOT NULL,
    dedup_key     text NOT NULL,
    geom          geometry(Geometry, 4326),
    evidence_at   timestamptz NOT NULL,        -- the time of the data that raised it
    raised_at     timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    state         text NOT NULL DEFAULT 'open'
                  CHECK (state IN ('open', 'acknowledged', 'suppressed', 'resolved')),
    suppressed_until timestamptz,
    resolved_at   timestamptz,
    title_en      text NOT NULL,
    title_zh      text NOT NULL,
    details       jsonb NOT NULL DEFAULT '{}'::jsonb
);
-- One live alert per condition: a rule re-firing updates it instead of raising a duplicate.
CREATE UNIQUE INDEX alert_live_dedup_key ON alert (dedup_key) WHERE state <> 'resolved';
CREATE INDEX alert_state_idx ON alert (state, severity);
CREATE INDEX alert_raised_idx ON alert (raised_at);
CREATE INDEX alert_geom_idx ON alert USING gist (geom);

CREATE TABLE alert_action (
    action_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id      bigint NOT NULL REFERENCES alert,
    actor         text NOT NULL,               -- username, or 'engine' for the rule engine
    actor_role    text,
    actor_agency  text,
    action        text NOT NULL CHECK (action IN ('raise', 'update', 'acknowledge', 'suppress',
                                                  'unsuppress', 'resolve', 'reopen', 'note', 'escalate')),
    note          text,
    acted_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_action_alert_idx ON alert_action (alert_id, acted_at);

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER alert_action_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON alert_action
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

CREATE TABLE hazmat_case (
    case_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id      bigint REFERENCES alert,
    port_id       text NOT NULL,
    subject_kind  text NOT NULL,
    subject_id    text NOT NULL,
    state         text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    opened_at     timestamptz NOT NULL DEFAULT now(),
    closed_at     timestamptz,
    details       jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE TABLE hazmat_case_step (
    case_id       bigint NOT NULL REFERENCES hazmat_case,
    step_no       smallint NOT NULL CHECK (step_no BETWEEN 1 AND 4),
    step          text NOT NULL CHECK (step IN ('gate_warning', 'port_verification', 'customs_check', 'disposal')),
    agency        text NOT NULL,               -- who owns the step: port, customs, …
    due_at        timestamptz,
    done_at       timestamptz,
    done_by       text,
    outcome       text,
    note          text,
    PRIMARY KEY (case_id, step_no),
    UNIQUE (case_id, step)
);

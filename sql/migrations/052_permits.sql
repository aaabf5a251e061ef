-- Permits to be in a zone (a dropped *.permits.csv|json): a vehicle by plate or a person by tracker device, for
-- one zone of the port, valid from .. to. The rules on the DG area and the restricted zones read them.
CREATE TABLE permit (
    permit_id    text PRIMARY KEY CHECK (length(permit_id) BETWEEN 1 AND 64),
    port_id      text NOT NULL,
    subject_kind text NOT NULL CHECK (subject_kind IN ('vehicle', 'person')),
    subject_id   text NOT NULL CHECK (length(subject_id) BETWEEN 1 AND 64),   -- a plate, or a device id
    zone_id      text NOT NULL,
    valid_from   timestamptz NOT NULL,
    valid_to     timestamptz NOT NULL CHECK (valid_to > valid_from),
    source_file  text,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX permit_subject_idx ON permit (subject_kind, upper(subject_id));

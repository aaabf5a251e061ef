-- Dangerous goods declared for containers, vehicles and vessels; trucks through the gates.
CREATE TABLE hazmat_declaration (
    declaration_id text PRIMARY KEY,
    subject_kind  text NOT NULL CHECK (subject_kind IN ('container', 'vehicle', 'vessel')),
    subject_id    text NOT NULL,
    un_number     smallint NOT NULL CHECK (un_number BETWEEN 1 AND 3600),
    imdg_class    text NOT NULL CHECK (imdg_class ~ '^(1\.[1-6][A-N]?|2\.[1-3]|3|4\.[1-3]|5\.[12]|6\.[12]|7|8|9)$'),
    subsidiary_classes text[] NOT NULL DEFAULT '{}',
    packing_group text CHECK (packing_group IN ('I', 'II', 'III')),
    proper_shipping_name text,
    quantity_kg   real CHECK (quantity_kg >= 0),
    marine_pollutant boolean NOT NULL DEFAULT false,
    declared_at   timestamptz NOT NULL,
    declarant     text,
    source        text NOT NULL
);
CREATE INDEX hazmat_declaration_subject_idx ON hazmat_declaration (subject_kind, subject_id);
CREATE INDEX hazmat_declaration_class_idx ON hazmat_declaration (imdg_class);

CREATE TABLE gate_transaction (
    transaction_id text PRIMARY KEY,
    port_id       text NOT NULL,
    gate_id       text NOT NULL,
    direction     text NOT NULL CHECK (direction IN ('in', 'out')),
    truck_plate   text NOT NULL,
    container_no  text CHECK (container_no ~ '^[A-Z]{3}[UJZR][0-9]{7}$'),
    passed_at     timestamptz NOT NULL,
    declared_un   smallint CHECK (declared_un BETWEEN 1 AND 3600),
    declared_class text,
    observed_un   smallint CHECK (observed_un BETWEEN 1 AND 3600),
    observed_class text,
    source        text NOT NULL,
    raw           jsonb
);
CREATE INDEX gate_transaction_time_idx ON gate_transaction (passed_at);
CREATE INDEX gate_transaction_plate_idx ON gate_transaction (truck_plate, passed_at DESC);

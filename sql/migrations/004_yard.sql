-- Container yard: the inventory and every move, each move keyed by its source message id.
CREATE TABLE container (
    container_no  text PRIMARY KEY CHECK (container_no ~ '^[A-Z]{3}[UJZR][0-9]{7}$'),
    iso_type      char(4) CHECK (iso_type ~ '^[0-9A-Z]{4}$'),
    full_empty    char(1) CHECK (full_empty IN ('F', 'E')),
    gross_kg      integer CHECK (gross_kg >= 0),
    state         text NOT NULL DEFAULT 'in_yard'
                  CHECK (state IN ('expected', 'in_yard', 'on_vessel', 'on_truck', 'departed')),
    port_id       text,
    block_id      text,
    bay           smallint,
    row_          smallint,
    tier          smallint,
    geom          geometry(Point, 4326),
    vessel_voyage text,
    arrived_at    timestamptz,
    departed_at   timestamptz,
    customs_status text CHECK (customs_status IN ('pending', 'released', 'hold', 'inspection')),
    flags         text[] NOT NULL DEFAULT '{}',
    updated_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (port_id, block_id) REFERENCES yard_block (port_id, block_id)
);
CREATE INDEX container_slot_idx ON container (port_id, block_id, bay, row_, tier) WHERE state = 'in_yard';
CREATE INDEX container_geom_idx ON container USING gist (geom);
CREATE INDEX container_state_idx ON container (state);

CREATE TABLE container_move (
    move_id       text PRIMARY KEY,            -- source message id + line: a replay writes nothing twice
    container_no  text NOT NULL CHECK (container_no ~ '^[A-Z]{3}[UJZR][0-9]{7}$'),
    kind          text NOT NULL CHECK (kind IN ('gate_in', 'gate_out', 'load', 'discharge', 'shift',
                                                'expected_discharge')),
    moved_at      timestamptz NOT NULL,
    port_id       text,
    block_id      text, bay smallint, row_ smallint, tier smallint,
    vessel_voyage text,
    truck_plate   text,
    source        text NOT NULL,               -- 'tos_csv', 'codeco', 'coarri', 'baplie', …
    raw           text
);
CREATE INDEX container_move_container_idx ON container_move (container_no, moved_at);
CREATE INDEX container_move_time_idx ON container_move USING brin (moved_at);

-- Direct delivery (直提 / 直装): containers the terminal plans to move straight between ship and truck with no
-- yard stay. 'discharge' = direct pickup (ship -> truck -> out of the gate), 'load' = direct loading (in at the
-- gate -> truck -> ship). Where each one stands is derived from the moves (COARRI, CODECO) and the gate passes;
-- this table holds only the plan, as the TOS sends it (CSV or JSON through the inbox).
CREATE TABLE direct_delivery (
    plan_id       text PRIMARY KEY,               -- the planner's id (a re-sent plan replaces it)
    port_id       text NOT NULL,
    container_no  text NOT NULL CHECK (container_no ~ '^[A-Z]{3}[UJZR][0-9]{7}$'),
    direction     text NOT NULL CHECK (direction IN ('discharge', 'load')),
    voyage        text,
    berth_id      text,
    gate_id       text,
    truck_plate   text,
    planned_at    timestamptz NOT NULL,
    max_minutes   integer CHECK (max_minutes BETWEEN 1 AND 1440),   -- ship-to-gate allowance; NULL: the port's
    source        text NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (port_id, berth_id) REFERENCES berth (port_id, berth_id)
);
CREATE INDEX direct_delivery_window_idx ON direct_delivery (port_id, planned_at);
CREATE INDEX direct_delivery_container_idx ON direct_delivery (container_no);
CREATE INDEX gate_transaction_container_idx ON gate_transaction (container_no, passed_at);

-- The load list (COPRAR loading order): the loads planned for a voyage, beside the discharges planned by BAPLIE.
ALTER TABLE container_move DROP CONSTRAINT container_move_kind_check;
ALTER TABLE container_move ADD CONSTRAINT container_move_kind_check
    CHECK (kind IN ('gate_in', 'gate_out', 'load', 'discharge', 'shift', 'expected_discharge', 'expected_load'));

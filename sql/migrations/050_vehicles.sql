-- Vehicles: the registry (terminal phone -> plate and kind, from *.vehicles.csv), the JT/T 808 terminals as they
-- registered, position history and the live picture (one row per terminal), as vessel_position / vessel_latest.
CREATE TABLE vehicle (
    terminal_phone text PRIMARY KEY CHECK (terminal_phone ~ '^[0-9]{1,20}$'),   -- leading zeros dropped
    plate          text NOT NULL CHECK (length(plate) BETWEEN 1 AND 16),
    kind           text NOT NULL CHECK (kind IN ('container_truck', 'tractor', 'reach_stacker', 'straddle_carrier',
                                                 'forklift', 'patrol_car', 'fire_engine', 'ambulance',
                                                 'service_vehicle')),
    owner          text,
    source_file    text,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vehicle_plate_idx ON vehicle (upper(plate) text_pattern_ops);

CREATE TABLE jt808_terminal (
    terminal_phone text PRIMARY KEY,
    protocol       smallint NOT NULL CHECK (protocol IN (2013, 2019)),
    province       integer,
    city           integer,
    maker          text,
    model          text,
    terminal_id    text,
    plate_color    smallint,
    plate          text,
    source         text NOT NULL,
    registered_at  timestamptz NOT NULL
);

-- History. No foreign keys or triggers (cheap to COPY into); read by terminal and time (trails, replay).
CREATE TABLE vehicle_position (
    terminal_phone text NOT NULL,
    observed_at    timestamptz NOT NULL,      -- the report's own time (BCD, GMT+8) in UTC
    received_at    timestamptz NOT NULL,
    source         text NOT NULL,
    geom           geometry(Point, 4326),     -- NULL when the terminal had no fix (status bit 1 clear)
    speed_kmh      real CHECK (speed_kmh >= 0),
    direction_deg  smallint CHECK (direction_deg BETWEEN 0 AND 359),
    altitude_m     integer,
    alarm          bigint NOT NULL DEFAULT 0,  -- the alarm flag DWORD (bit 0: emergency)
    status         bigint NOT NULL DEFAULT 0,  -- the status DWORD
    mileage_km     real,
    fuel_l         real,
    signal         smallint,
    satellites     smallint,
    extra          jsonb NOT NULL DEFAULT '{}',    -- other additional items, id (hex) -> value (hex)
    PRIMARY KEY (terminal_phone, observed_at)
);
CREATE INDEX vehicle_position_time_idx ON vehicle_position USING brin (observed_at);

CREATE TABLE vehicle_latest (LIKE vehicle_position INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE vehicle_latest ADD PRIMARY KEY (terminal_phone);
-- rewritten on every report: no index on what changes, half of each page free (HOT updates), as vessel_latest
ALTER TABLE vehicle_latest SET (fillfactor = 50);

-- People: phone trackers (OsmAnd/Traccar Client protocol) bound to a person and a team in a registry (a dropped
-- *.people.csv). Positions are personal data: kept `[retention] people_days` (port.toml, default 7) and shown only
-- to supervisors and the person's own agency (portdomain.roles); only the app, the alert engine and their
-- writer may read these tables (sql/grants.sql).
CREATE TABLE person (
    device_id   text PRIMARY KEY CHECK (length(device_id) BETWEEN 1 AND 64),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    team        text NOT NULL CHECK (team IN ('border_boarding', 'customs_inspection', 'port_patrol', 'msa')),
    agency      text GENERATED ALWAYS AS (CASE team WHEN 'border_boarding' THEN 'border'
                                                    WHEN 'customs_inspection' THEN 'customs'
                                                    WHEN 'port_patrol' THEN 'port'
                                                    ELSE 'maritime_safety' END) STORED,
    source_file text,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE person_position (
    device_id   text NOT NULL,
    observed_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    source      text NOT NULL,
    geom        geometry(Point, 4326) NOT NULL,
    speed_mps   real CHECK (speed_mps >= 0),
    bearing_deg real CHECK (bearing_deg >= 0 AND bearing_deg < 360),
    accuracy_m  real CHECK (accuracy_m >= 0),
    altitude_m  real,
    battery_pct real CHECK (battery_pct BETWEEN 0 AND 100),
    PRIMARY KEY (device_id, observed_at)
);
CREATE INDEX person_position_time_idx ON person_position (observed_at);

CREATE TABLE person_latest (LIKE person_position INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE person_latest ADD PRIMARY KEY (device_id);
ALTER TABLE person_latest SET (fillfactor = 50);

-- AIS: vessels (static/voyage), position history partitioned by day, the live picture, AtoN, base stations.
CREATE TABLE vessel (
    mmsi          integer PRIMARY KEY CHECK (mmsi BETWEEN 1 AND 999999999),
    kind          text NOT NULL DEFAULT 'vessel' CHECK (kind IN ('vessel', 'sar_aircraft')),
    ais_class     char(1) CHECK (ais_class IN ('A', 'B')),
    imo           integer CHECK (imo BETWEEN 1000000 AND 9999999),
    call_sign     text,
    name          text,
    ship_type     smallint CHECK (ship_type BETWEEN 0 AND 255),
    dim_a_m       smallint, dim_b_m smallint, dim_c_m smallint, dim_d_m smallint,
    length_m      real GENERATED ALWAYS AS (NULLIF(coalesce(dim_a_m, 0) + coalesce(dim_b_m, 0), 0)) STORED,
    beam_m        real GENERATED ALWAYS AS (NULLIF(coalesce(dim_c_m, 0) + coalesce(dim_d_m, 0), 0)) STORED,
    draught_m     real CHECK (draught_m >= 0),
    destination   text,
    eta           timestamptz,
    flag          char(2),        -- ISO 3166 alpha-2 from the MMSI's MID
    static_at     timestamptz,    -- observation time of the last static/voyage message
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vessel_imo_idx ON vessel (imo) WHERE imo IS NOT NULL;
CREATE INDEX vessel_name_idx ON vessel (upper(name) text_pattern_ops);
CREATE INDEX vessel_call_sign_idx ON vessel (upper(call_sign));

-- Position history. No foreign keys or triggers: it must stay cheap to COPY into and to distribute by mmsi.
CREATE TABLE vessel_position (
    mmsi          integer NOT NULL,
    observed_at   timestamptz NOT NULL,
    received_at   timestamptz NOT NULL,
    source        text NOT NULL,
    msg_type      smallint NOT NULL,
    geom          geometry(Point, 4326),          -- NULL when the report said 'not available'
    sog_kn        real,
    cog_deg       real,
    heading_deg   smallint,
    rot_deg_min   real,
    nav_status    smallint,
    accuracy      boolean,
    altitude_m    integer,       -- type 9 SAR aircraft
    PRIMARY KEY (mmsi, observed_at)
) PARTITION BY RANGE (observed_at);
CREATE INDEX vessel_position_time_idx ON vessel_position USING brin (observed_at);
-- No spatial index on history: it is read by vessel and time (tracks, replay), and a GiST index
-- here would halve the ingest rate. Spatial questions go to vessel_latest or through time first.
-- Rows for a day without a partition land here; ensure_position_partition moves them out.
CREATE TABLE vessel_position_default PARTITION OF vessel_position DEFAULT;

CREATE FUNCTION ensure_position_partition(day date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    part text := format('vessel_position_%s', to_char(day, 'YYYYMMDD'));
BEGIN
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    CREATE TEMP TABLE IF NOT EXISTS _moved_positions (LIKE vessel_position) ON COMMIT DROP;
    WITH moved AS (
        DELETE FROM vessel_position_default
        WHERE observed_at >= day AND observed_at < day + 1
        RETURNING *
    )
    INSERT INTO _moved_positions SELECT * FROM moved;
    EXECUTE format('CREATE TABLE %I PARTITION OF vessel_position FOR VALUES FROM (%L) TO (%L)',
                   part, day::timestamptz, (day + 1)::timestamptz);
    INSERT INTO vessel_position SELECT * FROM _moved_positions;
    DELETE FROM _moved_positions;
    RETURN true;
END $$;

-- Partitions for every day in [first_day, last_day]; returns how many it created.
CREATE FUNCTION ensure_position_partitions(first_day date, last_day date) RETURNS integer
LANGUAGE sql AS $$
    SELECT count(*)::integer FROM generate_series(first_day, last_day, interval '1 day') AS d
    WHERE ensure_position_partition(d::date)
$$;

-- Drop day partitions entirely older than keep_days; returns the names dropped.
CREATE FUNCTION drop_position_partitions_older_than(keep_days integer) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    part record;
BEGIN
    FOR part IN
        SELECT c.relname FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'vessel_position'::regclass
          AND c.relname ~ '^vessel_position_[0-9]{8}$'
          AND to_date(right(c.relname, 8), 'YYYYMMDD') < (now() AT TIME ZONE 'UTC')::date - keep_days
        ORDER BY c.relname
    LOOP
        EXECUTE format('DROP TABLE %I', part.relname);
        RETURN NEXT part.relname;
    END LOOP;
END $$;

SELECT ensure_position_partitions((now() AT TIME ZONE 'UTC')::date - 1, (now() AT TIME ZONE 'UTC')::date + 7);

-- The live picture: one row per MMSI, replaced only by a newer observation.
CREATE TABLE vessel_latest (
    mmsi          integer PRIMARY KEY,
    observed_at   timestamptz NOT NULL,
    received_at   timestamptz NOT NULL,
    source        text NOT NULL,
    msg_type      smallint NOT NULL,
    geom          geometry(Point, 4326),          -- NULL when the report said 'not available'
    sog_kn        real,
    cog_deg       real,
    heading_deg   smallint,
    rot_deg_min   real,
    nav_status    smallint,
    accuracy      boolean,
    altitude_m    integer
);
-- One row per vessel, rewritten on every report: no index on the columns that change, so each update
-- is HOT (in place, no index work) and half of every page is left free for it. A full scan of 10,000
-- vessels takes about 2 ms, which is what the live map does each tick anyway.
ALTER TABLE vessel_latest SET (fillfactor = 50);

CREATE TABLE aton (
    mmsi          integer PRIMARY KEY CHECK (mmsi BETWEEN 1 AND 999999999),
    name          text,
    aid_type      smallint,
    dim_a_m smallint, dim_b_m smallint, dim_c_m smallint, dim_d_m smallint,
    virtual_aid   boolean,
    off_position  boolean,
    geom          geometry(Point, 4326) NOT NULL,
    observed_at   timestamptz NOT NULL,
    source        text NOT NULL
);
CREATE INDEX aton_geom_idx ON aton USING gist (geom);

CREATE TABLE base_station (
    mmsi          integer PRIMARY KEY CHECK (mmsi BETWEEN 1 AND 999999999),
    geom          geometry(Point, 4326) NOT NULL,
    station_time  timestamptz,      -- the UTC the station reported
    observed_at   timestamptz NOT NULL,
    source        text NOT NULL
);

-- Decoded messages of types the map does not use, kept raw and counted.
CREATE TABLE ais_other_message (
    source        text NOT NULL,
    received_at   timestamptz NOT NULL,
    msg_type      smallint NOT NULL,
    mmsi          integer,
    raw           text NOT NULL,
    raw_sha256    bytea NOT NULL,
    PRIMARY KEY (raw_sha256, received_at)
);
CREATE INDEX ais_other_message_time_idx ON ais_other_message USING brin (received_at);

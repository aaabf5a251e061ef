-- Reference data of a port package: the port, its basemap, zones, structures, berths, yard, cameras.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE port (
    port_id     text PRIMARY KEY CHECK (port_id ~ '^[a-z][a-z0-9_-]*$'),
    name_en     text NOT NULL,
    name_zh     text NOT NULL,
    crs         text NOT NULL CHECK (crs ~ '^EPSG:[0-9]+$'),
    timezone    text NOT NULL DEFAULT 'UTC',
    centre      geometry(Point, 4326) NOT NULL,
    bbox        geometry(Polygon, 4326) NOT NULL,
    zoom        real NOT NULL DEFAULT 11,
    config      jsonb NOT NULL DEFAULT '{}'::jsonb,   -- port.toml as loaded: thresholds for every rule
    loaded_at   timestamptz NOT NULL DEFAULT now()
);

-- Land and water polygons drawn under everything: the offline basemap.
CREATE TABLE basemap_feature (
    port_id     text NOT NULL REFERENCES port ON DELETE CASCADE,
    feature_id  text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('land', 'water', 'reclaimed')),
    name_en     text,
    name_zh     text,
    geom        geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    PRIMARY KEY (port_id, feature_id)
);
CREATE INDEX basemap_feature_geom_idx ON basemap_feature USING gist (geom);

CREATE TABLE zone (
    port_id     text NOT NULL REFERENCES port ON DELETE CASCADE,
    zone_id     text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('anchorage', 'channel', 'harbour', 'basin', 'restricted',
                                              'terminal', 'gate', 'hazmat_area')),
    name_en     text NOT NULL,
    name_zh     text NOT NULL,
    speed_limit_kn real CHECK (speed_limit_kn > 0),
    props       jsonb NOT NULL DEFAULT '{}'::jsonb,
    geom        geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    PRIMARY KEY (port_id, zone_id)
);
CREATE INDEX zone_geom_idx ON zone USING gist (geom);
CREATE INDEX zone_kind_idx ON zone (port_id, kind);

-- Quays, breakwaters and piers as lines (their faces) or polygons.
CREATE TABLE structure (
    port_id     text NOT NULL REFERENCES port ON DELETE CASCADE,
    structure_id text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('quay', 'breakwater', 'pier', 'jetty')),
    name_en     text,
    name_zh     text,
    geom        geometry(Geometry, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    PRIMARY KEY (port_id, structure_id)
);
CREATE INDEX structure_geom_idx ON structure USING gist (geom);

CREATE TABLE berth (
    port_id     text NOT NULL REFERENCES port ON DELETE CASCADE,
    berth_id    text NOT NULL,
    name_en     text NOT NULL,
    name_zh     text NOT NULL,
    terminal_id text,
    cargo       text NOT NULL CHECK (cargo IN ('container', 'bulk', 'general', 'liquid_chemical',
                                               'oil', 'roro', 'passenger', 'multipurpose', 'service')),
    length_m    real NOT NULL CHECK (length_m > 0),
    depth_m     real CHECK (depth_m > 0),
    max_dwt_t   integer CHECK (max_dwt_t > 0),
    geom        geometry(LineString, 4326) NOT NULL CHECK (ST_IsValid(geom)),  -- the quay face
    area        geometry(Polygon, 4326) NOT NULL CHECK (ST_IsValid(area)),     -- water alongside
    PRIMARY KEY (port_id, berth_id)
);
CREATE INDEX berth_geom_idx ON berth USING gist (geom);
CREATE INDEX berth_area_idx ON berth USING gist (area);

CREATE TABLE yard_block (
    port_id     text NOT NULL REFERENCES port ON DELETE CASCADE,
    block_id    text NOT NULL,
    name_en     text NOT NULL,
    name_zh     text NOT NULL,
    terminal_id text,
    kind        text NOT NULL CHECK (kind IN ('container', 'dangerous_goods', 'reefer', 'empty', 'inspection')),
    bays        smallint NOT NULL CHECK (bays BETWEEN 1 AND 200),
    rows_       smallint NOT NULL CHECK (rows_ BETWEEN 1 AND 30),
    tiers       smallint NOT NULL CHECK (tiers BETWEEN 1 AND 12),
    orientation_deg real NOT NULL CHECK (orientation_deg >= 0 AND orientation_deg < 360),
    geom        geometry(Polygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    PRIMARY KEY (port_id, block_id)
);
CREATE INDEX yard_block_geom_idx ON yard_block USING gist (geom);

-- One ground slot per bay x row of a block; its capacity is the block's tiers.
CREATE TABLE yard_slot (
    port_id     text NOT NULL,
    block_id    text NOT NULL,
    bay         smallint NOT NULL CHECK (bay >= 1),
    row_        smallint NOT NULL CHECK (row_ >= 1),
    geom        geometry(Polygon, 4326) NOT NULL,
    PRIMARY KEY (port_id, block_id, bay, row_),
    FOREIGN KEY (port_id, block_id) REFERENCES yard_block ON DELETE CASCADE
);
CREATE INDEX yard_slot_geom_idx ON yard_slot USING gist (geom);

CREATE TABLE camera (
    port_id     text NOT NULL REFERENCES port ON DELETE CASCADE,
    camera_id   text NOT NULL,
    name_en     text NOT NULL,
    name_zh     text NOT NULL,
    source_name text,          -- the name the video system uses (Frigate camera name, ONVIF source)
    bearing_deg real NOT NULL CHECK (bearing_deg >= 0 AND bearing_deg < 360),
    fov_deg     real NOT NULL CHECK (fov_deg > 0 AND fov_deg <= 360),
    range_m     real NOT NULL CHECK (range_m > 0),
    height_m    real,
    ptz         boolean NOT NULL DEFAULT false,
    zone_ids    text[] NOT NULL DEFAULT '{}',   -- zones the camera watches
    geom        geometry(Point, 4326) NOT NULL,
    fov         geometry(Polygon, 4326) NOT NULL CHECK (ST_IsValid(fov)),
    status      text NOT NULL DEFAULT 'unknown' CHECK (status IN ('unknown', 'online', 'offline')),
    status_at   timestamptz,
    PRIMARY KEY (port_id, camera_id)
);
CREATE UNIQUE INDEX camera_source_name_key ON camera (port_id, source_name) WHERE source_name IS NOT NULL;
CREATE INDEX camera_geom_idx ON camera USING gist (geom);
CREATE INDEX camera_fov_idx ON camera USING gist (fov);

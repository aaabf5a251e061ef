-- The latest sighting of each target of a tracking sensor other than AIS (a radar's tracked targets, a truck
-- tracker's trucks): one row per (source, target), replaced by a newer sighting. A new source of tracked
-- objects writes here through ingest/tracks.py and draws with layers/sensor_targets.py: no table of its own.
CREATE TABLE sensor_target (
    source      text NOT NULL,                 -- the feed, e.g. 'radar:udp:north-pier'
    target_id   text NOT NULL,                 -- the sensor's own id of the target
    observed_at timestamptz NOT NULL,
    geom        geometry(Point, 4326) NOT NULL,
    course_deg  real CHECK (course_deg >= 0 AND course_deg < 360),
    speed_kn    real CHECK (speed_kn >= 0),
    label       text,
    details     jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (source, target_id)
);
CREATE INDEX sensor_target_geom ON sensor_target USING gist (geom);
CREATE INDEX sensor_target_observed ON sensor_target (observed_at);

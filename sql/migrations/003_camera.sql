-- Camera (video-analytics) events: one row per track, upserted by its external id.
CREATE TABLE camera_event (
    event_id      text PRIMARY KEY,            -- the video system's id (Frigate event id, ONVIF key)
    source        text NOT NULL,               -- 'frigate', 'webhook', 'onvif', …
    port_id       text NOT NULL,
    camera_id     text NOT NULL,
    label         text NOT NULL,
    sub_label     text,
    score         real CHECK (score BETWEEN 0 AND 1),
    top_score     real CHECK (top_score BETWEEN 0 AND 1),
    start_at      timestamptz NOT NULL,
    end_at        timestamptz CHECK (end_at IS NULL OR end_at >= start_at),
    zones         text[] NOT NULL DEFAULT '{}',
    entered_zones text[] NOT NULL DEFAULT '{}',
    has_snapshot  boolean NOT NULL DEFAULT false,
    geom          geometry(Geometry, 4326),    -- mapped zone, else the camera's field of view
    raw           jsonb NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (port_id, camera_id) REFERENCES camera (port_id, camera_id)
);
CREATE INDEX camera_event_start_idx ON camera_event (start_at);
CREATE INDEX camera_event_camera_idx ON camera_event (port_id, camera_id, start_at DESC);
CREATE INDEX camera_event_open_idx ON camera_event (start_at) WHERE end_at IS NULL;
CREATE INDEX camera_event_geom_idx ON camera_event USING gist (geom);

-- Frigate review items (frigate/reviews): a period of activity of one camera, graded alert or detection.
CREATE TABLE camera_review (
    review_id     text PRIMARY KEY,
    port_id       text NOT NULL,
    camera_id     text NOT NULL,
    severity      text NOT NULL CHECK (severity IN ('alert', 'detection')),
    objects       text[] NOT NULL DEFAULT '{}',
    sub_labels    text[] NOT NULL DEFAULT '{}',
    zones         text[] NOT NULL DEFAULT '{}',
    detections    text[] NOT NULL DEFAULT '{}',   -- the camera_event ids it groups
    start_at      timestamptz NOT NULL,
    end_at        timestamptz CHECK (end_at IS NULL OR end_at >= start_at),
    raw           jsonb NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (port_id, camera_id) REFERENCES camera (port_id, camera_id)
);
CREATE INDEX camera_review_start_idx ON camera_review (start_at);

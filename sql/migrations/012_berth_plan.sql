-- The planned berth schedule, as the terminal's berth planning system sends it (CSV or JSON through the inbox):
-- which vessel at which berth from when to when. The map compares it with what AIS shows.
CREATE TABLE berth_plan (
    plan_id           text PRIMARY KEY,             -- the planner's id of the call (a re-sent plan replaces it)
    port_id           text NOT NULL,
    berth_id          text NOT NULL,
    mmsi              integer CHECK (mmsi BETWEEN 100000000 AND 999999999),
    imo               integer CHECK (imo BETWEEN 1000000 AND 9999999),
    vessel_name       text,
    voyage            text,
    planned_arrival   timestamptz NOT NULL,
    planned_departure timestamptz NOT NULL CHECK (planned_departure > planned_arrival),
    source            text NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (mmsi IS NOT NULL OR imo IS NOT NULL),
    FOREIGN KEY (port_id, berth_id) REFERENCES berth (port_id, berth_id)
);
CREATE INDEX berth_plan_window_idx ON berth_plan (port_id, planned_arrival, planned_departure);
CREATE INDEX berth_plan_mmsi_idx ON berth_plan (mmsi);

-- Feed liveness is data: each feed_status row says whether its source is a live feed (its silence is an alert,
-- a KPI and a banner), as the source registry (ingest/sources.py) declares it. Rows written before this
-- migration were live when their name said so (the AIS listeners and the stations behind them).
ALTER TABLE feed_status ADD COLUMN live boolean NOT NULL DEFAULT false;
UPDATE feed_status SET live = true WHERE source LIKE 'ais:udp:%' OR source LIKE 'ais:tcp:%';
-- The feed kinds are the registry's (a radar, a truck tracker), not a fixed list.
ALTER TABLE feed_status DROP CONSTRAINT IF EXISTS feed_status_kind_check;
ALTER TABLE feed_status ADD CONSTRAINT feed_status_kind_named CHECK (kind ~ '^[a-z][a-z0-9_]*$');

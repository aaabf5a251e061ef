-- The live map asks each tick whether the yard's dangerous goods changed before redrawing them:
-- the newest container change is then an index lookup instead of a scan of the whole yard.
CREATE INDEX container_updated_at_idx ON container (updated_at);

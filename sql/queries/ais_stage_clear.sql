-- Empty the staging tables inside a transaction that writes several parts of one batch (ingest.ais.sift).
TRUNCATE stg_position, stg_vessel

-- Retention: days older than keep_days before the newest stored report, except what this run stored.
SELECT partition_name, row_count FROM drop_position_partitions_before(
    %(keep_days)s, (SELECT max(observed_at) FROM vessel_latest), %(protect_from)s)

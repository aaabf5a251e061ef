-- Vehicle history older than the retention, a slice at a time (a long DELETE would hold the writer up).
WITH gone AS (
    DELETE FROM vehicle_position WHERE ctid IN (
        SELECT ctid FROM vehicle_position
        WHERE observed_at < now() - make_interval(days => %(days)s) LIMIT %(slice)s)
    RETURNING 1
)
SELECT count(*) FROM gone

WITH history AS (
    DELETE FROM person_position WHERE observed_at < now() - make_interval(days => %(days)s) RETURNING 1
), live AS (
    DELETE FROM person_latest WHERE observed_at < now() - make_interval(days => %(days)s) RETURNING 1
)
SELECT (SELECT count(*) FROM history) + 0 * (SELECT count(*) FROM live)

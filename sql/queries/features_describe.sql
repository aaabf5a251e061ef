-- The columns of a feature set's query and their types (no rows): what OGC API queryables and CSV exports list.
SELECT * FROM (
{source}
) s LIMIT 0

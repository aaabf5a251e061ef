-- How long vehicle history is kept: port.toml [retention] position_days (NULL: the default)
SELECT (config -> 'retention' ->> 'position_days')::integer FROM port WHERE port_id = %(port_id)s

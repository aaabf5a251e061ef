-- How long people's positions are kept: port.toml [retention] people_days (personal data; NULL: the default)
SELECT (config -> 'retention' ->> 'people_days')::integer FROM port WHERE port_id = %(port_id)s

-- People's trackers' latest fixes for the rules (the last 12 hours before the cycle's instant), with team.
SELECT l.device_id, p.name, coalesce(p.team, 'unregistered') AS team, l.observed_at, ST_X(l.geom) AS lon,
       ST_Y(l.geom) AS lat, extract(epoch FROM (%(now)s::timestamptz - l.observed_at))::float8 AS age_s
FROM person_latest l
LEFT JOIN person p USING (device_id)
WHERE l.observed_at <= %(now)s::timestamptz AND l.observed_at > %(now)s::timestamptz - interval '12 hours'
ORDER BY l.device_id

-- Search by MMSI, IMO, name or call sign (vessels heard in the last day) and by container number: where each is.
(SELECT 'vessel' AS kind, l.mmsi::text AS id, coalesce(v.name, l.mmsi::text) AS label,
        ST_X(l.geom) AS lon, ST_Y(l.geom) AS lat, 0 AS rank
 FROM vessel_latest l LEFT JOIN vessel v USING (mmsi)
 WHERE l.geom IS NOT NULL AND l.observed_at > now() - interval '1 day'
   AND (l.mmsi::text = %(q)s OR v.imo::text = %(q)s OR upper(v.call_sign) = upper(%(q)s)
        OR upper(v.name) LIKE upper(%(q)s) || '%%' OR upper(v.name) LIKE '%%' || upper(%(q)s) || '%%')
 ORDER BY (upper(v.name) = upper(%(q)s)) DESC, v.name
 LIMIT 10)
UNION ALL
(SELECT 'container', c.container_no, c.container_no || coalesce(' · ' || c.block_id || '-' || c.bay || '-' || c.row_
        || '-' || c.tier, ''), ST_X(c.geom), ST_Y(c.geom), 1
 FROM container c
 WHERE c.port_id = %(port_id)s AND c.geom IS NOT NULL AND c.state = 'in_yard'
   AND c.container_no LIKE upper(replace(%(q)s, ' ', '')) || '%%'
 ORDER BY c.container_no
 LIMIT 10)

-- Search by MMSI, IMO, name or call sign (vessels heard in the last day), by container number, by a vehicle's plate
-- or terminal number, and by a person's name or device (seen in the last day): where each is. A person's hit
-- carries the agency (personal data: the caller keeps it only for who may see it); the others carry NULL.
(SELECT 'vessel' AS kind, l.mmsi::text AS id, coalesce(v.name, l.mmsi::text) AS label,
        ST_X(l.geom) AS lon, ST_Y(l.geom) AS lat, 0 AS rank, NULL::text AS personal_agency
 FROM vessel_latest l LEFT JOIN vessel v USING (mmsi)
 WHERE l.geom IS NOT NULL AND l.observed_at > now() - interval '1 day'
   AND (l.mmsi::text = %(q)s OR v.imo::text = %(q)s OR upper(v.call_sign) = upper(%(q)s)
        OR upper(v.name) LIKE upper(%(q)s) || '%%' OR upper(v.name) LIKE '%%' || upper(%(q)s) || '%%')
 ORDER BY (upper(v.name) = upper(%(q)s)) DESC, v.name
 LIMIT 10)
UNION ALL
(SELECT 'container', c.container_no, c.container_no || coalesce(' · ' || c.block_id || '-' || c.bay || '-' || c.row_
        || '-' || c.tier, ''), ST_X(c.geom), ST_Y(c.geom), 1, NULL
 FROM container c
 WHERE c.port_id = %(port_id)s AND c.geom IS NOT NULL AND c.state = 'in_yard'
   AND c.container_no LIKE upper(replace(%(q)s, ' ', '')) || '%%'
 ORDER BY c.container_no
 LIMIT 10)
UNION ALL
(SELECT 'vehicle', l.terminal_phone, coalesce(v.plate, l.terminal_phone) || ' · ' || coalesce(v.kind, 'unregistered'),
        ST_X(l.geom), ST_Y(l.geom), 2, NULL
 FROM vehicle_latest l LEFT JOIN vehicle v USING (terminal_phone)
 WHERE l.geom IS NOT NULL AND l.observed_at > now() - interval '1 day'
   AND (l.terminal_phone = ltrim(%(q)s, '0')
        OR upper(replace(v.plate, ' ', '')) LIKE '%%' || upper(replace(%(q)s, ' ', '')) || '%%')
 ORDER BY v.plate
 LIMIT 10)
UNION ALL
(SELECT 'person', l.device_id, coalesce(p.name, l.device_id) || ' · ' || coalesce(p.team, 'unregistered'),
        ST_X(l.geom), ST_Y(l.geom), 3, coalesce(p.agency, '')
 FROM person_latest l LEFT JOIN person p USING (device_id)
 WHERE l.observed_at > now() - interval '1 day'
   AND (l.device_id = %(q)s OR upper(p.name) LIKE '%%' || upper(%(q)s) || '%%')
 ORDER BY p.name
 LIMIT 10)

-- Dangerous goods within `metres` of the incident, as the yard stood at `at`, nearest first.
SELECT c.container_no, c.block_id, c.bay, c.row_, c.tier,
       array_agg(DISTINCT h.imdg_class || ' UN' || lpad(h.un_number::text, 4, '0')) AS goods,
       round(ST_Distance(c.geom::geography, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography)) AS metres
FROM containers_at(%(port_id)s, %(at)s) c
JOIN hazmat_declaration h ON h.subject_kind = 'container' AND h.subject_id = c.container_no
WHERE c.geom IS NOT NULL
  AND ST_DWithin(c.geom::geography, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography, %(metres)s)
GROUP BY c.container_no, c.block_id, c.bay, c.row_, c.tier, c.geom
ORDER BY metres
LIMIT 50

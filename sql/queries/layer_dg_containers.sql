-- Dangerous-goods containers in the yard (at `at` in a replay), one point each, with every declared class and UN number.
SELECT c.container_no, c.block_id, c.bay, c.row_, c.tier, c.customs_status,
       array_agg(DISTINCT h.imdg_class ORDER BY h.imdg_class) AS classes,
       array_agg(DISTINCT h.un_number ORDER BY h.un_number) AS un_numbers,
       max(h.proper_shipping_name) AS shipping_name, ST_AsBinary(c.geom) AS geom
FROM containers_at(%(port_id)s, %(at)s) c
JOIN hazmat_declaration h ON h.subject_kind = 'container' AND h.subject_id = c.container_no
WHERE c.geom IS NOT NULL
  AND c.geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
GROUP BY c.container_no, c.block_id, c.bay, c.row_, c.tier, c.customs_status, c.geom
ORDER BY c.container_no

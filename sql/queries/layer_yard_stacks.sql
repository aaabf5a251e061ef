-- Container stacks in view (now, or at `at` in a replay): one row per block, bay and row, with its height, the
-- dangerous goods in it and the customs holds.
SELECT c.block_id, c.bay, c.row_, count(*) AS height, max(b.tiers) AS tiers,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM hazmat_declaration h
                                      WHERE h.subject_kind = 'container' AND h.subject_id = c.container_no)) AS dg,
       count(*) FILTER (WHERE c.customs_status IN ('hold', 'inspection')) AS held,
       array_agg(c.container_no ORDER BY c.tier) AS boxes,
       ST_AsBinary(ST_Centroid(ST_Collect(c.geom))) AS geom
FROM containers_at(%(port_id)s, %(at)s) c
JOIN yard_block b ON b.port_id = c.port_id AND b.block_id = c.block_id
WHERE c.geom IS NOT NULL AND c.geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
GROUP BY c.block_id, c.bay, c.row_
ORDER BY c.block_id, c.bay, c.row_
LIMIT 20000

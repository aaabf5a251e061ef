-- Yard blocks with their capacity (slots) and how many containers are in each now (or at `at` in a replay).
SELECT b.block_id, b.name_en, b.name_zh, b.kind, b.bays, b.rows_ AS rows, b.tiers,
       b.bays * b.rows_ * b.tiers AS capacity_teu, ST_AsBinary(b.geom) AS geom, coalesce(n.containers, 0) AS containers
FROM yard_block b
LEFT JOIN (SELECT block_id, count(*) AS containers FROM containers_at(%(port_id)s, %(at)s) GROUP BY block_id) n
       USING (block_id)
WHERE b.port_id = %(port_id)s AND b.geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
ORDER BY b.block_id

SELECT b.block_id, b.name_en, b.name_zh, b.kind, b.bays, b.rows_ AS rows, b.tiers,
       b.bays * b.rows_ * b.tiers AS capacity_teu, ST_AsBinary(b.geom) AS geom,
       (SELECT count(*) FROM container c
         WHERE c.port_id = b.port_id AND c.block_id = b.block_id AND c.state = 'in_yard') AS containers
FROM yard_block b
WHERE b.port_id = %(port_id)s AND b.geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
ORDER BY b.block_id

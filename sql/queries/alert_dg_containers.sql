-- Dangerous-goods containers in the yard: position and every declared class (primary and subsidiary).
SELECT c.container_no, c.block_id, c.bay, c.row_, c.tier, ST_X(c.geom) AS lon, ST_Y(c.geom) AS lat,
       array_agg(DISTINCT h.imdg_class) AS classes, array_agg(DISTINCT h.un_number) AS un_numbers,
       max(h.quantity_kg) AS quantity_kg, max(h.proper_shipping_name) AS shipping_name
FROM container c
JOIN hazmat_declaration h ON h.subject_kind = 'container' AND h.subject_id = c.container_no
WHERE c.port_id = %(port_id)s AND c.state = 'in_yard' AND c.geom IS NOT NULL
GROUP BY c.container_no

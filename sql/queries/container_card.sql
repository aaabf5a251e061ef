-- Containers for a card: one by number, or every box of a stack (block, bay, row) top first, with the dangerous
-- goods declared for each and its last move.
SELECT c.container_no, c.iso_type, c.full_empty, c.gross_kg, c.state, c.block_id, c.bay, c.row_, c.tier,
       c.customs_status, c.vessel_voyage, c.arrived_at, c.flags,
       (SELECT array_agg(h.imdg_class || ' · UN ' || lpad(h.un_number::text, 4, '0')
                         || coalesce(' · ' || h.proper_shipping_name, '') ORDER BY h.imdg_class, h.un_number)
          FROM hazmat_declaration h WHERE h.subject_kind = 'container' AND h.subject_id = c.container_no) AS dg,
       (SELECT m.kind || ' ' || to_char(m.moved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC'
          FROM container_move m WHERE m.container_no = c.container_no ORDER BY m.moved_at DESC LIMIT 1) AS last_move
FROM container c
WHERE c.container_no = %(container_no)s
   OR (%(container_no)s::text IS NULL AND c.port_id = %(port_id)s AND c.block_id = %(block_id)s
       AND c.bay = %(bay)s AND c.row_ = %(row)s AND c.state = 'in_yard')
ORDER BY c.tier DESC NULLS LAST
LIMIT 12

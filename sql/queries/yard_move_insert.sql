INSERT INTO container_move (move_id, container_no, kind, moved_at, port_id, vessel_voyage, truck_plate, source, raw)
VALUES (%(move_id)s, %(container_no)s, %(kind)s, %(moved_at)s, %(port_id)s, %(vessel_voyage)s, %(truck_plate)s,
        %(source)s, %(raw)s)
ON CONFLICT (move_id) DO NOTHING
RETURNING move_id

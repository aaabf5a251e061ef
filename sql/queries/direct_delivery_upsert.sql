INSERT INTO direct_delivery (plan_id, port_id, container_no, direction, voyage, berth_id, gate_id, truck_plate,
                             planned_at, max_minutes, source)
VALUES (%(plan_id)s, %(port_id)s, %(container_no)s, %(direction)s, %(voyage)s, %(berth_id)s, %(gate_id)s,
        %(truck_plate)s, %(planned_at)s, %(max_minutes)s, %(source)s)
ON CONFLICT (plan_id) DO UPDATE SET container_no = EXCLUDED.container_no, direction = EXCLUDED.direction,
    voyage = EXCLUDED.voyage, berth_id = EXCLUDED.berth_id, gate_id = EXCLUDED.gate_id,
    truck_plate = EXCLUDED.truck_plate, planned_at = EXCLUDED.planned_at, max_minutes = EXCLUDED.max_minutes,
    source = EXCLUDED.source, updated_at = now()

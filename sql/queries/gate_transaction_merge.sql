INSERT INTO gate_transaction (transaction_id, port_id, gate_id, direction, truck_plate, container_no, passed_at,
                              declared_un, declared_class, observed_un, observed_class, source, raw)
SELECT %(transaction_id)s, %(port_id)s, z.zone_id, %(direction)s, %(truck_plate)s, %(container_no)s, %(passed_at)s,
       %(declared_un)s, %(declared_class)s, %(observed_un)s, %(observed_class)s, %(source)s, %(raw)s
FROM zone z WHERE z.port_id = %(port_id)s AND z.zone_id = %(gate_id)s AND z.kind = 'gate'
ON CONFLICT (transaction_id) DO NOTHING
RETURNING transaction_id

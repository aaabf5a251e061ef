-- Where the port's history begins: the oldest position, container move or gate pass.
SELECT least((SELECT min(observed_at) FROM vessel_position),
             (SELECT min(moved_at) FROM container_move WHERE coalesce(port_id, %(port_id)s) = %(port_id)s),
             (SELECT min(passed_at) FROM gate_transaction WHERE port_id = %(port_id)s))

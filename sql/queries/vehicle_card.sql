-- A vehicle's card: its registry entry, last report, and its last five passes through the port's gates (by plate).
SELECT l.terminal_phone, v.plate, coalesce(v.kind, 'unregistered') AS kind, v.owner, l.observed_at, l.speed_kmh,
       l.direction_deg, l.alarm, g.transaction_id, g.gate_id, g.direction, g.container_no, g.passed_at
FROM vehicle_latest l
LEFT JOIN vehicle v USING (terminal_phone)
LEFT JOIN LATERAL (SELECT * FROM gate_transaction g
                   WHERE g.port_id = %(port_id)s AND v.plate IS NOT NULL AND upper(g.truck_plate) = upper(v.plate)
                   ORDER BY g.passed_at DESC LIMIT 5) g ON true
WHERE l.terminal_phone = %(phone)s
ORDER BY g.passed_at DESC NULLS LAST

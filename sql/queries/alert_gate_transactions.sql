-- Gate transactions of the last hour whose observed dangerous goods differ from the declaration, or whose
-- class the gate does not allow.
SELECT g.transaction_id, g.gate_id, g.direction, g.truck_plate, g.container_no, g.passed_at, g.declared_un,
       g.declared_class, g.observed_un, g.observed_class, ST_AsText(ST_Centroid(z.geom)) AS wkt
FROM gate_transaction g
JOIN zone z ON z.port_id = g.port_id AND z.zone_id = g.gate_id
WHERE g.port_id = %(port_id)s AND g.passed_at > %(now)s::timestamptz - interval '1 hour'
  AND ((g.observed_un IS NOT NULL AND g.observed_un IS DISTINCT FROM g.declared_un)
       OR (g.observed_class IS NOT NULL AND g.observed_class IS DISTINCT FROM g.declared_class)
       OR coalesce(g.observed_class, g.declared_class) = ANY(%(forbidden)s::text[]))

-- What a new move means for the inventory (the slot comes from the TOS snapshot, not from EDIFACT).
INSERT INTO container AS c (container_no, iso_type, state, port_id, vessel_voyage, arrived_at, departed_at, updated_at)
VALUES (%(container_no)s, %(iso_type)s,
        CASE %(kind)s WHEN 'discharge' THEN 'in_yard' WHEN 'gate_in' THEN 'in_yard' WHEN 'load' THEN 'on_vessel'
                      WHEN 'gate_out' THEN 'on_truck' ELSE 'expected' END,
        %(port_id)s, %(vessel_voyage)s,
        CASE WHEN %(kind)s IN ('discharge', 'gate_in') THEN %(moved_at)s::timestamptz END,
        CASE WHEN %(kind)s IN ('load', 'gate_out') THEN %(moved_at)s::timestamptz END, now())
ON CONFLICT (container_no) DO UPDATE SET
    iso_type = coalesce(EXCLUDED.iso_type, c.iso_type),
    state = CASE WHEN %(kind)s IN ('expected_discharge', 'expected_load', 'shift') THEN c.state ELSE EXCLUDED.state END,
    vessel_voyage = coalesce(EXCLUDED.vessel_voyage, c.vessel_voyage),
    arrived_at = coalesce(EXCLUDED.arrived_at, c.arrived_at),
    departed_at = CASE WHEN %(kind)s IN ('discharge', 'gate_in') THEN NULL
                       ELSE coalesce(EXCLUDED.departed_at, c.departed_at) END,
    block_id = CASE WHEN %(kind)s IN ('load', 'gate_out') THEN NULL ELSE c.block_id END,
    bay = CASE WHEN %(kind)s IN ('load', 'gate_out') THEN NULL ELSE c.bay END,
    row_ = CASE WHEN %(kind)s IN ('load', 'gate_out') THEN NULL ELSE c.row_ END,
    tier = CASE WHEN %(kind)s IN ('load', 'gate_out') THEN NULL ELSE c.tier END,
    geom = CASE WHEN %(kind)s IN ('load', 'gate_out') THEN NULL ELSE c.geom END,
    updated_at = now()

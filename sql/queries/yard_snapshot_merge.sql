-- A TOS snapshot: every container in it is in the yard at its slot; a row changes only if something differs.
WITH merged AS (
    INSERT INTO container AS c (container_no, iso_type, full_empty, gross_kg, state, port_id, block_id, bay, row_,
                                tier, geom, vessel_voyage, arrived_at, departed_at, customs_status, updated_at)
    SELECT s.container_no, s.iso_type, s.full_empty, s.gross_kg, 'in_yard', %(port_id)s, s.block_id, s.bay, s.row_,
           s.tier, ST_Centroid(y.geom), s.vessel_voyage, s.arrived_at, NULL, s.customs_status, now()
    FROM stg_container s
    JOIN yard_slot y ON y.port_id = %(port_id)s AND y.block_id = s.block_id AND y.bay = s.bay AND y.row_ = s.row_
    ON CONFLICT (container_no) DO UPDATE SET
        iso_type = EXCLUDED.iso_type, full_empty = EXCLUDED.full_empty, gross_kg = EXCLUDED.gross_kg,
        state = 'in_yard', port_id = EXCLUDED.port_id, block_id = EXCLUDED.block_id, bay = EXCLUDED.bay,
        row_ = EXCLUDED.row_, tier = EXCLUDED.tier, geom = EXCLUDED.geom, vessel_voyage = EXCLUDED.vessel_voyage,
        arrived_at = EXCLUDED.arrived_at, departed_at = NULL, customs_status = EXCLUDED.customs_status,
        updated_at = now()
    WHERE (c.iso_type, c.full_empty, c.gross_kg, c.state, c.port_id, c.block_id, c.bay, c.row_, c.tier,
           c.vessel_voyage, c.arrived_at, c.customs_status)
          IS DISTINCT FROM
          (EXCLUDED.iso_type, EXCLUDED.full_empty, EXCLUDED.gross_kg, 'in_yard', EXCLUDED.port_id,
           EXCLUDED.block_id, EXCLUDED.bay, EXCLUDED.row_, EXCLUDED.tier, EXCLUDED.vessel_voyage,
           EXCLUDED.arrived_at, EXCLUDED.customs_status)
    RETURNING 1
), departed AS (
    -- Absent from the snapshot: gone from the yard. Marked, never deleted.
    UPDATE container c SET state = 'departed', departed_at = %(snapshot_at)s, updated_at = now()
    WHERE c.port_id = %(port_id)s AND c.state = 'in_yard'
      AND NOT EXISTS (SELECT 1 FROM stg_container s WHERE s.container_no = c.container_no)
    RETURNING 1
)
SELECT (SELECT count(*) FROM merged), (SELECT count(*) FROM departed)

SELECT berth_id, cargo, ST_AsText(area) AS wkt FROM berth WHERE port_id = %(port_id)s ORDER BY berth_id

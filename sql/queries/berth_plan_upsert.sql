INSERT INTO berth_plan (plan_id, port_id, berth_id, mmsi, imo, vessel_name, voyage, planned_arrival,
                        planned_departure, source)
VALUES (%(plan_id)s, %(port_id)s, %(berth_id)s, %(mmsi)s, %(imo)s, %(vessel_name)s, %(voyage)s, %(planned_arrival)s,
        %(planned_departure)s, %(source)s)
ON CONFLICT (plan_id) DO UPDATE SET berth_id = EXCLUDED.berth_id, mmsi = EXCLUDED.mmsi, imo = EXCLUDED.imo,
    vessel_name = EXCLUDED.vessel_name, voyage = EXCLUDED.voyage, planned_arrival = EXCLUDED.planned_arrival,
    planned_departure = EXCLUDED.planned_departure, source = EXCLUDED.source, updated_at = now()

-- Static and voyage data, field by field: the newer message wins where it carries a value.
INSERT INTO vessel AS v (mmsi, kind, ais_class, imo, call_sign, name, ship_type, dim_a_m, dim_b_m, dim_c_m,
                         dim_d_m, draught_m, destination, eta, flag, static_at)
SELECT mmsi, kind, ais_class, imo, call_sign, name, ship_type, dim_a_m, dim_b_m, dim_c_m, dim_d_m, draught_m,
       destination, eta, flag, static_at
FROM stg_vessel
ON CONFLICT (mmsi) DO UPDATE SET
    kind = CASE WHEN EXCLUDED.kind = 'sar_aircraft' THEN 'sar_aircraft' ELSE v.kind END,
    flag = coalesce(v.flag, EXCLUDED.flag),
    ais_class = CASE WHEN EXCLUDED.static_at >= coalesce(v.static_at, '-infinity')
                     THEN coalesce(EXCLUDED.ais_class, v.ais_class) ELSE coalesce(v.ais_class, EXCLUDED.ais_class) END,
    imo = CASE WHEN EXCLUDED.static_at >= coalesce(v.static_at, '-infinity')
               THEN coalesce(EXCLUDED.imo, v.imo) ELSE coalesce(v.imo, EXCLUDED.imo) END,
    call_sign = CASE WHEN EXCLUDED.static_at >= coalesce(v.static_at, '-infinity')
                     THEN coalesce(EXCLUDED.call_sign, v.call_sign) ELSE coalesce(v.call_sign, EXCLUDED.call_sign) END,
    name = CASE WHEN EXCLUDED.static_at >= coalesce(v.static_at, '-infinity')
                THEN coalesce(EXCLUDED.name, v.name) ELSE coalesce(v.name, EXCLUDED.name) END,
    ship_type = CASE WHEN EXCLUDED.static_at >= coalesce(v.static_at, '-infinity')
                     THEN coalesce(EXCLUDED.ship_type, v.ship_type) ELSE coalesce(v.ship_type, EXCLUDED.ship_type) END,
    dim_a_m = CASE WHEN EXCLUDED.static_at >= coalesce(v.static_at, '-infinity')
                   THEN coalesce(EXCLUDED.dim_a_m, v.dim_a_m) ELSE coalesce(v.dim_a_m, EXCLUDED.dim_a_m) END,
    dim_b_m = CASE WHEN EXCLUDED.static_at >= coalesce(v.static_at, '-infinity')
                   THEN coalesce(EXCLUDED.dim_b_m, v.dim_b_m) ELSE coalesce(v.dim_b_m, EXCLUDED.dim_b_m) END,
    dim_c_m = CASE WHEN EXCLUDED.static_at >= coalesce(v.static_at, '-infinity')
                   THEN coalesce(EXCLUDED.dim_c_m, v.dim_c_m) ELSE coalesce(v.dim_c_m, EXCLUDED.dim_c_m) END,
    dim_d_m = CASE WHEN EXCLUDED.static_at >= coalesce(v.static_at, '-infinity')
                   THEN coalesce(EXCLUDED.dim_d_m, v.dim_d_m) ELSE coalesce(v.dim_d_m, EXCLUDED.dim_d_m) END,
    draught_m = CASE WHEN EXCLUDED.static_at >= coalesce(v.static_at, '-infinity')
                     THEN coalesce(EXCLUDED.draught_m, v.draught_m) ELSE coalesce(v.draught_m, EXCLUDED.draught_m) END,
    destination = CASE WHEN EXCLUDED.static_at >= coalesce(v.static_at, '-infinity')
                       THEN coalesce(EXCLUDED.destination, v.destination)
                       ELSE coalesce(v.destination, EXCLUDED.destination) END,
    eta = CASE WHEN EXCLUDED.static_at >= coalesce(v.static_at, '-infinity')
               THEN coalesce(EXCLUDED.eta, v.eta) ELSE coalesce(v.eta, EXCLUDED.eta) END,
    static_at = greatest(v.static_at, EXCLUDED.static_at)
WHERE EXCLUDED.static_at IS NOT NULL OR v.flag IS NULL AND EXCLUDED.flag IS NOT NULL
   OR EXCLUDED.kind = 'sar_aircraft' AND v.kind <> 'sar_aircraft'

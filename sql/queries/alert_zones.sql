SELECT zone_id, kind, name_en, name_zh,
       props || CASE WHEN speed_limit_kn IS NULL THEN '{}'::jsonb
                     ELSE jsonb_build_object('speed_limit_kn', speed_limit_kn) END AS props,
       ST_AsText(geom) AS wkt
FROM zone WHERE port_id = %(port_id)s ORDER BY zone_id

INSERT INTO camera (port_id, camera_id, name_en, name_zh, source_name, bearing_deg, fov_deg, range_m,
                    height_m, ptz, zone_ids, vendor_ids, geom, fov)
VALUES (%(port_id)s, %(feature_id)s, %(name_en)s, %(name_zh)s, %(source_name)s, %(bearing_deg)s,
        %(fov_deg)s, %(range_m)s, %(height_m)s, %(ptz)s, %(zone_ids)s, %(vendor_ids)s,
        ST_GeomFromWKB(%(geom)s, 4326), ST_GeomFromWKB(%(fov)s, 4326))
ON CONFLICT (port_id, camera_id) DO UPDATE SET
    name_en = EXCLUDED.name_en, name_zh = EXCLUDED.name_zh, source_name = EXCLUDED.source_name,
    bearing_deg = EXCLUDED.bearing_deg, fov_deg = EXCLUDED.fov_deg, range_m = EXCLUDED.range_m,
    height_m = EXCLUDED.height_m, ptz = EXCLUDED.ptz, zone_ids = EXCLUDED.zone_ids,
    vendor_ids = EXCLUDED.vendor_ids, geom = EXCLUDED.geom, fov = EXCLUDED.fov

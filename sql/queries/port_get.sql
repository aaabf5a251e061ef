SELECT port_id, name_en, name_zh, crs, timezone, ST_X(centre) AS lon, ST_Y(centre) AS lat, zoom,
       ST_XMin(bbox) AS xmin, ST_YMin(bbox) AS ymin, ST_XMax(bbox) AS xmax, ST_YMax(bbox) AS ymax, loaded_at
FROM port WHERE port_id = %(port_id)s

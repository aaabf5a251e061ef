-- The wall's views: the extent of each kind of place it rotates through.
SELECT 'anchorages' AS view, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT ST_Extent(geom) AS e FROM zone WHERE port_id = %(port_id)s AND kind = 'anchorage') x WHERE e IS NOT NULL
UNION ALL
SELECT 'berths', ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT ST_Extent(geom) AS e FROM berth WHERE port_id = %(port_id)s) x WHERE e IS NOT NULL
UNION ALL
SELECT 'yard', ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT ST_Extent(geom) AS e FROM yard_block WHERE port_id = %(port_id)s) x WHERE e IS NOT NULL
UNION ALL
SELECT 'dangerous_goods', ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT ST_Extent(g) AS e FROM (
        SELECT geom AS g FROM zone WHERE port_id = %(port_id)s AND kind = 'hazmat_area'
        UNION ALL SELECT geom FROM yard_block WHERE port_id = %(port_id)s AND kind = 'dangerous_goods') d) x
WHERE e IS NOT NULL

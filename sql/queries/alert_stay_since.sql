-- For each (vessel, zone): since when the vessel has been inside the zone without a report outside it.
SELECT t.mmsi, t.zone_id,
       (SELECT min(p.observed_at) FROM vessel_position p
        WHERE p.mmsi = t.mmsi AND p.geom IS NOT NULL
          AND p.observed_at > coalesce((SELECT max(o.observed_at) FROM vessel_position o
                                        WHERE o.mmsi = t.mmsi AND o.geom IS NOT NULL
                                          AND NOT ST_Within(o.geom, z.geom)), '-infinity')) AS since
FROM unnest(%(mmsi)s::int[], %(zone_id)s::text[]) AS t(mmsi, zone_id)
JOIN zone z ON z.port_id = %(port_id)s AND z.zone_id = t.zone_id

-- Pairs of moving vessels within the prefilter distance, found with a spatial index on their positions in
-- the port's metric CRS (a temporary table built for this cycle): the collision rule computes CPA/TCPA
-- on these pairs only. Two arrays, not a row per pair: there may be hundreds of thousands.
SELECT coalesce(array_agg(a.mmsi), '{}'), coalesce(array_agg(b.mmsi), '{}')
FROM cycle_moving a
JOIN cycle_moving b ON a.mmsi < b.mmsi AND ST_DWithin(a.g, b.g, %(distance_m)s)

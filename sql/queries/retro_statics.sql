SELECT mmsi, name, ship_type, length_m, kind FROM vessel WHERE mmsi = ANY(%(mmsis)s::integer[])

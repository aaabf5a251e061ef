INSERT INTO yard_slot (port_id, block_id, bay, row_, geom)
VALUES (%(port_id)s, %(block_id)s, %(bay)s, %(row)s, ST_GeomFromWKB(%(geom)s, 4326))

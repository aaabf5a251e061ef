SELECT block_id, bays, rows_, tiers FROM yard_block WHERE port_id = %(port_id)s

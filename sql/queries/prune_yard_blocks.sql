DELETE FROM yard_block WHERE port_id = %(port_id)s AND NOT (block_id = ANY(%(keep_ids)s))

DELETE FROM yard_slot WHERE port_id = %(port_id)s AND block_id = %(block_id)s

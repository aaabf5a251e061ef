SELECT zone_id FROM zone WHERE port_id = %(port_id)s AND kind = 'gate'

-- Every vendor id the port's cameras carry (the GB/T 28181 listener admits only these devices).
SELECT DISTINCT unnest(vendor_ids) AS vendor_id FROM camera WHERE port_id = %(port_id)s

-- The permits valid at the cycle's instant: (subject kind, subject in upper case, zone).
SELECT subject_kind, upper(subject_id), zone_id FROM permit
WHERE port_id = %(port_id)s AND valid_from <= %(now)s::timestamptz AND valid_to > %(now)s::timestamptz

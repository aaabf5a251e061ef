DELETE FROM basemap_feature WHERE port_id = %(port_id)s AND NOT (feature_id = ANY(%(keep_ids)s))

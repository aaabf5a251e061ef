SELECT count(*) FILTER (WHERE ensure_position_partition(d)) FROM unnest(%(days)s::date[]) AS d

-- Camera events of the last hour with a label some rule cares about, and where they were seen.
SELECT e.event_id, e.camera_id, e.label, e.sub_label, e.score, e.start_at, e.end_at, e.zones, e.entered_zones,
       ST_AsText(e.geom) AS wkt
FROM camera_event e
WHERE e.port_id = %(port_id)s AND e.start_at > %(now)s::timestamptz - interval '1 hour'
  AND e.label = ANY(%(labels)s::text[])

-- What a gate case starts with: the camera events at that gate around the passage, the container's record,
-- and what was declared for it.
SELECT
  (SELECT coalesce(jsonb_agg(jsonb_build_object('event_id', e.event_id, 'camera_id', e.camera_id, 'label', e.label,
                                                'sub_label', e.sub_label, 'start_at', e.start_at) ORDER BY e.start_at), '[]')
   FROM camera_event e JOIN camera c ON c.port_id = e.port_id AND c.camera_id = e.camera_id
   WHERE e.port_id = %(port_id)s AND e.start_at BETWEEN %(at)s::timestamptz - interval '10 minutes'
                                                    AND %(at)s::timestamptz + interval '10 minutes'
     AND (%(gate_id)s = ANY(e.zones || e.entered_zones) OR %(gate_id)s = ANY(c.zone_ids))) AS camera_events,
  (SELECT to_jsonb(c) - 'geom' FROM container c WHERE c.container_no = %(container_no)s) AS container,
  (SELECT coalesce(jsonb_agg(jsonb_build_object('declaration_id', h.declaration_id, 'un_number', h.un_number,
                                                'imdg_class', h.imdg_class, 'declarant', h.declarant,
                                                'declared_at', h.declared_at)), '[]')
   FROM hazmat_declaration h WHERE h.subject_kind = 'container' AND h.subject_id = %(container_no)s) AS declarations

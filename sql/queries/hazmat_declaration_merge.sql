INSERT INTO hazmat_declaration AS d (declaration_id, subject_kind, subject_id, un_number, imdg_class,
                                     subsidiary_classes, packing_group, proper_shipping_name, quantity_kg,
                                     marine_pollutant, declared_at, declarant, source)
VALUES (%(declaration_id)s, %(subject_kind)s, %(subject_id)s, %(un_number)s, %(imdg_class)s, %(subsidiary_classes)s,
        %(packing_group)s, %(proper_shipping_name)s, %(quantity_kg)s, %(marine_pollutant)s, %(declared_at)s,
        %(declarant)s, %(source)s)
ON CONFLICT (declaration_id) DO UPDATE SET
    subject_kind = EXCLUDED.subject_kind, subject_id = EXCLUDED.subject_id, un_number = EXCLUDED.un_number,
    imdg_class = EXCLUDED.imdg_class, subsidiary_classes = EXCLUDED.subsidiary_classes,
    packing_group = EXCLUDED.packing_group, proper_shipping_name = EXCLUDED.proper_shipping_name,
    quantity_kg = EXCLUDED.quantity_kg, marine_pollutant = EXCLUDED.marine_pollutant,
    declared_at = EXCLUDED.declared_at, declarant = EXCLUDED.declarant, source = EXCLUDED.source
WHERE (d.subject_kind, d.subject_id, d.un_number, d.imdg_class, d.subsidiary_classes, d.packing_group,
       d.proper_shipping_name, d.quantity_kg, d.marine_pollutant, d.declared_at, d.declarant)
      IS DISTINCT FROM
      (EXCLUDED.subject_kind, EXCLUDED.subject_id, EXCLUDED.un_number, EXCLUDED.imdg_class,
       EXCLUDED.subsidiary_classes, EXCLUDED.packing_group, EXCLUDED.proper_shipping_name, EXCLUDED.quantity_kg,
       EXCLUDED.marine_pollutant, EXCLUDED.declared_at, EXCLUDED.declarant)

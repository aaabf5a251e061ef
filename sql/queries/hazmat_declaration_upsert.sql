INSERT INTO hazmat_declaration (declaration_id, subject_kind, subject_id, un_number, imdg_class, declared_at, source)
VALUES (%(declaration_id)s, %(subject_kind)s, %(subject_id)s, %(un_number)s, %(imdg_class)s, %(declared_at)s,
        %(source)s)
ON CONFLICT (declaration_id) DO NOTHING

INSERT INTO hazmat_case (alert_id, port_id, subject_kind, subject_id, details)
VALUES (%(alert_id)s, %(port_id)s, %(subject_kind)s, %(subject_id)s, %(details)s)
RETURNING case_id

INSERT INTO retrospective_run (port_id, from_at, to_at, step_s) VALUES (%(port_id)s, %(from)s, %(to)s, %(step_s)s)
RETURNING run_id

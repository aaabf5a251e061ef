INSERT INTO hazmat_case_step (case_id, step_no, step, agency, due_at)
VALUES (%(case_id)s, %(step_no)s, %(step)s, %(agency)s, %(due_at)s)

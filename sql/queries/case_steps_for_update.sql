SELECT s.step_no, s.step, s.agency, s.done_at, c.alert_id
FROM hazmat_case c JOIN hazmat_case_step s USING (case_id)
WHERE c.case_id = %(case_id)s ORDER BY s.step_no FOR UPDATE OF c

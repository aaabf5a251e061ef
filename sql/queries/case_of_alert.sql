-- The hazmat case an alert opened, step by step: who owns each, when it is due, who did it and how it ended.
SELECT c.case_id, s.step_no, s.step, s.agency, s.due_at, s.done_at, s.done_by, s.outcome
FROM hazmat_case c JOIN hazmat_case_step s USING (case_id)
WHERE c.alert_id = %(alert_id)s
ORDER BY c.case_id, s.step_no

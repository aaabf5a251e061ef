UPDATE hazmat_case_step SET done_at = now(), done_by = %(by)s, outcome = %(outcome)s, note = %(note)s
WHERE case_id = %(case_id)s AND step = %(step)s AND done_at IS NULL

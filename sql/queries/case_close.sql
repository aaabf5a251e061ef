UPDATE hazmat_case SET state = 'closed', closed_at = now() WHERE case_id = %(case_id)s

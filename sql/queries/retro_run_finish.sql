UPDATE retrospective_run SET finished_at = now(), steps = %(steps)s, raised = %(raised)s WHERE run_id = %(run_id)s

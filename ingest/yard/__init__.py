"""Container yard: TOS snapshots (and, next, EDIFACT moves) into the container inventory."""

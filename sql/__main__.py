"""`python -m sql` is `python -m sql.migrate`."""

from sql.migrate import main

raise SystemExit(main())

"""The Dash web app: the officers' map (and later the wall, alerts and reports)."""

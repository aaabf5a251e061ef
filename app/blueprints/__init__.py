"""The app's HTTP surface beside the Dash page, one Flask Blueprint each: `blueprint(ctx) -> flask.Blueprint`."""

"""create_app: the Dash app as a list of what it registers (tipg's factory shape). The panels' callbacks live in
app/panels/, the HTTP routes beside the page in app/blueprints/ (and app/wall.py), the page in app/layout.py;
what they share is one AppContext (app/context.py)."""

from __future__ import annotations

import dash
import plotly.io as pio
from werkzeug.middleware.proxy_fix import ProxyFix

from app import gate, wall
from app.blueprints import api, audit, base, ogc, reports
from app.context import AppContext
from app.layout import ALERT_TICK_MS, PANEL_TICK_MS, TICK_MS, layout
from app.panels import PANELS
from app.settings import AppSettings
from portdomain.assets import ASSETS

__all__ = ["ALERT_TICK_MS", "BLUEPRINTS", "PANEL_TICK_MS", "TICK_MS", "create_app"]
BLUEPRINTS = (base, ogc, api, reports, audit, wall)


def create_app(settings: AppSettings) -> dash.Dash:
    """Build the app; nothing connects until the first request."""
    # Plotly's orjson engine (taken whenever orjson is installed) first walks every value of a response in Python
    # to clean it; the json engine's C encoder is several times faster for the live tick's long lists (measured
    # with bench/load.py: callback p95 2.3 s with orjson, 0.48 s without).
    pio.json.config.default_engine = "json"
    ctx = AppContext.from_settings(settings)
    # The wall display's page, the port packages, translations and glyphs live under assets/ too but are not
    # part of the officers' page (Dash matches assets_ignore against file names only, folders need their own).
    app = dash.Dash(__name__, assets_folder=str(ASSETS), assets_path_ignore=["^(ports|i18n|glyphs|wall)$"],
                    title="Port One-Map", update_title=None, serve_locally=True)  # type: ignore[arg-type]
    app.layout = layout
    app.server.config["MAX_CONTENT_LENGTH"] = settings.max_body      # 413 beyond it
    app.server.config["PORTMAP_LIVE"] = {"tick_ms": settings.tick_ms, "frozen_ms": int(settings.frozen_s * 1000),
                                         "slow_ms": int(settings.slow_s * 1000)}
    if settings.trust_proxy:        # one proxy in front: X-Forwarded-For, -Proto and -Host are its, and only its
        app.server.wsgi_app = ProxyFix(app.server.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    gate.install(app.server, ctx.open_pool, app.csp_hashes())
    for module in BLUEPRINTS:
        app.server.register_blueprint(module.blueprint(ctx))
    for panel in PANELS:
        panel.register(app, ctx)
    return app

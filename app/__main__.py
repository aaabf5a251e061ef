"""`python -m app`: serve the map on PORTMAP_APP_HOST:PORTMAP_APP_PORT (127.0.0.1:8050)."""

from __future__ import annotations

import logging
import os

from app.server import create_app
from app.settings import AppSettings


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not os.environ.get("PORTMAP_APP_ACCESS_LOG"):      # a line per request: 150 a second with 50 officers
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    settings = AppSettings()
    app = create_app(settings)
    app.run(host=settings.host, port=settings.port, debug=settings.debug)


if __name__ == "__main__":
    main()

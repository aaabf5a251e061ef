"""Where the assets folder is (CSS, i18n strings, code tables, fonts, port packages).

In a checkout it is `assets/` beside the packages; a `pip install .` puts it under
`<prefix>/share/port-one-map/assets`; `PORTMAP_ASSETS` overrides both.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def assets_dir() -> Path:
    """The assets folder: PORTMAP_ASSETS, else the checkout's, else the installed copy."""
    env = os.environ.get("PORTMAP_ASSETS")
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parent.parent / "assets"
    if checkout.is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "port-one-map" / "assets"


ASSETS = assets_dir()

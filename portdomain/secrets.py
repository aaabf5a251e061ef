"""Where scripts/services.sh keeps the private cluster, broker and generated secrets: `.data/` beside the packages
(PORTMAP_DATA moves it; the fault tests' stacks use that). The secrets are in `<data>/secrets/`, root only."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    return Path(os.environ.get("PORTMAP_DATA") or ROOT / ".data")


def secrets_dir() -> Path:
    return data_dir() / "secrets"

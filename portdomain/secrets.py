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


def listener_secret(env: str, name: str) -> bytes:
    """A listener's signing secret: from the environment variable `env`, else `<secrets>/<name>`, made once (0600)
    by whoever asks first (the listener, or the demo that speaks to it)."""
    if os.environ.get(env):
        return os.environ[env].encode()
    path = secrets_dir() / name
    if not path.exists():
        import secrets

        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes().strip()
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(32))
    return path.read_bytes().strip()


def tracker_token(secret: bytes, device_id: str) -> str:
    """A phone tracker's token: an HMAC of its device id, so one leaked phone cannot speak for another."""
    import hashlib
    import hmac

    return hmac.new(secret, f"tracker:{device_id}".encode(), hashlib.sha256).hexdigest()[:32]

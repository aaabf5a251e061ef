"""Secrets are generated at install, kept 0600 in a 0700 folder, and kept across starts: the camera webhook's
bearer token, as scripts/services.sh makes it for make demo (no fixed demo token)."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, _free_port

pytestmark = pytest.mark.db


def start(data: Path, port: int) -> None:
    # DATABASE_URL set: services.sh leaves PostgreSQL alone and starts the broker of this folder only
    env = {**os.environ, "PORTMAP_DATA": str(data), "PORTMAP_MQTT_PORT": str(port),
           "DATABASE_URL": "postgresql://unused@127.0.0.1:1/unused"}
    subprocess.run(["bash", "scripts/services.sh", "start"], cwd=ROOT, env=env, check=True, timeout=60,
                   capture_output=True)


def stop(data: Path, port: int) -> None:
    env = {**os.environ, "PORTMAP_DATA": str(data), "PORTMAP_MQTT_PORT": str(port)}
    subprocess.run(["bash", "scripts/services.sh", "mqtt-stop"], cwd=ROOT, env=env, timeout=60, capture_output=True)


def test_the_webhook_token_is_generated_once_root_only_and_kept(tmp_path: Path) -> None:
    data, port = tmp_path / "data", _free_port()
    try:
        start(data, port)
        token_file = data / "secrets" / "webhook-token"
        token = token_file.read_text().strip()
        assert len(token) >= 32 and token != "demo-webhook-token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert stat.S_IMODE((data / "secrets").stat().st_mode) == 0o700
        stop(data, port)
        start(data, port)                               # a second start keeps it (the camera worker's clients too)
        assert token_file.read_text().strip() == token
        other = tmp_path / "other"
        start(other, _free_port())                      # another install gets a token of its own
        assert (other / "secrets" / "webhook-token").read_text().strip() != token
    finally:
        stop(data, port)
        for folder in tmp_path.iterdir():
            stop(folder, 0)

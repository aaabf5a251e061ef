"""The demo accounts (issue 24, point 10): a random password per install and per account, printed once by
`python -m app.users demo` (as `make demo` runs it) and kept root-only in .data/secrets/demo-accounts."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

from app import auth
from app.users import DEMO_USERS, demo_passwords
from tests.conftest import ROOT

pytestmark = pytest.mark.db


def _demo(url: str, data: Path) -> str:
    env = {**os.environ, "DATABASE_URL": url, "PORTMAP_DATA": str(data)}
    done = subprocess.run([sys.executable, "-m", "app.users", "demo"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_each_demo_account_gets_its_own_password_printed_once_and_kept(databases: Any, tmp_path: Path) -> None:
    url = databases.create()
    first = _demo(url, tmp_path)
    path = tmp_path / "secrets" / "demo-accounts"
    kept = demo_passwords(path)
    assert set(kept) == set(DEMO_USERS)
    assert len(set(kept.values())) == len(kept) and all(len(p) >= 16 for p in kept.values())
    assert path.stat().st_mode & 0o777 == 0o600 and path.stat().st_uid == 0
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert "portmap-demo" not in first
    for name, password in kept.items():
        assert f"{name} (" in first and f"password {password}" in first
    with psycopg.connect(url, autocommit=True) as conn:
        for name, password in kept.items():
            assert auth.login(conn, name, password) is not None, name
        assert auth.login(conn, "supervisor", kept["duty"]) is None        # no password opens another account
    again = _demo(url, tmp_path)
    assert not re.search(r"password \S+", again) and str(path) in again   # printed once; then only where it is
    assert demo_passwords(path) == kept


def test_an_older_install_with_the_shared_password_gets_new_ones(databases: Any, tmp_path: Path) -> None:
    url = databases.create()
    with psycopg.connect(url, autocommit=True) as conn:
        auth.add_user(conn, "supervisor", "Shift supervisor (demo)", "supervisor", "port", "portmap-demo")
    _demo(url, tmp_path)
    kept = demo_passwords(tmp_path / "secrets" / "demo-accounts")
    with psycopg.connect(url, autocommit=True) as conn:
        assert auth.login(conn, "supervisor", "portmap-demo") is None
        assert auth.login(conn, "supervisor", kept["supervisor"]) is not None

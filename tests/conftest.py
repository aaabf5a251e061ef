"""Fixtures that start real things: a fresh PostGIS database from the migrations, the app, Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ingest.port_load import load_package
from ingest.port_package import read_package
from sql import DbSettings
from sql.db import ROLE_USERS
from sql.migrate import migrate

# Hypothesis: `make test` (CI) runs the same 150 examples per property every time (derandomize), so a red CI is a
# change's fault, never the draw's; HYPOTHESIS_PROFILE=explore draws new ones, =long draws 5,000 (run them to hunt).
_FUZZ = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("default", max_examples=150, derandomize=True, **_FUZZ)
settings.register_profile("explore", max_examples=150, **_FUZZ)
settings.register_profile("long", max_examples=5000, **_FUZZ)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Files that hold a process or a browser to a deadline, or count every UDP datagram: `make test` runs them alone,
# after the files that run two at a time (scripts/test.sh), so the other half of the suite never steals their core.
SERIAL_FILES = frozenset({
    "test_ais_faults.py", "test_ais_shutdown.py", "test_camera_qos0.py", "test_demo_feed_e2e.py", "test_faults.py",
    "test_map_live_browser.py", "test_poison_ais.py", "test_poison_inputs.py", "test_wall.py",
    "test_live_gate_browser.py",
})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in SERIAL_FILES:
            item.add_marker(pytest.mark.serial)

ROOT = Path(__file__).resolve().parent.parent
WEIFANG = ROOT / "assets" / "ports" / "weifang"
TINYPORT = ROOT / "tests" / "fixtures" / "ports" / "tinyport"
ARTIFACTS = ROOT / "test-results"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run"]


def _server_url() -> str:
    """The admin login of the test server (its password in .data/secrets/pgpass, as scripts/services.sh made it),
    for the harness alone: creating and migrating throw-away databases, setting up rows."""
    return DbSettings().url


def role_url(url: str, role: str) -> str:
    """The same database as the login a process of kind `role` uses (sql.db.ROLE_USERS)."""
    params = conninfo_to_dict(url)
    params["user"] = ROLE_USERS[role]
    return make_conninfo(**params)


def role_env(url: str, role: str | None = None) -> dict[str, str]:
    """The environment of a process that picks its own role, as in make demo: no DATABASE_URL, the database by
    name (PORTMAP_DB_NAME) on the private cluster, passwords from its passfile."""
    params = conninfo_to_dict(url)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PORTMAP_DB_URL", "PORTMAP_DB_ROLE")}
    env.update(PORTMAP_DB_NAME=str(params["dbname"]), PORTMAP_PG_PORT=str(params.get("port", "55432")))
    if role:
        env["PORTMAP_DB_ROLE"] = role
    return env


def _with_db(url: str, dbname: str) -> str:
    params = conninfo_to_dict(url)
    params["dbname"] = dbname
    return make_conninfo(**params)


class Databases:
    """Creates throw-away databases on the test server and drops them at the end of the session."""

    def __init__(self, server_url: str) -> None:
        self.admin_url = _with_db(server_url, "postgres")
        self.created: list[str] = []

    def create(self, *, migrated: bool = True) -> str:
        name = f"portmap_test_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        url = _with_db(self.admin_url, name)
        if migrated:
            with psycopg.connect(url) as conn:
                migrate(conn)
        return url

    def drop_all(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            for name in self.created:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def databases() -> Iterator[Databases]:
    dbs = Databases(_server_url())
    try:
        yield dbs
    finally:
        dbs.drop_all()


@pytest.fixture(scope="session")
def db_url(databases: Databases) -> str:
    """A fresh database for this test session, built from the migrations, with Weifang loaded."""
    url = databases.create()
    with psycopg.connect(url) as conn:
        report = load_package(conn, read_package(WEIFANG))
    assert report.ok, report.refused
    return url


@pytest.fixture()
def weifang_db(databases: Databases) -> str:
    """A database of the test's own with Weifang loaded, for tests that commit."""
    url = databases.create()
    with psycopg.connect(url) as conn:
        load_package(conn, read_package(WEIFANG))
    return url


@pytest.fixture()
def conn(db_url: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection whose work is rolled back after the test."""
    with psycopg.connect(db_url) as connection:
        yield connection
        connection.rollback()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


APP_LOG: dict[str, Path] = {}       # where the session's app writes its log ("log")


@pytest.fixture(scope="session")
def app_url(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app (`python -m app`) on a free port against the session database."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "PORTMAP_APP_PORT": str(port)}
    log = APP_LOG["log"] = tmp_path_factory.mktemp("app") / "app.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


PASSWORD = "harbour-light-42"
OFFICERS = {"duty": ("officer", "port", "Wang Fang"), "customs1": ("officer", "customs", "Li Wei"),
            "super": ("supervisor", "port", "Zhao Min"), "watch": ("viewer", "control_centre", "Sun Li")}


@pytest.fixture(scope="session")
def officers(db_url: str) -> dict[str, tuple[str, str, str]]:
    """Signed-up users of the session database (all with PASSWORD), by user name: role, agency, name."""
    from app.auth import add_user
    with psycopg.connect(db_url, autocommit=True) as conn:
        for name, (role, agency, display) in OFFICERS.items():
            add_user(conn, name, display, role, agency, PASSWORD)
    return OFFICERS


def sign_in(pg: Any, base: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login page, as an officer does, and wait for the map."""
    pg.goto(f"{base}/login")
    pg.fill("#username", username)
    pg.fill("#password", password)
    pg.click("#login-submit")
    pg.wait_for_url(f"{base}/")


def wait_idle(pg: Any, timeout_s: float = 30.0) -> None:
    """Wait until the page is drawn and idle: three animation frames in a row come within 100 ms (software
    WebGL keeps the page busy for a few seconds after the first map draw)."""
    deadline = time.monotonic() + timeout_s
    quick = 0
    while quick < 3:
        started = time.monotonic()
        pg.evaluate("() => new Promise(r => requestAnimationFrame(() => r(1)))")
        quick = quick + 1 if time.monotonic() - started < 0.1 else 0
        if time.monotonic() > deadline:
            raise TimeoutError("the page stayed busy")
        time.sleep(0.2)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()

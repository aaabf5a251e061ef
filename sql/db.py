"""Connections from settings and named SQL queries loaded from sql/queries/*.sql."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg.rows import dict_row
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from portdomain.secrets import secrets_dir

QUERIES_DIR = Path(__file__).parent / "queries"
# The login of each process kind (scripts/services.sh creates them with generated passwords; sql/grants.sql says
# what each may do). `admin` is the cluster's superuser: migrations, the test harness and the benchmarks only.
ROLE_USERS = {
    "admin": "postgres",
    "app": "portmap_app",               # the web app and app.users: reads, sessions, officer actions by function
    "read": "portmap_read",             # the situation reports: read only, no logins or audit
    "ais": "portmap_ais",               # python -m ingest ais
    "camera": "portmap_camera",         # python -m ingest camera (MQTT and webhook)
    "yard": "portmap_yard",             # python -m ingest yard|hazmat|inbox (the drop folder)
    "alerts": "portmap_alerts",         # python -m ingest alerts (rules, cases, port statistics)
    "reference": "portmap_reference",   # python -m ingest port (the port package)
}


def passfile() -> Path:
    """The generated database passwords (libpq's passfile format, mode 0600, root only)."""
    return secrets_dir() / "pgpass"


def default_url(role: str | None = None) -> str:
    """The private cluster that scripts/services.sh starts (its port and name follow the same variables), as the
    login of `role` (default PORTMAP_DB_ROLE, else admin); the password comes from the passfile, never the URL."""
    role = role or os.environ.get("PORTMAP_DB_ROLE") or "admin"
    if role not in ROLE_USERS:
        raise DbError(f"unknown database role {role!r} (one of {', '.join(ROLE_USERS)})")
    port = os.environ.get("PORTMAP_PG_PORT", "55432")
    name = os.environ.get("PORTMAP_DB_NAME", "portmap")
    return f"postgresql://{ROLE_USERS[role]}@127.0.0.1:{port}/{name}?passfile={quote(str(passfile()))}"


def url_from_env() -> bool:
    """True when DATABASE_URL (or PORTMAP_DB_URL) names the database: then it wins over every role's default."""
    return bool(os.environ.get("DATABASE_URL") or os.environ.get("PORTMAP_DB_URL"))


class DbError(Exception):
    """Base error of the database layer."""


class DbSettings(BaseSettings):
    """Where the database is: DATABASE_URL or PORTMAP_DB_URL, else the private cluster."""

    model_config = SettingsConfigDict(env_prefix="PORTMAP_DB_", extra="ignore", populate_by_name=True)

    url: str = Field(default_factory=default_url, validation_alias=AliasChoices("DATABASE_URL", "PORTMAP_DB_URL"))
    statement_timeout_ms: int = 0
    application_name: str = "portmap"

    @classmethod
    def for_role(cls, role: str, **values: Any) -> DbSettings:
        """The settings of a process of kind `role` (see ROLE_USERS); DATABASE_URL still wins when set."""
        settings = cls(**values)
        if "url" in values or url_from_env():
            return settings
        return settings.model_copy(update={"url": default_url(role)})


def connect(settings: DbSettings | None = None, *, autocommit: bool = False,
            dict_rows: bool = False, role: str | None = None) -> psycopg.Connection[Any]:
    """Open one connection (as `role` when no settings are given); the dashboard passes a statement timeout in
    its settings."""
    settings = settings or (DbSettings.for_role(role) if role else DbSettings())
    options = f"-c statement_timeout={settings.statement_timeout_ms} -c timezone=UTC"
    return psycopg.connect(
        settings.url,
        autocommit=autocommit,
        row_factory=dict_row if dict_rows else psycopg.rows.tuple_row,  # type: ignore[arg-type]
        application_name=settings.application_name,
        options=options,
    )


@functools.cache
def query_text(name: str) -> str:
    """The text of a named query (`sql/queries/<name>.sql`); unknown names fail loudly."""
    path = QUERIES_DIR / f"{name}.sql"
    if not path.is_file():
        raise DbError(f"no such query: {name} (looked for {path})")
    return path.read_text(encoding="utf-8")


def query(conn: psycopg.Connection[Any], name: str, params: Any = None) -> list[Any]:
    """Run a named query with bound parameters and return its rows (empty if it returns none)."""
    with conn.cursor() as cur:
        cur.execute(query_text(name), params)  # type: ignore[arg-type]
        return cur.fetchall() if cur.description else []

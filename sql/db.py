"""Connections from settings and named SQL queries loaded from sql/queries/*.sql."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

QUERIES_DIR = Path(__file__).parent / "queries"


def default_url() -> str:
    """The private cluster that scripts/services.sh starts (its port and name follow the same variables)."""
    port = os.environ.get("PORTMAP_PG_PORT", "55432")
    name = os.environ.get("PORTMAP_DB_NAME", "portmap")
    return f"postgresql://postgres@127.0.0.1:{port}/{name}"


class DbError(Exception):
    """Base error of the database layer."""


class DbSettings(BaseSettings):
    """Where the database is: DATABASE_URL or PORTMAP_DB_URL, else the private cluster."""

    model_config = SettingsConfigDict(env_prefix="PORTMAP_DB_", extra="ignore", populate_by_name=True)

    url: str = Field(default_factory=default_url, validation_alias=AliasChoices("DATABASE_URL", "PORTMAP_DB_URL"))
    statement_timeout_ms: int = 0
    application_name: str = "portmap"


def connect(settings: DbSettings | None = None, *, autocommit: bool = False,
            dict_rows: bool = False) -> psycopg.Connection[Any]:
    """Open one connection; the dashboard passes a statement timeout in its settings."""
    settings = settings or DbSettings()
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

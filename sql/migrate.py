"""Apply numbered migrations in order, each once in its own transaction, recorded with a checksum; then the
grants (sql/grants.sql: the schema to portmap_owner, each process role its own tables), every run.

Run as the admin login (a superuser: PostGIS and the roles need one); the processes never use it."""

from __future__ import annotations

import argparse
import hashlib
import logging
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from sql.db import DbError, DbSettings, connect

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
GRANTS = Path(__file__).parent / "grants.sql"     # who may do what: applied after every run (idempotent)
NAME_RE = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
LOCK_ID = 7_361_001  # advisory lock: one migrator at a time

LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migration (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""


class MigrationError(DbError):
    """A migration is missing, misnamed, edited after it was applied, or failed."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Migrations on disk, ordered by number; a misnamed or duplicate file is an error."""
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = NAME_RE.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNN_name.sql")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(f"{path.name}: version {version} is used twice")
        found[version] = Migration(version, path.name, path.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


def migrate(conn: psycopg.Connection[Any], directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply what is pending; refuse loudly if an applied migration was edited. Returns names applied."""
    migrations = discover(directory)
    conn.autocommit = True
    conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_ID,))
    try:
        conn.execute(LEDGER)
        applied = {
            row[0]: (row[1], row[2])
            for row in conn.execute("SELECT version, name, checksum FROM schema_migration")
        }
        for m in migrations:
            if m.version in applied and applied[m.version][1] != m.checksum:
                raise MigrationError(
                    f"{m.name} was edited after it was applied (checksum "
                    f"{applied[m.version][1][:12]} in the database, {m.checksum[:12]} on disk); "
                    "migrations are forward-only: add a new one instead"
                )
        done = []
        for m in migrations:
            if m.version in applied:
                continue
            _apply(conn, m)
            done.append(m.name)
        try:
            conn.execute(GRANTS.read_bytes())
        except psycopg.Error as err:
            raise MigrationError(f"{GRANTS.name} failed: {err}") from err
        return done
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_ID,))


def _apply(conn: psycopg.Connection[Any], m: Migration) -> None:
    try:
        with conn.transaction():
            conn.execute(m.sql.encode("utf-8"))  # several statements, no parameters
            conn.execute(
                "INSERT INTO schema_migration (version, name, checksum) VALUES (%s, %s, %s)",
                (m.version, m.name, m.checksum),
            )
    except psycopg.Error as err:
        raise MigrationError(f"{m.name} failed: {err}") from err
    log.info("applied %s", m.name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sql.migrate", description=__doc__)
    parser.add_argument("--url", help="database URL (default: DATABASE_URL or the private cluster)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = DbSettings(url=args.url) if args.url else DbSettings()
    try:
        with connect(settings) as conn:
            done = migrate(conn)
    except (MigrationError, psycopg.OperationalError) as err:
        print(f"migrate: {err}", file=sys.stderr)
        return 1
    print(f"migrate: {len(done)} applied" + (f" ({', '.join(done)})" if done else ", up to date"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

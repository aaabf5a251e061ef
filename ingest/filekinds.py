"""The drop folder's file kinds, one registry: by name pattern, the importer of a file of that kind and the line
its report gives the log. Adding a kind = its importer module and one FileKind here (and its test)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

Importer = Callable[[psycopg.Connection[Any], Path, str, bytes, datetime], Any]


@dataclass(frozen=True)
class FileKind:
    name: str                            # the kind (counted per kind in InboxStats.files)
    pattern: re.Pattern[str]             # matched against the file's name
    glob: str                            # the pattern as people read it
    import_file: Importer                # (conn, path, port_id, bytes, mtime) -> a report with .rejects
    summary: Callable[[Any], str]        # the report's log line


# The importers import their modules when first used: the inbox starts without every parser loaded.
def _tos(conn: psycopg.Connection[Any], path: Path, port_id: str, data: bytes, mtime: datetime) -> Any:
    from ingest.yard.tos_csv import import_snapshot
    return import_snapshot(conn, path, port_id, snapshot_at=mtime, data=data)


def _edifact(conn: psycopg.Connection[Any], path: Path, port_id: str, data: bytes, _mtime: datetime) -> Any:
    from ingest.yard.edifact import import_file
    return import_file(conn, path, port_id, data)


def _hazmat(what: str) -> Importer:
    def importer(conn: psycopg.Connection[Any], path: Path, port_id: str, data: bytes, _mtime: datetime) -> Any:
        from ingest.hazmat.declarations import import_file
        return import_file(conn, path, port_id, what, data)
    return importer


def _berth_plan(conn: psycopg.Connection[Any], path: Path, port_id: str, data: bytes, _mtime: datetime) -> Any:
    from ingest.ops.berth_plan import import_file
    return import_file(conn, path, port_id, data)


def _direct(conn: psycopg.Connection[Any], path: Path, port_id: str, data: bytes, _mtime: datetime) -> Any:
    from ingest.ops.direct_delivery import import_file
    return import_file(conn, path, port_id, data)


def _vehicles(conn: psycopg.Connection[Any], path: Path, port_id: str, data: bytes, _mtime: datetime) -> Any:
    from ingest.vehicles.registry import import_file
    return import_file(conn, path, port_id, data)


def _people(conn: psycopg.Connection[Any], path: Path, port_id: str, data: bytes, _mtime: datetime) -> Any:
    from ingest.trackers.registry import import_file
    return import_file(conn, path, port_id, data)


def _permits(conn: psycopg.Connection[Any], path: Path, port_id: str, data: bytes, _mtime: datetime) -> Any:
    from ingest.ops.permits import import_file
    return import_file(conn, path, port_id, data)


def _stored(what: str) -> Callable[[Any], str]:
    return lambda r: f"{r.stored} of {r.rows} {what}stored, rejected {dict(r.rejects)}"


FILE_KINDS: dict[str, FileKind] = {k.name: k for k in (
    FileKind("tos", re.compile(r".+\.tos\.csv$", re.I), "*.tos.csv", _tos,
             lambda r: f"{r.rows} rows, {r.loaded} loaded, {r.departed} departed, rejected {dict(r.rejects)}"),
    FileKind("edifact", re.compile(r".+\.(edi|edifact)$", re.I), "*.edi", _edifact,
             lambda r: f"{dict(r.messages)}, {r.moves} moves ({r.new_moves} new), rejected {dict(r.rejects)}"),
    FileKind("declarations", re.compile(r".+\.hazmat\.(csv|json)$", re.I), "*.hazmat.csv|json",
             _hazmat("declarations"), _stored("")),
    FileKind("gate", re.compile(r".+\.gate\.(csv|json)$", re.I), "*.gate.csv|json", _hazmat("gate"), _stored("")),
    FileKind("berthplan", re.compile(r".+\.berthplan\.(csv|json)$", re.I), "*.berthplan.csv|json", _berth_plan,
             _stored("planned calls ")),
    FileKind("direct", re.compile(r".+\.direct\.(csv|json)$", re.I), "*.direct.csv|json", _direct,
             _stored("direct deliveries ")),
    FileKind("vehicles", re.compile(r".+\.vehicles\.csv$", re.I), "*.vehicles.csv", _vehicles, _stored("vehicles ")),
    FileKind("people", re.compile(r".+\.people\.csv$", re.I), "*.people.csv", _people, _stored("people ")),
    FileKind("permits", re.compile(r".+\.permits\.(csv|json)$", re.I), "*.permits.csv|json", _permits,
             _stored("permits ")),
)}


def kind_of(name: str) -> str | None:
    """The kind of a dropped file by its name, None for a name no kind takes."""
    return next((k.name for k in FILE_KINDS.values() if k.pattern.match(name)), None)


def expected() -> str:
    return ", ".join(k.glob for k in FILE_KINDS.values())

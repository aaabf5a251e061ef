"""EDIFACT container messages with pydifact: COARRI (discharge/load), CODECO (gate in/out), BAPLIE (stowage: the
discharges planned) and COPRAR loading orders (the load list: the loads planned).

Each container of a message is one `container_move`, keyed by interchange, message and container, so a
file imported twice writes nothing twice; a move that is new updates the inventory. A container number
with a wrong check digit is rejected with its reason and the rest of the message still loads.
"""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from pydifact.segmentcollection import Interchange

from ingest.feeds import record_batch
from ingest.progress import Progress
from ingest.yard.iso6346 import Invalid, container_number, size_type
from sql import query

log = logging.getLogger(__name__)
# BGM document codes (SMDG/ITG): what one report means for each container in it.
KINDS = {("COARRI", "44"): "discharge", ("COARRI", "46"): "load", ("COARRI", "45"): "shift",
         ("CODECO", "34"): "gate_in", ("CODECO", "36"): "gate_out", ("BAPLIE", "*"): "expected_discharge",
         ("COPRAR", "45"): "expected_load"}
GROUP_START = {"COARRI": "EQD", "CODECO": "EQD", "BAPLIE": "LOC147", "COPRAR": "EQD"}


@dataclass
class Move:
    move_id: str
    container_no: str
    kind: str
    moved_at: datetime
    iso_type: str | None
    vessel_voyage: str | None
    truck_plate: str | None
    raw: str
    dangerous: list[tuple[str, int]] = field(default_factory=list)    # (IMDG class, UN number)


@dataclass
class EdifactReport:
    messages: Counter[str] = field(default_factory=Counter)
    moves: int = 0
    new_moves: int = 0
    declarations: int = 0
    rejects: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)


def _el(elements: list[Any], i: int, j: int | None = None) -> str:
    """Element i (component j) as text, '' when absent."""
    if i >= len(elements):
        return ""
    value = elements[i]
    if isinstance(value, list):
        value = value[j or 0] if len(value) > (j or 0) else ""
    elif j:
        return ""
    return str(value or "")


def _when(text: str, fmt: str = "203") -> datetime | None:
    try:
        return datetime.strptime(text, "%Y%m%d%H%M" if fmt == "203" else "%y%m%d%H%M").replace(tzinfo=UTC)
    except ValueError:
        return None


class EdifactError(ValueError):
    """A file that is not a readable EDIFACT interchange: refused whole, with the parser's reason."""


def parse(text: str, report: EdifactReport) -> list[Move]:
    """The moves of an interchange; a file pydifact cannot read raises EdifactError (the inbox refuses it)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")      # pydifact warns that it has no D.95B segment directory
            interchange = Interchange.from_str(text)
            unb = str(interchange.control_reference)
            sent = interchange.timestamp.replace(tzinfo=UTC) if isinstance(interchange.timestamp, datetime) else None
            messages = list(interchange.get_messages())
    except Exception as err:         # pydifact raises several kinds for a broken file: all mean "unreadable"
        raise EdifactError(f"bad_edifact: {type(err).__name__}: {str(err)[:120]}") from err
    moves: list[Move] = []
    for message in messages:
        mtype = str(message.type)
        report.messages[mtype] += 1
        try:
            moves.extend(_message(message, mtype, unb, sent, report))
        except (ValueError, TypeError, IndexError, KeyError, AttributeError) as err:    # one message, not the file
            report.rejects["bad_message"] += 1
            log.warning("%s message %s refused: %s: %s", mtype, getattr(message, "reference_number", "?"),
                        type(err).__name__, str(err)[:120])
    return moves


def _message(message: Any, mtype: str, unb: str, sent: datetime | None, report: EdifactReport) -> list[Move]:
    segments = list(message.segments)
    bgm = next((s for s in segments if s.tag == "BGM"), None)
    kind = KINDS.get((mtype, _el(bgm.elements, 0) if bgm else "")) or KINDS.get((mtype, "*"))
    if kind is None:
        report.rejects[f"unsupported_{mtype.lower()}"] += 1
        return []
    tdt = next((s for s in segments if s.tag == "TDT" and _el(s.elements, 0) == "20"), None)
    voyage = f"{_el(tdt.elements, 7, 3) or _el(tdt.elements, 7, 0)}/{_el(tdt.elements, 1)}" if tdt else None
    stamps = {_el(s.elements, 0, 0): _when(_el(s.elements, 0, 1)) for s in segments if s.tag == "DTM"}
    header_time = stamps.get("133") or stamps.get("178") or stamps.get("137") or sent
    groups: list[list[Any]] = []
    for seg in segments:
        starts = (seg.tag == "EQD") if GROUP_START[mtype] == "EQD" else (
            seg.tag == "LOC" and _el(seg.elements, 0) == "147")
        if starts:
            groups.append([seg])
        elif groups and seg.tag not in ("CNT", "UNT"):
            groups[-1].append(seg)
    reference = str(getattr(message, "reference_number", "") or "")
    out = []
    for index, group in enumerate(groups):
        move = _group(group, kind, mtype, f"{mtype.lower()}:{unb}:{reference}", index, voyage, header_time, report)
        if move is not None:
            out.append(move)
    return out


def _group(group: list[Any], kind: str, mtype: str, prefix: str, index: int, voyage: str | None,
           header_time: datetime | None, report: EdifactReport) -> Move | None:
    eqd = next((s for s in group if s.tag == "EQD"), None)
    raw = "'".join(f"{s.tag}+{s.elements}" for s in group)[:2000]
    if eqd is None:
        report.rejects["no_equipment"] += 1
        return None
    try:
        number = container_number(_el(eqd.elements, 1))
    except Invalid as bad:
        report.rejects[bad.args[0]] += 1
        log.warning("%s: %s", prefix, bad.args[1])
        return None
    code = _el(eqd.elements, 2, 0).upper()
    try:
        iso = size_type(code) if code else None
    except Invalid:
        report.warnings["nonstandard_size_type"] += 1      # e.g. the pre-1995 numeric '4200': keep the move
        iso = code if len(code) == 4 and code.isalnum() else None
    when = next((_when(_el(s.elements, 0, 1)) for s in group
                 if s.tag == "DTM" and _el(s.elements, 0, 0) in ("203", "7")), None) or header_time
    if when is None:
        report.rejects["no_time"] += 1
        return None
    plate = next((_el(s.elements, 7, 0) or _el(s.elements, 1) for s in group if s.tag == "TDT"
                  and _el(s.elements, 0) == "1"), None) if mtype == "CODECO" else None
    dangerous = []
    for dgs in (s for s in group if s.tag == "DGS"):
        try:
            dangerous.append((_el(dgs.elements, 1), int(_el(dgs.elements, 2, 0))))
        except ValueError:
            report.rejects["bad_dgs"] += 1
    return Move(f"{prefix}:{number}:{index}", number, kind, when, iso, voyage, plate or None, raw, dangerous)


def import_file(conn: psycopg.Connection[Any], path: Path, port_id: str, data: bytes | None = None) -> EdifactReport:
    """`data`: the file's bytes, if the caller has read them already. A move the database refuses (a NUL byte
    in a field, say) is refused alone, under a savepoint."""
    report = EdifactReport()
    moves = parse((path.read_bytes() if data is None else data).decode("latin-1"), report)
    report.moves = len(moves)
    source = f"edifact:{path.name}"
    bar = Progress(len(moves), path.name)
    with conn.transaction():
        for done, move in enumerate(sorted(moves, key=lambda m: m.moved_at), start=1):
            if done % 200 == 0:
                bar.update(done)
            try:
                with conn.transaction():
                    new, lines = _store_move(conn, move, port_id, source)
                report.new_moves += new
                report.declarations += lines
            except (psycopg.errors.DataError, psycopg.errors.IntegrityError) as err:
                report.rejects["refused_by_database"] += 1
                log.warning("%s: move %s refused by the database: %s", path.name, move.move_id[:80],
                            str(err).strip()[:120])
        record_batch(conn, "edifact", "yard", stored=report.new_moves, reasons=report.rejects, rejects=[],
                     rejected=sum(report.rejects.values()))
    bar.done()
    return report


def _store_move(conn: psycopg.Connection[Any], move: Move, port_id: str, source: str) -> tuple[int, int]:
    """One move and its dangerous-goods lines; returns (1 if the move is new else 0, the lines stored)."""
    params = {**move.__dict__, "port_id": port_id, "source": source.split(":")[0]}
    new = bool(query(conn, "yard_move_insert", params))
    if new:
        query(conn, "yard_move_apply", params)
    for imdg_class, un in move.dangerous:
        query(conn, "hazmat_declaration_upsert", {
            "declaration_id": f"{move.move_id}:{un}", "subject_kind": "container",
            "subject_id": move.container_no, "un_number": un, "imdg_class": imdg_class,
            "declared_at": move.moved_at, "source": source})
    return int(new), len(move.dangerous)

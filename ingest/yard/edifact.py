"""EDIFACT container messages with pydifact: COARRI (discharge/load), CODECO (gate in/out), BAPLIE (stowage: the
discharges planned) and COPRAR loading orders (the load list: the loads planned).

Each container of a message is one `container_move`, keyed by interchange, message and container, so a
file imported twice writes nothing twice; a move that is new updates the inventory. A container number
with a wrong check digit is rejected with its reason and the rest of the message still loads.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import psycopg
from pydifact.segmentcollection import Interchange

from ingest.feeds import record_batch
from ingest.progress import Progress
from portdomain.iso6346 import Invalid, container_number, size_type
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
    refused: list[tuple[str, str]] = field(default_factory=list)     # (reason, detail) of messages and moves

    def refuse(self, reason: str, detail: str) -> None:
        self.rejects[reason] += 1
        self.refused.append((reason, detail))
        log.warning("refused (%s): %s", reason, detail)


class Refused(ValueError):
    """A message refused whole, with its reason and detail (the other messages of the file load)."""


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


# UN/EDIFACT code list 2379 (date or time or period format code): the formats terminals write, as strptime
# patterns of the date part; ZZZ (301, 303, 304) is a time zone after it; 718 (a period) is read by its start.
DTM_FORMATS = {"101": "%y%m%d", "102": "%Y%m%d", "201": "%y%m%d%H%M", "202": "%y%m%d%H%M%S", "203": "%Y%m%d%H%M",
               "204": "%Y%m%d%H%M%S", "205": "%Y%m%d%H%M", "301": "%y%m%d%H%M", "303": "%Y%m%d%H%M",
               "304": "%Y%m%d%H%M%S", "305": "%m%d%H%M", "306": "%d%H%M", "401": "%H%M", "718": "%Y%m%d"}
DATE_LENGTHS = {"101": 6, "102": 8, "201": 10, "202": 12, "203": 12, "204": 14, "205": 12, "301": 10, "303": 12,
                "304": 14, "718": 8}
ZONED = frozenset({"205", "301", "303", "304"})
ZONE_RE = re.compile(r"(?:UTC|GMT|Z)?([+-])(\d{1,2})(\d{2})?|UTC|GMT|Z")


class DateError(ValueError):
    """A DTM value that does not read in its 2379 format (or a format this reader does not know)."""


def _when(text: str, fmt: str = "203") -> datetime | None:
    """A DTM value by its UN/EDIFACT 2379 format code (an absent code is 203, as the message guides say). A
    value without a zone is UTC. Raises DateError for a value that does not fit its format."""
    fmt = fmt or "203"
    pattern = DTM_FORMATS.get(fmt)
    if pattern is None or fmt in ("305", "306", "401"):      # no year: nothing to place it in
        raise DateError(f"DTM format {fmt} is not read here (2379: {sorted(DATE_LENGTHS)})")
    if not text:
        return None
    n = DATE_LENGTHS[fmt]
    head, zone = text[:n], text[n:]
    if len(head) != n or not head.isdigit():
        raise DateError(f"DTM {text!r} is not format {fmt} ({n} digits)")
    if fmt == "718":
        zone = ""                 # CCYYMMDD-CCYYMMDD: the period's start
    try:
        when = datetime.strptime(head, pattern)
    except ValueError as err:
        raise DateError(f"DTM {text!r} is not format {fmt} ({pattern})") from err
    offset = timedelta(0)
    if zone and fmt in ZONED:
        m = ZONE_RE.fullmatch(zone.strip().upper())
        if m is None:
            raise DateError(f"DTM {text!r}: time zone {zone!r} not understood")
        if m.group(1):
            offset = timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
            offset = offset if m.group(1) == "+" else -offset
    elif zone:
        raise DateError(f"DTM {text!r} is longer than format {fmt}")
    return when.replace(tzinfo=timezone(offset)).astimezone(UTC)


def _dtm(seg: Any) -> datetime | None:
    """DTM+qualifier:value:format as UTC (DateError for a bad value)."""
    return _when(_el(seg.elements, 0, 1), _el(seg.elements, 0, 2))


class EdifactError(ValueError):
    """A file that is not a readable EDIFACT interchange: refused whole, with the segment it broke at (1-based,
    counting from UNA/UNB) and the reason."""

    def __init__(self, message: str, segment: int | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.segment = segment
        self.reason = reason or message


def _segments(text: str) -> tuple[list[str], bool]:
    """The raw segments (honouring UNA's separators and the release character) and whether the text ended
    on a segment terminator."""
    terminator, release = "'", "?"
    if text.startswith("UNA") and len(text) >= 9:
        release, terminator = text[6], text[8]
    out, current, escaped = [], [], False
    for ch in text:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == release:
            current.append(ch)
            escaped = True
        elif ch == terminator:
            out.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    rest = "".join(current).strip()
    if rest:
        out.append(rest)
    return out, not rest


def check_structure(text: str) -> None:
    """Raise EdifactError naming the segment where an interchange is broken: truncated (no UNZ, a message
    without its UNT, a last segment cut off) or a segment without a tag."""
    segments, ended = _segments(text)
    if not segments:
        raise EdifactError("bad_edifact: empty file", 1, "empty file: no segment")
    open_message = None
    for i, seg in enumerate(segments if ended else segments[:-1], start=1):
        tag = seg[:3]
        if not re.fullmatch(r"[A-Z][A-Z0-9]{2}", tag) or (len(seg) > 3 and seg[3] not in "+:" and tag != "UNA"):
            raise EdifactError(f"bad_edifact: segment {i}: no segment tag in {seg[:20]!r}", i,
                               f"no segment tag in {seg[:20]!r}")
        if tag == "UNH":
            if open_message:
                raise EdifactError(f"bad_edifact: segment {i}: UNH before the UNT of message {open_message}", i,
                                   f"UNH before the UNT of the message begun at segment {open_message}")
            open_message = i
        elif tag == "UNT":
            open_message = None
    n = len(segments)
    if not ended:
        raise EdifactError(f"bad_edifact: segment {n}: truncated", n,
                           f"truncated: the file ends inside segment {n} ({segments[-1][:20]!r}…)")
    if open_message:
        raise EdifactError(f"bad_edifact: segment {n + 1}: truncated", n + 1,
                           f"truncated: the message begun at segment {open_message} has no UNT")
    if segments[-1][:3] != "UNZ":
        raise EdifactError(f"bad_edifact: segment {n + 1}: truncated", n + 1,
                           "truncated: the interchange has no UNZ")


def parse(text: str, report: EdifactReport) -> list[Move]:
    """The moves of an interchange; a file pydifact cannot read raises EdifactError (the inbox refuses it)."""
    check_structure(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")      # pydifact warns that it has no D.95B segment directory
            interchange = Interchange.from_str(text)
            unb = str(interchange.control_reference)
            sent = interchange.timestamp.replace(tzinfo=UTC) if isinstance(interchange.timestamp, datetime) else None
            messages = list(interchange.get_messages())
    except Exception as err:         # pydifact raises several kinds for a broken file: all mean "unreadable"
        reason = f"{type(err).__name__}: {str(err)[:120]}"
        raise EdifactError(f"bad_edifact: {reason}", len(_segments(text)[0]), reason) from err
    moves: list[Move] = []
    for message in messages:
        mtype = str(message.type)
        report.messages[mtype] += 1
        ref = str(getattr(message, "reference_number", "") or "?")
        try:
            moves.extend(_message(message, mtype, unb, sent, report))
        except Refused as bad:          # one message, not the file: the others load
            report.refuse(bad.args[0], f"{mtype} message {ref}: {bad.args[1]}")
        except DateError as err:
            report.refuse("bad_date", f"{mtype} message {ref}: {err}")
        except (ValueError, TypeError, IndexError, KeyError, AttributeError) as err:
            report.refuse("bad_message", f"{mtype} message {ref}: {type(err).__name__}: {str(err)[:120]}")
    return moves


def _message(message: Any, mtype: str, unb: str, sent: datetime | None, report: EdifactReport) -> list[Move]:
    segments = list(message.segments)
    bgm = next((s for s in segments if s.tag == "BGM"), None)
    code = _el(bgm.elements, 0) if bgm else ""
    kind = KINDS.get((mtype, code)) or KINDS.get((mtype, "*"))
    if kind is None:
        known = ", ".join(f"{c} {k}" for (t, c), k in KINDS.items() if t == mtype)
        raise Refused(f"unsupported_{mtype.lower()}",
                      f"BGM document code {code or '(none)'} is not one this port reads ({known or 'none'})")
    tdt = next((s for s in segments if s.tag == "TDT" and _el(s.elements, 0) == "20"), None)
    voyage = f"{_el(tdt.elements, 7, 3) or _el(tdt.elements, 7, 0)}/{_el(tdt.elements, 1)}" if tdt else None
    stamps = {_el(s.elements, 0, 0): _dtm(s) for s in segments if s.tag == "DTM" and _el(s.elements, 0, 0)
              in ("133", "178", "137")}
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
    try:
        when = next((_dtm(s) for s in group
                     if s.tag == "DTM" and _el(s.elements, 0, 0) in ("203", "7")), None) or header_time
    except DateError as err:
        report.refuse("bad_date", f"{prefix}: {number}: {err}")
        return None
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
        record_batch(conn, "edifact", "yard", stored=report.new_moves, reasons=report.rejects,
                     rejects=[(source, reason, detail, detail) for reason, detail in report.refused],
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

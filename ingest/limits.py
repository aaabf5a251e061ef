"""Bounds on what hostile input can make the ingest side hold or store (no heavy imports: decoders use it)."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

RAW_CAP = 2000      # characters of a rejected input kept for diagnosis


def _escaped(c: str) -> str:
    """A control character (but tab), DEL or a lone surrogate as an escape; anything else as it is."""
    if c == "\t" or (c >= " " and c != "\x7f" and not "\ud800" <= c <= "\udfff"):
        return c
    return f"\\x{ord(c):02x}" if ord(c) <= 0xFF else f"\\u{ord(c):04x}"


def safe_raw(raw: bytes | str, cap: int = RAW_CAP) -> str:
    """A rejected input as text PostgreSQL will take and a person can read: invalid UTF-8 as \\xNN, NUL and
    the other control characters but tab as \\xNN, cut to `cap` characters with a note of the full size."""
    text = raw.decode("utf-8", "backslashreplace") if isinstance(raw, bytes) else raw
    clipped = text[:4 * cap]
    out = "".join(_escaped(c) for c in clipped) if not clipped.isprintable() else clipped
    if len(out) > cap or len(clipped) < len(text):
        unit = "bytes" if isinstance(raw, bytes) else "characters"
        out = f"{out[:cap]}… ({len(raw)} {unit} in all)"
    return out


# --- limits on what a parser is given -------------------------------------------------------------------
JSON_MAX_BYTES = 256 * 1024       # a camera event or webhook body is a few KB
JSON_MAX_DEPTH = 64               # the deepest real payload (Frigate's) nests 4 levels
FILE_JSON_MAX_BYTES = 64 << 20    # a dropped declarations/plan file
XML_MAX_BYTES = 256 * 1024
XML_MAX_DEPTH = 64
CSV_MAX_FIELD = 4096              # characters of one CSV field (the longest real one is a voyage or a name)


class InputRefused(ValueError):
    """An input refused before (or while) it is parsed; `reason` is the counted reason, `detail` says more."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason, detail)
        self.reason, self.detail = reason, detail

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}" if self.detail else self.reason


_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")     # \u0000, not \\u0000 (an escaped backslash)
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_STEP = bytes.maketrans(b"[]{}", b"\x01\x02\x01\x02")


def json_depth(data: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest, counted without parsing (strings skipped), so a
    10,000-deep text costs a scan, not a recursion."""
    if data.count(b"[") + data.count(b"{") == 0:
        return 0
    brackets = _NOT_BRACKET.sub(b"", _JSON_STRING.sub(b"", data)).translate(_STEP)
    depth = deepest = 0
    for step in brackets:
        depth += 1 if step == 1 else -1
        deepest = max(deepest, depth)
    return deepest


def loads_json(data: bytes | str, max_bytes: int = JSON_MAX_BYTES, max_depth: int = JSON_MAX_DEPTH,
               nul_ok: bool = False) -> Any:
    """json.loads with a size and nesting limit checked first, and no NUL anywhere (PostgreSQL's jsonb and text
    refuse it); anything refused raises InputRefused(reason): too_large, too_deep, bad_encoding, nul_byte,
    bad_json. `nul_ok` lets a \\u0000 escape through for a caller that refuses it per record (a raw NUL byte is
    never JSON and is still refused)."""
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else bytes(data)
    if len(raw) > max_bytes:
        raise InputRefused("too_large", f"{len(raw)} bytes (at most {max_bytes})")
    if b"\x00" in raw or (not nul_ok and _NUL_ESCAPE.search(raw)):
        raise InputRefused("nul_byte", "a NUL byte or \\u0000 escape")
    depth = json_depth(raw)
    if depth > max_depth:
        raise InputRefused("too_deep", f"nested {depth} deep (at most {max_depth})")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputRefused("bad_encoding", f"not UTF-8 at byte {err.start}") from err
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as err:      # (RecursionError: cannot happen under the depth cap)
        raise InputRefused("bad_json", str(err)[:120]) from err


def check_xml(data: bytes, max_bytes: int = XML_MAX_BYTES, max_depth: int = XML_MAX_DEPTH) -> None:
    """Refuse XML before ElementTree builds it: too large, a DTD (so no entity, internal or external, can be
    declared or expanded), nesting beyond `max_depth`, or not well-formed. Raises InputRefused."""
    if len(data) > max_bytes:
        raise InputRefused("too_large", f"{len(data)} bytes (at most {max_bytes})")
    parser = expat.ParserCreate()
    depth = [0]

    def refuse_dtd(*_: Any) -> Any:          # (never returns)
        raise InputRefused("xml_dtd", "DTDs and entity declarations are refused")

    def start(*_: Any) -> None:
        depth[0] += 1
        if depth[0] > max_depth:
            raise InputRefused("too_deep", f"elements nested beyond {max_depth}")

    def end(*_: Any) -> None:
        depth[0] -= 1

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.ExternalEntityRefHandler = refuse_dtd
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except InputRefused:
        raise
    except expat.ExpatError as err:
        raise InputRefused("bad_xml", str(err)[:120]) from err
    except (LookupError, ValueError) as err:              # an unknown encoding named in the declaration
        raise InputRefused("bad_xml", str(err)[:120]) from err


def parse_xml(data: bytes, max_bytes: int = XML_MAX_BYTES, max_depth: int = XML_MAX_DEPTH) -> ET.Element:
    """An ElementTree of XML that passed check_xml (defusedxml is not installed here: the stdlib, DTDs refused)."""
    check_xml(data, max_bytes, max_depth)
    try:
        return ET.fromstring(data)
    except (ET.ParseError, LookupError, ValueError) as err:
        raise InputRefused("bad_xml", str(err)[:120]) from err


@dataclass(frozen=True)
class Record:
    """One record of a dropped file: its first line (CSV) or its index from 1 (JSON), and either its fields by
    name, or why it was refused (`refused`: reason, detail) with its raw text."""

    line_no: int
    fields: dict[str, Any] | None
    refused: InputRefused | None = None
    raw: str = ""


def csv_rows(data: bytes | str, max_field: int = CSV_MAX_FIELD) -> Iterator[Record]:
    """The records of a CSV text with a header line, each checked on its own: a record with the wrong number of
    fields (truncated), a field over `max_field` characters, invalid UTF-8, a NUL or another control byte is
    refused with its reason, and reading goes on with the next record. The header itself must be sound, or
    InputRefused is raised for the whole file."""
    text = data.decode("utf-8", "surrogateescape") if isinstance(data, bytes) else data
    lines = io.StringIO(text.removeprefix("\ufeff"), newline="").readlines()     # lines end at \n, \r\n or \r only
    reader = csv.reader(lines)      # a field over csv.field_size_limit (128 KB) is a csv.Error
    header: list[str] | None = None
    last = 0                                # lines the reader has taken so far
    while True:
        start = last + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as err:            # the reader goes on at the next line
            last = reader.line_num
            if header is None:
                raise InputRefused("bad_header", str(err)[:120]) from err
            yield Record(start, None, InputRefused("bad_csv", str(err)[:120]), _raw(lines[start - 1:last]))
            continue
        last = reader.line_num
        if header is None:
            problem = _field_problem(record, max_field)
            if problem or not any(h.strip() for h in record):
                raise InputRefused("bad_header", problem.detail if problem else "no header line")
            header = [h.strip() for h in record]
            continue
        if not record or record == [""]:
            continue
        problem = _field_problem(record, max_field)
        if problem is None and len(record) != len(header):
            problem = InputRefused("wrong_field_count", f"{len(record)} fields, the header has {len(header)}")
        yield Record(start, None if problem else dict(zip(header, record, strict=True)), problem,
                     _raw(lines[start - 1:last]))


def _raw(lines: list[str]) -> str:
    """A record's lines as text, its invalid UTF-8 bytes as \\xNN (not the surrogates they were read as)."""
    raw = "".join(lines).rstrip("\r\n")
    return raw.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") if _SURROGATE.search(raw) \
        else raw


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\udc80-\udcff]")


def _field_problem(record: list[str], max_field: int) -> InputRefused | None:
    for i, value in enumerate(record, start=1):
        if len(value) > max_field:
            return InputRefused("field_too_large", f"field {i} has {len(value)} characters (at most {max_field})")
        if _SURROGATE.search(value):
            return InputRefused("bad_encoding", f"field {i} is not UTF-8")
        if _CONTROL.search(value):
            return InputRefused("control_character", f"field {i} holds a control character")
    return None


def json_records(data: bytes, key: str | None = None, max_bytes: int = FILE_JSON_MAX_BYTES,
                 max_field: int = CSV_MAX_FIELD) -> list[Record]:
    """The objects of a JSON file (a list, or an object holding the list under `key`), each checked alone: one
    that is not an object, or holds a text over `max_field` characters, is refused. A file that is not JSON
    within the limits raises InputRefused for the whole."""
    doc = loads_json(data, max_bytes=max_bytes)
    rows = doc.get(key, doc) if isinstance(doc, dict) and key else doc
    if not isinstance(rows, list):
        raise InputRefused("json_not_a_list", f"expected a list of objects{f' (or {{{key!r}: [...]}})' if key else ''}")
    out = []
    for i, row in enumerate(rows, start=1):
        problem = None
        if not isinstance(row, dict):
            problem = InputRefused("not_an_object", f"a {type(row).__name__}")
        elif (big := next((k for k, v in row.items() if len(str(k)) > max_field
                           or (isinstance(v, str) and len(v) > max_field)), None)) is not None:
            problem = InputRefused("field_too_large", f"field {str(big)[:40]!r} over {max_field} characters")
        out.append(Record(i, None if problem else row, problem, "" if problem is None else
                          json.dumps(row, ensure_ascii=False)[:4 * RAW_CAP]))
    return out


def file_records(data: bytes, suffix: str, key: str | None = None) -> list[Record]:
    """The records of a dropped CSV or JSON file by its suffix (see csv_rows and json_records)."""
    return json_records(data, key) if suffix.lower() == ".json" else list(csv_rows(data))

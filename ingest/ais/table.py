"""AIS as a table: MarineCadastre / NOAA "AIS Data for Transportation" CSV, and GeoPackage points with the same
columns (`python -m ingest ais-table FILE`), into the same tables as decoded NMEA (through the AIS writer).

Columns: MMSI, BaseDateTime (ISO 8601, UTC), LAT, LON, SOG, COG, Heading, VesselName, IMO (`IMO1234567`),
CallSign, VesselType (the AIS ship type), Status (navigational status), Length, Width, Draft, Cargo, and
TransceiverClass (A/B) where present. In a GeoPackage the point geometry gives the position when LAT/LON are
absent. A bad row is refused alone, by reason (`invalid_mmsi`, `bad_time`, `position_out_of_range`,
`bad_number`, `future_timestamp`, `missing_column`), kept in ingest_reject with its text; the rows around it load.
"""

from __future__ import annotations

import csv
import logging
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ingest.ais import records
from ingest.ais.batch import Batch, Output, merge_static
from ingest.progress import Progress

log = logging.getLogger(__name__)
COLUMNS = ("MMSI", "BaseDateTime", "LAT", "LON", "SOG", "COG", "Heading", "VesselName", "IMO", "CallSign",
           "VesselType", "Status", "Length", "Width", "Draft", "Cargo")
REQUIRED = ("MMSI", "BaseDateTime")
BATCH_ROWS = 20_000
FUTURE = timedelta(minutes=5)


@dataclass
class TableReport:
    rows: int = 0
    stored: int = 0
    rejects: Counter[str] = field(default_factory=Counter)


class Refused(Exception):
    """args: reason, detail."""


def _number(row: dict[str, Any], key: str) -> float | None:
    value = row.get(key)
    if value is None or value == "":
        return None
    try:
        x = float(value)
    except (TypeError, ValueError) as err:
        raise Refused("bad_number", f"{key} {value!r} is not a number") from err
    if math.isnan(x):
        return None
    if math.isinf(x):
        raise Refused("bad_number", f"{key} {value!r} is not finite")
    return x


def _time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        at = datetime.fromisoformat(str(value).strip().replace(" ", "T"))
    except ValueError as err:
        raise Refused("bad_time", f"BaseDateTime {value!r} is not ISO 8601") from err
    return at if at.tzinfo else at.replace(tzinfo=UTC)      # MarineCadastre's times are UTC


def row_to_records(row: dict[str, Any], source: str, now: datetime) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """One table row as a vessel_position row (in the writer's staging order) and the vessel's static fields."""
    missing = [c for c in REQUIRED if row.get(c) in (None, "")]
    if missing:
        raise Refused("missing_column", f"no {', '.join(missing)}")
    mmsi_value = _number(row, "MMSI")
    if mmsi_value is None or mmsi_value != int(mmsi_value):
        raise Refused("invalid_mmsi", f"MMSI {row.get('MMSI')!r}")
    try:
        mmsi = records.check_mmsi(int(mmsi_value))
    except records.Invalid as bad:
        raise Refused(*bad.args) from bad
    at = _time(row["BaseDateTime"])
    if at > now + FUTURE:
        raise Refused("future_timestamp", f"observed at {at.isoformat()}")
    lat, lon = _number(row, "LAT"), _number(row, "LON")
    if lat is None or lon is None:
        lon, lat = row.get("_x"), row.get("_y")
    try:
        lon, lat = records.lon_lat(lon, lat)
    except records.Invalid as bad:
        raise Refused(*bad.args) from bad
    status = _number(row, "Status")
    heading = _number(row, "Heading")
    cls = str(row.get("TransceiverClass") or "A").strip().upper()
    msg_type = 18 if cls == "B" else 1
    position = (mmsi, at, at, source, msg_type, lon, lat, records.sog(_number(row, "SOG")),
                records.cog(_number(row, "COG")), records.heading(heading), None,
                int(status) if status is not None and 0 <= status <= 15 else None, None, None)
    static: dict[str, Any] = {"kind": "vessel", "flag": records.flag_of(mmsi),
                              "ais_class": cls if cls in ("A", "B") else None}
    imo = str(row.get("IMO") or "").upper().removeprefix("IMO").strip()
    if imo.isdigit() and 1_000_000 <= int(imo) <= 9_999_999:
        static["imo"] = int(imo)
    static["name"] = records.text(row.get("VesselName"))
    static["call_sign"] = records.text(row.get("CallSign"))
    ship = _number(row, "VesselType")
    static["ship_type"] = int(ship) if ship and 0 < ship <= 255 else None
    length, width, draft = _number(row, "Length"), _number(row, "Width"), _number(row, "Draft")
    if length and 0 < length < 1000:
        static["dim_a_m"], static["dim_b_m"] = int(length) // 2, int(length) - int(length) // 2
    if width and 0 < width < 100:
        static["dim_c_m"], static["dim_d_m"] = int(width) // 2, int(width) - int(width) // 2
    if draft and 0 < draft < 30:
        static["draught_m"] = draft
    if any(static.get(k) is not None for k in ("name", "imo", "call_sign", "ship_type", "dim_a_m", "draught_m")):
        static["static_at"] = at
    return position, {k: v for k, v in static.items() if v is not None}


def csv_rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as fh:
        yield from csv.DictReader(fh)


def gpkg_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a GeoPackage's (first) point layer: its columns, and the point as _x/_y."""
    import pyogrio

    frame = pyogrio.read_dataframe(path)
    columns = [c for c in frame.columns if c != "geometry"]
    for values, geom in zip(frame[columns].itertuples(index=False, name=None), frame.geometry, strict=True):
        row = {c: (None if _is_missing(v) else v) for c, v in zip(columns, values, strict=True)}
        if geom is not None and not geom.is_empty and geom.geom_type == "Point":
            row["_x"], row["_y"] = geom.x, geom.y
        yield row


def _is_missing(value: Any) -> bool:
    try:
        return bool(value != value) or value is None      # NaN, NaT, None
    except (TypeError, ValueError):
        return False


def count_rows(path: Path) -> int:
    if path.suffix.lower() == ".gpkg":
        import pyogrio

        return int(pyogrio.read_info(path)["features"])
    with path.open("rb") as fh:
        return max(0, sum(1 for _ in fh) - 1)


def import_table(conn: Any, path: Path, *, progress: bool | None = None, now: datetime | None = None) -> TableReport:
    """Read the file into the AIS tables in batches through AisWriter (history, vessel_latest, vessel)."""
    from ingest.ais.writer import AisWriter

    now = now or datetime.now(UTC)
    source = f"ais:table:{path.name}"
    rows = gpkg_rows(path) if path.suffix.lower() == ".gpkg" else csv_rows(path)
    report = TableReport()
    bar = Progress(count_rows(path), path.name)
    if progress is not None:
        bar.on = progress
    writer = AisWriter(conn)
    out = Output()

    def flush() -> None:
        nonlocal out
        batch = Batch()
        batch.add(out, source)
        writer.write(batch)
        report.stored += len(out.positions)
        out = Output()

    for row in rows:
        report.rows += 1
        try:
            position, static = row_to_records(row, source, now)
        except Refused as bad:
            reason, detail = bad.args[0], bad.args[1] if len(bad.args) > 1 else ""
            report.rejects[reason] += 1
            out.reasons[reason] += 1
            raw = ",".join("" if row.get(c) is None else str(row.get(c)) for c in COLUMNS)
            out.rejects.append((source, reason, f"row {report.rows}: {detail}"[:200], raw))
        else:
            out.positions.append(position)
            out.messages += 1
            merge_static(out.statics, position[0], static)
        if len(out.positions) + len(out.rejects) >= BATCH_ROWS:
            flush()
        if report.rows % 1000 == 0:
            bar.update(report.rows)
    flush()
    bar.done()
    return report

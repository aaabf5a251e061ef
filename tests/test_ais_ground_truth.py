"""GPSD's captures ingested end to end; every stored field equals GPSD's own expected decode (.chk)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ingest.ais.batch import merge_static
from ingest.ais.sources import FileSource
from ingest.ais.worker import AisIngest, Options
from sql import DbSettings
from tests.conftest import ROOT

pytestmark = pytest.mark.db

GPSD = ROOT / "tests" / "fixtures" / "ais" / "ais-nmea-gpsd"
LOGS = ["ais-nmea.log", "ais-18-27.log", "ais-nmea-type6-fid55.log", "ais-raw-messages.log",
        "ais_unpack_sixbit.log"]
POSITION_TYPES = {1, 2, 3, 18, 19, 27}


def ingest(url: str, path: Path, tmp_path: Path, station: str = "gt", decoders: int = 1) -> None:
    """The real worker; with decoders > 1 the file is cut into small chunks decoded by several processes."""
    options = Options(checkpoints=False, spool_dir=tmp_path / "spool", batch_rows=500, decoders=decoders,
                      chunk_bytes=4096)
    AisIngest([FileSource(path, station)], DbSettings(url=url), options).run()


def expected(chk: Path) -> list[dict[str, Any]]:
    out = []
    for line in chk.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith('{"class":"AIS"'):
            out.append(json.loads(line))
    return out


def gpsd_position(m: dict[str, Any]) -> dict[str, Any]:
    """GPSD's unscaled fields in our units; None where AIS says 'not available'."""
    t = m["type"]
    scale = 600.0 if t == 27 else 600_000.0
    lon, lat = m["lon"] / scale, m["lat"] / scale
    if (t == 27 and (m["lon"] == 181 * 600 or m["lat"] == 91 * 600)) or (lon == 181 or lat == 91):
        lon = lat = None
    if t == 27:
        sog = None if m["speed"] == 63 else float(m["speed"])
        cog = None if m["course"] == 511 else float(m["course"])
        heading = None
    else:
        sog = None if m["speed"] == 1023 else m["speed"] / 10
        cog = None if m["course"] >= 3600 else m["course"] / 10
        heading = None if m["heading"] > 359 else m["heading"]
    return {"lon": lon, "lat": lat, "sog": sog, "cog": cog, "heading": heading, "status": m.get("status")}


def _stored_positions(conn: psycopg.Connection[Any]) -> dict[int, list[tuple[Any, ...]]]:
    rows = conn.execute("""SELECT mmsi, ST_X(geom), ST_Y(geom), sog_kn, cog_deg, heading_deg, nav_status, msg_type
                           FROM vessel_position""").fetchall()
    by_mmsi: dict[int, list[tuple[Any, ...]]] = {}
    for r in rows:
        by_mmsi.setdefault(r[0], []).append(r[1:])
    return by_mmsi


def _matches(row: tuple[Any, ...], exp: dict[str, Any], msg_type: int) -> bool:
    lon, lat, sog, cog, heading, status, stored_type = row
    if stored_type != msg_type:
        return False
    if exp["lon"] is None:
        if lon is not None:
            return False
    elif lon is None or abs(lon - exp["lon"]) > 1e-5 or abs(lat - exp["lat"]) > 1e-5:
        return False
    same = lambda a, b: (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-3)  # noqa: E731
    return same(sog, exp["sog"]) and same(cog, exp["cog"]) and heading == exp["heading"] and (
        msg_type not in (1, 2, 3, 27) or status == exp["status"])


@pytest.mark.parametrize("decoders", [1, 2])
@pytest.mark.parametrize("log", LOGS)
def test_every_gpsd_decode_is_stored_exactly(databases: Any, tmp_path: Path, log: str, decoders: int) -> None:
    url = databases.create()
    ingest(url, GPSD / log, tmp_path, decoders=decoders)
    messages = expected(GPSD / f"{log}.chk")
    assert messages, "no ground truth"
    with psycopg.connect(url) as conn:
        stored = _stored_positions(conn)
        checked, missing = 0, []
        for m in messages:
            if m["type"] not in POSITION_TYPES:
                continue
            exp = gpsd_position(m)
            checked += 1
            if not any(_matches(row, exp, m["type"]) for row in stored.get(m["mmsi"], [])):
                missing.append((m["mmsi"], m["type"], exp))
        assert checked > 0
        assert missing == [], f"{len(missing)} of {checked} positions not stored as GPSD decodes them: {missing[:3]}"
        _check_statics(conn, messages)


def _check_statics(conn: psycopg.Connection[Any], messages: list[dict[str, Any]]) -> None:
    """The vessel table holds, per MMSI, GPSD's static fields folded in order (later wins where set)."""
    folded: dict[int, dict[str, Any]] = {}
    for order, m in enumerate(messages):
        if m["type"] not in (5, 19, 24):
            continue
        fields = {"name": (m.get("shipname") or "").strip() or None,  # names are stored trimmed
                  "call_sign": (m.get("callsign") or "").strip() or None,
                  "ship_type": m.get("shiptype") or None, "static_at": order}
        for ours, theirs in (("dim_a_m", "to_bow"), ("dim_b_m", "to_stern"), ("dim_c_m", "to_port"),
                             ("dim_d_m", "to_starboard")):
            fields[ours] = m.get(theirs) or None
        if m["type"] == 5:
            fields["imo"] = m.get("imo") if 1_000_000 <= (m.get("imo") or 0) <= 9_999_999 else None
        merge_static(folded, m["mmsi"], fields)
    rows = {r[0]: r[1:] for r in conn.execute(
        "SELECT mmsi, name, call_sign, ship_type, dim_a_m, dim_b_m, dim_c_m, dim_d_m, imo FROM vessel")}
    wrong = []
    for mmsi, f in folded.items():
        got = rows.get(mmsi)
        want = (f.get("name"), f.get("call_sign"), f.get("ship_type"), f.get("dim_a_m"), f.get("dim_b_m"),
                f.get("dim_c_m"), f.get("dim_d_m"), f.get("imo"))
        if got is None or any(w is not None and g != w for g, w in zip(got, want, strict=True)):
            wrong.append((mmsi, got, want))
    assert wrong == [], f"{len(wrong)} of {len(folded)} vessels differ from GPSD: {wrong[:3]}"


def test_the_same_file_twice_leaves_identical_tables(databases: Any, tmp_path: Path) -> None:
    url = databases.create()
    path = GPSD / "ais-nmea-type6-fid55.log"
    tables = {"vessel_position": "*", "vessel_latest": "*", "aton": "*", "base_station": "*",
              "ais_other_message": "*",   # vessel.updated_at is when this database first saw the vessel
              "vessel": "mmsi, kind, ais_class, imo, call_sign, name, ship_type, dim_a_m, dim_b_m, dim_c_m, "
                        "dim_d_m, draught_m, destination, eta, flag, static_at"}

    def snapshot() -> dict[str, tuple[Any, ...]]:
        with psycopg.connect(url) as conn:
            return {t: conn.execute(f"SELECT count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), ''))"
                                    f" FROM (SELECT {cols} FROM {t}) x").fetchone()  # type: ignore[misc]
                    for t, cols in tables.items()}

    ingest(url, path, tmp_path / "a")
    first = snapshot()
    assert first["vessel_position"][0] > 700 and first["aton"][0] > 0
    ingest(url, path, tmp_path / "b")
    assert snapshot() == first
    other = databases.create()              # and decoded in chunks by two processes, the same tables
    ingest(other, path, tmp_path / "c", decoders=2)
    url = other
    assert snapshot() == first

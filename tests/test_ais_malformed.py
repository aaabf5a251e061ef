"""Broken real-world NMEA: no crash, every well-formed sentence stored, every other line counted by reason."""

from __future__ import annotations

import re
from functools import reduce
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pyais.messages import NMEASentenceFactory

from tests.conftest import ROOT
from tests.test_ais_ground_truth import ingest

pytestmark = pytest.mark.db

DATA = ROOT / "tests" / "fixtures" / "ais"
FILES = sorted((DATA / "ais-nmea-gfw-malformed").glob("*.nmea")) + sorted(
    p for p in (DATA / "ais-nmea-pyais").iterdir() if p.suffix in (".txt", ".ais", ".nmea"))
SENTENCE = re.compile(rb"!(?:AI|AB|BS|B2|AN|SA)VD[MO],1,1,[^!\\$*]*\*([0-9A-F]{2})")


def well_formed_positions(path: Path) -> list[tuple[int, float, float]]:
    """An oracle written apart from the decoder: single-fragment sentences whose XOR checksum is right,
    type 1/2/3/18 with a valid MMSI and an available, in-range position."""
    out = []
    for line in path.read_bytes().splitlines():
        for match in SENTENCE.finditer(line):
            body = match.group(0)
            if reduce(lambda a, b: a ^ b, body[1:body.index(b"*")], 0) != int(match.group(1), 16):
                continue
            try:
                msg = NMEASentenceFactory.produce(body).decode()
            except Exception:  # noqa: BLE001 - the oracle only keeps what decodes cleanly
                continue
            if msg.msg_type in (1, 2, 3, 18) and 0 < msg.mmsi <= 999_999_999 and msg.lon is not None \
                    and abs(msg.lon) <= 180 and abs(msg.lat) <= 90:
                out.append((msg.mmsi, round(msg.lon, 5), round(msg.lat, 5)))
    return out


def _has_valid_sentence(line: bytes) -> bool:
    for match in re.finditer(rb"!\w{2}VD[MO],[^!\\$*]*\*([0-9A-F]{2})", line):
        body = match.group(0)
        if reduce(lambda a, b: a ^ b, body[1:body.index(b"*")], 0) == int(match.group(1), 16):
            return True
    return False


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_broken_input_loses_no_good_sentence(databases: Any, tmp_path: Path, path: Path) -> None:
    url = databases.create()
    ingest(url, path, tmp_path)
    with psycopg.connect(url) as conn:
        stored = {(m, round(x, 5), round(y, 5)) for m, x, y in conn.execute(
            "SELECT mmsi, ST_X(geom), ST_Y(geom) FROM vessel_position WHERE geom IS NOT NULL")}
        counts = dict(conn.execute("SELECT reason, count FROM ingest_reject_count").fetchall())
        kept = conn.execute("SELECT count(*) FROM ingest_reject").fetchone()[0]  # type: ignore[index]
        messages = conn.execute("SELECT messages_total FROM feed_status").fetchone()
    oracle = well_formed_positions(path)
    assert set(oracle) <= stored, f"good sentences not stored: {set(oracle) - stored}"
    assert all(re.fullmatch(r"[a-z_]+", reason) for reason in counts)
    # every line without a checksum-valid AIS sentence in it is counted under some reason
    bad_lines = [ln for ln in path.read_bytes().splitlines() if not _has_valid_sentence(ln)]
    assert sum(counts.values()) >= len(bad_lines), (len(bad_lines), counts)
    assert messages is None or messages[0] >= len(oracle) - (len(oracle) - len(set(oracle)))
    real_rejects = sum(n for r, n in counts.items() if r not in ("blank", "comment", "not_ais", "tag_block_ignored"))
    assert kept == real_rejects


EXPECTED_REASONS = {
    "errors.nmea": {"bad_checksum": 2},
    "single-message-type-5.nmea": {"bad_checksum": 1},
    "bad-type5.nmea": {"malformed_sentence": 3, "blank": 1},
    "spire-test.nmea": {"tag_block_ignored": 4},
}


@pytest.mark.parametrize("name", list(EXPECTED_REASONS))
def test_known_faults_are_named(databases: Any, tmp_path: Path, name: str) -> None:
    url = databases.create()
    ingest(url, DATA / "ais-nmea-gfw-malformed" / name, tmp_path)
    with psycopg.connect(url) as conn:
        counts = dict(conn.execute("SELECT reason, count FROM ingest_reject_count").fetchall())
        raw = [r[0] for r in conn.execute("SELECT raw FROM ingest_reject ORDER BY reject_id")]
    assert counts == EXPECTED_REASONS[name]
    if "bad_checksum" in counts:
        assert all("!AIVDM" in r for r in raw)

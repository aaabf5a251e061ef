"""Issue 25 point 6: AIS-catcher's JSON output (lines starting with `{`) is read through its `nmea` sentences,
clocked by its receive time, or refused by name; never counted as a comment. The lines are written after the
JSON AIS-catcher's release notes show (`-o 5`: class, device, channel, nmea, decoded fields; `-M T`:
rxtime / rxuxtime)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pyais.encode import encode_dict

from ingest.ais.decoder import StreamDecoder
from tests.test_ais_ground_truth import ingest

NOW = datetime(2026, 11, 27, 9, 0, 30, tzinfo=UTC)
RX = datetime(2026, 11, 27, 8, 15, 42, tzinfo=UTC)
# AIS-catcher's own example in its v0.40 release notes (type 3, MMSI 477213600, second 12)
EXAMPLE = {"class": "AIS", "device": "AIS-catcher", "scaled": True, "channel": "B",
           "nmea": ["!AIVDM,1,1,,B,3776k`5000a3SLPEKnDQQWpH0000,0*78"], "type": 3, "repeat": 0, "mmsi": 477213600,
           "status": 5, "status_text": "Moored", "turn": 0, "speed": 0.0, "accuracy": True, "lon": 126.605469,
           "lat": 37.460617, "course": 39.0, "heading": 252, "second": 12, "maneuver": 0, "raim": False, "radio": 0}


def decode(lines: list[str]) -> Any:
    d = StreamDecoder("ais:file:c", synthetic_start=datetime(2026, 1, 1, tzinfo=UTC), now=lambda: NOW)
    for i, line in enumerate(lines):
        d.feed(line.encode(), i)
    d.finish()
    return d.take()


@pytest.mark.unit
def test_the_release_notes_example_is_decoded_at_its_receive_time_to_the_same_position() -> None:
    out = decode([json.dumps({**EXAMPLE, "rxuxtime": int(RX.timestamp())})])
    assert out.reasons == {} and len(out.positions) == 1
    row = out.positions[0]
    assert row[0] == 477213600 and row[1] == RX.replace(second=12)
    assert (round(row[5], 5), round(row[6], 5)) == (round(EXAMPLE["lon"], 5), round(EXAMPLE["lat"], 5))


@pytest.mark.unit
def test_rxtime_multipart_nmea_and_station_id() -> None:
    parts = encode_dict({"type": 5, "mmsi": 412000123, "shipname": "WEIFANG STAR", "callsign": "BXYZ"},
                        talker_id="AI", sentence_type="VDM", seq_id=2)
    doc = {"class": "AIS", "device": "AIS-catcher", "channel": "A", "nmea": parts, "rxtime": "20261127081542",
           "station_id": 7, "type": 5, "mmsi": 412000123}
    out = decode([json.dumps(doc)])
    assert out.reasons == {} and out.statics[412000123]["name"] == "WEIFANG STAR"
    assert out.statics[412000123]["static_at"] == RX and dict(out.stations) == {"ais:file:c/7": 1}


@pytest.mark.unit
@pytest.mark.parametrize(("line", "reason"), [
    (json.dumps({k: v for k, v in EXAMPLE.items() if k != "nmea"}), "json_without_nmea"),
    ('{"class":"AIS","nmea":["!AIVDM,1,1,,B,3776k`5000a3SLPEKnDQQWpH0000,0*78"', "bad_json"),
    (json.dumps({"class": "TPV", "lat": 1.0}), "unsupported_json"),
    (json.dumps({**EXAMPLE, "nmea": ["!AIVDM,1,1,,B,3776k`5000a3SLPEKnDQQWpH0000,0*79"]}), "bad_checksum"),
])
def test_json_that_cannot_be_read_is_refused_by_name_never_a_comment(line: str, reason: str) -> None:
    out = decode([line])
    assert out.reasons == {reason: 1} and [r[1] for r in out.rejects] == [reason]


@pytest.mark.db
def test_a_file_of_ais_catcher_json_is_stored_through_the_worker(databases: Any, tmp_path: Path) -> None:
    lines = []
    for i in range(50):
        nmea = encode_dict({"type": 1, "mmsi": 412000200 + i, "lon": 119.2 + i / 1000, "lat": 37.2, "second": i},
                           talker_id="AI", sentence_type="VDM")
        lines.append(json.dumps({"class": "AIS", "device": "AIS-catcher", "channel": "A", "nmea": nmea,
                                 "rxuxtime": int(RX.timestamp()) + i, "mmsi": 412000200 + i}))
    path = tmp_path / "catcher.json"
    path.write_text("\n".join(lines) + "\n")
    url = databases.create()
    ingest(url, path, tmp_path, decoders=2)
    with psycopg.connect(url) as conn:
        n, first, last = conn.execute("SELECT count(*), min(observed_at), max(observed_at) "
                                      "FROM vessel_position").fetchone()  # type: ignore[misc]
        counts = dict(conn.execute("SELECT reason, count FROM ingest_reject_count").fetchall())
    assert n == 50 and counts == {}
    assert first == RX.replace(second=0) and last == RX.replace(second=49)

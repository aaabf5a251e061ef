"""Issue 25 points 2-3: one clock precedence, per line (ingest.ais.clock.line_clock), on lines written after
the published formats (NMEA 4.0 tag blocks, US Coast Guard receiver metadata, Gatehouse $PGHP, $GPRMC)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pyais.encode import encode_dict
from pyais.messages import TagBlock

from ingest.ais import clock
from ingest.ais.batch import Batch
from ingest.ais.clock import Rule, line_clock
from ingest.ais.decoder import StreamDecoder
from ingest.ais.parallel import tasks
from ingest.ais.sources import FileSource
from tests.test_ais_ground_truth import ingest

T_TAG = datetime(2021, 3, 4, 5, 6, 30, tzinfo=UTC)
T_META = datetime(2021, 3, 4, 5, 7, 40, tzinfo=UTC)
T_PGHP = datetime(2021, 3, 4, 5, 8, 50, 120_000, tzinfo=UTC)
T_CARRY = datetime(2021, 3, 4, 5, 9, 0, tzinfo=UTC)
T_FALL = datetime(2026, 11, 27, 9, 0, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 27, 9, 0, 30, tzinfo=UTC)


def pos(mmsi: int, second: int, lon: float = 119.2, lat: float = 37.2, msg_type: int = 1) -> str:
    return encode_dict({"type": msg_type, "mmsi": mmsi, "lon": lon, "lat": lat, "second": second},
                       talker_id="AI", sentence_type="VDM")[0]


def tagged(unix: int, sentence: str, station: str = "rx1") -> str:
    return f"\\{TagBlock.create_str(source_station=station, receiver_timestamp=unix)}\\{sentence}"  # type: ignore[arg-type]


def pghp(t: datetime) -> str:
    body = (f"PGHP,1,{t.year},{t.month},{t.day},{t.hour},{t.minute},{t.second},{t.microsecond // 1000},"
            "231,45,992190934,1,2B")
    x = 0
    for ch in body.encode():
        x ^= ch
    return f"${body}*{x:02X}"


def uscg(sentence: str, unix: int, station: str = "r08RSVP1") -> str:
    """US Coast Guard NAIS style: letter-coded fields, the UNIX time last (libais uscg's description)."""
    return f"{sentence},s23177,d-113,T48.33615584,x5,{station},{unix}"


def decode(lines: list[str], *, synthetic: datetime | None = None, carry: datetime | None = None) -> Any:
    d = StreamDecoder("ais:file:t", synthetic_start=synthetic, now=lambda: NOW)
    d.carry(carry)
    for i, line in enumerate(lines):
        d.feed(line.encode(), i)
    d.finish()
    return d.take()


# --- the pure decision, every rule --------------------------------------------------------------
@pytest.mark.unit
@pytest.mark.parametrize(("args", "rule", "reference"), [
    ((T_TAG, T_META, T_PGHP, T_CARRY), Rule.TAG_BLOCK, T_TAG),
    ((None, T_META, T_PGHP, T_CARRY), Rule.METADATA, T_META),
    ((None, None, T_PGHP, T_CARRY), Rule.PGHP, T_PGHP),
    ((None, None, None, T_CARRY), Rule.STREAM, T_CARRY),
])
def test_each_clock_outranks_the_ones_after_it(args: tuple[Any, ...], rule: Rule, reference: datetime) -> None:
    tag, meta, pg, carried = args
    observed, ref, got = line_clock(tag, meta, pg, carried, T_FALL, second=10)
    assert (ref, got) == (reference, rule)
    assert observed == clock.observed_at(reference, 10) and observed.second == 10


@pytest.mark.unit
def test_with_no_clock_live_input_takes_its_arrival_and_a_file_its_mtime_without_the_second() -> None:
    assert line_clock(None, None, None, None, T_FALL, live=True, second=58) == (
        T_FALL - timedelta(seconds=2), T_FALL, Rule.ARRIVAL)
    assert line_clock(None, None, None, None, T_FALL, live=False, second=58) == (T_FALL, T_FALL, Rule.FILE_MTIME)


@pytest.mark.unit
@pytest.mark.parametrize(("tail", "ok", "unix", "station"), [
    (b"s23177,d-113,T48.33615584,x5,r08RSVP1,1276256770", True, 1276256770, "08RSVP1"),
    (b"1276256770", True, 1276256770, None),
    (b"1276256770.25", True, 1276256770.25, None),
    (b"s123,d-99,T1.5,1276256770,rB003669952", True, 1276256770, "B003669952"),
    (b"d-99,1276256770,NOAA12", True, 1276256770, "NOAA12"),
    (b"s12,d-101", True, None, None),
    (b"hello world", False, None, None),
    (b"", False, None, None),
    (b"%%%", False, None, None),
])
def test_receiver_metadata_after_the_checksum(tail: bytes, ok: bool, unix: float | None, station: str | None) -> None:
    got_ok, stamp, got_station = clock.parse_metadata(tail)
    assert got_ok is ok and got_station == station
    assert stamp == (datetime.fromtimestamp(unix, UTC) if unix else None)


# --- the decoder, per line -----------------------------------------------------------------------
@pytest.mark.unit
def test_a_uscg_line_is_stored_at_its_unix_time_with_no_reject_and_its_station_is_a_feed() -> None:
    unix = int(T_META.timestamp())
    out = decode([uscg(pos(366000001, 38), unix)], synthetic=T_FALL)
    assert out.reasons == {} and not out.rejects
    assert [r[1] for r in out.positions] == [T_META.replace(second=38)]
    assert dict(out.stations) == {"ais:file:t/08RSVP1": 1}


@pytest.mark.unit
def test_text_after_the_checksum_that_is_no_metadata_is_still_a_named_reject_and_the_sentence_kept() -> None:
    out = decode([pos(366000002, 1) + ",this is junk"], synthetic=T_FALL)
    assert out.reasons == {"malformed_sentence": 1} and len(out.positions) == 1


@pytest.mark.unit
def test_untagged_lines_inside_a_tag_blocked_stream_take_the_stream_clock_not_the_files() -> None:
    unix = int(T_TAG.timestamp())
    lines = [tagged(unix, pos(219000001, 29)), pos(219000002, 30), pos(219000003, 31),
             tagged(unix + 60, pos(219000001, 29)), pos(219000004, 33)]
    out = decode(lines, synthetic=T_FALL)
    at = {r[0]: r[1] for r in out.positions if r[0] != 219000001}
    assert at == {219000002: T_TAG.replace(second=30),
                  219000003: T_TAG.replace(second=31),
                  219000004: (T_TAG + timedelta(minutes=1)).replace(second=33)}
    assert all(abs(r[1] - T_TAG) < timedelta(minutes=2) for r in out.positions)


@pytest.mark.unit
def test_pghp_stamps_the_next_sentence_and_then_carries_but_a_tag_block_outranks_it() -> None:
    unix = int(T_TAG.timestamp())
    lines = [pghp(T_PGHP), pos(219000010, 49), pos(219000011, 50),
             pghp(T_PGHP), tagged(unix, pos(219000012, 29))]
    at = {r[0]: r[1] for r in decode(lines, synthetic=T_FALL).positions}
    assert at[219000010] == T_PGHP.replace(second=49, microsecond=0)
    assert at[219000011] == T_PGHP.replace(second=50, microsecond=0)      # carried from the $PGHP
    assert at[219000012] == T_TAG.replace(second=29)                        # the tag block wins


@pytest.mark.unit
def test_a_tag_block_outranks_metadata_after_the_checksum() -> None:
    line = tagged(int(T_TAG.timestamp()), uscg(pos(219000020, 29), int(T_META.timestamp())))
    assert [r[1] for r in decode([line], synthetic=T_FALL).positions] == [T_TAG.replace(second=29)]


@pytest.mark.unit
def test_a_gps_fix_is_a_stream_clock_for_the_lines_after_it() -> None:
    lines = ["$GPRMC,050900,A,3712.000,N,11912.000,E,0.0,0.0,040321,,*3B", pos(219000030, 5)]
    out = decode(lines, synthetic=T_FALL)
    assert [r[1] for r in out.positions] == [datetime(2021, 3, 4, 5, 9, 5, tzinfo=UTC)]


@pytest.mark.unit
def test_only_a_file_with_no_clock_at_all_uses_its_mtime() -> None:
    out = decode([pos(219000040, 5), pos(219000041, 6)], synthetic=T_FALL)
    assert [r[1] for r in out.positions] == [T_FALL, T_FALL + timedelta(milliseconds=1)]


def _write(path: Path, lines: list[str], mtime: datetime) -> Path:
    path.write_text("\n".join(lines) + "\n")
    os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    return path


@pytest.mark.unit
def test_lines_before_a_files_first_clock_take_that_clock(tmp_path: Path) -> None:
    unix = int(T_TAG.timestamp())
    path = _write(tmp_path / "late.nmea", [pos(219000050, 25), tagged(unix, pos(219000051, 29))], T_FALL)
    assert clock.first_clock(path) == T_TAG
    out = decode(path.read_text().splitlines(), synthetic=T_FALL, carry=clock.first_clock(path))
    assert {r[0]: r[1] for r in out.positions} == {219000050: T_TAG.replace(second=25),
                                                   219000051: T_TAG.replace(second=29)}


@pytest.mark.unit
def test_a_tag_block_with_a_wrong_checksum_gives_no_first_clock(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.nmea", ["\\c:1614834390*00\\" + pos(219000060, 1)], T_FALL)
    assert clock.first_clock(path) is None


@pytest.mark.unit
def test_a_file_cut_in_chunks_gets_the_clocks_one_decoder_gives_it(tmp_path: Path) -> None:
    unix = int(T_TAG.timestamp())
    lines: list[str] = []
    for i in range(300):
        if i % 25 == 0:
            lines.append(tagged(unix + i, pos(219100000 + i, (30 + i) % 60)))
        elif i % 25 == 7:
            lines.append(uscg(pos(219100000 + i, (30 + i) % 60), unix + i + 1))
        elif i % 50 == 11:
            lines.append(pghp(T_TAG + timedelta(seconds=i + 2)))
        else:
            lines.append(pos(219100000 + i, (30 + i) % 60))
    path = _write(tmp_path / "mixed.nmea", lines, T_FALL)
    whole = decode(lines, synthetic=T_FALL, carry=clock.first_clock(path))
    chunked = Batch()
    source = FileSource(path, "t")
    for task in tasks(source, 0, lambda: False, chunk_bytes=700):
        d = StreamDecoder("ais:file:t", synthetic_start=T_FALL, now=lambda: NOW)
        d.carry(task.clock)
        data = path.read_bytes()[task.start:task.end].splitlines()
        for j, line in enumerate(data):
            d.feed(line, task.first_line_no + j)
        d.finish()
        chunked.add(d.take(), "ais:file:t")
    assert sorted(r[:2] for r in chunked.out.positions) == sorted(r[:2] for r in whole.positions)
    assert len(whole.positions) == 294 and not whole.rejects


# --- through the real worker into PostGIS ------------------------------------------------------------
@pytest.mark.db
@pytest.mark.parametrize("decoders", [1, 2])
def test_a_recording_years_old_is_stored_at_its_own_time_whatever_its_mtime(
        databases: Any, tmp_path: Path, decoders: int) -> None:
    unix = int(T_TAG.timestamp())
    lines = [pos(219000070, 28), tagged(unix, pos(219000071, 29)), pos(219000072, 31),
             uscg(pos(219000073, 38), int(T_META.timestamp())), pos(219000074, 41),
             pghp(T_PGHP), pos(219000075, 49)]
    path = _write(tmp_path / "old.nmea", lines * 40, datetime(2026, 1, 1, tzinfo=UTC))
    url = databases.create()
    ingest(url, path, tmp_path, decoders=decoders)
    with psycopg.connect(url) as conn:
        rows: dict[int, datetime] = dict(
            conn.execute("SELECT mmsi, min(observed_at) FROM vessel_position GROUP BY mmsi").fetchall())
        rejects = conn.execute("SELECT count(*) FROM ingest_reject").fetchone()[0]  # type: ignore[index]
    assert rejects == 0
    assert rows == {219000070: T_TAG.replace(second=28), 219000071: T_TAG.replace(second=29),
                    219000072: T_TAG.replace(second=31), 219000073: T_META.replace(second=38),
                    219000074: T_META.replace(second=41), 219000075: T_PGHP.replace(second=49, microsecond=0)}

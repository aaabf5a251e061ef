"""The vectorised AIS fast path against the slow path (pyais and the record builder): equal, column by column."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from pyais.bit_vector import bit_vector
from pyais.messages import MSG_CLASS

from bench.aispayloads import payloads
from ingest.ais import fastpayload, records

OBSERVED = datetime(2026, 1, 1, tzinfo=UTC)


def slow_row(payload: bytes) -> tuple[Any, ...] | None:
    """The row the slow path builds for a single-sentence payload, or None where it would not build one."""
    bv = bit_vector(payload, 0)
    cls = MSG_CLASS.get(bv.get(0, 6))
    if cls is None:
        return None
    msg: Any = cls.from_vector(bv)
    if msg.msg_type not in fastpayload.FAST_TYPES:
        return None
    try:
        return (*records.position_row(msg, OBSERVED, OBSERVED, "s"), msg.second)
    except records.Invalid:
        return None


def fast_rows(decoded: fastpayload.Positions) -> list[tuple[Any, ...] | None]:
    d = decoded

    def cell(values: np.ndarray, valid: np.ndarray, cast: Any) -> list[Any]:
        return [cast(v) if ok else None for v, ok in zip(values.tolist(), valid.tolist(), strict=True)]

    columns = zip(d.mmsi.tolist(), d.msg_type.tolist(), cell(d.lon, d.position_ok, float),
                  cell(d.lat, d.position_ok, float), cell(d.sog, d.sog_ok, float), cell(d.cog, d.cog_ok, float),
                  cell(d.heading, d.heading_ok, int), cell(d.rot, d.rot_ok, float),
                  cell(d.status, d.status_ok, int), d.accuracy.tolist(), d.second.tolist(), d.ok.tolist(),
                  strict=True)
    return [(mmsi, OBSERVED, OBSERVED, "s", t, lon, lat, sog, cog, head, rot, status, acc, None, second)
            if ok else None
            for mmsi, t, lon, lat, sog, cog, head, rot, status, acc, second, ok in columns]


@pytest.mark.unit
def test_the_payload_decoder_equals_pyais_and_the_record_builder_on_200k_random_payloads() -> None:
    sample = payloads(200_000)
    fast = fast_rows(fastpayload.decode(b"".join(sample)))
    differences = []
    for payload, got in zip(sample, fast, strict=True):
        want = slow_row(payload)
        # types too: an int where the slow path has a float (or a bool for an int) would be stored differently
        if got != want or [type(x) for x in got or ()] != [type(x) for x in want or ()]:
            differences.append((payload, got, want))
    assert differences == []
    taken = sum(row is not None for row in fast)
    nulls = [sum(row[i] is None for row in fast if row is not None) for i in (5, 7, 8, 9, 10, 11)]
    assert 50_000 < taken < 150_000          # the sample holds both kinds, and every "not available" value
    assert all(n > 1000 for n in nulls)


@pytest.mark.unit
def test_a_known_report_decodes_to_its_published_values() -> None:
    # pyais's README example: type 1, MMSI 366053209, 37.802118 N 122.341618 W, SOG 0, COG 219.3, heading 1
    d = fastpayload.decode(b"15M67FC000G?ufbE`FepT@3n00Sa")
    assert d.ok.tolist() == [True]
    assert (int(d.msg_type[0]), int(d.mmsi[0]), float(d.lon[0]), float(d.lat[0])) == (
        1, 366053209, -122.341618, 37.802118)
    assert (float(d.sog[0]), float(d.cog[0]), int(d.heading[0]), int(d.status[0])) == (0.0, 219.3, 1, 3)

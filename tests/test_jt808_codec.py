"""The JT/T 808 codec alone (pure): frames the tables describe, byte for byte, and what it refuses."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.vehicles import jt808
from ingest.vehicles.jt808 import FrameError
from tests.test_jt808 import T0, frame, items, location_body, registration_2013

pytestmark = pytest.mark.unit


def test_a_heartbeat_byte_for_byte() -> None:
    # 0x0002, no body, phone 013912345678, serial 1: check code = XOR of the 12 header bytes
    wire = bytes.fromhex("7e000200000139123456780001") + bytes([0x00 ^ 0x02 ^ 0x01 ^ 0x39 ^ 0x12 ^ 0x34 ^ 0x56 ^ 0x78
                                                                  ^ 0x01]) + b"\x7e"
    assert jt808.encode(0x0002, "013912345678", 1) == wire
    header, body = jt808.decode(wire[1:-1])
    assert (header.msg_id, header.phone, header.serial, header.version, body) == (2, "013912345678", 1, None, b"")


def test_escaping_both_ways() -> None:
    assert jt808.escape(b"\x30\x7e\x08\x7d\x55") == b"\x30\x7d\x02\x08\x7d\x01\x55"
    assert jt808.unescape(b"\x30\x7d\x02\x08\x7d\x01\x55") == b"\x30\x7e\x08\x7d\x55"
    with pytest.raises(FrameError, match="bad_escape"):
        jt808.unescape(b"\x30\x7d\x03")


@pytest.mark.parametrize("v2019", [False, True])
def test_the_codec_builds_what_the_tables_say(v2019: bool) -> None:
    body = location_body(37.201234, -119.187654, T0, alarm=1, speed_01=355, direction=271, altitude=7,
                         items=items(123456, 505, 25, 14))
    loc = jt808.Location(1, 3 | jt808.WEST, 37.201234, -119.187654, 7, 35.5, 271, T0, mileage_km=12345.6,
                         fuel_l=50.5, signal=25, satellites=14, extra={"e1": "abcd"})
    assert jt808.encode_location(loc) == body
    assert jt808.decode_location(body) == loc
    assert jt808.encode(0x0200, "13912345678", 0x7e7e, body, version=1 if v2019 else None) == frame(
        0x0200, "13912345678", 0x7e7e, body, v2019=v2019)


def test_bcd_time_is_gmt8() -> None:
    assert jt808.unbcd_time(bytes.fromhex("261203140504")) == datetime(2026, 12, 3, 6, 5, 4, tzinfo=UTC)
    with pytest.raises(FrameError, match="bad_time"):
        jt808.unbcd_time(bytes.fromhex("26130a000000"))


def test_registration_bodies() -> None:
    reg = jt808.decode_registration(registration_2013("鲁G12345"))
    assert (reg.province, reg.city, reg.maker, reg.model, reg.terminal_id, reg.plate) == (
        37, 700, "70111", "JT-T1", "T000001", "鲁G12345")
    assert jt808.encode_registration(reg) == registration_2013("鲁G12345")
    with pytest.raises(FrameError, match="short_body"):
        jt808.decode_registration(b"\x00\x25")


@pytest.mark.parametrize(("wire", "reason"), [
    (frame(0x0200, "1", 1, b"x" * 28, check=0x55)[1:-1], "bad_check_code"),
    (b"\x00\x02\x00\x05" + bytes(8), "short_frame"),
    (jt808.escape(b"\x00\x02\x00\x05" + bytes(9) + b"\x07"), "bad_length"),
])
def test_bad_frames(wire: bytes, reason: str) -> None:
    with pytest.raises(FrameError, match=reason):
        jt808.decode(wire)


def test_the_splitter_cuts_at_flags_and_refuses_what_is_not_a_frame() -> None:
    one, two = jt808.encode(2, "1", 1), jt808.encode(2, "1", 2)
    s = jt808.Splitter()
    out = list(s.feed(b"noise" + one + two[:5])) + list(s.feed(two[5:] + b"\x7e" + b"z" * 5000))
    assert [o if isinstance(o, bytes) else o.reason for o in out] == ["garbage", one[1:-1], two[1:-1], "oversized"]
    assert list(s.feed(b"more\x7e" + one[1:])) == [one[1:-1]]       # the oversized run ends at the next flag
    assert s.close() is None
    list(s.feed(one[:7]))
    assert (err := s.close()) is not None and err.reason == "half_frame"


def test_a_batch_with_a_bad_item_keeps_the_others() -> None:
    good = location_body(37.2, 119.2, T0)
    bad = good[:22] + bytes.fromhex("ffffffffffff")
    kind, out = jt808.decode_batch(b"\x00\x02\x01" + len(good).to_bytes(2, "big") + good
                                   + len(bad).to_bytes(2, "big") + bad)
    assert kind == 1 and isinstance(out[0], jt808.Location) and isinstance(out[1], FrameError)
    assert out[1].reason == "bad_time"
    assert jt808.check_location(jt808.decode_location(good), T0) is None
    assert jt808.check_location(jt808.decode_location(location_body(37.2, 119.2, datetime(2027, 1, 1, tzinfo=UTC))),
                                T0) == "future_time"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=120), st.booleans(), st.booleans(), st.sampled_from([0x0100, 0x0102, 0x0200, 0x0704]))
def test_any_bytes_decode_or_are_refused_with_a_reason(data: bytes, v2019: bool, split: bool, msg_id: int) -> None:
    """Random bytes, and random bytes behind a plausible header with a right check code (so they reach the body
    decoders): only FrameError, never another exception."""
    props = (len(data) & 0x3FF) | (0x4000 if v2019 else 0) | (0x2000 if split else 0)
    plausible = msg_id.to_bytes(2, "big") + props.to_bytes(2, "big") + data
    for raw in (data, jt808.escape(plausible + bytes([jt808.xor(plausible)]))):
        try:
            _header, body = jt808.decode(raw)
        except FrameError:
            continue
        for parse in (jt808.decode_location, jt808.decode_batch, jt808.decode_registration, jt808.decode_auth):
            with contextlib.suppress(FrameError):
                parse(body)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=60), max_size=8))
def test_the_splitter_never_raises_and_keeps_the_frames_around_junk(junk: list[bytes]) -> None:
    good = jt808.encode(2, "13912345678", 7)
    s = jt808.Splitter()
    out: list[Any] = []
    for piece in junk:
        out += list(s.feed(piece.replace(b"\x7e", b"")))
        out += list(s.feed(good))
    assert sum(1 for o in out if o == good[1:-1]) == len(junk)

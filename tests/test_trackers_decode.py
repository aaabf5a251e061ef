"""The phone-tracker decoder alone (pure): what the Traccar Client and OsmAnd send, and that anything else is refused
with a reason, never an exception of another kind."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.limits import InputRefused
from ingest.trackers import osmand

pytestmark = pytest.mark.unit


def test_the_query_form_in_knots_and_the_json_body_in_metres_per_second() -> None:
    fix = osmand.from_query("id=p1&lat=37.2&lon=119.1&timestamp=1764806400&speed=10&bearing=-10&batt=55&altitude=3")
    assert (fix.device_id, fix.observed_at, fix.speed_mps, fix.bearing_deg, fix.battery_pct) == (
        "p1", datetime(2025, 12, 4, tzinfo=UTC), pytest.approx(10 * 1852 / 3600), None, 55)
    assert osmand.from_query("deviceid=p1&lat=1&lon=2&timestamp=1764806400000").observed_at == datetime(
        2025, 12, 4, tzinfo=UTC)                                  # milliseconds, and the older parameter name
    doc = {"device_id": "p2", "location": {"timestamp": "2025-12-04T08:00:00+08:00",
                                           "coords": {"latitude": 1, "longitude": 2, "speed": -1, "heading": 361},
                                           "battery": {"level": 0.5}}}
    fix = osmand.from_json(json.dumps(doc).encode())
    assert (fix.observed_at, fix.speed_mps, fix.bearing_deg, fix.battery_pct) == (
        datetime(2025, 12, 4, tzinfo=UTC), None, 1, 50)


@pytest.mark.parametrize(("query", "reason"), [
    ("lat=1&lon=2&timestamp=1", "bad_device_id"), ("id=a b&lat=1&lon=2&timestamp=1", "bad_device_id"),
    ("id=p&lat=91&lon=2&timestamp=1", "bad_lat"), ("id=p&lat=nan&lon=2&timestamp=1", "bad_lat"),
    ("id=p&lon=2&timestamp=1", "no_position"), ("id=p&lat=1&lon=2", "no_timestamp"),
    ("id=p&lat=1&lon=2&timestamp=tomorrow", "bad_timestamp"), ("id=p&lat=1&lon=2&timestamp=" + "9" * 31,
                                                               "bad_timestamp"),
    ("id=p&lat=1&lon=2&timestamp=1&speed=-3", "bad_speed"), ("id=p%00&lat=1&lon=2&timestamp=1", "nul_byte"),
    ("id=p%ff&lat=1&lon=2&timestamp=1", "bad_encoding"),
])
def test_bad_queries_are_refused_by_reason(query: str, reason: str) -> None:
    with pytest.raises(InputRefused) as err:
        osmand.from_query(query)
    assert err.value.reason == reason


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_query_decodes_or_is_refused(text: str) -> None:
    with contextlib.suppress(InputRefused):
        osmand.from_query(text)


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=20),
                    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(
                        st.sampled_from(["device_id", "location", "coords", "timestamp", "latitude", "longitude",
                                         "speed", "heading", "battery", "level", "x"]), kids, max_size=5),
                    max_leaves=20))
def test_any_json_decodes_or_is_refused(doc: object) -> None:
    with contextlib.suppress(InputRefused):
        osmand.from_json(json.dumps(doc).encode())

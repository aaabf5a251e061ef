"""CPA/TCPA on real vessels: two real encounters from the Danish Maritime Authority's recorded AIS stream.

The rule computes CPA and TCPA in the port's metric CRS on straight tracks. Here the same function is fed
the real reports of two real encounters (positions, SOG, COG as decoded by the ingest decoder) and checked,
within 5 %, against an independent ground truth: both vessels sailed forward on the WGS 84 ellipsoid second
by second (pyproj's geodesic), their closest geodesic distance and when it happens. The recording is only
84 s long, so the encounters themselves lie beyond it; what the recording does show is that the reported
vectors are what the vessels really did, which is checked too.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from pyproj import Geod, Transformer

from ingest.ais.decoder import StreamDecoder
from ingest.alerts.model import KN_MS
from ingest.alerts.rules.collision_risk import cpa_tcpa, grid_velocity

pytestmark = pytest.mark.unit
STREAM = Path(__file__).parent / "fixtures" / "ais" / "dma" / "stream_example.txt"
GEOD = Geod(ellps="WGS84")
UTM32 = Transformer.from_crs("EPSG:4326", "EPSG:32632", always_xy=True)      # the local metric CRS there
# Two real encounters in the recording: (vessel, vessel), found by scanning every pair of moving vessels.
ENCOUNTERS = [(265547240, 265650970), (266262000, 477634900)]
Report = tuple[float, float, float, float, float]            # unix time, lon, lat, sog kn, cog deg


@pytest.fixture(scope="module")
def tracks() -> dict[int, list[Report]]:
    decoder = StreamDecoder("ais:file:dma")
    for i, line in enumerate(STREAM.read_bytes().splitlines()):
        decoder.feed(line, i)
    decoder.finish()
    out: dict[int, list[Report]] = {}
    for row in decoder.take().positions:
        mmsi, observed, _rx, _src, _t, lon, lat, sog, cog = row[:9]
        if lon is not None and sog is not None and cog is not None:
            out.setdefault(mmsi, []).append((observed.timestamp(), lon, lat, sog, cog))
    return {m: sorted(set(v)) for m, v in out.items()}


def geodesic_truth(a: Report, b: Report, horizon_s: float) -> tuple[float, float]:
    """Closest geodesic distance (m) and its time (s after a's report), sailing both on the ellipsoid."""
    t = np.arange(0.0, horizon_s, 1.0)
    lon_a, lat_a, _ = GEOD.fwd(np.full(t.size, a[1]), np.full(t.size, a[2]), np.full(t.size, a[4]), a[3] * KN_MS * t)
    tb = t + (a[0] - b[0])                               # b's report may be a second or two off a's
    lon_b, lat_b, _ = GEOD.fwd(np.full(t.size, b[1]), np.full(t.size, b[2]), np.full(t.size, b[4]), b[3] * KN_MS * tb)
    _, _, dist = GEOD.inv(lon_a, lat_a, lon_b, lat_b)
    k = int(np.argmin(dist))
    return float(dist[k]), float(t[k])


@pytest.mark.parametrize(("first", "second"), ENCOUNTERS)
def test_cpa_and_tcpa_of_a_real_encounter_within_5_percent(tracks: dict[int, list[Report]], first: int,
                                                          second: int) -> None:
    a = tracks[first][0]
    b = min(tracks[second], key=lambda r: abs(r[0] - a[0]))
    assert abs(a[0] - b[0]) <= 5
    # The rule's way: the metric CRS, velocities carried into its grid, b dead-reckoned to a's instant.
    lon, lat = np.array([a[1], b[1]]), np.array([a[2], b[2]])
    x, y = UTM32.transform(lon, lat)
    vx, vy = grid_velocity(UTM32, lon, lat, np.array([a[3], b[3]]), np.array([a[4], b[4]]))
    lag = a[0] - b[0]
    cpa, tcpa = cpa_tcpa(x[:1], y[:1], vx[:1], vy[:1], x[1:] + vx[1:] * lag, y[1:] + vy[1:] * lag, vx[1:], vy[1:])
    true_cpa, true_tcpa = geodesic_truth(a, b, float(tcpa[0]) * 2 + 60)
    assert 60 < true_tcpa < 1800 and true_cpa < 2000            # a real encounter, not two distant ships
    assert cpa[0] == pytest.approx(true_cpa, rel=0.05)
    assert tcpa[0] == pytest.approx(true_tcpa, rel=0.05)


@pytest.mark.parametrize("mmsi", sorted({m for pair in ENCOUNTERS for m in pair}))
def test_the_reported_vectors_are_what_the_vessels_did(tracks: dict[int, list[Report]], mmsi: int) -> None:
    """Over the recording, each vessel's real displacement matches her reported SOG and COG."""
    track = tracks[mmsi]
    first, last = track[0], track[-1]
    assert last[0] - first[0] >= 20
    azimuth, _, metres = GEOD.inv(first[1], first[2], last[1], last[2])
    sog = np.mean([r[3] for r in track])
    cog = math.degrees(math.atan2(np.mean([math.sin(math.radians(r[4])) for r in track]),
                                  np.mean([math.cos(math.radians(r[4])) for r in track]))) % 360
    assert metres / (last[0] - first[0]) == pytest.approx(sog * KN_MS, rel=0.15)
    assert abs((azimuth - cog + 180) % 360 - 180) < 10

"""The live tick's bookkeeping (app/live.py): whatever the vessels do, the browser's trace after applying the
patches holds exactly the picture, and a tick where nothing moved sends nothing."""

from __future__ import annotations

import base64
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from dash import Patch

from app.live import Client, MapView
from layers.vessels import Picture

DTYPES = {"f4": "<f4", "u2": "<u2"}


def frame(mmsi: list[int], lon: np.ndarray, lat: np.ndarray, sog: np.ndarray) -> gpd.GeoDataFrame:
    n = len(mmsi)
    return gpd.GeoDataFrame({
        "mmsi": mmsi, "name": [f"SHIP {m}" for m in mmsi], "ship_type": [70 + (m % 3) * 10 for m in mmsi],
        "heading_deg": (np.arange(n) * 7) % 360, "cog_deg": np.full(n, 90.0), "sog_kn": sog,
        "nav_status": np.zeros(n), "dim_a_m": np.full(n, 150.0), "dim_b_m": np.full(n, 30.0),
        "dim_c_m": np.full(n, 12.0), "dim_d_m": np.full(n, 14.0)},
        geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def apply(figure: dict[str, Any], patch: Patch) -> None:
    """What Dash's renderer does with a Patch (the operations this module uses)."""
    for op in patch.to_plotly_json()["operations"]:
        *path, last = op["location"]
        node: Any = figure
        for key in path:
            node = node[key]
        if op["operation"] == "Assign":
            node[last] = op["params"]["value"]
        elif op["operation"] == "Extend":
            node[last].extend(op["params"]["value"])
        else:
            raise AssertionError(f"unexpected patch operation {op['operation']}")


def decode(value: Any) -> np.ndarray:
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=DTYPES[value["dtype"]])
    return np.asarray(value)


def shown(trace: dict[str, Any]) -> dict[int, tuple[float, float, int, str, str]]:
    """What the browser draws: MMSI -> lon, lat, angle, icon, hover text, for every point with a position."""
    lon, lat, angle = decode(trace["lon"]), decode(trace["lat"]), decode(trace["marker"]["angle"])
    n = len(lon)
    lists = (trace["marker"]["symbol"], trace["text"], trace["customdata"])
    assert len(lat) == len(angle) == n and all(len(v) == n for v in lists)
    return {int(trace["customdata"][i]): (round(float(lon[i]), 4), round(float(lat[i]), 4), int(angle[i]),
                                          trace["marker"]["symbol"][i], trace["text"][i])
            for i in range(n) if not np.isnan(lon[i])}


def expected(pic: Picture) -> dict[int, tuple[float, float, int, str, str]]:
    return {int(pic.mmsi[i]): (round(float(np.float32(pic.lon[i])), 4), round(float(np.float32(pic.lat[i])), 4),
                               int(np.round(pic.angle[i])), pic.symbols[i], pic.labels[i]) for i in range(len(pic))}


def test_moves_arrivals_departures_and_changes_reach_the_browser_exactly() -> None:
    rng = np.random.default_rng(3)
    n = 1000
    mmsi = list(range(412000001, 412000001 + n))
    lon, lat, sog = 119.0 + rng.random(n) * 0.5, 37.0 + rng.random(n) * 0.4, np.full(n, 10.0)
    pic = Picture.from_frame(frame(mmsi, lon, lat, sog), "en")
    client = Client.fresh(pic)
    figure = {"data": [{}, pic.icon_trace("Vessels")]}
    assert shown(figure["data"][1]) == expected(pic)
    for step in range(6):
        moved = rng.choice(n, n // 10, replace=False)
        lon, lat = lon.copy(), lat.copy()
        lon[moved] += 0.001
        lat[moved] -= 0.0005
        sog = sog.copy()
        sog[rng.choice(n, 3, replace=False)] = 0.0                    # three stop: their icon turns round
        keep = np.ones(n, bool)
        keep[rng.choice(n, 5 + step, replace=False)] = False          # some leave the view
        arrivals = list(range(413000001 + 100 * step, 413000001 + 100 * step + 8))   # and others come
        ids = [m for m, k in zip(mmsi, keep, strict=True) if k] + arrivals
        pic = Picture.from_frame(frame(ids, np.concatenate([lon[keep], 119.2 + rng.random(8) * 0.1]),
                                       np.concatenate([lat[keep], 37.2 + rng.random(8) * 0.1]),
                                       np.concatenate([sog[keep], np.full(8, 6.0)])), "en")
        patch = Patch()
        assert client.update(pic, patch, 1)
        apply(figure, patch)
        assert shown(figure["data"][1]) == expected(pic), f"step {step}"
    # a tick where nothing changed sends nothing at all
    quiet = Patch()
    assert client.update(pic, quiet, 1)
    assert quiet.to_plotly_json()["operations"] == []


def test_heavy_churn_or_another_language_asks_for_a_whole_resend() -> None:
    mmsi = list(range(412000001, 412000201))
    pos = np.linspace(0, 0.1, 200)
    pic = Picture.from_frame(frame(mmsi, 119 + pos, 37 + pos, np.full(200, 5.0)), "en")
    client = Client.fresh(pic)
    others = Picture.from_frame(frame([m + 1000 for m in mmsi], 119 + pos, 37 + pos, np.full(200, 5.0)), "en")
    assert not client.update(others, Patch(), 1)
    zh = Picture.from_frame(frame(mmsi, 119 + pos, 37 + pos, np.full(200, 5.0)), "zh")
    assert not Client.fresh(pic).update(zh, Patch(), 1)
    words = " ".join(zh.labels)
    assert "货船" in words and "油轮" in words and "其他" in words and "Cargo" not in words


def test_the_view_keeps_only_vessels_near_it_and_survives_a_garbled_report() -> None:
    pic = Picture.from_frame(frame([1, 2, 3], np.array([119.0, 119.5, 121.0]), np.array([37.0, 37.2, 37.2]),
                                   np.full(3, 5.0)), "en")
    view = MapView.from_store({"b": [118.9, 36.9, 119.6, 37.3], "z": 12.5}, 10.0)
    assert view.zoom == 12.5 and sorted(pic.in_bounds(view.bounds).mmsi) == [1, 2]
    garbled = MapView.from_store({"b": "x", "z": None}, 10.0)
    assert garbled == MapView(None, 10.0) and len(pic.in_bounds(garbled.bounds)) == 3


@pytest.mark.parametrize("zoom,hulls", [(11.0, 0), (14.0, 3)])
def test_hulls_are_drawn_only_when_zoomed_in_and_have_the_ships_true_size(zoom: float, hulls: int) -> None:
    pic = Picture.from_frame(frame([1, 2, 3], np.array([119.0, 119.01, 119.02]), np.full(3, 37.0),
                                   np.full(3, 5.0)), "en")
    traces = pic.hull_traces(zoom)
    assert len(traces) == 1
    rings = traces[0]["lon"].count(None)
    assert rings == hulls
    if hulls:
        from pyproj import Geod
        t = traces[0]
        xs, ys = t["lon"][:6], t["lat"][:6]
        length = Geod(ellps="WGS84").inv(
            (xs[0] + xs[1]) / 2, (ys[0] + ys[1]) / 2, xs[3], ys[3])[2]     # stern middle to the bow tip
        assert length == pytest.approx(180.0, abs=1.0)                   # A 150 + B 30


@pytest.mark.unit
def test_a_cache_keyed_by_ever_new_versions_stays_small() -> None:
    import time as _time

    from app.live import TtlCache
    cache = TtlCache(0.05)
    for version in range(200):
        assert cache.get(("vessels", version), lambda v=version: v * 2) == version * 2
        if version % 50 == 49:
            _time.sleep(0.06)
    assert len(cache._items) <= 60          # not 200: what expired went as new keys came
    assert cache.get("fresh", lambda: 1) == 1 and cache.get("fresh", lambda: -1) == 1    # a live entry is shared

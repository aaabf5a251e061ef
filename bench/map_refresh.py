"""The map's server side at scale: the first render and one live tick with 10,000 vessels in view.

    python -m bench.map_refresh [--vessels 10000] [--ticks 20]

Measures, in a fresh PostGIS with Weifang and the alert benchmark's population (bench/alerts_cycle.py):
the first figure (every layer, as the page's first callback builds it), and a tick (the live layers queried
and drawn, the Patch serialised as Dash sends it) with its payload size. Browser time is not included.
"""

from __future__ import annotations

import argparse
import statistics
import time

import plotly.io
import psycopg
from dash import Patch

from app.figure import build_figure, port_info
from bench.ais_ingest import fresh_port_database
from bench.alerts_cycle import populate
from layers import LAYERS, Style, View


def tick(conn: psycopg.Connection, owners: list[str], view: View) -> tuple[float, int]:
    started = time.perf_counter()
    patch = Patch()
    for name, layer in LAYERS.items():
        if not getattr(layer, "live", False):
            continue
        slots = [i for i, owner in enumerate(owners) if owner == name]
        for index, trace in zip(slots, layer.traces(layer.query(conn, view), Style()), strict=False):
            patch["data"][index] = trace.to_plotly_json()
    payload = plotly.io.json.to_json_plotly(patch.to_plotly_json())
    return (time.perf_counter() - started) * 1000, len(payload.encode())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--vessels", type=int, default=10_000)
    p.add_argument("--ticks", type=int, default=20)
    a = p.parse_args()
    url = fresh_port_database("portmap_bench_map")
    populate(url, a.vessels, 50_000, 2_000, seed=1)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE vessel_latest SET observed_at = now()")       # all of them live, all in view
        port = port_info(conn, "weifang")
        assert port is not None
        started = time.perf_counter()
        fig, owners = build_figure(conn, port, "en", set(LAYERS), "http://127.0.0.1:8050/")
        first_json = fig.to_json()
        first_ms = (time.perf_counter() - started) * 1000
        view = View(port_id=port.port_id, bbox=port.bbox, zoom=port.zoom)
        runs = [tick(conn, owners, view) for _ in range(a.ticks)]
    times = sorted(r[0] for r in runs)
    sizes = [r[1] for r in runs]
    print(f"first render (server): {first_ms:.0f} ms, {len(first_json.encode()) / 1024:.0f} KB of figure JSON "
          f"({a.vessels:,} vessels in view)")
    print(f"tick (server): median {statistics.median(times):.0f} ms, p95 {times[int(len(times) * 0.95) - 1]:.0f} ms; "
          f"payload {statistics.median(sizes) / 1024:.0f} KB (every live layer re-sent whole: targets are p95 <= "
          f"100 ms and <= 200 KB when 10 % moved)")


if __name__ == "__main__":
    main()

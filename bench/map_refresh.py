"""The map's server side at scale: the first render and the live tick with 10,000 vessels in view.

    python -m bench.map_refresh [--vessels 10000] [--ticks 30] [--moved 0.1]

In a fresh PostGIS with Weifang and the alert benchmark's population (bench/alerts_cycle.py: 10,000 vessels,
50,000 containers, 2,000 dangerous-goods ones), all vessels live and in view, it measures:

- the first figure: every layer queried and drawn, serialised to JSON as Dash sends it;
- the tick as the app's callback runs it for one browser (app/live.py): between ticks `--moved` of the vessels
  get a new position, the caches shared by browsers are bypassed (every tick queries, the worst case; layers
  that say when they change, like the dangerous goods, are redrawn only then), the Patch is serialised as
  Dash sends it; plus the layer ages;
- the KPI strip and the silent-feed banner, which refresh in their own callback every 5 s;
- the same tick when nothing moved.
Browser drawing time is not included.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import plotly.io
import psycopg

from app import live
from app.ages import layer_ages
from app.cards import silent_banner
from app.figure import build_figure, port_info
from app.kpi import port_kpis
from bench.ais_ingest import fresh_port_database
from bench.alerts_cycle import populate
from layers import LAYERS
from portdomain.runtime import settle_gc


def p95(values: list[float]) -> float:
    ranked = sorted(values)
    return ranked[max(0, round(0.95 * len(ranked)) - 1)]


def one_tick(conn: psycopg.Connection[Any], port: Any, client: live.Client | None, owners: list[str],
             view: live.MapView) -> tuple[float, int, live.Client]:
    live.pictures = live.TtlCache(0)          # no sharing between ticks: each tick queries
    live.layer_traces = live.TtlCache(0)
    live.vessel_traces = live.TtlCache(0)
    live.versions = live.TtlCache(0)          # the data versions: re-read, so the tick sees this moment's moves
    live.in_view = live.TtlCache(0)
    live.slow_traces.clear()                  # the tracks' 5 s cache too
    live.versioned_traces = live.TtlCache(600) if client is None else live.versioned_traces
    started = time.perf_counter()
    patch, client, n_ops = live.tick(conn, port, client, owners, "en", set(LAYERS), view)
    body = plotly.io.json.to_json_plotly(patch.to_plotly_json()) if n_ops else ""
    layer_ages(conn, port.port_id)
    return (time.perf_counter() - started) * 1000, len(body.encode()), client


def panels(conn: psycopg.Connection[Any], port: Any) -> float:
    started = time.perf_counter()
    port_kpis(conn, port.port_id)
    silent_banner(conn, "en")
    return (time.perf_counter() - started) * 1000


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--vessels", type=int, default=10_000)
    p.add_argument("--ticks", type=int, default=30)
    p.add_argument("--moved", type=float, default=0.10)
    a = p.parse_args()
    url = fresh_port_database("portmap_bench_map")
    populate(url, a.vessels, 50_000, 2_000, seed=1)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE vessel_latest SET observed_at = now()")       # all of them live, all in view
        conn.execute("VACUUM ANALYZE vessel_latest")
        port = port_info(conn, "weifang")
        assert port is not None
        started = time.perf_counter()
        fig, owners = build_figure(conn, port, "en", set(LAYERS), "http://127.0.0.1:8050/")
        first_json = fig.to_json()
        first_ms = (time.perf_counter() - started) * 1000
        view = live.MapView(port.bbox, port.zoom)
        full_ms, full_bytes, client = one_tick(conn, port, None, owners, view)
        settle_gc()                 # as the app does once it has started (python -m app)
        times, sizes, quiet_times, quiet_sizes = [], [], [], []
        moved = max(1, int(a.vessels * a.moved))
        for _ in range(a.ticks):
            conn.execute("""UPDATE vessel_latest SET geom = ST_Translate(geom, 0.0004, -0.0002), observed_at = now(),
                                   cog_deg = (cog_deg + 5)::int %% 360
                            WHERE mmsi IN (SELECT mmsi FROM vessel_latest ORDER BY random() LIMIT %s)""", (moved,))
            ms, size, client = one_tick(conn, port, client, owners, view)
            times.append(ms)
            sizes.append(size)
            ms, size, client = one_tick(conn, port, client, owners, view)
            quiet_times.append(ms)
            quiet_sizes.append(size)
        panel_times = [panels(conn, port) for _ in range(5)]
    print(f"first render (server): {first_ms:.0f} ms, {len(first_json.encode()) / 1024:.0f} KB of figure JSON "
          f"({a.vessels:,} vessels in view; target <= 3 s)")
    print(f"first tick (icons re-sent whole, every live layer): {full_ms:.0f} ms, {full_bytes / 1024:.0f} KB")
    print(f"tick with {moved:,} vessels moved: median {statistics.median(times):.0f} ms, p95 {p95(times):.0f} ms; "
          f"payload median {statistics.median(sizes) / 1024:.0f} KB, max {max(sizes) / 1024:.0f} KB "
          f"(targets: p95 <= 100 ms, <= 200 KB)")
    print(f"tick with nothing moved: median {statistics.median(quiet_times):.0f} ms, p95 {p95(quiet_times):.0f} ms; "
          f"payload max {max(quiet_sizes) / 1024:.1f} KB")
    print(f"KPI strip and banner (their own 5 s callback): median {statistics.median(panel_times):.0f} ms")
    if min(sizes) == 0:
        raise SystemExit("a tick sent nothing although vessels had moved before it")


if __name__ == "__main__":
    main()

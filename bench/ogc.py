"""OGC API - Features and vector tiles at scale, through the real app over HTTP with an API token.

    python -m bench.ogc [--vessels 10000] [--containers 50000] [--runs 30]

In a fresh PostGIS with Weifang and the alert benchmark's population (bench/alerts_cycle.py: 10,000 vessels, all
live, 50,000 containers, 2,000 of them dangerous goods), `python -m app` started as make demo starts it (the GIS
surfaces as the read-only role), it measures:

- the 10,000-vessel picture as one GeoJSON page (`/collections/vessels/items?limit=10000`): time per request and
  items/s (target: 10,000 features <= 300 ms), and the same read page by page (limit 1,000, following `next`);
- a z16 tile of the container yard (`/collections/yard_use/tiles/16/x/y.mvt`, the stacks) as clients get it (made
  once per change of the yard, then served from the tile cache), the same tile made afresh (a container moved before
  each request), and the tile with every layer in it (`/tiles/16/x/y.mvt`): p95 (target: a z16 yard tile <= 50 ms
  p95).
Client and server share this machine's cores.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from bench.ais_ingest import ROOT, fresh_port_database
from bench.alerts_cycle import populate

YARD_TILE = (16, 54466, 25461)        # container blocks A-D of Weifang's central port area


def p95(values: list[float]) -> float:
    ranked = sorted(values)
    return ranked[max(0, round(0.95 * len(ranked)) - 1)]


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def app(url: str) -> Iterator[str]:
    """`python -m app` on a free port against the bench database, each pool under its own role."""
    params = conninfo_to_dict(url)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PORTMAP_DB_URL", "PORTMAP_DB_ROLE")}
    port = _free_port()
    env.update(PORTMAP_DB_NAME=str(params["dbname"]), PORTMAP_PG_PORT=str(params.get("port", "55432")),
               PORTMAP_APP_PORT=str(port))
    proc = subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def fetch(url: str, token: str) -> tuple[float, bytes]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as resp:
        body = resp.read()
    return (time.perf_counter() - started) * 1000, body


def timed(url: str, token: str, runs: int) -> tuple[list[float], bytes]:
    fetch(url, token)                              # warm: the pool's connections, the plans
    times, body = [], b""
    for _ in range(runs):
        ms, body = fetch(url, token)
        times.append(ms)
    return times, body


def paged(url: str, token: str) -> tuple[float, int, int]:
    started, seen, pages = time.perf_counter(), 0, 0
    next_url: str | None = url
    while next_url:
        _, body = fetch(next_url, token)
        doc: dict[str, Any] = json.loads(body)
        seen += len(doc["features"])
        pages += 1
        next_url = next((link["href"] for link in doc["links"] if link["rel"] == "next"), None)
    return (time.perf_counter() - started) * 1000, seen, pages


def remade(url: str, tile_url: str, token: str, runs: int) -> list[float]:
    """The tile's time when the yard changed just before each request (the tile cache cannot answer)."""
    times = []
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(runs):
            conn.execute("UPDATE container SET updated_at = now() WHERE container_no = "
                         "(SELECT min(container_no) FROM container)")
            times.append(fetch(tile_url, token)[0])
    return times


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--vessels", type=int, default=10_000)
    p.add_argument("--containers", type=int, default=50_000)
    p.add_argument("--runs", type=int, default=30)
    a = p.parse_args()
    from app.auth import add_token
    url = fresh_port_database("portmap_bench_ogc")
    populate(url, a.vessels, a.containers, 2_000, seed=1)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE vessel_latest SET observed_at = now()")       # all of them live
        conn.execute("VACUUM ANALYZE")
        token = add_token(conn, "bench-ogc", "api", "port", "bench")
    load = os.getloadavg()[0]
    with app(url) as base:
        api = f"{base}/api/v1/ogc"
        whole, body = timed(f"{api}/collections/vessels/items?limit={a.vessels}", token, a.runs)
        got = json.loads(body)["numberReturned"]
        paged_ms, paged_n, pages = paged(f"{api}/collections/vessels/items?limit=1000", token)
        z, x, y = YARD_TILE
        yard, tile = timed(f"{api}/collections/yard_use/tiles/{z}/{x}/{y}.mvt", token, a.runs * 2)
        made = remade(url, f"{api}/collections/yard_use/tiles/{z}/{x}/{y}.mvt", token, a.runs)
        every, all_tile = timed(f"{api}/tiles/{z}/{x}/{y}.mvt", token, a.runs)
    print(f"machine load average before the runs: {load:.1f} on {os.cpu_count()} cores (client and server share them)")
    print(f"{got:,} vessels as one GeoJSON page: median {statistics.median(whole):.0f} ms, p95 {p95(whole):.0f} ms, "
          f"best {min(whole):.0f} ms, "
          f"{got / statistics.median(whole) * 1000:,.0f} items/s, {len(body) / 1e6:.1f} MB "
          f"(target: 10,000 features <= 300 ms)")
    print(f"the same, paged by 1,000 ({pages} pages, next links): {paged_ms:.0f} ms, "
          f"{paged_n / paged_ms * 1000:,.0f} items/s")
    print(f"z16 yard tile (stacks of {a.containers:,} containers) as served: median {statistics.median(yard):.0f} ms, "
          f"p95 {p95(yard):.0f} ms, {len(tile) / 1024:.0f} KB (target: p95 <= 50 ms)")
    print(f"the same tile made afresh (a container moved before each request): median "
          f"{statistics.median(made):.0f} ms, p95 {p95(made):.0f} ms, best {min(made):.0f} ms")
    print(f"z16 yard tile, every layer: median {statistics.median(every):.0f} ms, p95 {p95(every):.0f} ms, "
          f"{len(all_tile) / 1024:.0f} KB")
    if got != a.vessels:
        raise SystemExit(f"the page held {got} vessels, not {a.vessels}")


if __name__ == "__main__":
    main()

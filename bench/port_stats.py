"""The port's statistics on 30 days of history: seed it, roll it up, time the queries the map and report make.

    .venv/bin/python -m bench.port_stats [--days 30] [--vessels 60]

In a fresh PostGIS with Weifang, `--vessels` ships go round a cycle for `--days` days: at anchor in one of
the anchorages for 2-20 h, alongside a berth for 12-36 h while their boxes are discharged and loaded
(150-700 moves a call, ISO 20' and 40' types, 3 % declared dangerous goods), then away for 1-3 days; AIS
positions every 2 minutes throughout; trucks through the gates around the clock. Everything is written with
binary COPY. Then it times the full roll-up (port_stats_rollup over every hour), the minute refresh the alert
engine's process makes, and the statistics queries as the map and the situation report run them (48 h by
hour, 30 days by day, 12 months by month; median and worst of 20). Target: each query <= 200 ms.
The database (portmap_bench_stats) stays until the next run, for a look with the app.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from app.stats import port_stats, window
from bench.ais_ingest import fresh_port_database
from ingest import stats

ISO = ["22G1", "22G1", "42G1", "45G1", "45G1", "L5G1", "22R1", "45R1"]


def places(conn: psycopg.Connection[Any]) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    berths = conn.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(area) c FROM berth "
                          "WHERE port_id = 'weifang' AND cargo IN ('container', 'multipurpose', 'general', 'bulk')) b"
                          ).fetchall()
    anchorages = conn.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(geom) c FROM zone "
                              "WHERE port_id = 'weifang' AND kind = 'anchorage') z").fetchall()
    return [tuple(b) for b in berths], [tuple(a) for a in anchorages]  # type: ignore[misc]


def check_digit(prefix: str) -> str:
    """ISO 6346 check digit, so the seeded numbers are valid container numbers."""
    values = {c: v for v, c in zip([10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27, 28, 29, 30, 31,
                                    32, 34, 35, 36, 37, 38], "ABCDEFGHIJKLMNOPQRSTUVWXYZ", strict=True)}
    total = sum((values[c] if c.isalpha() else int(c)) * 2 ** i for i, c in enumerate(prefix))
    return str(total % 11 % 10)


def seed(url: str, days: int, vessels: int, seed_no: int = 5) -> dict[str, int]:
    rng = random.Random(seed_no)
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=days)
    counts = {"positions": 0, "moves": 0, "containers": 0, "gate": 0, "dg": 0}
    with psycopg.connect(url) as conn:
        berths, anchorages = places(conn)
        conn.execute("SELECT ensure_position_partition(d::date) FROM generate_series(%s::date, %s::date, "
                     "interval '1 day') d", (start, end))
        box = 0
        with conn.cursor() as cur, \
                cur.copy("COPY vessel_position (mmsi, observed_at, received_at, source, msg_type, geom, sog_kn, "
                         "nav_status) FROM STDIN") as pos:
            moves: list[tuple[Any, ...]] = []
            for v in range(vessels):
                mmsi = 413_500_000 + v
                at = start + timedelta(hours=rng.uniform(0, 72))
                while at < end:
                    legs = [(rng.choice(anchorages), rng.uniform(2, 20), 0.1, 1),
                            (rng.choice(berths), rng.uniform(12, 36), 0.1, 5),
                            ((119.6 + rng.uniform(0, 0.3), 37.5 + rng.uniform(0, 0.2)), rng.uniform(24, 72), 12.0, 0)]
                    for (lon, lat), hours, sog, status in legs:
                        leg_end = min(at + timedelta(hours=hours), end)
                        if status == 5:
                            calls = rng.randint(150, 700)
                            for _ in range(calls):
                                box += 1
                                moved = at + (leg_end - at) * rng.random()
                                moves.append((box, moved, rng.choice(("load", "discharge")), f"V{v:03d}"))
                        t = at
                        while t < leg_end:
                            pos.write_row((mmsi, t, t, "seed", 1, f"SRID=4326;POINT({lon + rng.uniform(-3e-4, 3e-4)} "
                                                                   f"{lat + rng.uniform(-3e-4, 3e-4)})", sog, status))
                            counts["positions"] += 1
                            t += timedelta(minutes=2)
                        at = leg_end
                        if at >= end:
                            break
        with conn.cursor() as cur:
            with cur.copy("COPY container (container_no, iso_type, full_empty, gross_kg, state) FROM STDIN") as c:
                numbers = {}
                for no, *_ in moves:
                    prefix = f"SEA{'U'}{no:06d}"
                    numbers[no] = prefix + check_digit(prefix)
                    c.write_row((numbers[no], rng.choice(ISO), "F", rng.randint(4000, 28000), "departed"))
            with cur.copy("COPY container_move (move_id, container_no, kind, moved_at, port_id, vessel_voyage, source) "
                          "FROM STDIN") as m:
                for no, moved, kind, voyage in moves:
                    m.write_row((f"seed:{no}", numbers[no], kind, moved, "weifang", voyage, "seed"))
            with cur.copy("COPY hazmat_declaration (declaration_id, subject_kind, subject_id, un_number, imdg_class, "
                          "declared_at, source) FROM STDIN") as d:
                for no, moved, *_ in moves:
                    if rng.random() < 0.03:
                        d.write_row((f"seed:{no}", "container", numbers[no], rng.choice((1203, 1993, 1830, 2794)),
                                     rng.choice(("3", "8", "2.1", "9")), moved, "seed"))
                        counts["dg"] += 1
            with cur.copy("COPY gate_transaction (transaction_id, port_id, gate_id, direction, truck_plate, "
                          "passed_at, declared_un, source) FROM STDIN") as g:
                t, n = start, 0
                while t < end:
                    n += 1
                    g.write_row((f"seed:{n}", "weifang", rng.choice(("G1", "G2")), rng.choice(("in", "out")),
                                 f"LU-{n % 9000:04d}", t, 1993 if rng.random() < 0.02 else None, "seed"))
                    t += timedelta(seconds=rng.expovariate(1 / 45))
                counts["gate"] = n
        conn.commit()
        conn.execute("ANALYZE")
        counts["moves"] = counts["containers"] = len(moves)
    return counts


def timed(fn: Any, runs: int = 20) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--vessels", type=int, default=60)
    a = p.parse_args()
    url = fresh_port_database("portmap_bench_stats")
    started = time.perf_counter()
    counts = seed(url, a.days, a.vessels)
    print(f"seeded {a.days} days in {time.perf_counter() - started:.0f} s: {counts['positions']:,} AIS positions "
          f"of {a.vessels} vessels, {counts['moves']:,} container moves ({counts['dg']:,} dangerous goods), "
          f"{counts['gate']:,} gate passes", flush=True)
    with psycopg.connect(url, autocommit=True) as conn:
        started = time.perf_counter()
        hours = stats.refresh(conn, "weifang")
        print(f"roll-up of every hour: {hours:,} hours in {time.perf_counter() - started:.1f} s (once; then the "
              "alert engine's process refreshes the recent hours each minute)")
        refresh_ms, refresh_max = timed(lambda: stats.refresh(conn, "weifang"), 5)
        print(f"minute refresh (last {stats.RECENT_HOURS} hours): median {refresh_ms:.0f} ms, "
              f"worst {refresh_max:.0f} ms")
        worst = 0.0
        for grain in ("hour", "day", "month"):
            since, until = window(grain)
            frame = port_stats(conn, "weifang", grain, since, until)
            median, high = timed(lambda g=grain, s=since, u=until: port_stats(conn, "weifang", g, s, u))
            worst = max(worst, high)
            print(f"statistics by {grain:<5} ({len(frame):3d} periods, {int(frame['calls'].sum()):,} calls, "
                  f"{frame['teu'].sum():,.0f} TEU, {int((frame['gate_in'] + frame['gate_out']).sum()):,} gate passes): "
                  f"median {median:.1f} ms, worst {high:.1f} ms")
        print(f"worst statistics query: {worst:.1f} ms (target <= 200 ms)")


if __name__ == "__main__":
    main()

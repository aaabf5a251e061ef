"""Retrospective alert evaluation over recorded history: every rule at each step, as `python -m ingest alerts
--from --to --step` runs it. Figure: simulated seconds per wall second (target >= 600x: a day in 2.4 minutes).

    python -m bench.retrospective [--vessels 10000] [--minutes 10] [--report-s 30] [--step 2]

The recorded traffic: --vessels vessels in Weifang's bay on straight tracks, one position report each every
--report-s seconds (every 3 minutes for those not under way: see --moving-share), for --minutes, written into
vessel_position of a fresh PostGIS with Weifang loaded. A whole day of 10,000 vessels under way is 29 million
reports at one per 30 s; --minutes gives a shorter window of the same density (the rate per simulated second
does not depend on its length).
"""

from __future__ import annotations

import argparse
import math
import random
import time
from datetime import UTC, datetime, timedelta

import psycopg

from bench.ais_ingest import fresh_port_database
from ingest.alerts.retrospective import Retrospective
from portdomain.runtime import settle_gc


def record(url: str, vessels: int, minutes: float, report_s: float, seed: int,
           moving_share: float = 1.0) -> tuple[datetime, datetime, int]:
    rng = random.Random(seed)
    start = (datetime.now(UTC) - timedelta(days=2)).replace(microsecond=0)
    end = start + timedelta(minutes=minutes)
    n = 0
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT ensure_position_partition(d::date) FROM generate_series(%s::date, %s::date, '1 day') d",
                    (start - timedelta(minutes=3), end))
        with cur.copy("COPY vessel (mmsi, name, ship_type, dim_a_m, dim_b_m, dim_c_m, dim_d_m) FROM STDIN") as copy:
            for i in range(vessels):
                copy.write_row((412_000_000 + i, f"RETRO {i}", rng.choice([30, 37, 52, 60, 70, 71, 80]),
                                rng.randint(10, 150), 20, 8, 8))
        with cur.copy("COPY vessel_position (mmsi, observed_at, received_at, source, msg_type, geom, sog_kn, "
                      "cog_deg, nav_status) FROM STDIN") as copy:
            for i in range(vessels):
                lon, lat = rng.uniform(118.95, 119.70), rng.uniform(37.28, 37.62)
                moving = rng.random() < moving_share
                sog, cog = (rng.uniform(1, 14) if moving else 0.0), rng.uniform(0, 360)
                every = report_s if moving else 180.0          # ITU-R M.1371: 3 minutes at anchor
                vlon = sog * 0.514444 * math.sin(math.radians(cog)) / 88_600
                vlat = sog * 0.514444 * math.cos(math.radians(cog)) / 111_000
                t = rng.uniform(-180.0, -180.0 + every)     # 3 minutes of history before the window
                while t < minutes * 60:
                    at = start + timedelta(seconds=t)
                    copy.write_row((412_000_000 + i, at, at, "ais:file:retro", 1,
                                    f"SRID=4326;POINT({lon + vlon * t:.6f} {lat + vlat * t:.6f})", sog, cog, 0))
                    n += 1
                    t += every
        conn.commit()
        conn.execute("ANALYZE vessel_position")
        conn.commit()
    return start, end, n


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--vessels", type=int, default=10_000)
    p.add_argument("--minutes", type=float, default=10.0)
    p.add_argument("--report-s", type=float, default=30.0)
    p.add_argument("--step", type=float, default=2.0)
    p.add_argument("--moving-share", type=float, default=1.0,
                   help="share of vessels under way (the rest at anchor, a report every 3 min); bench.alerts_cycle's "
                        "population has about 0.2 fresh and moving")
    p.add_argument("--seed", type=int, default=25)
    p.add_argument("--reference", action="store_true", help="also run the reference mode (every rule over the "
                   "whole picture at every step) and check that it raised the same alerts")
    p.add_argument("--port-step", type=float, default=None, help="seconds between evaluations of the rules that "
                   "read the port's other tables (default: every step)")
    a = p.parse_args()
    url = fresh_port_database("portmap_bench_retro")
    t0 = time.perf_counter()
    start, end, n = record(url, a.vessels, a.minutes, a.report_s, a.seed, a.moving_share)
    print(f"recorded {n:,} reports of {a.vessels:,} vessels over {a.minutes:g} min in "
          f"{time.perf_counter() - t0:.0f} s")
    settle_gc()
    runs = {}
    for incremental in ([True, False] if a.reference else [True]):
        with psycopg.connect(url) as conn:
            cpu = time.process_time()
            report = Retrospective(conn, "weifang", start, end, a.step, incremental=incremental,
                                   port_step_s=a.port_step).run()
            cpu = time.process_time() - cpu
            conn.rollback()
        runs[incremental] = sorted((o.finding.key, o.raised_at, o.resolved_at) for o in report.alerts)
        per_step = report.wall_s / max(1, report.steps) * 1000
        mode = "incremental" if incremental else "reference"
        print(f"{mode}: {report.steps} steps of {a.step:g} s over {a.minutes:g} simulated min in "
              f"{report.wall_s:.1f} s ({per_step:.1f} ms a step; this process's CPU {cpu:.1f} s), raised "
              f"{sum(report.raised.values())} alerts {dict(report.raised)}")
        print("  ms a step by rule: " + ", ".join(f"{k} {v / max(1, report.steps) * 1000:.2f}"
                                                  for k, v in sorted(report.rule_s.items(), key=lambda kv: -kv[1])))
        print(f"  speed: {report.speed:,.1f} simulated s per wall s (target 600); a day would take "
              f"{86_400 / report.speed / 60:,.1f} min")
    if a.reference:
        same = runs[True] == runs[False]
        print(f"the same alerts in both modes: {same} ({len(runs[True])} and {len(runs[False])})")


if __name__ == "__main__":
    main()

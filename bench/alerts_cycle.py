"""One evaluation cycle of the alert engine at scale: 10,000 vessels, 50,000 containers (2,000 of them dangerous
goods), camera events and gate transactions, in a fresh PostGIS with Weifang loaded. Target: <= 500 ms a cycle.

    python -m bench.alerts_cycle [--vessels 10000] [--containers 50000] [--dg 2000] [--cycles 10]

The first cycle is cold (it looks up the history of every vessel at anchor and in an anchorage); the figure
that counts is a warm cycle, which is what the worker runs every 2 s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg.types.json import Jsonb
from stdnum import iso6346

from bench.ais_ingest import fresh_port_database
from ingest.alerts.engine import AlertEngine
from portdomain.runtime import settle_gc

STOCK = [("3", 1993), ("3", 1263), ("8", 1830), ("6.1", 2810), ("9", 3082), ("5.1", 1479), ("2.1", 1075),
         ("4.1", 1325)]


def populate(url: str, vessels: int, containers: int, dg: int, seed: int) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO feed_status (source, kind, last_message_at, state, live) VALUES "
                    "('ais:udp:bench-0', 'ais', now(), 'ok', true)")
        with cur.copy("COPY vessel (mmsi, name, ship_type, dim_a_m, dim_b_m, dim_c_m, dim_d_m) FROM STDIN") as copy:
            for i in range(vessels):
                copy.write_row((412_000_000 + i, f"BENCH {i}", rng.choice([30, 37, 52, 60, 70, 71, 80]),
                                rng.randint(10, 150), 20, 8, 8))
        rows = []
        for i in range(vessels):
            lon, lat = rng.uniform(118.95, 119.70), rng.uniform(37.28, 37.62)      # the open bay
            if i % 20 == 0:
                lon, lat = rng.uniform(119.196, 119.207), rng.uniform(37.19, 37.235)   # the harbour
            elif i % 25 == 0:
                lon, lat = rng.uniform(119.196, 119.233), rng.uniform(37.390, 37.418)  # No. 1 anchorage
            anchored = i % 25 == 0
            rows.append((412_000_000 + i, now - timedelta(seconds=rng.uniform(1, 900)), "ais:udp:bench-0",
                         lon, lat, 0.1 if anchored else rng.uniform(0, 14), rng.uniform(0, 360),
                         1 if anchored else 0))
        with cur.copy("COPY vessel_latest (mmsi, observed_at, received_at, source, msg_type, geom, sog_kn, cog_deg, "
                      "nav_status) FROM STDIN") as copy:
            for mmsi, at, source, lon, lat, sog, cog, status in rows:
                copy.write_row((mmsi, at, at, source, 1, f"SRID=4326;POINT({lon:.6f} {lat:.6f})", sog, cog, status))
        cur.execute("SELECT ensure_position_partition(d::date) FROM generate_series(%s::date, %s::date, '1 day') d",
                    (now - timedelta(days=4), now))
        with cur.copy("COPY vessel_position (mmsi, observed_at, received_at, source, msg_type, geom, sog_kn, "
                      "nav_status) FROM STDIN") as copy:                # three days at anchor, a report an hour
            for mmsi, _at, source, lon, lat, _sog, _cog, status in rows:
                if status == 1:
                    for h in range(72, 0, -1):
                        t = now - timedelta(hours=h)
                        copy.write_row((mmsi, t, t, source, 1, f"SRID=4326;POINT({lon:.6f} {lat:.6f})", 0.1, 1))
        cur.execute("SELECT block_id, bay, row_, ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM yard_slot "
                    "ORDER BY block_id, bay, row_")
        slots = cur.fetchall()
        dg_slots = [s for s in slots if s[0].startswith("D")] + [s for s in slots if s[0].startswith("A")]
        with cur.copy("COPY container (container_no, iso_type, full_empty, state, port_id, block_id, bay, row_, tier, "
                      "geom) FROM STDIN") as copy:
            numbers = []
            for i in range(containers):
                body = f"BNCU{i:06d}"
                number = body + iso6346.calc_check_digit(body)
                block, bay, row, lon, lat = dg_slots[i % len(dg_slots)] if i < dg else slots[i % len(slots)]
                tier = i // len(dg_slots) + 1 if i < dg else i // len(slots) + 1
                copy.write_row((number, "22G1", "F", "in_yard", "weifang", block, bay, row, tier,
                                f"SRID=4326;POINT({lon:.7f} {lat:.7f})"))
                numbers.append(number)
        with cur.copy("COPY hazmat_declaration (declaration_id, subject_kind, subject_id, un_number, imdg_class, "
                      "quantity_kg, declared_at, source) FROM STDIN") as copy:
            for i in range(dg):
                cls, un = rng.choice(STOCK)
                copy.write_row((f"B{i}", "container", numbers[i], un, cls, rng.uniform(1000, 20000), now, "bench"))
        cur.execute("SELECT camera_id, zone_ids, ST_AsText(fov) FROM camera")
        cams = cur.fetchall()
        for i in range(1000):
            cam, zones, _ = rng.choice(cams)
            label = rng.choice(["person", "truck", "car", "boat"] * 50 + ["smoke"])
            cur.execute("""INSERT INTO camera_event (event_id, source, port_id, camera_id, label, score, start_at,
                           zones, entered_zones, geom, raw)
                           SELECT %s, 'bench', 'weifang', %s, %s, 0.8, %s, %s, %s, fov, '{}'
                           FROM camera WHERE camera_id = %s""",
                        (f"bench-{i}", cam, label, now - timedelta(seconds=rng.uniform(0, 3500)), zones, zones, cam))
        for i in range(500):
            observed = ("1830", "8") if i % 50 == 0 else ("1993", "3")
            cur.execute("""INSERT INTO gate_transaction (transaction_id, port_id, gate_id, direction, truck_plate,
                           passed_at, declared_un, declared_class, observed_un, observed_class, source, raw)
                           VALUES (%s, 'weifang', 'gate-container', 'in', %s, %s, 1993, '3', %s, %s, 'bench', %s)""",
                        (f"GT-{i}", f"LUV{i:05d}", now - timedelta(seconds=rng.uniform(0, 3500)), int(observed[0]),
                         observed[1], Jsonb({})))
        cur.execute("ANALYZE")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--vessels", type=int, default=10_000)
    p.add_argument("--containers", type=int, default=50_000)
    p.add_argument("--dg", type=int, default=2_000)
    p.add_argument("--cycles", type=int, default=40, help="warm cycles (40 span more than one 10-s detail refresh)")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    url = fresh_port_database("portmap_bench_alerts")
    started = time.perf_counter()
    populate(url, a.vessels, a.containers, a.dg, a.seed)
    print(f"populated {a.vessels:,} vessels, {a.containers:,} containers ({a.dg:,} dangerous goods), 1,000 camera "
          f"events, 500 gate transactions in {time.perf_counter() - started:.1f} s")
    with psycopg.connect(url, autocommit=True) as conn:
        settle_gc()                 # as python -m ingest alerts does before its engine starts
        engine = AlertEngine(conn, "weifang")
        reports = [engine.cycle() for _ in range(a.cycles + 1)]
        raised = len(reports[0].raised)
    cold, warm = reports[0], reports[1:]
    cycle_ms = [r.timings_ms["cycle"] for r in warm]
    print(f"cold cycle: {cold.timings_ms['cycle']:.0f} ms (raised {raised} alerts: "
          f"{ {k: v for k, v in cold.findings.items() if v} })")
    p95 = sorted(cycle_ms)[int(len(cycle_ms) * 0.95) - 1]
    refreshed = [r.updated for r in warm]
    print(f"warm cycle: median {statistics.median(cycle_ms):.0f} ms, p95 {p95:.0f} ms, max {max(cycle_ms):.0f} ms "
          f"over {len(warm)} cycles (target <= 500 ms); {statistics.mean(refreshed):.0f} live alerts' details "
          f"rewritten a cycle on average (each every 10 s)")
    parts = {k: statistics.median(r.timings_ms[k] for r in warm) for k in warm[0].timings_ms if k != "cycle"}
    print("warm, by part (median ms): " + ", ".join(f"{k} {v:.0f}" for k, v in
                                                   sorted(parts.items(), key=lambda kv: -kv[1])))


if __name__ == "__main__":
    main()

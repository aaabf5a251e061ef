"""The AIS ingest bus (NATS JetStream) against the direct path, in one run: sentences/s end to end with
`--writers` writer processes (target >= 80,000/s with 2 on 2 cores), the ratio to the direct path, and with
--chaos a writer and the server killed mid-run (sent = stored, md5 over every row).

    python -m bench.ais_bus [--messages 1000000] [--writers 2] [--chaos]

End to end for the bus: the publisher (`ingest ais --file F --bus URL`) and the writers (`ingest ais-bus`)
started together, timed until every report of the file is stored. The direct path: `ingest ais --file F`
(bench.ais_ingest's end_to_end) on the same file into another database.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from bench.ais_ingest import ROOT, end_to_end, fresh_database, stored_counts
from bench.aisgen import write_file
from bench.natsd import Natsd
from portdomain.runtime import settle_gc

DIGEST = ("SELECT count(*), md5(string_agg(mmsi::text || observed_at::text || ST_AsText(geom) || "
          "coalesce(sog_kn::text, ''), ',' ORDER BY mmsi, observed_at, geom)) FROM vessel_position")


def digest(url: str) -> tuple[int, str]:
    with psycopg.connect(url) as conn:
        row = conn.execute(DIGEST).fetchone()
    assert row is not None
    return int(row[0]), str(row[1])


def count(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM vessel_position").fetchone()
    return int(row[0]) if row else 0


def bus_run(path: Path, url: str, natsd: Natsd, writers: int, expected: int, chaos: bool) -> float:
    """Seconds from the start of publishing until `expected` positions are stored."""
    env = {**os.environ, "DATABASE_URL": url, "PORTMAP_NATS_PASSWORD": natsd.password}

    def writer() -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "ingest", "ais-bus", "--bus", natsd.url], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    started = time.perf_counter()
    procs = [writer() for _ in range(writers)]
    publisher = subprocess.Popen([sys.executable, "-m", "ingest", "ais", "--file", str(path), "--bus", natsd.url,
                                  "--no-checkpoint"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    killed = False
    while count(url) < expected:
        if chaos and not killed and count(url) > expected // 3:
            procs[0].send_signal(signal.SIGKILL)
            natsd.kill()
            time.sleep(1.0)
            natsd.start()
            procs[0] = writer()
            killed = True
            print("  chaos: kill -9 of a writer and of nats-server at a third; both started again", flush=True)
        if time.perf_counter() - started > 900:
            raise SystemExit("the bus did not store everything in 15 minutes")
        time.sleep(0.25)
    seconds = time.perf_counter() - started
    for p in procs:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=60)
    publisher.wait(timeout=60)
    return seconds


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--messages", type=int, default=1_000_000)
    p.add_argument("--writers", type=int, default=2)
    p.add_argument("--chaos", action="store_true", help="kill -9 a writer and the server a third of the way in")
    a = p.parse_args()
    path = ROOT / ".data" / "bench" / f"ais_mix_{a.messages}.nmea"
    if not path.exists():
        print(f"generating {a.messages:,} messages → {path} …", flush=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_file(path, a.messages)
    lines = sum(1 for _ in path.open("rb"))
    print(f"input: {lines:,} sentences, {a.messages:,} messages", flush=True)
    settle_gc()
    direct = fresh_database("portmap_bench_direct")
    t_direct, _rss = end_to_end(path, direct, os.cpu_count() or 1)
    expected = stored_counts(direct)[0]
    store = ROOT / ".data" / "bench" / "jetstream"
    shutil.rmtree(store, ignore_errors=True)            # a stream of its own: nothing left from an earlier run
    natsd = Natsd(store).start()
    try:
        bus = fresh_database("portmap_bench_bus")
        t_bus = bus_run(path, bus, natsd, a.writers, expected, a.chaos)
    finally:
        natsd.stop()
    same = digest(bus) == digest(direct)
    print(f"direct path              : {lines / t_direct:>10,.0f} sentences/s ({t_direct:.1f} s)")
    print(f"through the bus, {a.writers} writers: {lines / t_bus:>10,.0f} sentences/s ({t_bus:.1f} s; target 80,000)")
    print(f"bus / direct             : {t_direct / t_bus:>10.2f}")
    print(f"stored: {expected:,} positions either way; the same rows (md5 of every row): {same}; "
          f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""Yard snapshot import: containers/s for a TOS CSV of N containers into the indexed inventory.

    .venv/bin/python -m bench.yard_import [--containers 5000]

Target: 5,000 containers in under 5 s.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

import psycopg

from bench.ais_ingest import ROOT, fresh_port_database
from bench.yardgen import rows, write
from ingest.yard.tos_csv import import_snapshot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--containers", type=int, default=5_000)
    args = parser.parse_args()
    path = ROOT / ".data" / "bench" / f"tos_{args.containers}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    write(path, rows(args.containers))
    url = fresh_port_database("portmap_bench_yard")
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        report = import_snapshot(conn, path, "weifang", snapshot_at=datetime.now(UTC))
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = import_snapshot(conn, path, "weifang", snapshot_at=datetime.now(UTC))
        second = time.perf_counter() - started
    print(f"first import : {report.loaded:,} containers in {first:.2f} s ({report.loaded / first:,.0f}/s; "
          f"target: 5,000 in < 5 s)")
    print(f"re-import    : {again.loaded:,} containers in {second:.2f} s, {again.changed} changed, "
          f"{again.departed} departed")


if __name__ == "__main__":
    main()

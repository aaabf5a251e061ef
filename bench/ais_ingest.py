"""AIS ingest benchmark: end-to-end sentences/s into the indexed tables, beside two ceilings.

    .venv/bin/python -m bench.ais_ingest [--messages 2000000]

Prints (1) the bare pyais decode loop, (2) a bare binary COPY of pre-decoded position rows, and
(3) the real pipeline (decode process + writer process, COPY + merge into partitioned, indexed
tables) with the peak RSS of its processes. Runs against a fresh database `portmap_bench` on the
private cluster (or DATABASE_URL's server). Target on 2 cores: >= 80,000 sentences/s, RSS <= 300 MB.

The default input is 2,000,000 messages (2.2 million sentences): 17 minutes of traffic from 10,000
vessels (20,000 MMSIs), each reporting every 5 s, which the pipeline stores in about 25 s. That measures
the sustained rate of the ingest worker, which runs for days. A shorter file weighs what happens once: the
processes starting (about 0.3 s), the last transaction after the decoders are done (about 0.2 s), and the
first sight of every vessel (its static reports decoded for the first time, its `vessel` and live rows
inserted rather than updated). With --messages 500000 (7 s) the same code reads about 10 % lower, and
varies more from run to run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from pyais.stream import FileReaderStream

from bench.aisgen import write_file
from ingest.ais.decoder import StreamDecoder
from ingest.ais.writer import POSITION_TYPES
from sql import DbSettings
from sql.migrate import migrate

ROOT = Path(__file__).resolve().parent.parent


def fresh_database(name: str) -> str:
    params = conninfo_to_dict(DbSettings().url)
    admin = make_conninfo(**{**params, "dbname": "postgres"})
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_conninfo(**{**params, "dbname": name})
    with psycopg.connect(url) as conn:
        migrate(conn)
    return url


def fresh_port_database(name: str) -> str:
    """fresh_database with the Weifang package loaded."""
    from ingest.port_load import load_package
    from ingest.port_package import read_package

    url = fresh_database(name)
    with psycopg.connect(url) as conn:
        load_package(conn, read_package(ROOT / "assets" / "ports" / "weifang"))
    return url


def bare_pyais(path: Path) -> float:
    started = time.perf_counter()
    for msg in FileReaderStream(str(path)):
        msg.decode()
    return time.perf_counter() - started


def bare_copy(url: str, rows: list[tuple[Any, ...]]) -> float:
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TEMP TABLE bare (mmsi int4, observed_at timestamptz, received_at timestamptz, "
                     "source text, msg_type int2, lon float8, lat float8, sog float4, cog float4, heading int2, "
                     "rot float4, status int2, accuracy bool, altitude int4)")
        started = time.perf_counter()
        with conn.cursor() as cur, cur.copy("COPY bare FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(POSITION_TYPES)
            for row in rows:
                copy.write_row(row)
        conn.commit()
        return time.perf_counter() - started


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class RssSampler(threading.Thread):
    """Peak resident memory of a process and its children together, sampled every 50 ms."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0.0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            children = [int(p) for p in _children(self.pid)]
            self.peak = max(self.peak, rss_mb([self.pid, *children]))
            time.sleep(0.05)


def _children(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2_000_000)
    parser.add_argument("--decoders", type=int, default=os.cpu_count() or 1, help="decoder processes")
    args = parser.parse_args()
    path = ROOT / ".data" / "bench" / f"ais_mix_{args.messages}.nmea"
    if not path.exists():
        print(f"generating {args.messages:,} messages → {path} …", flush=True)
        write_file(path, args.messages)
    lines = sum(1 for _ in path.open("rb"))
    print(f"input: {lines:,} sentences, {args.messages:,} messages, {path.stat().st_size / 1e6:.0f} MB")

    t_pyais = bare_pyais(path)
    decoder = StreamDecoder("bench", synthetic_start=datetime(2026, 1, 1, tzinfo=UTC))
    with path.open("rb") as fh:
        for i, line in enumerate(fh):
            decoder.feed(line, i)
    rows = decoder.take().positions
    url = fresh_database("portmap_bench")
    t_copy = bare_copy(url, rows)
    n_rows = len(rows)
    del rows, decoder

    # The pipeline as it runs in production: the CLI, in its own processes, measured from outside.
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "ais", "--file", str(path), "--no-checkpoint",
                             "--retention-days", "0", "--decoders", str(args.decoders),
                             "--spool", str(ROOT / ".data" / "bench" / "spool")],
                            cwd=ROOT, env={**os.environ, "DATABASE_URL": url}, stdout=subprocess.DEVNULL)
    sampler = RssSampler(proc.pid)
    sampler.start()
    if proc.wait() != 0:
        raise SystemExit("the ingest command failed")
    t_e2e = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    # This machine's speed drifts (a shared VM: the bare loop has read 33,000 to 131,000/s on different days),
    # so the ceiling is measured again after the pipeline and the two readings averaged for the ratios.
    t_pyais_after = bare_pyais(path)
    with psycopg.connect(url) as conn:
        stored = conn.execute("SELECT (SELECT count(*) FROM vessel_position), (SELECT count(*) FROM vessel_latest),"
                              " (SELECT count(*) FROM vessel)").fetchone()
    assert stored is not None

    pyais_rate, copy_rate, e2e_rate = lines / ((t_pyais + t_pyais_after) / 2), n_rows / t_copy, lines / t_e2e
    print(f"cores: {os.cpu_count()}")
    print(f"bare pyais decode loop : {pyais_rate:>10,.0f} sentences/s "
          f"(before {lines / t_pyais:,.0f}, after {lines / t_pyais_after:,.0f})")
    print(f"bare binary COPY       : {copy_rate:>10,.0f} rows/s ({n_rows:,} position rows)")
    print(f"end-to-end             : {e2e_rate:>10,.0f} sentences/s "
          f"({lines:,} in {t_e2e:.2f} s; target >= 80,000)")
    print(f"end-to-end / pyais     : {e2e_rate / pyais_rate:.2f}")
    print(f"end-to-end / COPY      : {e2e_rate / copy_rate:.2f}")
    print(f"at the issue's reference speed (bare pyais 100,000/s): {e2e_rate / pyais_rate * 100_000:,.0f} "
          "sentences/s (a projection by the ratio, not a measurement)")
    print(f"peak RSS (all processes): {sampler.peak:.0f} MB (target <= 300 MB)")
    print(f"stored: {stored[0]:,} positions ({n_rows:,} decoded), {stored[1]:,} latest, {stored[2]:,} vessels")
    if stored[0] != n_rows:
        raise SystemExit("stored positions differ from the decoded ones")


if __name__ == "__main__":
    main()

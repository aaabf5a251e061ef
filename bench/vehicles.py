"""JT/T 808 at port scale: N terminals over real TCP connections, each reporting every few seconds, into PostGIS.

    .venv/bin/python -m bench.vehicles [--terminals 5000] [--interval-s 5] [--duration-s 60]

The server is the real `python -m ingest vehicles --jt808` process (its own database role) on a fresh database;
the terminals are one asyncio process here (half of them 2013 headers, half 2019), each registering,
authenticating, then sending a 0x0200 with additional items every interval (phases spread evenly). The server
answers a report only once it is committed, so the time from sending a report to its 0x8001 is report -> stored.
Printed: reports sent, answered and stored (counted in vehicle_position), the server process's CPU over the
measured window (from /proc/<pid>/stat), the database writer backend's CPU, and the delay percentiles.
Targets (issue 29): server <= 1 core, p95 <= 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime

import psycopg
from psycopg.conninfo import conninfo_to_dict

from bench.ais_ingest import ROOT, fresh_port_database
from ingest.vehicles import jt808

TICK = os.sysconf("SC_CLK_TCK")
CENTRE = (119.19, 37.205)


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads), from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


class Bench:
    def __init__(self) -> None:
        self.sent: dict[tuple[str, int], float] = {}
        self.delays: list[float] = []
        self.measuring = False
        self.reports = self.answered = self.failed = 0


class Terminal(asyncio.Protocol):
    def __init__(self, bench: Bench, phone: str, v2019: bool) -> None:
        self.bench, self.phone, self.version = bench, phone, 1 if v2019 else None
        self.splitter = jt808.Splitter()
        self.serial = 0
        self.transport: asyncio.Transport | None = None
        self.code: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.authed: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def send(self, msg_id: int, body: bytes) -> int:
        self.serial = (self.serial + 1) & 0xFFFF
        assert self.transport is not None
        self.transport.write(jt808.encode(msg_id, self.phone, self.serial, body, version=self.version))
        return self.serial

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        for item in self.splitter.feed(data):
            if not isinstance(item, bytes):
                continue
            header, body = jt808.decode(item)
            if header.msg_id == jt808.REGISTER_ANSWER and not self.code.done():
                self.code.set_result(jt808.decode_registration_answer(body)[2])
            elif header.msg_id == jt808.PLATFORM_ANSWER:
                serial, msg_id, result = jt808.decode_general_answer(body)
                if msg_id == jt808.AUTH and not self.authed.done():
                    self.authed.set_result(result == 0)
                elif msg_id == jt808.LOCATION:
                    self.answered(serial, result, now)

    def answered(self, serial: int, result: int, now: float) -> None:
        sent = self.bench.sent.pop((self.phone, serial), None)
        if sent is None:
            return
        if result != 0:
            self.bench.failed += 1
            return
        self.bench.answered += 1
        if self.bench.measuring:
            self.bench.delays.append(now - sent)

    async def login(self) -> None:
        reg = jt808.Registration(37, 700, "70111", "BENCH", f"T{self.phone[-6:]}", 1, f"鲁G{self.phone[-5:]}")
        self.send(jt808.REGISTER, jt808.encode_registration(reg, self.version))
        code = await asyncio.wait_for(self.code, 60)
        self.send(jt808.AUTH, jt808.encode_auth(code, self.version, "8" * 15, "bench"))
        assert await asyncio.wait_for(self.authed, 60)

    async def report(self, interval_s: float, until: float, rng: random.Random) -> None:
        await asyncio.sleep(rng.uniform(0, interval_s))
        lon, lat = CENTRE[0] + rng.uniform(-0.02, 0.02), CENTRE[1] + rng.uniform(-0.01, 0.01)
        mileage = rng.uniform(1000, 90000)
        while time.perf_counter() < until:
            started = time.perf_counter()
            lon += rng.uniform(-1e-4, 1e-4)
            mileage += 0.05
            loc = jt808.Location(0, jt808.ACC_ON | jt808.POSITIONED, lat, lon, 3, rng.uniform(0, 40),
                                 rng.randrange(360), datetime.now(UTC).replace(microsecond=0), mileage_km=mileage,
                                 fuel_l=120.5, signal=25, satellites=14)
            serial = self.send(jt808.LOCATION, jt808.encode_location(loc))
            self.bench.sent[(self.phone, serial)] = time.perf_counter()
            self.bench.reports += 1
            await asyncio.sleep(max(0.0, interval_s - (time.perf_counter() - started)))


async def run(port: int, args: argparse.Namespace, server_pid: int, url: str) -> Bench:
    bench, loop, rng = Bench(), asyncio.get_running_loop(), random.Random(808)
    terminals: list[Terminal] = []
    t0 = time.perf_counter()
    for start in range(0, args.terminals, 250):       # connect and log in, 250 at a time
        batch = []
        for i in range(start, min(start + 250, args.terminals)):
            _, proto = await loop.create_connection(lambda i=i: Terminal(bench, f"1{i:010d}", bool(i % 2)),
                                                    "127.0.0.1", port)
            batch.append(proto)
        await asyncio.gather(*(t.login() for t in batch))
        terminals += batch
    print(f"{len(terminals)} terminals connected, registered and authenticated in {time.perf_counter() - t0:.1f} s")
    until = time.perf_counter() + args.duration_s + args.interval_s
    tasks = [asyncio.create_task(t.report(args.interval_s, until, rng)) for t in terminals]
    await asyncio.sleep(args.interval_s * 2)            # every terminal has reported once: measure from here
    bench.measuring = True
    backend = writer_backend(url)
    cpu0, db0, w0 = cpu_s(server_pid), cpu_s(backend) if backend else 0.0, time.perf_counter()
    await asyncio.sleep(args.duration_s - args.interval_s)
    cpu1, db1, w1 = cpu_s(server_pid), cpu_s(backend) if backend else 0.0, time.perf_counter()
    bench.measuring = False
    await asyncio.gather(*tasks)
    deadline = time.perf_counter() + 30
    while bench.sent and time.perf_counter() < deadline:
        await asyncio.sleep(0.1)
    bench.cpu = (cpu1 - cpu0) / (w1 - w0)  # type: ignore[attr-defined]
    bench.db_cpu = (db1 - db0) / (w1 - w0) if backend else float("nan")  # type: ignore[attr-defined]
    bench.window = w1 - w0  # type: ignore[attr-defined]
    for t in terminals:
        if t.transport is not None:
            t.transport.close()
    return bench


def writer_backend(url: str) -> int | None:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                           "AND usename = 'portmap_ais' ORDER BY backend_start LIMIT 1").fetchone()
    return int(row[0]) if row else None


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def start_server(url: str) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    params = conninfo_to_dict(url)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PORTMAP_DB_URL")}
    env.update(PORTMAP_DB_NAME=str(params["dbname"]), PORTMAP_DB_ROLE="ais", PORTMAP_JT808_SECRET="bench-secret")
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "vehicles", "--jt808", f"127.0.0.1:{port}",
                             "--station", "bench"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not listen")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--terminals", type=int, default=5000)
    parser.add_argument("--interval-s", type=float, default=5.0)
    parser.add_argument("--duration-s", type=float, default=60.0, help="the measured window (after a warm-up)")
    args = parser.parse_args()
    url = fresh_port_database("portmap_bench_vehicles")
    with psycopg.connect(url) as conn:          # the vehicle registry: the server registers only these
        conn.execute("INSERT INTO vehicle (terminal_phone, plate, kind) SELECT '1' || lpad(i::text, 10, '0'), "
                     "'B' || i, 'container_truck' FROM generate_series(0, %s - 1) i", (args.terminals,))
    proc, port = start_server(url)
    try:
        bench = asyncio.run(run(port, args, proc.pid, url))
    finally:
        proc.terminate()
        proc.wait(30)
    with psycopg.connect(url) as conn:
        stored = conn.execute("SELECT count(*) FROM vehicle_position").fetchone()[0]  # type: ignore[index]
        live = conn.execute("SELECT count(*) FROM vehicle_latest").fetchone()[0]  # type: ignore[index]
    d = bench.delays
    print(f"reports sent {bench.reports}, answered stored {bench.answered}, failed {bench.failed}, "
          f"unanswered {len(bench.sent)}; rows in vehicle_position {stored} "
          f"({'all' if stored == bench.reports else 'NOT all'} stored), vehicle_latest {live}")
    print(f"rate {bench.reports / (args.duration_s + args.interval_s * 2):.0f} reports/s; over a {bench.window:.0f} s "  # type: ignore[attr-defined]
          f"window: server CPU {bench.cpu:.2f} core, database writer backend {bench.db_cpu:.2f} core")  # type: ignore[attr-defined]
    print(f"report -> stored (answer after commit), {len(d)} reports: p50 {percentile(d, 50) * 1000:.0f} ms, "
          f"p95 {percentile(d, 95) * 1000:.0f} ms, p99 {percentile(d, 99) * 1000:.0f} ms, "
          f"max {max(d, default=float('nan')) * 1000:.0f} ms")


if __name__ == "__main__":
    main()

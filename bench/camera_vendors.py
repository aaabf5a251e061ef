"""Vendor camera paths through the real camera worker (`python -m ingest camera`) into PostGIS: events/s each.

    .venv/bin/python -m bench.camera_vendors [--events 6000] [--clients 24]

* Hikvision push: EventNotificationAlert XML POSTed to the webhook by `--clients` senders at once, each answered
  200 only once stored; the figure is answers/s from the first POST to the last answer.
* Hikvision alertStream: a fake NVR (digest auth) streams active/inactive pairs of VMD alerts; the figure is
  parts/s from the stream's first byte until the last row is ended in the database.
* GB/T 28181: SIP MESSAGE alarms over UDP (windowed, retransmitted after 1 s as SIP over UDP does, each answered
  200 OK once committed); the figure is alarms/s from the first datagram to the last 200 OK.
None lost: rows are counted in camera_event afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from bench.ais_ingest import ROOT, fresh_port_database
from tests.vendor_fakes import FakeStreamDevice, gb_alarm, hik_alert, sip_message

TOKEN = "bench-vendors-token"
GB_CAMS = ["37070000001320000001", "37070000001320000002"]
BASE = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def count(url: str, source: str) -> tuple[int, int]:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*), count(end_at) FROM camera_event WHERE source = %s", (source,)).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def wait_http(url: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(urllib.request.Request(url, data=b"{}", method="POST"), timeout=2)
        except urllib.error.HTTPError:
            return              # (401: it is up)
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the webhook did not come up")


BENCH_MAC = "a4:14:37:28:00:99"


def add_bench_cameras(url: str, clients: int) -> None:
    """One camera per push client (channel k of a bench NVR), so each sender's start/end pairs stay in order."""
    with psycopg.connect(url) as conn:
        for k in range(1, clients + 1):
            conn.execute("""INSERT INTO camera (port_id, camera_id, name_en, name_zh, bearing_deg, fov_deg, range_m,
                                                zone_ids, vendor_ids, geom, fov)
                            SELECT port_id, %s, 'Bench', '测试', bearing_deg, fov_deg, range_m, zone_ids, %s, geom, fov
                            FROM camera WHERE camera_id = 'CAM06'""", (f"BENCH-{k}", [f"hikvision:{BENCH_MAC}/{k}"]))


def push(url: str, n: int, clients: int) -> tuple[float, int]:
    """n alerts: each client sends active/inactive pairs for its own channel, one after the other, all clients at
    once; every answer is 200 only once stored."""
    host, port = url.split("//")[1].split("/")[0].split(":")
    path = "/" + url.split("//")[1].split("/", 1)[1]

    def client(k: int) -> int:      # (raw HTTP/1.1, one connection per alert as the devices do: a light client)
        ok = 0
        for i in range(n // clients):
            at = (BASE + timedelta(seconds=10 * (i // 2) + i % 2)).isoformat()
            body = hik_alert("fielddetection", "active" if i % 2 == 0 else "inactive", channel=k, at=at, mac=BENCH_MAC)
            head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/xml\r\n"
                    f"Authorization: Bearer {TOKEN}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
            with socket.create_connection((host, int(port)), timeout=30) as s:
                s.sendall(head + body)
                reply = b""
                while chunk := s.recv(65536):
                    reply += chunk
            ok += reply.startswith(b"HTTP/1.0 200") or reply.startswith(b"HTTP/1.1 200")
        return ok
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        ok = sum(pool.map(client, range(1, clients + 1)))
    return time.perf_counter() - started, ok


def stream_parts(n: int) -> list[tuple[str, bytes]]:
    parts = []
    for i in range(n // 2):
        at = BASE + timedelta(seconds=10 * i)
        parts += [("application/xml", hik_alert("VMD", "active", 1, at=at.isoformat())),
                  ("application/xml", hik_alert("VMD", "inactive", 1, at=(at + timedelta(seconds=5)).isoformat()))]
    return parts


def sip(addr: tuple[str, int], n: int, window: int = 256) -> tuple[float, int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.05)
    port = sock.getsockname()[1]
    messages = {i: sip_message(GB_CAMS[i % 2], gb_alarm(GB_CAMS[i % 2], i, at=(BASE + timedelta(seconds=i)).strftime(
        "%Y-%m-%dT%H:%M:%S")), f"bench-{i}", port=port) for i in range(n)}
    pending: dict[int, float] = {}
    answered: set[int] = set()
    queue_ = list(range(n))
    started = time.perf_counter()
    deadline = time.monotonic() + 300
    while len(answered) < n and time.monotonic() < deadline:
        now = time.monotonic()
        for i, sent in list(pending.items()):
            if now - sent > 1.0:                      # SIP over UDP: retransmit (the SN keeps it idempotent)
                sock.sendto(messages[i], addr)
                pending[i] = now
        while queue_ and len(pending) < window:
            i = queue_.pop()
            sock.sendto(messages[i], addr)
            pending[i] = time.monotonic()
        try:
            while True:
                data = sock.recv(4096)
                if data.startswith(b"SIP/2.0 200"):
                    call = data.split(b"Call-ID: bench-", 1)[1].split(b"\r\n", 1)[0]
                    answered.add(int(call))
                    pending.pop(int(call), None)
        except TimeoutError:
            pass
    sock.close()
    return time.perf_counter() - started, len(answered)


def worker(url: str, web: int, sip_port: int, stream_url: str, login: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "PORTMAP_WEBHOOK_TOKEN": TOKEN}
    return subprocess.Popen([sys.executable, "-m", "ingest", "camera", "--client-id", f"bench-vendors-{web}",
                             "--topic", f"bench-vendors-{web}/events", "--webhook", f"127.0.0.1:{web}",
                             "--gb28181", f"127.0.0.1:{sip_port}", "--hikvision-stream", stream_url,
                             "--stream-login", str(login)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=6_000)
    parser.add_argument("--clients", type=int, default=24)
    args = parser.parse_args()
    url = fresh_port_database("portmap_bench_vendors")
    n = args.events - args.events % (2 * args.clients)
    add_bench_cameras(url, args.clients)
    nvr = FakeStreamDevice("/ISAPI/Event/notification/alertStream", "admin", "bench-pass", [stream_parts(n)])
    first_byte: list[float] = []
    nvr.on_stream = lambda: first_byte.append(time.perf_counter())
    web, sip_port = free_port(), free_port(socket.SOCK_DGRAM)
    with tempfile.TemporaryDirectory() as tmp:
        login = Path(tmp) / "login"
        login.write_text("admin:bench-pass\n")
        proc = worker(url, web, sip_port, nvr.url, login)
        results: dict[str, Any] = {}
        try:
            wait_http(f"http://127.0.0.1:{web}/api/v1/camera-events")
            deadline = time.monotonic() + 300
            while count(url, "hikvision:stream")[1] < n // 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            stream_done = time.perf_counter()
            results["Hikvision alertStream"] = (stream_done - (first_byte[0] if first_byte else stream_done), n,
                                                count(url, "hikvision:stream"), n // 2)
            elapsed, ok = push(f"http://127.0.0.1:{web}/api/v1/camera-events", n, args.clients)
            results["Hikvision push (HTTP)"] = (elapsed, ok, count(url, "hikvision"), n // 2)
            elapsed, ok = sip(("127.0.0.1", sip_port), n)
            time.sleep(0.5)
            results["GB/T 28181 SIP/UDP"] = (elapsed, ok, count(url, "gb28181"), n)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
            nvr.close()
    for name, (elapsed, done, (rows, ended), want_rows) in results.items():
        lost = want_rows - rows
        print(f"{name:24s} {done:6,} events in {elapsed:6.2f} s = {done / max(elapsed, 1e-9):7,.0f} events/s; "
              f"rows {rows:,} (ended {ended:,}), expected {want_rows:,}: "
              f"{'none lost' if lost == 0 else f'{lost} LOST'}")
    print(json.dumps({k: round(v[1] / max(v[0], 1e-9)) for k, v in results.items()}))


if __name__ == "__main__":
    main()

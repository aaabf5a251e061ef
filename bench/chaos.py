"""Hostile input through the real workers: per input path, hostile inputs tried, good records sent and stored,
workers alive, peak RSS.

    python -m bench.chaos [--hostile 100000] [--paths ais-udp,mqtt,…] [--seed 1]

One stack as `make demo` runs it (bench.stack.Stack: private PostgreSQL and broker, every worker supervised).
Each path is one function registered in PATHS ("module:function"), called with the stack, its share of the
hostile inputs and a seed; it interleaves hostile inputs with good records, sends them to the real worker
over its real protocol and returns a PathResult. Exits 1 when a good record is lost or a worker died.
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bench.stack import Stack

# name -> "module:function"; each function is (stack, hostile, seed) -> PathResult
PATHS: dict[str, str] = {
    "ais-udp": "bench.chaos_ais:udp",
    "ais-tcp": "bench.chaos_ais:tcp",
    "ais-file": "bench.chaos_ais:file",
    "mqtt": "bench.chaos_inputs:mqtt",          # Frigate events over MQTT to ingest camera
    "webhook": "bench.chaos_inputs:webhook",    # the camera webhook of ingest camera
    "inbox": "bench.chaos_inputs:inbox",        # the drop folder of ingest inbox
}


@dataclass
class PathResult:
    path: str
    hostile: int                 # hostile inputs sent
    good_sent: int
    good_stored: int
    alive: bool                  # the worker still up and never restarted by its supervisor
    peak_rss_mb: float
    refused: Counter[str] = field(default_factory=Counter)    # hostile inputs refused, by reason

    @property
    def ok(self) -> bool:
        return self.alive and self.good_stored == self.good_sent


def family_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the AIS worker's decoders and writer), in MB."""
    pids = [pid, *map(int, subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                          text=True).stdout.split())]
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            continue
    return total / 1024


class RssWatch:
    """Samples the peak RSS of the named supervised workers every 0.2 s while a path runs."""

    def __init__(self, stack: Stack, names: Iterable[str]) -> None:
        self.stack, self.names = stack, list(names)
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = sum(family_rss_mb(pid) for pid in map(self.stack.worker, self.names) if pid)
            self.peak = max(self.peak, rss)
            self._stop.wait(0.2)

    def __enter__(self) -> RssWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def resolve(spec: str) -> Callable[[Stack, int, int], PathResult]:
    module, _, name = spec.partition(":")
    fn: Callable[[Stack, int, int], PathResult] = getattr(importlib.import_module(module), name)
    return fn


def table(results: list[PathResult]) -> str:
    rows = [("path", "hostile tried", "good sent", "good stored", "workers alive", "peak RSS MB")]
    rows += [(r.path, f"{r.hostile:,}", f"{r.good_sent:,}", f"{r.good_stored:,}", "yes" if r.alive else "NO",
              f"{r.peak_rss_mb:.0f}") for r in results]
    rows.append(("total", f"{sum(r.hostile for r in results):,}", f"{sum(r.good_sent for r in results):,}",
                 f"{sum(r.good_stored for r in results):,}", "yes" if all(r.alive for r in results) else "NO",
                 f"{max((r.peak_rss_mb for r in results), default=0):.0f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__.split("\n")[0])
    p.add_argument("--hostile", type=int, default=100_000, help="hostile inputs in all, shared over the paths")
    p.add_argument("--paths", default=",".join(PATHS), help="comma-separated, of: " + ", ".join(PATHS))
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    names = [n for n in args.paths.split(",") if n]
    unknown = [n for n in names if n not in PATHS]
    if unknown or not names:
        p.error(f"unknown paths {unknown}; known: {', '.join(PATHS)}")
    stack = Stack()
    results = []
    started = time.monotonic()
    try:
        stack.start()
        for i, name in enumerate(names):
            share = args.hostile // len(names) + (1 if i < args.hostile % len(names) else 0)
            result = resolve(PATHS[name])(stack, share, args.seed + i)
            print(f"{name}: {result.hostile:,} hostile, {result.good_stored:,}/{result.good_sent:,} good stored, "
                  f"refused {dict(result.refused.most_common(6))}", flush=True)
            results.append(result)
    finally:
        stack.stop()
    print(f"\nchaos: {sum(r.hostile for r in results):,} hostile inputs in {time.monotonic() - started:.0f} s "
          f"(machine: {os.cpu_count()} cores, Python {sys.version.split()[0]})")
    print(table(results))
    return 0 if results and all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())

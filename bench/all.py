"""`make bench`: every benchmark, one after another, and BENCHMARKS.md with the machine and each figure beside
its target. Each benchmark builds what it needs (its own database, generated traffic); the situation report
reads the main database, so run `make demo` first for a loaded port.

    .venv/bin/python -m bench.all [--quick] [--out BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# name, module and arguments (full, quick), the target
BENCHES: list[tuple[str, str, list[str], list[str], str]] = [
    ("AIS ingest from files", "bench.ais_ingest", [], ["--messages", "100000"],
     ">= 80,000 sentences/s into PostGIS, nothing lost (issue 3)"),
    ("AIS over UDP", "bench.ais_udp", ["--rate", "10000", "--seconds", "60"], ["--rate", "5000", "--seconds", "10"],
     "no loss at 10,000 sentences/s sustained for 60 s, sent vs stored (issue 3)"),
    ("Camera events over MQTT", "bench.camera_mqtt", [], ["--tracks", "500"], "every message stored (issue 4)"),
    ("JT/T 808 vehicles over TCP", "bench.vehicles", [], ["--terminals", "500", "--duration-s", "15"],
     "5,000 terminals reporting every 5 s over TCP, all stored; server <= 1 core, p95 report -> stored <= 1 s "
     "(issue 29)"),
    ("Camera vendor paths", "bench.camera_vendors", [], ["--events", "1200"],
     ">= 1,000 events/s per vendor path, none lost (issue 28)"),
    ("TOS yard snapshot", "bench.yard_import", [], [], "5,000 containers in < 5 s (issue 4)"),
    ("EDIFACT COARRI", "bench.edifact_import", [], ["--containers", "1000"], "no stated figure (issue 4)"),
    ("Alert engine cycle", "bench.alerts_cycle", [], ["--cycles", "5"],
     "warm cycle <= 500 ms (issue 6)"),
    ("Officer map refresh", "bench.map_refresh", [], ["--ticks", "10"],
     "first render <= 3 s; tick p95 <= 100 ms; payload <= 200 KB at 10 % moved (issue 7)"),
    ("OGC API and vector tiles", "bench.ogc", [], ["--runs", "5"],
     "10,000 features as GeoJSON <= 300 ms; a z16 yard tile <= 50 ms p95 with 50,000 containers (issue 27)"),
    ("Situation report", "bench.report", [], [], "<= 5 s with the demo running (issue 9)"),
    ("Port statistics", "bench.port_stats", [], ["--days", "7", "--vessels", "20"],
     "statistics queries <= 200 ms on 30 days of history (issue 12)"),
    ("Officers under load", "bench.load", ["--sessions", "50", "--seconds", "120"],
     ["--sessions", "5", "--seconds", "15", "--ais-rate", "1000"],
     "50 officer sessions at the page's intervals while AIS arrives at 5,000 sentences/s: callback p95 <= 300 ms, "
     "no errors (issue 11; needs make demo)"),
]


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    return [f"- Machine: {os.cpu_count()} cores ({cpu}), {mem:,} MB memory, {platform.platform()}",
            f"- Python {platform.python_version()}; commit `{commit}`; run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"]


def merge(old: list[str], new: list[str]) -> list[str]:
    """The old document with the sections (## …) of the new one replacing theirs, and its header."""
    def sections(lines: list[str]) -> tuple[list[str], dict[str, list[str]]]:
        head: list[str] = []
        found: dict[str, list[str]] = {}
        current: list[str] | None = None
        for line in lines:
            if line.startswith("## "):
                current = found.setdefault(line, [])
            (current if current is not None else head).append(line)
        return head, found
    _, old_sections = sections(old)
    new_head, new_sections = sections(new)
    merged = {**old_sections, **new_sections}
    return [*new_head, *(line for body in merged.values() for line in [body[0], *body[1:]])]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="smaller runs (a check that each benchmark works)")
    p.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    p.add_argument("--only", help="comma-separated module names")
    p.add_argument("--soak", action="store_true", help="also the hour-long soak of the running demo")
    a = p.parse_args()
    lines = ["# Benchmarks", "", "Produced by `make bench` (`python -m bench.all"
             + (" --quick" if a.quick else "") + "`); each figure as its benchmark printed it.", "", *machine(), ""]
    failed = 0
    for name, module, full, quick, target in BENCHES:
        if a.only and module.split(".")[-1] not in a.only.split(","):
            continue
        args = quick if a.quick else full
        command = f"python -m {module} {' '.join(args)}".strip()
        print(f"== {name}: {command}", flush=True)
        started = time.monotonic()
        run = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True,
                             timeout=1800)
        took = time.monotonic() - started
        output = [line for line in run.stdout.splitlines() if line.strip()]
        print("\n".join(output[-8:]), flush=True)
        lines += [f"## {name}", "", f"Target: {target}", "", f"`{command}` ({took:.0f} s"
                  + ("" if run.returncode == 0 else f", FAILED with exit code {run.returncode}") + ")", "", "```",
                  *(output[-12:] or ["(no output)"]), *(run.stderr.strip().splitlines()[-5:] if run.returncode else []),
                  "```", ""]
        failed += run.returncode != 0
    soak = ROOT / "docs" / "soak.txt"
    if a.soak and not a.quick:
        print("== Soak: python -m bench.soak --minutes 70 --warmup 10", flush=True)
        failed += subprocess.run([sys.executable, "-m", "bench.soak", "--minutes", "70", "--warmup", "10"],
                                 cwd=ROOT).returncode != 0
    if soak.exists():           # the soak's last result, whether this run made it or not
        lines += ["## Soak of the accelerated demo", "", "Target: each process's memory flat within 10 % over an hour "
                  "(issue 11)", "", "`python -m bench.soak --minutes 70 --warmup 10` (an hour and more: run by "
                  "`make bench` only with `--soak`, e.g. `make bench BENCH_ARGS=--soak`; otherwise its last "
                  "result, docs/soak.txt, is copied here)", "", "```", *soak.read_text().splitlines(), "```", ""]
    if a.only and Path(a.out).exists():     # keep the other benchmarks' last figures, replace these
        lines = merge(Path(a.out).read_text().splitlines(), lines)
    Path(a.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {a.out}; {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

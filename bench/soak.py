"""Soak: every process of the running demo for an hour, its memory sampled; each must stay flat within 10 %.

    make demo DEMO_SPEED=10                          # the accelerated demo: a day of port traffic in 2.4 hours
    .venv/bin/python -m bench.soak [--minutes 60] [--warmup 10] [--sessions 5] [--out docs/soak.txt]

Every 30 s it reads the resident memory (RSS, with the processes each one started, like the AIS writer) of
each process that scripts/daemon.sh supervises (.data/run/*.pid), and of the broker and the database
server (for the server: the proportional set size of its own processes and of the demo database's backends,
since RSS counts the shared buffers once per backend and the cluster may serve other databases meanwhile).
Meanwhile `--sessions` officers keep the map open (bench/load.py's sessions: the page's requests at its
intervals), so the app works as it does in a control room. After the warm-up, a process's growth is its
mean over the last five samples against its mean over the first five; the target is within 10 %. A process
that restarted during the soak (its pid changed) fails it.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

from app.auth import add_user, login
from bench.load import INTERVALS, PASSWORD, Session, drive, record
from sql import DbSettings

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / ".data" / "run"
SERVICES = ("postgres", "mosquitto")


def children(pid: int) -> list[int]:
    try:
        found = (Path(f"/proc/{pid}/task/{pid}/children").read_text()).split()
    except OSError:
        return []
    out = []
    for c in map(int, found):
        out += [c, *children(c)]
    return out


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def processes() -> dict[str, int]:
    """name -> pid of the supervised process (the supervisor's child), plus the services."""
    out = {}
    for pidfile in sorted(RUN.glob("*.pid")):
        try:
            supervisor = int(pidfile.read_text())
        except ValueError:
            continue
        kids = [c for c in children(supervisor)[:1] if "sleep" not in Path(f"/proc/{c}/comm").read_text()]
        if kids:
            out[pidfile.stem] = kids[0]
    mqtt = ROOT / ".data" / "mqtt" / "mosquitto.pid"
    if mqtt.exists():
        out["mosquitto"] = int(mqtt.read_text())
    pg = ROOT / ".data" / "pg" / "postmaster.pid"
    if pg.exists():
        out["postgres"] = int(pg.read_text().split()[0])
    return out


def tree_rss_mb(pid: int) -> float:
    return sum(rss_kb(p) for p in [pid, *children(pid)]) / 1024


def pss_kb(pid: int) -> int:
    """Proportional set size: shared pages (the database's buffers) divided among the processes sharing them."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def database_of(pid: int) -> str | None:
    """The database a PostgreSQL backend serves, from its process title ("postgres: user db host(port) …");
    None for the server's own processes (checkpointer, WAL writer, autovacuum launcher, …)."""
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None
    words = title.removeprefix("postgres:").split()
    if words[:2] == ["autovacuum", "worker"]:
        return words[2] if len(words) > 2 else None
    return words[1] if len(words) >= 3 and "(" in words[2] else None


def postgres_mb(postmaster: int, dbname: str) -> float:
    """The database server as the demo uses it: PSS of the postmaster, its own processes and the backends of
    the demo's database (backends of other databases on the same cluster — a test run, a load rig — and the
    buffers each backend maps are not counted against it)."""
    kids = [c for c in children(postmaster) if database_of(c) in (None, dbname)]
    return sum(pss_kb(p) for p in [postmaster, *kids]) / 1024


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=60)
    p.add_argument("--warmup", type=float, default=10)
    p.add_argument("--every", type=float, default=30)
    p.add_argument("--sessions", type=int, default=5)
    p.add_argument("--base", default="http://127.0.0.1:8050")
    p.add_argument("--out", default=str(ROOT / "docs" / "soak.txt"))
    a = p.parse_args()
    pids = processes()
    dbname = str(conninfo_to_dict(DbSettings().url).get("dbname", "portmap"))
    if "app" not in pids:
        raise SystemExit("no running demo: start it with make demo DEMO_SPEED=10")
    sessions = []
    if a.sessions:
        with psycopg.connect(DbSettings().url, autocommit=True) as conn:
            for i in range(a.sessions + 1):
                if not conn.execute("SELECT 1 FROM app_user WHERE username = %s", (f"load{i:03d}",)).fetchone():
                    add_user(conn, f"load{i:03d}", f"Load officer {i}", "officer", "port", PASSWORD)
            recorded = record(a.base, "load000", PASSWORD)
            for i in range(1, a.sessions + 1):
                signed = login(conn, f"load{i:03d}", PASSWORD)
                assert signed is not None
                sessions.append(Session(a.base, signed[0], signed[1].csrf, recorded))
        for s in sessions:
            s.call("first")
    started = time.monotonic()
    until = started + a.minutes * 60
    results: dict[str, list[tuple[float, int, int]]] = {k: [] for k in INTERVALS}
    threads = [threading.Thread(target=drive, args=(s, kind, until, results, i * 0.1), daemon=True)
               for i, s in enumerate(sessions) for kind in INTERVALS]
    for t in threads:
        t.start()
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in pids}
    restarted: set[str] = set()
    print(f"soak: {a.minutes:g} min, warm-up {a.warmup:g} min, {a.sessions} officer sessions; processes "
          f"{', '.join(f'{n} ({p})' for n, p in pids.items())}", flush=True)
    while time.monotonic() < until:
        minute = (time.monotonic() - started) / 60
        now = processes()
        for name, pid in pids.items():
            if now.get(name) != pid:
                restarted.add(name)
                continue
            samples[name].append((minute, postgres_mb(pid, dbname) if name == "postgres" else tree_rss_mb(pid)))
        line = " ".join(f"{n} {s[-1][1]:.0f}" for n, s in samples.items() if s)
        print(f"{minute:5.1f} min  RSS MB: {line}", flush=True)
        time.sleep(max(0.0, min(a.every, until - time.monotonic())))
    for t in threads:
        t.join(timeout=30)
    lines = [f"Soak of the accelerated demo (`python -m bench.soak --minutes {a.minutes:g} --warmup {a.warmup:g} "
             f"--sessions {a.sessions}`), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; RSS of each process with its "
             f"children (PostgreSQL: PSS of the server and the demo database's backends), sampled every "
             f"{a.every:g} s; growth = mean of the last 5 samples against the first 5 "
             "after the warm-up (target: within 10 %).", "",
             f"{'process':<10} {'start MB':>9} {'end MB':>8} {'min MB':>8} {'max MB':>8} {'growth':>8}  verdict"]
    failed = 0
    for name, rows in samples.items():
        after = [mb for minute, mb in rows if minute >= a.warmup]
        if name in restarted or len(after) < 10:
            lines.append(f"{name:<10} {'':>9} {'':>8} {'':>8} {'':>8} {'':>8}  "
                         + ("RESTARTED during the soak" if name in restarted else "too few samples"))
            failed += name not in SERVICES or name in restarted
            continue
        first, last = statistics.mean(after[:5]), statistics.mean(after[-5:])
        growth = (last - first) / first * 100
        ok = abs(growth) <= 10
        service = name in SERVICES
        failed += not ok and not service
        lines.append(f"{name:<10} {first:9.1f} {last:8.1f} {min(after):8.1f} {max(after):8.1f} {growth:+7.1f} %  "
                     + ("within 10 %" if ok else "OVER 10 %") + (" (a service, for information: its"
                                                                  " backends share memory)" if service else ""))
    for kind, rows in results.items():
        if rows:
            ms = sorted(r[0] for r in rows)
            lines.append(f"officer {kind}: {len(rows):,} calls, p95 {ms[int(0.95 * (len(ms) - 1))]:.0f} ms, "
                         f"errors {sum(r[1] != 200 for r in rows)}")
    lines.append(f"{'all processes flat within 10 %' if not failed else f'{failed} process(es) failed'}")
    text = "\n".join(lines) + "\n"
    print(text)
    Path(a.out).write_text(text)
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()

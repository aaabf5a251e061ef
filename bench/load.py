"""Officers under load: N concurrent map sessions against the running app while AIS arrives at R sentences/s.

    make demo                                         # the stack under test (any DEMO_SPEED)
    .venv/bin/python -m bench.load [--sessions 50] [--seconds 120] [--warmup 20] [--ais-rate 5000] [--procs 2]
                                   [--base http://127.0.0.1:8050]

How a session is driven: one real browser (Debian's headless Chromium) signs in and opens the map, and the
Dash callback requests it makes are recorded: the first render, the map's 1 s live tick, the 5 s KPI strip and
the 1 s alert list. Each of the N sessions is then an officer of its own (a user and a session in the
database, its own CSRF token) that replays those requests over HTTP at the browser's intervals, carrying its
own state from one response to the next as dash-renderer does (the tick's `live` store with its generation,
the trace-to-layer map), so the server keeps a map per session and answers each with its own patch. Like a
browser, a session keeps its connections open. The sessions are spread over `--procs` driver processes, so that
the driver's own interpreter lock is not counted as the server's latency; the driver's CPU is printed, since it
runs on the same two cores as the app. The AIS traffic is sent over UDP to the demo's listener
(`--ais-port`, 10110) by a separate process: `--vessels` ships going about their business over Laizhou Bay and
the Bohai Strait (bench.aisgen.sea_traffic), each datagram one sentence. Prints each callback's latency (median, p95,
max), requests per second, errors, and the AIS rate sent and stored. The first `--warmup` seconds (every
session's first ticks carry whole traces, as when fifty officers sign in in the same second) are driven but
reported apart, not in the figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import socket
import statistics
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path
from typing import Any

import psycopg

from app.auth import add_user, login
from app.server import ALERT_TICK_MS, PANEL_TICK_MS, TICK_MS
from bench.aisgen import sea_traffic
from sql import DbSettings

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "load-test-harbour-7"
INTERVALS = {"tick": TICK_MS / 1000, "panel": PANEL_TICK_MS / 1000, "alerts": ALERT_TICK_MS / 1000}   # the page's


def kind_of(body: dict[str, Any]) -> str | None:
    """Which of the periodic callbacks a recorded request is, from what triggers it."""
    ids = json.dumps([i.get("id") for i in body.get("inputs", []) if isinstance(i, dict)])
    if '"view"' in ids or "map-view" in ids:
        return "tick"
    if "panel-tick" in ids:
        return "panel"
    if "alert-tick" in ids:
        return "alerts"
    return None


def record(base: str, username: str, password: str) -> dict[str, Any]:
    """The callback requests one real browser makes: the first render and one of each periodic kind."""
    from playwright.sync_api import sync_playwright

    seen: dict[str, Any] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1600, "height": 900})

        def on_request(request: Any) -> None:
            if "/_dash-update-component" in request.url and request.method == "POST":
                body = json.loads(request.post_data or "{}")
                kind = kind_of(body)
                if kind is None and str(body.get("output", "")).startswith("..map.figure..."):
                    kind = "first"
                if kind == "first":
                    seen.setdefault(kind, body)
                elif kind is not None:          # the latest: the tick's view once the map is drawn
                    seen[kind] = body
        page.on("request", on_request)
        page.goto(f"{base}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.wait_for_selector("body[data-map-loaded=true]", timeout=60_000)
        page.wait_for_timeout(3000)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not {"first", "tick", "panel", "alerts"} <= set(seen):
            page.wait_for_timeout(250)
        browser.close()
    missing = {"first", "tick", "panel", "alerts"} - set(seen)
    if missing:
        raise SystemExit(f"the browser made no {', '.join(sorted(missing))} callback; is the app the map?")
    return seen


def key(component_id: Any, prop: str) -> str:
    cid = json.dumps(component_id, sort_keys=True, separators=(",", ":")) if isinstance(component_id, dict) \
        else str(component_id)
    return f"{cid}.{prop}"


class Session:
    """One officer's browser, as far as the server can tell: cookies, CSRF token, the stores it carries, and a
    kept-alive connection for each of its periodic callbacks (a browser keeps its connections open)."""

    def __init__(self, base: str, token: str, csrf: str, recorded: dict[str, Any]) -> None:
        self.base, self.recorded = base, recorded
        self.headers = {"Content-Type": "application/json", "Origin": base, "Referer": f"{base}/",
                        "X-CSRF-Token": csrf, "Cookie": f"portmap_session={token}; portmap_csrf={csrf}"}
        self.props: dict[str, Any] = {}
        self.lock = threading.Lock()
        self.conns: dict[str, http.client.HTTPConnection] = {}

    def __getstate__(self) -> dict[str, Any]:           # to a driver process: no lock, no open connection
        return {k: v for k, v in self.__dict__.items() if k not in ("lock", "conns")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, lock=threading.Lock(), conns={})

    def _fill(self, items: Any) -> Any:
        if isinstance(items, list):
            return [self._fill(i) for i in items]
        if isinstance(items, dict) and "id" in items and "property" in items:
            k = key(items["id"], items["property"])
            if k in self.props:
                return {**items, "value": self.props[k]}
        return items

    def _post(self, kind: str, data: bytes) -> tuple[int, bytes]:
        """POST on this kind's kept-alive connection. One the server closed while it was idle is opened again
        once, as a browser does; any other failure is the caller's error."""
        for attempt in (0, 1):
            conn = self.conns.get(kind)
            reused = conn is not None
            if conn is None:
                url = urllib.parse.urlsplit(self.base)
                conn = self.conns[kind] = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port or 80,
                                                                     timeout=30)
            try:
                conn.request("POST", "/_dash-update-component", body=data, headers=self.headers)
                r = conn.getresponse()
                return r.status, r.read()
            except (OSError, http.client.HTTPException) as err:
                conn.close()
                del self.conns[kind]
                idle_close = isinstance(err, (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError))
                if not (reused and idle_close) or attempt:
                    raise
        raise AssertionError("unreachable")

    def call(self, kind: str) -> tuple[float, int, int]:
        body = dict(self.recorded[kind])
        with self.lock:
            body["inputs"] = self._fill(body.get("inputs", []))
            body["state"] = self._fill(body.get("state", []))
        data = json.dumps(body).encode()
        started = time.perf_counter()
        try:
            status, raw = self._post(kind, data)
        except (OSError, http.client.HTTPException):
            status, raw = 0, b""
        if status == 204:                # every output no_update (PreventUpdate): an answer like any other
            status = 200
        took = (time.perf_counter() - started) * 1000
        if status == 200 and raw:
            response = json.loads(raw).get("response", {})
            with self.lock:
                for cid, values in response.items():
                    for prop, value in values.items():
                        if prop != "figure":
                            self.props[f"{cid}.{prop}"] = value
        return took, status, len(raw)


def drive(session: Session, kind: str, until: float, results: dict[str, list[tuple[float, int, int]]],
          offset: float, measure_from: float = 0.0,
          warm: dict[str, list[tuple[float, int, int]]] | None = None) -> None:
    """Make one session's `kind` requests at the page's interval until `until`; those started before
    `measure_from` go to `warm` (the warm-up), the rest to `results`."""
    period = INTERVALS[kind]
    due = time.monotonic() + offset
    while due < until:
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        started = time.monotonic()
        answer = session.call(kind)
        (results if started >= measure_from or warm is None else warm)[kind].append(answer)
        due = max(due + period, time.monotonic())     # an interval does not fire twice for one late request


def driver_main(sessions: list[tuple[int, Session]], total: int, began: float, warmup: float, until: float,
                out: Any) -> None:
    """A driver process: its share of the sessions, a thread per session and periodic callback, from `began`
    (a time.monotonic instant, the same clock in every process). Puts (results, warm-up results, its CPU
    seconds) on `out`."""
    results: dict[str, list[tuple[float, int, int]]] = defaultdict(list)
    warm: dict[str, list[tuple[float, int, int]]] = defaultdict(list)
    while time.monotonic() < began:
        time.sleep(0.01)
    cpu = time.process_time()
    threads = [threading.Thread(target=drive, args=(s, kind, until, results, (i / total) * period, began + warmup,
                                                    warm), daemon=True)
               for i, s in sessions for kind, period in INTERVALS.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((dict(results), dict(warm), time.process_time() - cpu))


def send_ais(port: int, rate: int, seconds: int, vessels: int, out: Any, ready: Any) -> None:
    lines = [ln.encode() + b"\r\n" for ln in sea_traffic(rate * seconds, vessels=vessels, per_second=rate,
                                                         station="load")]
    ready.set()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    per_tick = max(1, rate // 100)
    started = time.monotonic()
    for tick in range(0, len(lines), per_tick):
        for line in lines[tick:tick + per_tick]:
            sock.sendto(line, ("127.0.0.1", port))
        pause = started + (tick // per_tick + 1) / 100 - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    out.put((len(lines), time.monotonic() - started))


def p95(values: list[float]) -> float:
    ranked = sorted(values)
    return ranked[max(0, round(0.95 * len(ranked)) - 1)] if ranked else float("nan")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base", default="http://127.0.0.1:8050")
    p.add_argument("--sessions", type=int, default=50)
    p.add_argument("--seconds", type=int, default=120)
    p.add_argument("--ais-rate", type=int, default=5_000)
    p.add_argument("--ais-port", type=int, default=10110)
    p.add_argument("--vessels", type=int, default=4_000)
    p.add_argument("--warmup", type=int, default=20,
                   help="seconds of driving before the measurement (every session's first ticks send whole traces)")
    p.add_argument("--procs", type=int, default=2, help="driver processes the sessions are spread over")
    p.add_argument("--record", type=Path, help="save (or, if it exists, reuse) the recorded requests here")
    a = p.parse_args()
    with psycopg.connect(DbSettings().url, autocommit=True) as conn:
        for i in range(a.sessions + 1):
            name = f"load{i:03d}"
            if not conn.execute("SELECT 1 FROM app_user WHERE username = %s", (name,)).fetchone():
                add_user(conn, name, f"Load officer {i}", "officer", "port", PASSWORD)
        if a.record and a.record.exists():
            recorded = json.loads(a.record.read_text())
        else:
            recorded = record(a.base, "load000", PASSWORD)
            if a.record:
                a.record.write_text(json.dumps(recorded))
        sessions = []
        for i in range(1, a.sessions + 1):
            signed = login(conn, f"load{i:03d}", PASSWORD)
            assert signed is not None
            sessions.append(Session(a.base, signed[0], signed[1].csrf, recorded))
    print(f"{a.sessions} officer sessions against {a.base} for {a.seconds} s; AIS at {a.ais_rate:,} sentences/s "
          f"({a.vessels:,} vessels) to udp:{a.ais_port}", flush=True)
    first = [s.call("first") for s in sessions]
    ctx = mp.get_context("spawn")
    ais_out: Any = ctx.Queue()
    ready = ctx.Event()
    ais = ctx.Process(target=send_ais, args=(a.ais_port, a.ais_rate, a.warmup + a.seconds, a.vessels, ais_out,
                                             ready))
    with psycopg.connect(DbSettings().url) as conn:
        before = conn.execute("SELECT coalesce(sum(messages_total), 0) FROM feed_status "
                              "WHERE source LIKE 'ais:udp:%' AND source NOT LIKE '%/%'").fetchone()[0]  # type: ignore[index]
    ais.start()
    ready.wait()                       # the sender has generated its traffic: sessions and AIS start together
    print("sessions and AIS traffic running", flush=True)
    # The sessions are driven from several processes: one Python process making 150 periodic requests
    # contends for its own interpreter lock, and what it waits for would be counted as the server's latency.
    procs = max(1, min(a.procs, a.sessions))
    began = time.monotonic() + 1.0
    started = began + a.warmup
    until = started + a.seconds
    done: Any = ctx.Queue()
    drivers = [ctx.Process(target=driver_main, args=([(i, s) for i, s in enumerate(sessions) if i % procs == n],
                                                     a.sessions, began, a.warmup, until, done))
               for n in range(procs)]
    for d in drivers:
        d.start()
    results: dict[str, list[tuple[float, int, int]]] = defaultdict(list)
    warm: dict[str, list[tuple[float, int, int]]] = defaultdict(list)
    driver_cpu = 0.0
    for _ in drivers:
        got, warmed_part, cpu = done.get()
        driver_cpu += cpu
        for kind, rows in got.items():
            results[kind] += rows
        for kind, rows in warmed_part.items():
            warm[kind] += rows
    for d in drivers:
        d.join()
    elapsed = time.monotonic() - started
    sent, send_s = ais_out.get()
    ais.join()
    time.sleep(2)
    with psycopg.connect(DbSettings().url) as conn:
        after = conn.execute("SELECT coalesce(sum(messages_total), 0) FROM feed_status "
                             "WHERE source LIKE 'ais:udp:%' AND source NOT LIKE '%/%'").fetchone()[0]  # type: ignore[index]
    print(f"first render: median {statistics.median(r[0] for r in first):.0f} ms over {len(first)} sessions; "
          f"errors {sum(r[1] != 200 for r in first)}")
    warmed = [r for rows in warm.values() for r in rows]
    if warmed:
        print(f"warm-up ({a.warmup} s, not in the figures below): {len(warmed):,} callbacks, "
              f"p95 {p95([r[0] for r in warmed]):.0f} ms, errors {sum(r[1] != 200 for r in warmed)}")
    everything: list[float] = []
    errors = 0
    for kind in INTERVALS:
        rows = results[kind]
        ms = [r[0] for r in rows]
        everything += ms
        bad = sum(r[1] != 200 for r in rows)
        errors += bad
        reply = statistics.median(r[2] for r in rows) / 1024
        print(f"{kind:<7}: {len(rows):6,} calls ({len(rows) / elapsed:5.1f}/s), "
              f"median {statistics.median(ms):4.0f} ms, "
              f"p95 {p95(ms):4.0f} ms, max {max(ms):5.0f} ms, median reply {reply:.1f} KB, errors {bad}")
    print(f"all callbacks: {len(everything):,} in {elapsed:.0f} s ({len(everything) / elapsed:.0f}/s), "
          f"p95 {p95(everything):.0f} ms (target <= 300 ms), errors {errors} (target 0)")
    print(f"the load driver: {procs} processes, {driver_cpu / (until - began) * 100:.0f} % of a core "
          "(on the same machine as the app)")
    print(f"AIS: {sent:,} sentences sent in {send_s:.0f} s ({sent / send_s:,.0f}/s); the listener's feeds counted "
          f"{after - before:,} messages stored meanwhile")


if __name__ == "__main__":
    main()

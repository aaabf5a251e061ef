"""An officer's map in a real headless Chromium, signed in for --minutes with the demo running: does the map say
"frozen" while the server answers, how old is the picture on screen, how long a replay and a fly-to take.

    .venv/bin/python -m bench.map_client --minutes 10          # demo at --speed 10 with --vessels 10000

It starts a whole stack of its own (bench/stack.py: a private PostGIS and broker, every worker, the app) and the
demo feed against it, signs in as an officer at 1920x1080 in Debian's Chromium (software WebGL) and samples once a
second:

- frozen: whether the server banner says the picture is frozen (#server-banner, en or zh);
- age: now minus the data time of the picture on screen: <body data-picture-at> (the server's time of the last
  applied tick) where the page exposes it, else the browser's time of the last applied answer
  (window._portmapSeen, a slight under-estimate);

then times a replay (a click on "back 10 min" until the clock under the map shows the replayed instant, i.e. the
replayed picture was applied) and a fly-to (a click on an alert until the map stands at it). Every process it
starts is stopped at the end, the stack's folder removed.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from typing import Any

import psycopg

from bench.stack import ROOT, Stack, wait_for

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
USER, PASSWORD = "bench-duty", "bench-harbour-light-42"
SUB = "(() => { const gd = document.querySelector('#map .js-plotly-plot'); " \
      "return gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot; })()"
SAMPLE = """() => {
  const el = document.getElementById('server-banner');
  const text = el ? el.textContent : '';
  const at = Number(document.body.dataset.pictureAt || window._portmapSeen || 0);
  return {frozen: /frozen|冻结/.test(text), slow: /slow|缓慢/i.test(text), age: at ? (Date.now() - at) / 1000 : null};
}"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def start_demo(stack: Stack, a: argparse.Namespace) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "demo", "--speed", str(a.speed), "--ais", f"127.0.0.1:{stack.ports['udp']}",
           "--mqtt", f"127.0.0.1:{stack.ports['mqtt']}", "--inbox", str(stack.inbox),
           "--incident-log", str(stack.data / "incidents.jsonl"), "--duration", str(a.minutes * 60 + 600)]
    if a.vessels:
        cmd += ["--vessels", str(a.vessels)]
    log = (stack.data / "demo.log").open("w")
    return subprocess.Popen(cmd, cwd=ROOT, env=stack.env, stdout=log, stderr=log)


def sign_in(browser: Any, base: str) -> Any:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(f"{base}/login")
    page.fill("#username", USER)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{base}/")
    page.wait_for_selector("body[data-map-loaded=true]", timeout=180_000)
    return page


def sample(page: Any, minutes: float) -> tuple[list[bool], list[float], int]:
    """Once a second for `minutes`: is the banner saying frozen, the age of the picture, and slow-link notes."""
    frozen: list[bool] = []
    ages: list[float] = []
    slow = 0
    started = time.monotonic()
    next_at = started
    while time.monotonic() - started < minutes * 60:
        page.wait_for_timeout(max(0.0, next_at - time.monotonic()) * 1000)
        next_at += 1.0
        s = page.evaluate(SAMPLE)
        frozen.append(bool(s["frozen"]))
        slow += bool(s["slow"])
        if s["age"] is not None:
            ages.append(float(s["age"]))
    return frozen, ages, slow


def time_replay(page: Any, tries: int) -> list[float]:
    """Click "back 10 min"; seconds until the clock under the map shows the replayed instant; then back to live."""
    out: list[float] = []
    for _ in range(tries):
        live = page.text_content("#replay-clock")
        t0 = time.monotonic()
        page.evaluate("() => document.querySelector('button.replay-back').click()")
        try:
            page.wait_for_function("(live) => document.querySelector('#replay-clock').textContent !== live",
                                   arg=live, polling=50, timeout=120_000)
            out.append(time.monotonic() - t0)
        except Exception:                      # noqa: BLE001 - a timeout is a figure too
            out.append(float("inf"))
        print(f"replay {len(out)}: {out[-1]:.2f} s", flush=True)
        page.evaluate("() => document.getElementById('replay-live').click()")
        page.wait_for_function("(live) => document.querySelector('#replay-clock').textContent === live",
                               arg=live, polling=200, timeout=120_000)
        page.wait_for_timeout(2000)
    return out


def bench_alerts(stack: Stack, page: Any) -> list[int]:
    """Two alerts of the bench's own to fly to (warnings at the anchorage and in the channel; some of the demo's
    alerts have no place to fly to, a feed outage say). Their rule is no engine's, so no engine cycle clears them."""
    made = []
    for i, (lon, lat) in enumerate(((119.30, 37.45), (119.22, 37.33))):
        made += stack.query("""INSERT INTO alert (port_id, rule, severity, subject_kind, subject_id, dedup_key, geom,
                           evidence_at, title_en, title_zh, details, state)
                       VALUES ('weifang', 'bench_flyto', 'warning', 'vessel', %s, %s, ST_SetSRID(ST_MakePoint(%s, %s),
                               4326), now(), 'Speeding (bench)', '超速（测试）', '{}', 'open') RETURNING alert_id""",
                    (str(900000001 + i), f"bench_flyto:{i}", lon, lat))
    ids = [int(r[0]) for r in made]
    page.wait_for_function("(ids) => ids.every(i => document.querySelector(`button.alert-row[data-alert='${i}']`))",
                           arg=ids, timeout=120_000)
    return ids


def time_fly(page: Any, ids: list[int], tries: int) -> list[float]:
    """Zoom the map out, click an alert (the other one each time); seconds until the map stands at zoom 14."""
    out: list[float] = []
    for i in range(tries):
        page.evaluate(f"() => {SUB}.map.jumpTo({{zoom: 10}})")
        page.wait_for_timeout(1500)
        t0 = time.monotonic()
        page.evaluate("(i) => document.querySelector(`button.alert-row[data-alert='${i}']`).click()",
                      ids[i % len(ids)])
        try:
            page.wait_for_function(f"() => Math.abs({SUB}.map.getZoom() - 14) < 0.05", polling=50, timeout=60_000)
            out.append(time.monotonic() - t0)
        except Exception:                      # noqa: BLE001
            out.append(float("inf"))
    return out


def report_samples(frozen: list[bool], ages: list[float], slow: int) -> None:
    n = len(frozen)
    print(f"samples: {n} (one a second)")
    print(f"frozen banner: {sum(frozen)}/{n} seconds = {100 * sum(frozen) / max(n, 1):.1f} %")
    print(f"slow-link note: {slow}/{n} seconds")
    if ages:
        print(f"picture age on screen: median {statistics.median(ages):.2f} s, p95 {pct(ages, 0.95):.2f} s, "
              f"max {max(ages):.2f} s")


def report_times(replays: list[float], flys: list[float]) -> None:
    say = ", ".join(f"{v:.2f}" for v in replays)
    print(f"replay redraw (back 10 min -> replayed picture applied): {say} s"
          + (f"; median {statistics.median(replays):.2f} s" if replays else ""))
    say = ", ".join(f"{v:.2f}" for v in flys)
    print(f"fly-to (alert click -> map at the alert): {say} s"
          + (f"; median {statistics.median(flys):.2f} s" if flys else ""))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=10.0)
    p.add_argument("--speed", type=float, default=10.0)
    p.add_argument("--vessels", type=int, default=10000, help="the demo's scale mode (0: the port's own traffic)")
    p.add_argument("--replays", type=int, default=3)
    p.add_argument("--flys", type=int, default=5)
    a = p.parse_args()
    from playwright.sync_api import sync_playwright

    from app.auth import add_user
    stack = Stack()
    demo = None
    try:
        stack.start()
        with psycopg.connect(stack.url, autocommit=True) as conn:
            add_user(conn, USER, "Bench Duty", "officer", "port", PASSWORD)
        demo = start_demo(stack, a)
        wait_for("the demo's vessels", lambda: stack.query("SELECT count(*) FROM vessel_latest")[0][0] > 20, 180, 1)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = sign_in(browser, stack.base)
            n_vessels = stack.query("SELECT count(*) FROM vessel_latest")[0][0]
            print(f"signed in; {n_vessels} vessels in vessel_latest; sampling for {a.minutes} min")
            report_samples(*sample(page, a.minutes))
            sys.stdout.flush()
            replays = time_replay(page, a.replays)
            flys = time_fly(page, bench_alerts(stack, page), a.flys)
            report_times(replays, flys)
            print(f"page errors: {len(page.errors)}")
            browser.close()
    finally:
        if demo is not None:
            demo.terminate()
            try:
                demo.wait(timeout=20)
            except subprocess.TimeoutExpired:
                demo.kill()
        stack.stop()


if __name__ == "__main__":
    main()

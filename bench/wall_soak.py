"""Soak the control-centre wall: an hour of the port, accelerated, with the wall open; its JavaScript heap and
the app server's memory must stay flat (within 10 %).

Run it with the demo feeding the port at speed (an hour of port time in six minutes at speed 10):

    make demo DEMO_SPEED=10          # in another shell, or already running
    .venv/bin/python -m bench.wall_soak --minutes 6

It starts an app server of its own (so that it can read that process's memory), creates a wall token, opens
/wall in Debian's headless Chromium with the rotation at 2 s instead of the port's own, and every 30 s, after a
garbage collection, samples the page's JS heap (CDP Performance.getMetrics) and the server's resident memory.
The baseline is the first sample after a one-minute warm-up.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from app.auth import add_token
from sql.db import DbSettings

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=6.0)
    p.add_argument("--warmup", type=float, default=60.0, help="seconds before the baseline sample")
    p.add_argument("--every", type=float, default=30.0, help="seconds between samples")
    p.add_argument("--rotate", type=int, default=2, help="seconds per view")
    p.add_argument("--port", type=int, default=8071)
    a = p.parse_args()
    from playwright.sync_api import sync_playwright

    url = DbSettings().url
    with psycopg.connect(url, autocommit=True) as conn:
        token = add_token(conn, f"soak-{secrets.token_hex(4)}", "wall", "control_centre", "bench.wall_soak")
        reports = conn.execute("SELECT count(*) FROM vessel_latest WHERE observed_at > now() - interval '2 minutes'"
                               ).fetchone()[0]  # type: ignore[index]
    if not reports:
        print("warning: no vessel reported in the last 2 minutes; is the demo running (make demo DEMO_SPEED=10)?")
    env = {**os.environ, "PORTMAP_APP_PORT": str(a.port)}
    log = open(ROOT / ".data" / "wall_soak_app.log", "w")   # noqa: SIM115 - lives as long as the server
    server = subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{a.port}"
    samples: list[tuple[float, float, float, int, int]] = []
    try:
        time.sleep(3)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader",
                "--enable-precise-memory-info"])
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{base}/wall?token={token}&rotate={a.rotate}")
            page.wait_for_selector("body[data-wall-loaded=true]", timeout=120_000)
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            started = time.monotonic()
            next_at = started + a.warmup
            while time.monotonic() - started < a.minutes * 60:
                page.wait_for_timeout(max(0.0, next_at - time.monotonic()) * 1000)
                cdp.send("HeapProfiler.collectGarbage")
                metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
                counts = page.evaluate("() => [window._wall.lives, window._wall.figures]")
                sample = (time.monotonic() - started, metrics["JSHeapUsedSize"] / 2**20, rss_mb(server.pid),
                          counts[0], metrics.get("Nodes", 0))
                samples.append((sample[0], sample[1], sample[2], sample[3], int(sample[4])))
                print(f"{sample[0]:6.0f} s  JS heap {sample[1]:7.1f} MB  server RSS {sample[2]:7.1f} MB  "
                      f"live redraws {counts[0]:4d}  DOM nodes {int(sample[4])}", flush=True)
                next_at += a.every
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
    if len(samples) < 2:
        raise SystemExit("not enough samples: run longer than the warm-up")
    base_heap, base_rss = samples[0][1], samples[0][2]
    worst_heap = max(abs(s[1] - base_heap) / base_heap for s in samples)
    worst_rss = max(abs(s[2] - base_rss) / base_rss for s in samples)
    last = samples[-1]
    print(f"\nwall soak: {a.minutes:g} min ({a.minutes * 60 / 3600 * 10:.1f} h of port time at demo speed 10), "
          f"rotation every {a.rotate} s, {last[3]} live redraws, errors {len(errors)}")
    print(f"JS heap: {base_heap:.1f} MB -> {last[1]:.1f} MB (worst {worst_heap:.1%} from the baseline; target 10 %)")
    print(f"server RSS: {base_rss:.1f} MB -> {last[2]:.1f} MB (worst {worst_rss:.1%}; target 10 %)")
    print("flat" if worst_heap <= 0.10 and worst_rss <= 0.10 else "NOT FLAT")


if __name__ == "__main__":
    main()

"""Screenshot a page of the running app in Debian's headless Chromium once the map has loaded.

    .venv/bin/python scripts/screenshot.py http://127.0.0.1:8050/ docs/map.png [--lang zh] [--size 1600x1000]

It signs in as the demo's duty officer (`python -m app.users demo`), or as --user with --password.
`--open stats` (or `ops-watch`, `ops-plan`, `ops-direct`; repeatable) unfolds a panel beside the map first, and
`--grain hour|day|month` picks the statistics' period. `--click lon,lat` clicks the map there (a vessel, a
container or a camera opens its card) before the shot.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("out")
    p.add_argument("--lang", default="en")
    p.add_argument("--size", default="1600x1000")
    p.add_argument("--zoom", type=float, help="set the map zoom before the shot")
    p.add_argument("--center", help="lon,lat to centre on")
    p.add_argument("--user", default="duty")
    p.add_argument("--password", help="default: the demo account's, from .data/secrets/demo-accounts")
    p.add_argument("--open", action="append", default=[],
                   help="unfold a side panel: stats, ops-watch, ops-plan, ops-direct")
    p.add_argument("--grain", help="the statistics' period: hour, day or month")
    p.add_argument("--click", help="lon,lat on the map to click (opens the card of what is there)")
    a = p.parse_args()
    if a.password is None:          # as app.users demo_passwords reads them (this script runs outside the package)
        data = Path(os.environ.get("PORTMAP_DATA") or Path(__file__).resolve().parent.parent / ".data")
        accounts = data / "secrets" / "demo-accounts"
        known = dict(line.split(" ", 1) for line in accounts.read_text().splitlines()) if accounts.is_file() else {}
        if a.user not in known:
            p.error(f"no password for {a.user} in {accounts}: pass --password")
        a.password = known[a.user]
    width, height = (int(v) for v in a.size.split("x"))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        url = a.url
        if a.zoom or a.center:        # the app takes its view from the address (a relayout is undone by live ticks)
            lon, lat = (float(v) for v in (a.center or "119.215,37.29").split(","))
            url += ("&" if "?" in url else "?") + f"view={lon},{lat},{a.zoom or 10.6}"
        base = url.split("?")[0].rstrip("/")
        page.goto(f"{base}/login")
        page.fill("#username", a.user)
        page.fill("#password", a.password)
        page.click("#login-submit")
        page.wait_for_url(f"{base}/")
        page.goto(url)
        page.wait_for_selector("body[data-map-loaded=true]", timeout=60_000)
        if a.lang != "en":
            page.get_by_label("中文").check()
            page.wait_for_function("() => document.querySelector('#title').textContent.includes('港')")
        for panel in a.open:
            page.click(f"#{panel}-heading")
        if a.grain:
            page.check(f"#stats-grain input[value={a.grain}]")
        if a.open:                    # the last unfolded panel in view
            page.wait_for_timeout(2500)
            page.eval_on_selector(f"#{a.open[-1]}-heading", "e => e.scrollIntoView()")
        if a.click:                   # where MapLibre draws that point, then a click there
            lon, lat = (float(v) for v in a.click.split(","))
            spot = page.evaluate("([lon, lat]) => { const gd = document.querySelector('#map .js-plotly-plot'); "
                                 "const m = gd._fullLayout.map._subplot.map; const p = m.project([lon, lat]); "
                                 "const r = m.getCanvas().getBoundingClientRect(); "
                                 "return [r.left + p.x, r.top + p.y]; }", [lon, lat])
            page.mouse.click(spot[0], spot[1])
            page.wait_for_selector(".card h4", timeout=15_000)
            page.eval_on_selector(".card", "e => e.scrollIntoView()")
        page.wait_for_timeout(500)
        page.wait_for_selector("body[data-map-loaded=true]", timeout=60_000)
        page.wait_for_timeout(3000)
        page.screenshot(path=a.out)
        browser.close()


if __name__ == "__main__":
    main()

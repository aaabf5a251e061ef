"""The live tick in Debian's headless Chromium against the real app, whose every tick is held 1.2 s (the test-only
PORTMAP_APP_TICK_DELAY_S: a slow link). The page asks for the next tick only when the last was answered, so the
answers keep being applied, the banner never says "frozen" (only a "slow link" note), a replay is drawn within a
round trip or two; when the server stops answering (SIGSTOP) the page says "frozen" after frozen_s (6 s here),
not before, and the banner clears by itself when it answers again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ROOT, _free_port, sign_in, wait_http

pytestmark = pytest.mark.browser

FROZEN_S = 6.0
DELAY_S = 1.2
STATE = """() => ({banner: document.getElementById('server-banner').textContent,
                   kind: document.getElementById('server-banner').dataset.kind || '',
                   at: document.body.dataset.pictureAt || null})"""


@pytest.fixture()
def slow_app(db_url: str, officers: Any, tmp_path: Any) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "PORTMAP_APP_PORT": str(port),
           "PORTMAP_APP_TICK_DELAY_S": str(DELAY_S), "PORTMAP_APP_FROZEN_S": str(FROZEN_S),
           "PORTMAP_APP_SLOW_S": "1.0"}
    with (tmp_path / "app.log").open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz")
        yield base, proc
    finally:
        proc.send_signal(signal.SIGCONT)
        proc.terminate()
        proc.wait(timeout=10)


def watch(pg: Any, seconds: float) -> list[dict[str, Any]]:
    """The banner and the picture's data time, every 0.25 s for `seconds`."""
    out = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        out.append(pg.evaluate(STATE))
        pg.wait_for_timeout(250)
    return out


def test_a_slow_server_is_never_called_frozen_and_a_silent_one_is(browser: Any, slow_app: Any) -> None:
    base, proc = slow_app
    context = browser.new_context(viewport={"width": 1100, "height": 750})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    try:
        sign_in(pg, base, "duty")
        pg.wait_for_selector("body[data-map-loaded=true]", timeout=60_000)
        pg.wait_for_function("() => document.body.dataset.pictureAt", timeout=30_000)
        seen = watch(pg, 20)
        frozen = [s for s in seen if s["kind"] == "frozen" or "frozen" in s["banner"]]
        assert frozen == [], f"said frozen while the server answered: {frozen[:2]}"
        applied = {s["at"] for s in seen}
        print(f"{len(applied)} answers applied in 20 s at {DELAY_S} s a tick")
        assert len(applied) >= 8                       # one per ~1.3-2 s round trip, none dropped
        assert any(s["kind"] == "slow" and "Slow link" in s["banner"] for s in seen)
        proc.send_signal(signal.SIGSTOP)
        stopped = time.monotonic()
        quiet = pg.wait_for_function("""() => document.getElementById('server-banner').dataset.kind === 'frozen'
                                        && (Date.now() - window._portmapSeen) / 1000""", polling=100,
                                     timeout=30_000).json_value()
        took = time.monotonic() - stopped
        print(f"frozen said {took:.1f} s after the server stopped, {quiet:.1f} s after its last answer")
        assert FROZEN_S <= quiet <= FROZEN_S + 1.5        # not before N s with no answer, and soon after
        assert took <= FROZEN_S + 1.5
        assert "No answer from the map server" in pg.text_content("#server-banner")
        proc.send_signal(signal.SIGCONT)
        pg.wait_for_function("() => document.getElementById('server-banner').dataset.kind !== 'frozen'",
                             polling=200, timeout=20_000)
        assert errors == []
    finally:
        context.close()


def test_a_replay_does_not_wait_behind_the_ticks(browser: Any, slow_app: Any) -> None:
    base, _ = slow_app
    context = browser.new_context(viewport={"width": 1100, "height": 750})
    pg = context.new_page()
    try:
        sign_in(pg, base, "duty")
        pg.wait_for_selector("body[data-map-loaded=true]", timeout=60_000)
        pg.wait_for_function("() => document.body.dataset.pictureAt", timeout=30_000)
        live = pg.text_content("#replay-clock")
        took = []
        for _ in range(3):
            t0 = time.monotonic()
            pg.click("button.replay-back >> nth=0")
            pg.wait_for_function("(live) => document.querySelector('#replay-clock').textContent !== live",
                                 arg=live, polling=50, timeout=30_000)
            took.append(time.monotonic() - t0)
            pg.click("#replay-live")
            pg.wait_for_function("(live) => document.querySelector('#replay-clock').textContent === live",
                                 arg=live, polling=50, timeout=30_000)
        print("replay drawn after " + ", ".join(f"{x:.2f}" for x in took) + " s")
        # the replay control's own round trip, then one tick (held 1.2 s) asked at once: never a queue of them
        assert max(took) <= 2 * DELAY_S + 2.0
    finally:
        context.close()

"""The operations fold-outs beside the map in a real Chromium: anchorage watch, berth plan against AIS, direct
delivery, statistics."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from ingest import stats
from tests.conftest import sign_in, wait_idle

pytestmark = pytest.mark.browser
MMSI = 413300001


@pytest.fixture()
def port_at_work(db_url: str) -> Iterator[None]:
    """A ship waiting in anchorage-1 for berth plan P-OPS-1, a direct pickup on its truck for two hours, and an
    hour of statistics."""
    now = datetime.now(UTC)
    with psycopg.connect(db_url, autocommit=True) as conn:
        lon, lat = conn.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(geom) c FROM zone "
                                "WHERE zone_id = 'anchorage-1') z").fetchone()  # type: ignore[misc]
        berth = conn.execute("SELECT berth_id FROM berth ORDER BY berth_id LIMIT 1").fetchone()[0]  # type: ignore[index]
        conn.execute("SELECT ensure_position_partition(%s::date)", (now,))
        conn.execute("INSERT INTO vessel (mmsi, name, ship_type) VALUES (%s, 'PATIENT STAR', 70) "
                     "ON CONFLICT (mmsi) DO UPDATE SET name = EXCLUDED.name", (MMSI,))
        for ago in (120, 60, 0):
            at = now - timedelta(minutes=ago)
            conn.execute("INSERT INTO vessel_position (mmsi, observed_at, received_at, source, msg_type, geom, sog_kn, "
                         "nav_status) VALUES (%s, %s, %s, 'test', 1, ST_SetSRID(ST_MakePoint(%s, %s), 4326), 0.1, 1) "
                         "ON CONFLICT DO NOTHING", (MMSI, at, at, lon, lat))
        conn.execute("INSERT INTO vessel_latest (mmsi, observed_at, received_at, source, msg_type, geom, sog_kn, "
                     "nav_status) VALUES (%s, %s, %s, 'test', 1, ST_SetSRID(ST_MakePoint(%s, %s), 4326), 0.1, 1) "
                     "ON CONFLICT (mmsi) DO UPDATE SET observed_at = EXCLUDED.observed_at, geom = EXCLUDED.geom",
                     (MMSI, now, now, lon, lat))
        conn.execute("INSERT INTO berth_plan (plan_id, port_id, berth_id, mmsi, planned_arrival, planned_departure, "
                     "source) VALUES ('P-OPS-1', 'weifang', %s, %s, %s, %s, 'test') ON CONFLICT DO NOTHING",
                     (berth, MMSI, now + timedelta(hours=3), now + timedelta(hours=20)))
        conn.execute("INSERT INTO direct_delivery (plan_id, port_id, container_no, direction, berth_id, truck_plate, "
                     "planned_at, source) VALUES ('DD-OPS-1', 'weifang', 'CSQU3054383', 'discharge', 'B09', "
                     "'鲁V12345', %s, 'test') ON CONFLICT DO NOTHING", (now - timedelta(hours=2),))
        conn.execute("INSERT INTO container_move (move_id, container_no, kind, moved_at, source) VALUES "
                     "('dd-ops-1', 'CSQU3054383', 'discharge', %s, 'test') ON CONFLICT DO NOTHING",
                     (now - timedelta(minutes=115),))
        stats.refresh(conn, "weifang", now)
    try:
        yield
    finally:
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("DELETE FROM berth_plan WHERE plan_id = 'P-OPS-1'")
            conn.execute("DELETE FROM direct_delivery WHERE plan_id = 'DD-OPS-1'")
            conn.execute("DELETE FROM container_move WHERE move_id = 'dd-ops-1'")
            conn.execute("DELETE FROM vessel_latest WHERE mmsi = %s", (MMSI,))
            conn.execute("DELETE FROM vessel_position WHERE mmsi = %s", (MMSI,))


def test_the_fold_outs_show_the_anchorage_the_plan_and_the_statistics(browser: Any, app_url: str, officers: Any,
                                                                      port_at_work: None) -> None:
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    try:
        sign_in(pg, app_url, "duty")
        pg.wait_for_selector("body[data-map-loaded=true]", timeout=60_000)
        wait_idle(pg)
        # the wall display's own script and style are not part of this page
        assert pg.query_selector("script[src*='/assets/wall/'], link[href*='/assets/wall/']") is None
        narrow = pg.eval_on_selector(".side", "e => e.getBoundingClientRect().width")
        pg.click("#ops-watch-heading")
        pg.wait_for_function("() => document.querySelector('#ops-watch').textContent.includes('PATIENT STAR')",
                             timeout=15_000)
        row = pg.text_content("#ops-watch tbody tr") or ""
        assert "Anchorage 1" in row or "anchorage" in row.lower()
        assert "2.0 h" in row and "P-OPS-1" not in row            # waiting since her first report there
        pg.click("#ops-plan-heading")
        pg.wait_for_function("() => document.querySelector('#ops-plan').textContent.includes('waiting at anchor')",
                             timeout=15_000)
        pg.click("#ops-direct-heading")
        pg.wait_for_function("() => document.querySelector('#ops-direct').textContent.includes('CSQU3054383')",
                             timeout=15_000)
        line = pg.text_content("#ops-direct tbody tr[data-overstay=over_time]") or ""
        stay = re.search(r"(\d+) min in the terminal \(allowed 90\)", line)   # 115 min when the data was written
        assert "on the truck" in line and stay and 115 <= int(stay.group(1)) <= 130 and "鲁V12345" in line
        assert "overstaying 1" in (pg.text_content("#dd-count-overstay") or "")
        pg.click("#stats-heading")
        pg.wait_for_function("() => document.querySelector('#stats-graph') && "
                             "document.querySelector('#stats-graph').textContent.includes('Vessel calls')",
                             timeout=15_000)
        wide = pg.eval_on_selector(".side", "e => e.getBoundingClientRect().width")
        assert wide > narrow + 200, (narrow, wide)
        map_width = pg.eval_on_selector("#map", "e => e.getBoundingClientRect().width")
        assert map_width < 1300 - wide + 5                         # the map refitted beside the wider panel
        assert not errors
    finally:
        context.close()

"""The KPI strip counts what the port is doing now."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from app.kpi import port_kpis, strip
from tests.test_layers import add_alert, add_vessel

pytestmark = pytest.mark.db


def test_the_strip_counts_vessels_berths_yard_alerts_and_feeds(conn: psycopg.Connection[Any]) -> None:
    before = port_kpis(conn, "weifang")
    alongside = conn.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(area) c FROM berth "
                             "WHERE berth_id = 'B09') b").fetchone()
    add_vessel(conn, 412000101, "AT BERTH", 71, alongside, age_s=60)               # type: ignore[arg-type]
    conn.execute("UPDATE vessel_latest SET sog_kn = 0, nav_status = 5 WHERE mmsi = 412000101")
    add_vessel(conn, 412000102, "UNDER WAY", 70, (119.25, 37.40), age_s=10)        # 11.5 kn, under way
    add_vessel(conn, 412000103, "LONG GONE", 70, (119.30, 37.50), age_s=7200)      # not counted
    add_alert(conn, "fire_near_dg:ev9", "critical", (119.19, 37.204))
    conn.execute("INSERT INTO feed_status (source, kind, last_message_at, live) VALUES "
                 "('ais:udp:x-0/rx-a', 'ais', now(), true), "
                 "('ais:udp:x-0/rx-b', 'ais', now() - interval '10 minutes', true)")
    k = port_kpis(conn, "weifang")
    assert k["vessels"] - before["vessels"] == 2
    assert k["underway"] - before["underway"] == 1 and k["at_berth"] - before["at_berth"] == 1
    assert k["berths"] == 17 and k["berths_occupied"] >= 1
    assert k["yard_capacity"] == conn.execute("SELECT sum(bays * rows_ * tiers) FROM yard_block").fetchone()[0]  # type: ignore[index]
    assert k["alerts_critical"] - before["alerts_critical"] == 1
    assert (k["feeds"] - before["feeds"], k["feeds_silent"] - before["feeds_silent"]) == (2, 1)
    tiles = {tile.id: tile for tile in strip(k, "zh")}
    assert "crit" in tiles["kpi-critical"].className and "crit" in tiles["kpi-feeds"].className
    assert tiles["kpi-berths"].children[1].children == "泊位占用"

"""Feed health by kind (issue 32): every source of the registry declares its cadence, and the wall's lights, the
map's silent-feed banner and its KPI strip give each feed the same verdict (SQL feed_verdict, migration 055), in
real PostGIS, with the feed_status rows written the way every worker writes them (ingest.feeds.record_batch)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from app import wall
from app.cards import silent_banner
from app.figure import port_info
from app.kpi import port_kpis
from ingest.feeds import record_batch
from ingest.sources import SOURCES, Source

QUIET_BY_NATURE = ("webhook", "hazmat", "tos_csv", "gate")


def grace(source: Source) -> float:
    return max(120.0, 3 * (source.cadence_s or 0))


def feed_name(source: Source, case: str) -> str:
    return f"{source.name}:verdict-{case}"


def write(conn: psycopg.Connection[Any], source: Source, case: str, silent_s: float) -> str:
    name = feed_name(source, case)
    record_batch(conn, name, source.kind, stored=1, reasons={}, rejects=[],
                 last_message_at=datetime.now(UTC) - timedelta(seconds=silent_s))
    return name


def test_quiet_by_nature_sources_declare_a_cadence() -> None:
    for name in QUIET_BY_NATURE:
        assert SOURCES[name].cadence_s is not None and not SOURCES[name].live
    assert SOURCES["tos_csv"].cadence_s == 300          # a TOS snapshot every 5 minutes


@pytest.mark.parametrize("case", ["fresh", "within", "beyond"])
def test_the_wall_and_the_map_say_the_same_for_every_source(conn: psycopg.Connection[Any], case: str) -> None:
    port = port_info(conn, "weifang")
    assert port is not None
    before = port_kpis(conn, "weifang")
    written: dict[str, Source] = {}
    for source in SOURCES.values():
        silent = {"fresh": 5.0, "within": 0.8 * grace(source), "beyond": 2 * grace(source) + 60}[case]
        written[write(conn, source, case, silent)] = source
    lights = {f["source"]: f for f in wall._state(conn, port, "Asia/Shanghai", {}, "en")["feeds"]}
    banner = silent_banner(conn, "en")
    after = port_kpis(conn, "weifang")
    for name, source in written.items():
        wall_ok = lights[name]["ok"]
        map_ok = f"{name} (" not in banner
        assert wall_ok == map_ok, f"{name}: the wall says {lights[name]['verdict']}, the map's banner {banner!r}"
        expected = case != "beyond" or (not source.live and source.cadence_s is None)
        assert wall_ok == expected, (name, case, lights[name])
        if case == "beyond":
            assert lights[name]["verdict"] == ("silent" if source.live else "ok" if source.cadence_s is None
                                               else "late")
    live = [n for n, s in written.items() if s.live]
    assert after["feeds"] - before["feeds"] == len(live)
    assert after["feeds_silent"] - before["feeds_silent"] == (len(live) if case == "beyond" else 0)


def test_a_tos_snapshot_every_five_minutes_stays_green_between_snapshots(conn: psycopg.Connection[Any]) -> None:
    port = port_info(conn, "weifang")
    assert port is not None
    name = write(conn, SOURCES["tos_csv"], "snapshot", 290)     # the last snapshot almost 5 minutes ago
    light = next(f for f in wall._state(conn, port, "Asia/Shanghai", {}, "zh")["feeds"] if f["source"] == name)
    assert light["ok"] and light["verdict"] == "ok" and light["silent_s"] >= 289
    assert name not in silent_banner(conn, "zh")
    stored = conn.execute("SELECT live, cadence_s FROM feed_status WHERE source = %s", (name,)).fetchone()
    assert stored == (False, 300.0)

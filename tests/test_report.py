"""The situation report: a PDF whose pages render and whose text holds the ships, alerts and dangerous goods."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from app.report import incident_html, next_run, situation_html, to_pdf, write_scheduled
from sql.alerts import Actor, acknowledge, resolve
from tests.test_layers import add_alert, add_dg_container, add_vessel

pytestmark = pytest.mark.db


def _seed(conn: psycopg.Connection[Any]) -> int:
    alongside = conn.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(area) c FROM berth "
                             "WHERE berth_id = 'B09') b").fetchone()
    add_vessel(conn, 412000801, "REPORT STAR", 71, alongside, age_s=60)          # type: ignore[arg-type]
    conn.execute("UPDATE vessel_latest SET sog_kn = 0, nav_status = 5 WHERE mmsi = 412000801")
    inside = conn.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM zone "
                          "WHERE zone_id = 'anchorage-1') z").fetchone()
    add_vessel(conn, 412000802, "ANCHOR BELLE", 80, inside, age_s=60)             # type: ignore[arg-type]
    conn.execute("UPDATE vessel_latest SET sog_kn = 0.1, nav_status = 1 WHERE mmsi = 412000802")
    conn.execute("UPDATE vessel SET destination = 'CNWEF', eta = now() + interval '5 hours' WHERE mmsi = 412000802")
    add_dg_container(conn, "CSQU3054383", "D01", 3, 2, "3", 1993)
    add_alert(conn, "speeding:412000801", "warning", (119.25, 37.40))
    alert_id: int = conn.execute("SELECT alert_id FROM alert WHERE dedup_key = 'speeding:412000801'"
                                 ).fetchone()[0]  # type: ignore[index]
    officer = Actor("wang.fang", "officer", "port")
    acknowledge(conn, alert_id, officer)
    resolve(conn, alert_id, officer, "slowed down after a VHF call")
    return alert_id


def _pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_the_pdf_renders_and_names_the_ships_alerts_and_dangerous_goods(conn: psycopg.Connection[Any],
                                                                       tmp_path: Path) -> None:
    _seed(conn)
    pdf = tmp_path / "situation.pdf"
    pdf.write_bytes(to_pdf(situation_html(conn, "weifang", hours=8, lang="en", author="duty")))
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    from PIL import Image
    assert pages and all(Image.open(p).convert("L").getextrema()[0] < 100 for p in pages)   # ink on every page
    assert pages[0].stat().st_size > 10_000                              # the first page has the map
    text = " ".join(_pdftotext(pdf).split())
    for expected in ("Situation report · Port of Weifang", "REPORT STAR", "ANCHOR BELLE", "CNWEF",
                     "Speeding 14 kn", "wang.fang", "slowed down after a VHF call", "UN1993", "D01"):
        assert expected in text, expected
    assert "at berth" in text and "at anchor" in text


def test_the_report_in_chinese_and_as_html(conn: psycopg.Connection[Any], tmp_path: Path) -> None:
    _seed(conn)
    document = situation_html(conn, "weifang", hours=8, lang="zh")
    assert document.startswith("<!doctype html>") and "<svg" in document and "http" not in document.split(
        "<body>")[1].replace("http://www.w3.org/2000/svg", "")               # self-contained: nothing fetched
    assert "态势报告" in document and "超速 14 节" in document
    pdf = tmp_path / "zh.pdf"
    pdf.write_bytes(to_pdf(document))
    text = _pdftotext(pdf)
    assert "态势报告" in text and "潍坊港" in text                         # the CJK font is embedded


def test_the_incident_report_has_the_close_map_dangerous_goods_cameras_and_lifecycle(conn: psycopg.Connection[Any],
                                                                                    tmp_path: Path) -> None:
    _seed(conn)
    lon, lat = conn.execute("SELECT ST_X(geom), ST_Y(geom) FROM container WHERE container_no = 'CSQU3054383'"
                            ).fetchone()  # type: ignore[misc]
    conn.execute("""INSERT INTO alert (port_id, rule, severity, subject_kind, subject_id, dedup_key, geom, evidence_at,
                    title_en, title_zh, details) VALUES ('weifang', 'fire_near_dg', 'critical', 'camera_event', 'ev-x',
                    'fire_near_dg:ev-x', ST_SetSRID(ST_MakePoint(%s, %s), 4326), now(), 'Smoke near D01', '冒烟',
                    '{"score": 71, "factors": [{"points": 40, "why": "class 3 within 20 m"}]}')""",
                 (lon + 0.0001, lat))
    alert_id = conn.execute("SELECT alert_id FROM alert WHERE dedup_key = 'fire_near_dg:ev-x'").fetchone()[0]  # type: ignore[index]
    acknowledge(conn, alert_id, Actor("li.wei", "officer", "port"), "fire brigade called")
    pdf = tmp_path / "incident.pdf"
    pdf.write_bytes(to_pdf(incident_html(conn, "weifang", alert_id, "en", author="duty")))
    text = " ".join(_pdftotext(pdf).split())
    for expected in (f"Incident report #{alert_id}", "Smoke near D01", "Dangerous goods within 300 m", "CSQU3054383",
                     "3 UN1993", "class 3 within 20 m", "Cameras that see the place", "Lifecycle", "li.wei",
                     "fire brigade called"):
        assert expected in text, expected
    with pytest.raises(ValueError, match="no alert"):
        incident_html(conn, "weifang", 999_999, "en")


def test_scheduled_reports_fall_at_the_ports_shift_changes(conn: psycopg.Connection[Any], tmp_path: Path) -> None:
    shifts = ["06:00", "14:00", "22:00"]                     # Asia/Shanghai is UTC+8
    assert next_run(shifts, datetime(2026, 11, 27, 3, 0, tzinfo=UTC), "Asia/Shanghai") == \
        datetime(2026, 11, 27, 6, 0, tzinfo=UTC)             # 11:00 local: the 14:00 shift
    assert next_run(shifts, datetime(2026, 11, 27, 14, 30, tzinfo=UTC), "Asia/Shanghai") == \
        datetime(2026, 11, 27, 22, 0, tzinfo=UTC)            # 22:30 local: tomorrow's 06:00
    _seed(conn)
    now = conn.execute("SELECT now()").fetchone()[0]          # type: ignore[index]
    path = write_scheduled(conn, "weifang", tmp_path / "reports", now, 8, "en")
    assert path.name == f"situation-weifang-{now:%Y%m%dT%H%MZ}.pdf" and not list(path.parent.glob("*.part"))
    assert "UN1993" in _pdftotext(path)                      # (at an instant: the yard from its history)


def test_the_report_carries_the_port_statistics_of_its_window(conn: psycopg.Connection[Any]) -> None:
    end = datetime(2026, 11, 20, 16, tzinfo=UTC)
    for h, (calls, teu, gate_in) in enumerate([(1, 40, 12), (0, 0, 9), (2, 86, 15)]):
        conn.execute("INSERT INTO port_stats_hour (port_id, hour, berth_arrivals, berth_vessel_hours, teu_moved, "
                     "tonnes_moved, gate_in, dg_boxes_moved) VALUES ('weifang', %s, %s, %s, %s, %s, %s, 1)",
                     (end - timedelta(hours=3 - h), calls, calls * 3, teu, teu * 11, gate_in))
    document = situation_html(conn, "weifang", at=end, hours=8, lang="en")
    section = document[document.index("<h2>Port statistics</h2>"):]
    assert section.count("<svg") == 4 and "<title>23: 86</title>" in section      # 15:00 UTC is 23:00 in Weifang
    assert "<td>Vessel calls</td><td>3</td>" in section and "(loaded and discharged)</td><td>126</td>" in section
    assert "<td>at berth</td><td>3.0 h</td>" in section


def test_the_report_lists_direct_deliveries_that_overstay_or_are_late(conn: psycopg.Connection[Any]) -> None:
    end = datetime(2026, 11, 20, 16, tzinfo=UTC)
    conn.execute("INSERT INTO direct_delivery (plan_id, port_id, container_no, direction, berth_id, truck_plate, "
                 "planned_at, source) VALUES "
                 "('R1', 'weifang', 'CSQU3054383', 'discharge', 'B09', 'LUA12345', %(t)s - interval '3 hours', 't'), "
                 "('R2', 'weifang', 'MSKU0000009', 'load', 'B09', NULL, %(t)s - interval '2 hours', 't'), "
                 "('R3', 'weifang', 'TGHU0000001', 'discharge', 'B09', NULL, %(t)s - interval '1 hour', 't')",
                 {"t": end})
    for move, box, kind, minutes in (("r1", "CSQU3054383", "discharge", 130), ("r3", "TGHU0000001", "discharge", 50),
                                     ("r3o", "TGHU0000001", "gate_out", 20)):
        conn.execute("INSERT INTO container_move (move_id, container_no, kind, moved_at, source) "
                     "VALUES (%s, %s, %s, %s::timestamptz - make_interval(mins => %s), 't')",
                     (move, box, kind, end, minutes))
    document = situation_html(conn, "weifang", at=end, hours=8, lang="en")
    section = document[document.index("<h2>Direct delivery"):]
    section = section[:section.index("</table>")]
    assert "done 1, on the truck 1, at the gate 0, waiting 1" in section
    assert "CSQU3054383" in section and "130 / 90" in section and "overstay: 130 min in the terminal" in section
    assert "MSKU0000009" in section and "not moved since its planned time 14:00" in section
    assert "TGHU0000001" not in section                                  # out of the gate in 30 min: fine

"""Direct delivery (直提 / 直装, issue 12): the plan feed, and where each container stands, derived from real
EDIFACT (COARRI, CODECO) and gate transaction files through the same importers the inbox uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from stdnum import iso6346

from app import ops
from ingest.hazmat.declarations import import_file as import_gate
from ingest.inbox import kind_of
from ingest.ops.direct_delivery import import_file
from ingest.yard.edifact import import_file as import_edifact
from layers import LAYERS, Style, View

pytestmark = pytest.mark.db


def number(serial: int) -> str:
    body = f"DDLU{serial:06d}"
    return body + iso6346.calc_check_digit(body)


def coarri(path: Path, kind: str, box: str, at: datetime, voyage: str = "031W") -> None:
    """A COARRI D.95B report of one box: BGM 44 = discharge, 46 = load."""
    stamp = f"{at:%Y%m%d%H%M}"
    segs = [f"UNB+UNOC:3+WFTOS+CARRIER+{at:%y%m%d:%H%M}+R{box[-4:]}{kind[0]}", "UNH+1+COARRI:D:95B:UN:ITG13",
            f"BGM+{'44' if kind == 'discharge' else '46'}+R1+9",
            f"TDT+20+{voyage}+1+13+WFT:172:20+++BXYZ:103::DIRECT STAR",
            f"DTM+133:{stamp}:203", f"EQD+CN+{box}+45G1:102:5++{'3' if kind == 'discharge' else '2'}+5",
            f"DTM+203:{stamp}:203", "CNT+16:1", "UNT+8+1", f"UNZ+1+R{box[-4:]}{kind[0]}"]
    path.write_text("'".join(segs) + "'", encoding="latin-1")


def codeco(path: Path, kind: str, box: str, at: datetime, plate: str) -> None:
    """A CODECO D.95B gate report of one box: BGM 34 = gate-in, 36 = gate-out; the truck in TDT+1."""
    segs = [f"UNB+UNOC:3+WFTOS+CARRIER+{at:%y%m%d:%H%M}+G{box[-4:]}{kind[5]}", "UNH+1+CODECO:D:95B:UN:ITG14",
            f"BGM+{'34' if kind == 'gate_in' else '36'}+G1+9", f"EQD+CN+{box}+45G1:102:5++2+5",
            f"DTM+7:{at:%Y%m%d%H%M}:203", f"TDT+1++3+31++++{plate}", "CNT+16:1", "UNT+7+1",
            f"UNZ+1+G{box[-4:]}{kind[5]}"]
    path.write_text("'".join(segs) + "'", encoding="latin-1")


def test_direct_delivery_plan_and_where_each_container_stands(conn: psycopg.Connection[Any], tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    ago = lambda m: now - timedelta(minutes=m)  # noqa: E731
    boxes = {k: number(100 + i) for i, k in enumerate("ABCDEFGH")}
    bad_digit = boxes["A"][:-1] + str((int(boxes["A"][-1]) + 1) % 10)
    plan = tmp_path / "shift2.direct.csv"
    plan.write_text(
        "plan_id,container_no,direction,voyage,berth_id,gate_id,truck_plate,planned_at,max_minutes\n"
        f"DA,{boxes['A']},discharge,031W,B09,,LUA12345,{ago(60).isoformat()},\n"
        f"DB,{boxes['B']},直提,031W,B09,,LUB23456,{ago(130).isoformat()},\n"
        f"DC,{boxes['C']},pickup,031W,B09,gate-container,LUC34567,{ago(40).isoformat()},\n"
        f"DD,{boxes['D']},load,031W,B09,,LUD45678,{ago(10).isoformat()},\n"
        f"DE,{boxes['E']},直装,031W,B09,,,{ago(120).isoformat()},\n"
        f"DF,{boxes['F']},discharge,031W,B09,,,{ago(30).isoformat()},\n"
        f"DG,{boxes['G']},discharge,031W,B09,,,{ago(50).isoformat()},30\n"
        f"DH,{boxes['H']},discharge,031W,B09,,,{(now + timedelta(hours=3)).isoformat()},\n"
        f"X1,{bad_digit},discharge,031W,B09,,,{now.isoformat()},\n"
        f"X2,{boxes['A']},sideways,031W,B09,,,{now.isoformat()},\n"
        f"X3,{boxes['A']},discharge,031W,NOPE,,,{now.isoformat()},\n"
        f"X4,{boxes['A']},discharge,031W,B09,,,2026-11-27T10:00:00,\n")
    assert kind_of(plan.name) == "direct"
    report = import_file(conn, plan, "weifang")
    assert (report.rows, report.stored) == (12, 8)
    assert dict(report.rejects) == {"bad_check_digit": 1, "bad_direction": 1, "unknown_berth": 1,
                                    "planned_at_without_time_zone": 1}
    assert import_file(conn, plan, "weifang").stored == 8                 # re-sent: replaced, not doubled
    assert conn.execute("SELECT count(*) FROM direct_delivery WHERE plan_id LIKE 'D_'").fetchone() == (8,)

    files = [  # (maker, arguments): what the TOS and the gate report as the work goes on
        (coarri, ("discharge", boxes["A"], ago(50))), (codeco, ("gate_out", boxes["A"], ago(15), "LUA12345")),
        (coarri, ("discharge", boxes["B"], ago(120))),
        (coarri, ("discharge", boxes["C"], ago(35))),
        (codeco, ("gate_in", boxes["D"], ago(3), "LUD45678")),
        (coarri, ("discharge", boxes["F"], ago(20))),
        (coarri, ("discharge", boxes["G"], ago(45))),
    ]
    for i, (make, args) in enumerate(files):
        path = tmp_path / f"{i:02d}.edi"
        make(path, *args)                                              # type: ignore[operator]
        edi = import_edifact(conn, path, "weifang")
        assert edi.new_moves == 1, (path.read_text(), edi.rejects)
    gate = tmp_path / "lane.gate.csv"
    gate.write_text("transaction_id,gate_id,direction,truck_plate,container_no,passed_at\n"
                    f"GT-C,gate-container,out,LUC34567,{boxes['C']},{ago(25).isoformat()}\n"
                    f"GT-D,gate-container,in,LUD45678,{boxes['D']},{ago(5).isoformat()}\n")
    assert import_gate(conn, gate, "weifang", "gate").stored == 2
    # F was grounded: the next TOS snapshot has it in a yard slot
    slot = conn.execute("SELECT block_id, ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM yard_slot "
                        "ORDER BY block_id, bay, row_ LIMIT 1").fetchone()
    assert slot is not None
    conn.execute("UPDATE container SET state = 'in_yard', block_id = %s, geom = ST_SetSRID(ST_MakePoint(%s, %s), 4326) "
                 "WHERE container_no = %s", (*slot, boxes["F"]))

    rows = {r["plan_id"]: r for r in ops.direct_delivery(conn, "weifang", now)}
    seen = {k: (r["state"], r["overstay"], r["late"]) for k, r in rows.items()}
    assert seen == {
        "DA": ("done", None, False),                # discharged, out of the gate 35 min later
        "DB": ("on_truck", "over_time", False),     # on a truck for 120 min: over the port's 90
        "DC": ("at_gate", "gate_hold", False),      # at the gate 25 min: over the 20 allowed there
        "DD": ("on_truck", None, False),            # in at the gate, on its way to the ship
        "DE": ("waiting", None, True),              # planned two hours ago, not at the gate yet
        "DF": ("on_truck", "grounded", False),      # given a yard slot: no longer direct
        "DG": ("on_truck", "over_time", False),     # 45 min against its own 30
        "DH": ("waiting", None, False),             # planned for later
    }
    assert rows["DA"]["minutes"] == 35 and rows["DB"]["minutes"] == 120 and rows["DG"]["limit_min"] == 30
    assert rows["DD"]["truck_plate"] == "LUD45678" and rows["DD"]["since"] == ago(3)
    # overstaying first (at the gate, then on the trucks, longest first), then late, then by state and time
    assert list(rows) == ["DC", "DB", "DG", "DF", "DE", "DD", "DH", "DA"]
    # where each stands on the map: waiting discharges at the berth, trucks between berth and gate, at the gate
    berth_pt, gate_pt = (conn.execute(q).fetchone() for q in (
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_LineInterpolatePoint(geom, 0.5) p FROM berth "
        "WHERE berth_id = 'B09') b",
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM zone WHERE zone_id = 'gate-container') z"))
    assert (rows["DH"]["lon"], rows["DH"]["lat"]) == pytest.approx(berth_pt)
    assert (rows["DC"]["lon"], rows["DC"]["lat"]) == pytest.approx(gate_pt)
    assert rows["DA"]["lon"] is None and rows["DE"]["lon"] is None          # done / not in the port yet
    assert (rows["DF"]["lon"], rows["DF"]["lat"]) == pytest.approx(slot[1:])  # grounded: in its yard slot
    for on_road in (rows["DD"], rows["DB"]):      # DB names no gate: the one nearest its berth (the container gate)
        assert min(gate_pt[0], berth_pt[0]) < on_road["lon"] < max(gate_pt[0], berth_pt[0])  # type: ignore[index]

    table = str(ops.direct_table(list(rows.values()), "en"))
    assert "overstay: 120 min in the terminal (allowed 90)" in table and "held at the gate" in table
    assert "grounded in the yard" in table
    zh = str(ops.direct_table(list(rows.values()), "zh"))
    assert "直提（船→车）" in zh and "超时 4" in zh
    # on the map: the boxes in the terminal where they stand, overstaying ones red and labelled
    layer = LAYERS["direct_delivery"]
    gdf = layer.query(conn, View(port_id="weifang", at=now))
    assert sorted(gdf["plan_id"]) == ["DB", "DC", "DD", "DF", "DG", "DH"]
    trace = layer.traces(gdf, Style(lang="zh"))[0]
    marks = dict(zip(gdf["plan_id"], zip(trace.marker.color, trace.text, strict=True), strict=True))
    assert marks["DC"] == ("#dc2626", "闸口滞留") and marks["DD"] == ("#2563eb", "")
    assert marks["DH"] == ("#64748b", "") and marks["DF"][1] == "已落场"
    # a finished one leaves the list after the hours it is kept
    later = {r["plan_id"] for r in ops.direct_delivery(conn, "weifang", now + timedelta(hours=7))}
    assert "DA" not in later and "DB" in later

"""EDIFACT from the real D.95B COARRI and BAPLIE (php-edifact's samples, LGPL-3.0, in tests/fixtures/edifact)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from ingest.yard.edifact import import_file
from tests.conftest import ROOT

pytestmark = pytest.mark.db
EDIFACT = ROOT / "tests" / "fixtures" / "edifact"


def test_coarri_gives_two_discharges_and_nineteen_loads_once(weifang_db: str) -> None:
    with psycopg.connect(weifang_db) as conn:
        report = import_file(conn, EDIFACT / "D95BCOARRI.edi", "weifang")
        again = import_file(conn, EDIFACT / "D95BCOARRI.edi", "weifang")
        kinds = dict(conn.execute("SELECT kind, count(*) FROM container_move GROUP BY 1").fetchall())
        first = conn.execute("SELECT container_no, moved_at, vessel_voyage FROM container_move "
                             "WHERE kind = 'discharge' ORDER BY moved_at").fetchone()
        states = dict(conn.execute("SELECT state, count(*) FROM container GROUP BY 1").fetchall())
    assert (report.moves, report.new_moves, dict(report.messages)) == (21, 21, {"COARRI": 2})
    assert again.new_moves == 0
    assert kinds == {"discharge": 2, "load": 19}
    assert first == ("MAGU5591240", datetime(2016, 2, 3, 9, 11, tzinfo=UTC), "COSCO AFRICA/031W")
    assert states == {"in_yard": 2, "on_vessel": 19}


def test_baplie_gives_the_expected_discharges_of_its_vessel(weifang_db: str) -> None:
    with psycopg.connect(weifang_db) as conn:
        report = import_file(conn, EDIFACT / "D95BBAPLIE.edi", "weifang")
        rows = conn.execute("SELECT container_no, kind, vessel_voyage, moved_at FROM container_move "
                            "ORDER BY container_no").fetchall()
        types = dict(conn.execute("SELECT container_no, iso_type FROM container").fetchall())
    assert [r[0] for r in rows] == ["MOEU0710945", "OOLU4293959", "OOLU8757889"]
    assert {r[1] for r in rows} == {"expected_discharge"} and {r[2] for r in rows} == {"OOCL BEIJING/042"}
    assert rows[0][3] == datetime(2016, 4, 1, 11, 35, tzinfo=UTC)          # DTM+133
    assert types["MOEU0710945"] == "L5G1" and dict(report.warnings) == {"nonstandard_size_type": 2}


def test_a_wrong_check_digit_is_rejected_and_the_rest_loads(weifang_db: str, tmp_path: Path) -> None:
    text = (EDIFACT / "D95BCOARRI.edi").read_text(encoding="latin-1").replace("FCIU9908030", "FCIU9908031")
    path = tmp_path / "broken.edi"
    path.write_text(text, encoding="latin-1")
    with psycopg.connect(weifang_db) as conn:
        report = import_file(conn, path, "weifang")
        counts = dict(conn.execute("SELECT reason, count FROM ingest_reject_count").fetchall())
    assert report.moves == 20 and dict(report.rejects) == counts == {"bad_check_digit": 1}


def codeco(kind: str, number: str, plate: str, when: str) -> str:
    """A CODECO written after the SMDG user manual: 34 = gate-in report, 36 = gate-out report."""
    return (f"UNB+UNOA:2+WFTOS+CARRIER+261127:0900+{when}'UNH+1+CODECO:D:95B:UN:ITG14'BGM+{kind}+GATE{when}+9'"
            f"NAD+MS+WFT:172:20'EQD+CN+{number}+22G1:102:5++2+5'DTM+7:{when}:203'LOC+165+CNWEF:139:6+WFT:TER:ZZZ'"
            f"MEA+AAE+G+KGM:12000'TDT+1++3+31++++{plate}'CNT+16:1'UNT+10+1'UNZ+1+{when}'")


def test_codeco_gate_in_then_out(weifang_db: str, tmp_path: Path) -> None:
    gate_in, gate_out = tmp_path / "in.edi", tmp_path / "out.edi"
    gate_in.write_text(codeco("34", "CSQU3054383", "LUG12345", "202611270930"), encoding="latin-1")
    gate_out.write_text(codeco("36", "CSQU3054383", "LUG12345", "202611271415"), encoding="latin-1")
    with psycopg.connect(weifang_db) as conn:
        assert import_file(conn, gate_in, "weifang").new_moves == 1
        state_in = conn.execute("SELECT state, arrived_at FROM container").fetchone()
        assert import_file(conn, gate_out, "weifang").new_moves == 1
        state_out = conn.execute("SELECT state, departed_at FROM container").fetchone()
        moves = conn.execute("SELECT kind, truck_plate FROM container_move ORDER BY moved_at").fetchall()
    assert state_in == ("in_yard", datetime(2026, 11, 27, 9, 30, tzinfo=UTC))
    assert state_out == ("on_truck", datetime(2026, 11, 27, 14, 15, tzinfo=UTC))
    assert moves == [("gate_in", "LUG12345"), ("gate_out", "LUG12345")]


def test_berth_work_counts_planned_and_done_moves_for_each_vessel_from_real_edifact(weifang_db: str) -> None:
    from app.berth_work import berth_work
    with psycopg.connect(weifang_db, autocommit=True) as conn:
        for name in ("D95BBAPLIE.edi", "D95BCOARRI.edi"):
            import_file(conn, EDIFACT / name, "weifang")
        planned = berth_work(conn, vessel="OOCL BEIJING")
        done = berth_work(conn, vessel="COSCO AFRICA")       # inbound 031W discharged, outbound 032E loaded
    assert [(w.voyage, w.planned_discharge, w.discharged, w.loaded) for w in planned] == [("OOCL BEIJING/042", 3, 0, 0)]
    assert planned[0].share == 0.0 and planned[0].finish is None          # nothing moved yet: no rate
    assert {w.voyage: (w.planned_discharge, w.discharged, w.loaded) for w in done} == {
        "COSCO AFRICA/031W": (0, 2, 0), "COSCO AFRICA/032E": (0, 0, 19)}
    assert all(w.share is None and w.moves_last_hour >= 1 for w in done)
    from app.cards import vessel_card
    from tests.test_port_activity import _text
    with psycopg.connect(weifang_db, autocommit=True) as conn:       # her card shows it
        conn.execute("INSERT INTO vessel (mmsi, name) VALUES (477123400, 'COSCO AFRICA')")
        conn.execute("""INSERT INTO vessel_latest (mmsi, observed_at, received_at, source, msg_type, geom, sog_kn)
                        VALUES (477123400, now(), now(), 'test', 1, ST_SetSRID(ST_MakePoint(119.2, 37.2), 4326), 0)""")
        card = _text(vessel_card(conn, 477123400, "en"))
    assert "Cargo work" in card and "discharged 2/—, loaded 19" in card


def coprar(voyage: str, vessel: str, numbers: list[str]) -> str:
    """A COPRAR D.95B loading order (BGM 45): the load list of a voyage, one EQD group per box."""
    segs = ["UNB+UNOC:3+LINEAGENT+WFTOS+261127:0800+LL1", "UNH+1+COPRAR:D:95B:UN:ITG14", "BGM+45+LL1+9",
            "DTM+137:202611270800:203", "RFF+XXX:1", f"TDT+20+{voyage}+1++COS:172:20+++VRXX:103::{vessel}",
            "LOC+9+CNWEF:139:6"]
    for n in numbers:
        segs += [f"EQD+CN+{n}+45G1:102:5++2+5", "LOC+11+ESBCN:139:6", "MEA+AAE+G+KGM:18000"]
    segs += [f"CNT+16:{len(numbers)}", f"UNT+{len(segs)}+1", "UNZ+1+LL1"]
    return "'".join(segs) + "'"


def test_the_load_list_gives_the_planned_loads_and_the_vessel_card_a_progress_bar(weifang_db: str,
                                                                                  tmp_path: Path) -> None:
    from app.berth_work import berth_work
    from app.cards import vessel_card
    from tests.test_port_activity import _text
    with psycopg.connect(weifang_db, autocommit=True) as conn:
        import_file(conn, EDIFACT / "D95BCOARRI.edi", "weifang")       # 19 loads done on COSCO AFRICA/032E
        loaded = [r[0] for r in conn.execute("SELECT DISTINCT container_no FROM container_move WHERE kind = 'load' "
                                             "AND vessel_voyage = 'COSCO AFRICA/032E' ORDER BY 1").fetchall()]
        listed = tmp_path / "loadlist.edi"
        listed.write_text(coprar("032E", "COSCO AFRICA", [*loaded, "CSQU3054383"]), encoding="latin-1")
        report = import_file(conn, listed, "weifang")
        assert (report.messages["COPRAR"], report.new_moves, dict(report.rejects)) == (1, 20, {})
        work = {w.voyage: w for w in berth_work(conn, vessel="COSCO AFRICA")}["COSCO AFRICA/032E"]
        assert (work.planned_load, work.loaded, work.planned, work.done) == (20, 19, 20, 19)
        assert work.share == pytest.approx(0.95) and work.finish is not None     # one left at the last hour's rate
        state = conn.execute("SELECT state FROM container WHERE container_no = 'CSQU3054383'").fetchone()
        assert state == ("expected",)                                           # listed, not yet here
        conn.execute("INSERT INTO vessel (mmsi, name) VALUES (477123401, 'COSCO AFRICA')")
        conn.execute("""INSERT INTO vessel_latest (mmsi, observed_at, received_at, source, msg_type, geom, sog_kn)
                        VALUES (477123401, now(), now(), 'test', 1, ST_SetSRID(ST_MakePoint(119.2, 37.2), 4326), 0)""")
        card = _text(vessel_card(conn, 477123401, "en"))
    assert "loaded 19/20" in card and "95% · 19/20" in card

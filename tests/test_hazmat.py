"""Dangerous-goods declarations and gate transactions: CSV and JSON, each bad row refused with its reason."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from bench.yardgen import number
from ingest.hazmat.declarations import import_file

pytestmark = pytest.mark.db
HEADER = ("declaration_id,subject_kind,subject_id,un_number,imdg_class,subsidiary_classes,packing_group,"
          "proper_shipping_name,quantity_kg,marine_pollutant,declared_at,declarant")


def test_declarations_from_csv(weifang_db: str, tmp_path: Path) -> None:
    good, bad_digit = number(1), number(2)[:-1] + str((int(number(2)[-1]) + 1) % 10)
    lines = [HEADER,
             f"D1,container,{good},1203,3,,II,GASOLINE,18000,no,2026-11-27T08:00:00+08:00,Sinotrans Weifang",
             f"D2,container,{good},1791,8,,III,HYPOCHLORITE SOLUTION,900,yes,2026-11-27T08:05:00+08:00,X",
             "D3,vehicle,鲁G12345,1075,2.1,,,LIQUEFIED PETROLEUM GAS,5000,,2026-11-27T09:00:00,Y",
             "D4,vessel,412000123,1267,3,6.1,I,PETROLEUM CRUDE OIL,30000000,,2026-11-27T09:00:00,Z",
             f"D5,container,{bad_digit},1203,3,,II,GASOLINE,1,,2026-11-27T08:00:00,X",
             f"D6,container,{good},9999,3,,II,X,1,,2026-11-27T08:00:00,X",
             f"D7,container,{good},1203,10,,II,X,1,,2026-11-27T08:00:00,X",
             f"D8,truck,{good},1203,3,,II,X,1,,2026-11-27T08:00:00,X"]
    path = tmp_path / "declarations.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with psycopg.connect(weifang_db) as conn:
        report = import_file(conn, path, "weifang", "declarations")
        again = import_file(conn, path, "weifang", "declarations")
        rows = conn.execute("SELECT declaration_id, subject_id, un_number, imdg_class, subsidiary_classes, "
                            "marine_pollutant FROM hazmat_declaration ORDER BY 1").fetchall()
    assert (report.stored, dict(report.rejects)) == (4, {"bad_check_digit": 1, "bad_un_number": 1,
                                                         "bad_imdg_class": 1, "bad_subject": 1})
    assert again.stored == 4
    assert rows == [("D1", good, 1203, "3", [], False), ("D2", good, 1791, "8", [], True),
                    ("D3", "鲁G12345", 1075, "2.1", [], False), ("D4", "412000123", 1267, "3", ["6.1"], False)]


def test_gate_transactions_from_json(weifang_db: str, tmp_path: Path) -> None:
    items = [
        {"transaction_id": "G1", "gate_id": "gate-container", "direction": "in", "truck_plate": "鲁G12345",
         "container_no": number(1), "passed_at": "2026-11-27T08:30:00+08:00", "declared_un": "1203",
         "declared_class": "3", "observed_un": "UN1203", "observed_class": "3"},
        {"transaction_id": "G2", "gate_id": "gate-north", "direction": "in", "truck_plate": "鲁G54321",
         "passed_at": "2026-11-27T08:31:00+08:00"},
        {"transaction_id": "G3", "gate_id": "gate-main", "direction": "sideways", "truck_plate": "鲁G54321",
         "passed_at": "2026-11-27T08:31:00+08:00"},
    ]
    path = tmp_path / "gate.json"
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    with psycopg.connect(weifang_db) as conn:
        report = import_file(conn, path, "weifang", "gate")
        row = conn.execute("SELECT gate_id, truck_plate, declared_un, observed_un FROM gate_transaction").fetchone()
    assert (report.stored, dict(report.rejects)) == (1, {"unknown_gate": 1, "bad_value": 1})
    assert row == ("gate-container", "鲁G12345", 1203, 1203)

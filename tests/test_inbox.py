"""The drop folder: files are imported in name order and moved aside; nothing is lost while the database is away."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from ingest.inbox import Inbox, kind_of
from sql import DbSettings

pytestmark = pytest.mark.db

TOS = ("container_no,iso_type,full_empty,gross_kg,block,bay,row,tier,vessel_voyage,arrived_at,customs_status,"
       "un_number,imdg_class\n"
       "CSQU3054383,22G1,F,12000,A01,1,1,1,V1/001,2026-11-27T08:00:00+00:00,released,,\n"
       "MSKU1234560,45G1,F,9000,A01,1,2,1,V1/001,2026-11-27T08:00:00+00:00,released,,\n")   # wrong check digit
CODECO = ("UNB+UNOC:3+WFTOS+CARRIER+261127:0900+1'UNH+1+CODECO:D:95B:UN:ITG14'BGM+34+G1+9'NAD+MS+WFT:172:20'"
          "EQD+CN+TGHU3929964+22G1:102:5++2+5'DTM+7:202611270905:203'LOC+165+CNWEF:139:6+WFT:TER:ZZZ'"
          "TDT+1++3+31++++LUV12345'CNT+16:1'UNT+9+1'UNZ+1+1'")
DECLARATIONS = ("declaration_id,subject_kind,subject_id,un_number,imdg_class,packing_group,declared_at\n"
                "D1,container,CSQU3054383,UN1993,3,II,2026-11-27T08:00:00+00:00\n")
GATE = ("transaction_id,gate_id,direction,truck_plate,container_no,passed_at,declared_un,declared_class,"
        "observed_un,observed_class\nT1,gate-container,in,鲁V12345,TGHU3929964,2026-11-27T09:05:00+00:00,1993,3,"
        "1830,8\n")


def drop(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def test_kinds_are_known_by_name() -> None:
    assert kind_of("20261127T0900-1-yard.tos.csv") == "tos"
    assert kind_of("x.EDI") == "edifact"
    assert kind_of("x.hazmat.json") == "declarations"
    assert kind_of("x.gate.csv") == "gate"
    assert kind_of("x.csv") is None


def test_files_are_imported_in_order_bad_rows_counted_and_the_rest_moved_aside(weifang_db: str,
                                                                               tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    drop(inbox, "1-yard.tos.csv", TOS)
    drop(inbox, "2-gate_in.edi", CODECO)
    drop(inbox, "3-d.hazmat.csv", DECLARATIONS)
    drop(inbox, "4-t.gate.csv", GATE)
    drop(inbox, "5-notes.txt", "what is this")
    drop(inbox, "6-broken.hazmat.json", "{not json")
    drop(inbox, ".7-half-written.tos.csv", TOS)          # being written: left alone
    stats = Inbox(inbox, DbSettings(url=weifang_db), "weifang").run(until_empty=True)
    assert dict(stats.files) == {"tos": 1, "edifact": 1, "declarations": 1, "gate": 1}
    assert stats.failed == 2 and stats.rejected_rows == 1       # the bad check digit; the notes and the bad JSON
    assert sorted(p.name for p in (inbox / "done").iterdir()) == [
        "1-yard.tos.csv", "2-gate_in.edi", "3-d.hazmat.csv", "4-t.gate.csv"]
    assert "unknown file kind" in (inbox / "failed" / "5-notes.txt.reason").read_text()
    assert (inbox / "failed" / "6-broken.hazmat.json.reason").read_text().startswith("bad_json: ")
    assert [p.name for p in inbox.iterdir() if p.is_file()] == [".7-half-written.tos.csv"]
    with psycopg.connect(weifang_db) as conn:
        assert conn.execute("SELECT container_no, state FROM container ORDER BY 1").fetchall() == [
            ("CSQU3054383", "in_yard"), ("TGHU3929964", "in_yard")]
        assert conn.execute("SELECT declared_un, observed_un FROM gate_transaction").fetchall() == [(1993, 1830)]
        feeds = dict(conn.execute("SELECT source, messages_total FROM feed_status").fetchall())
        assert feeds == {"tos_csv": 1, "edifact": 1, "hazmat": 1, "gate": 1}
        assert conn.execute("SELECT count(*) FROM feed_status WHERE last_message_at IS NULL").fetchone() == (0,)
        reasons = dict(conn.execute("SELECT reason, count FROM ingest_reject_count").fetchall())
        assert reasons == {"bad_check_digit": 1, "bad_json": 1, "unknown_kind": 1}


def test_while_the_database_is_away_files_wait_and_are_imported_when_it_returns(weifang_db: str,
                                                                               tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    drop(inbox, "1-yard.tos.csv", TOS)
    box = Inbox(inbox, DbSettings(url="postgresql://postgres@127.0.0.1:9/portmap"), "weifang", poll_s=0.01)
    naps: list[float] = []

    def nap(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 3:                     # the database comes back after three failed attempts
            box.db = DbSettings(url=weifang_db)
        if len(naps) == 5:
            box.stop()

    stats: Any = box.run(sleep=nap)
    assert stats.retries == 3 and naps[:3] == [0.01, 0.02, 0.04]      # backoff while it is away
    assert dict(stats.files) == {"tos": 1}
    assert (inbox / "done" / "1-yard.tos.csv").exists()
    with psycopg.connect(weifang_db) as conn:
        assert conn.execute("SELECT count(*) FROM container").fetchone() == (1,)

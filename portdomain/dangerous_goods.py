"""UN numbers, IMDG classes and divisions, and the IMDG Code's segregation table (7.2.4)."""

from __future__ import annotations

import csv
import re
from functools import cache
from typing import Any

import numpy as np

from portdomain.assets import ASSETS
from portdomain.errors import Invalid

IMDG_CLASS = re.compile(r"^(1\.[1-6][A-N]?|2\.[1-3]|3|4\.[1-3]|5\.[12]|6\.[12]|7|8|9)$")
SEGREGATION_TABLE = ASSETS / "imdg" / "segregation_7_2_4.csv"
CODE_NAMES = {"1": "away from", "2": "separated from", "3": "separated by a complete compartment or hold from",
              "4": "separated longitudinally by an intervening complete compartment or hold from"}


def un_number(value: Any, required: bool = True) -> int | None:
    """A UN number (UN1993, 1993) as an int, None when blank and not required, or Invalid: bad_un_number."""
    text = str(value or "").strip().upper().removeprefix("UN")
    if not text and not required:
        return None
    if not re.fullmatch(r"\d{4}", text) or not 1 <= int(text) <= 3600:
        raise Invalid("bad_un_number", f"{value!r} is not a UN number (4 digits, 0001-3600)")
    return int(text)


def imdg_class(value: Any, required: bool = True) -> str | None:
    """An IMDG class or division (3, 5.1, 1.4S), None when blank and not required, or Invalid: bad_imdg_class."""
    text = str(value or "").strip()
    if not text and not required:
        return None
    if not IMDG_CLASS.match(text):
        raise Invalid("bad_imdg_class", f"{value!r} is not an IMDG class or division")
    return text


@cache
def segregation_table() -> dict[tuple[str, str], str]:
    """(class, class) -> code, for every division (the table's grouped rows expanded)."""
    with SEGREGATION_TABLE.open(encoding="utf-8") as fh:
        rows = list(csv.reader(line for line in fh if not line.startswith("#")))
    header = rows[0][1:]
    out = {}
    for row in rows[1:]:
        for col, code in zip(header, row[1:], strict=True):
            for a in row[0].split(","):
                for b in col.split(","):
                    out[(a.strip(), b.strip())] = code.strip()
    return out


def code_for(a: str, b: str) -> str | None:
    """The segregation code between two classes or divisions ('1'..'4'), None when none is required in general."""
    code = segregation_table().get((a.rstrip("ABCDEFGHJKLNS"), b.rstrip("ABCDEFGHJKLNS")))   # 1.4S -> 1.4
    return code if code in CODE_NAMES else None


@cache
def segregation_matrix() -> tuple[dict[str, int], np.ndarray]:
    """The table as a numpy matrix of codes (0 = none) over an index of divisions."""
    t = segregation_table()
    labels = sorted({a for a, _ in t})
    index = {c: i for i, c in enumerate(labels)}
    m = np.zeros((len(labels), len(labels)), dtype=np.int8)
    for (a, b), code in t.items():
        m[index[a], index[b]] = int(code) if code in CODE_NAMES else 0
    return index, m

"""CSV that a spreadsheet cannot run (OWASP, CSV injection): every CSV the project writes goes through here.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by Excel and
LibreOffice (`=HYPERLINK(...)`, `@SUM(...)`, `-2+3`). Such a cell gets a leading `'`, which makes it text and
shows it as written. A plain number (`-12.5`, `+3`) is left alone: it is no formula, and a number it stays.
The csv module does the quoting of commas, quotes and line breaks.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def cell(value: Any) -> Any:
    """The value as a CSV cell may carry it: text that would start a formula is neutralised."""
    if isinstance(value, str) and value.startswith(TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def row(values: Iterable[Any]) -> list[Any]:
    return [cell(v) for v in values]


class Writer:
    """csv.writer whose every cell (the header too) goes through `cell`."""

    def __init__(self, out: Any, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, values: Iterable[Any]) -> Any:
        return self._writer.writerow(row(values))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for values in rows:
            self.writerow(values)


class DictWriter(csv.DictWriter):  # type: ignore[type-arg]
    """csv.DictWriter whose every value goes through `cell`."""

    def writerow(self, rowdict: Any) -> Any:
        return super().writerow({k: cell(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Any]) -> None:
        for rowdict in rowdicts:
            self.writerow(rowdict)


def frame(df: Any) -> Any:
    """A pandas frame whose text cells are neutralised (for DataFrame.to_csv); numbers and dates stay."""
    from pandas.api import types

    out = df.copy()
    for name in out.columns:
        if types.is_object_dtype(out[name].dtype) or types.is_string_dtype(out[name].dtype):
            out[name] = out[name].map(cell)
    out.columns = [cell(str(c)) for c in out.columns]
    return out

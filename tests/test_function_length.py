"""The house's size rule, checked with ast: no function in app/ over 60 lines, none in the product over 80
(a function's lines run from its `def` (or first decorator) to its last line, nested functions included)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.unit
PRODUCT = ("portdomain", "sql", "ingest", "layers", "app", "demo")
LIMITS = {"app": 60}
DEFAULT_LIMIT = 80


def functions(path: Path, root: Path = ROOT) -> Iterator[tuple[str, int]]:
    """Every function and method of a file with its length in lines."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            yield f"{path.relative_to(root)}:{node.lineno} {node.name}", (node.end_lineno or node.lineno) - first + 1


def too_long(folder: str) -> list[str]:
    limit = LIMITS.get(folder, DEFAULT_LIMIT)
    return [f"{where} is {n} lines (limit {limit})" for path in sorted((ROOT / folder).rglob("*.py"))
            for where, n in functions(path) if n > limit]


def test_the_counter_counts_a_long_function(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(70))
    path = tmp_path / "probe.py"
    path.write_text(f"@decorated\ndef long() -> None:\n{body}\n\n\ndef short() -> None:\n    pass\n")
    assert dict(functions(path, tmp_path)) == {"probe.py:2 long": 72, "probe.py:75 short": 2}


@pytest.mark.parametrize("folder", PRODUCT)
def test_no_function_is_too_long(folder: str) -> None:
    assert too_long(folder) == []

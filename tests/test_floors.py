"""The house's floors, checked with ast: each product folder imports only the folders below it.

    portdomain (the ground floor: imports none of the others)
    sql                      -> portdomain
    ingest, layers           -> sql, portdomain
    app                      -> layers, sql, portdomain
    demo                     -> portdomain, the port package reader and the broker login it shares with ingest
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.unit
PRODUCT = ("portdomain", "sql", "ingest", "layers", "app", "demo")
FLOORS: dict[str, set[str]] = {
    "portdomain": set(),
    "sql": {"portdomain"},
    "ingest": {"portdomain", "sql"},
    "layers": {"portdomain", "sql"},
    "app": {"portdomain", "sql", "layers"},
    "demo": {"portdomain"},
}
# Modules a folder may import from a floor it otherwise may not: the demo reads the port package as ingest does.
ALSO = {"demo": {"ingest.port_package", "ingest.port_geometry", "ingest.errors",
                 "ingest.vehicles", "ingest.vehicles.jt808"}}     # the JT/T 808 codec (pure) builds real frames


def imported(path: Path) -> Iterator[tuple[int, str]]:
    """Every absolute module a file imports, anywhere in it (function-level imports too); `from ingest import
    broker` counts as ingest.broker."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if "." in node.module:
                yield node.lineno, node.module
            else:                   # from a top-level package: each name may be a module of it
                yield from ((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)


def trespasses(folder: str, root: Path = ROOT) -> list[str]:
    out = []
    for path in sorted((root / folder).rglob("*.py")):
        for line, module in imported(path):
            top = module.split(".")[0]
            if top in PRODUCT and top != folder and top not in FLOORS[folder] and module not in ALSO.get(folder, ()):
                out.append(f"{path.relative_to(root)}:{line} imports {module}")
    return out


def test_the_checker_sees_a_nested_import(tmp_path: Path) -> None:
    (tmp_path / "portdomain").mkdir()
    (tmp_path / "portdomain" / "x.py").write_text("import json\n\n\ndef f():\n    from sql import query\n")
    assert trespasses("portdomain", tmp_path) == ["portdomain/x.py:5 imports sql.query"]


@pytest.mark.parametrize("folder", PRODUCT)
def test_every_folder_imports_only_the_floors_below_it(folder: str) -> None:
    assert trespasses(folder) == []


def test_the_ground_floor_runs_alone() -> None:
    """portdomain's modules import without any other product package loaded."""
    import subprocess
    import sys
    code = ("import sys, pkgutil, importlib, portdomain\n"
            "for m in pkgutil.iter_modules(portdomain.__path__): importlib.import_module('portdomain.' + m.name)\n"
            "print(sorted({n.split('.')[0] for n in sys.modules} & {'sql', 'ingest', 'layers', 'app', 'demo'}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=True)
    assert done.stdout.strip() == "[]"

"""One registry per extension point, each complete: every rule module is registered, every drop-folder importer
has its file kind, every report section is in its report, every feed the code writes belongs to a registered
source (as the layers' own test does for layers/: tests/test_layers.py::test_every_layer_module_is_registered)."""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import io
import pkgutil
import re

import pytest

import ingest.alerts.rules as rules_package
from app import report
from ingest import sources
from ingest.__main__ import main as ingest_main
from ingest.alerts.rules import RULES, Rule
from ingest.filekinds import FILE_KINDS, kind_of
from tests.conftest import ROOT

pytestmark = pytest.mark.unit


def test_every_rule_module_is_registered() -> None:
    modules = [info.name for info in pkgutil.iter_modules(rules_package.__path__) if info.name != "base"]
    found = {}
    for name in modules:
        module = importlib.import_module(f"ingest.alerts.rules.{name}")
        assert isinstance(module.RULE, Rule), name
        found[module.RULE.name] = module.RULE
    assert found == RULES
    assert all(name == rule.name and rule.kind in ("state", "event") for name, rule in RULES.items())


def _importer_modules() -> set[str]:
    """The ingest modules that import a whole dropped file (a top-level import_file or import_snapshot)."""
    out = set()
    for path in (ROOT / "ingest").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(n, ast.FunctionDef) and n.name in ("import_file", "import_snapshot") for n in tree.body):
            out.add(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return out


def _modules_the_kinds_import() -> set[str]:
    tree = ast.parse((ROOT / "ingest" / "filekinds.py").read_text(encoding="utf-8"))
    return {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module
            and n.module.startswith("ingest.") and any(a.name in ("import_file", "import_snapshot") for a in n.names)}


def test_every_file_importer_has_its_file_kind() -> None:
    assert _importer_modules() == _modules_the_kinds_import()
    for name, kind in FILE_KINDS.items():
        assert kind.name == name
        stem, _, exts = kind.glob.removeprefix("*").partition("|")
        for sample in [f"20261203T0900-x{stem}", *(f"x{stem.rsplit('.', 1)[0]}.{e}" for e in exts.split("|") if e)]:
            assert kind_of(sample) == name, sample
    assert kind_of("notes.txt") is None


def _section_functions(of: str) -> set[str]:
    """The functions of app/report.py whose one parameter is a Situation (or an Incident)."""
    return {name for name, fn in inspect.getmembers(report, inspect.isfunction)
            if fn.__module__ == report.__name__ and list(inspect.signature(fn).parameters.values())
            and [p.annotation for p in inspect.signature(fn).parameters.values()] == [of]}


def test_every_report_section_is_in_its_report_with_its_template() -> None:
    assert _section_functions("Situation") == {f.__name__ for f in report.SITUATION_SECTIONS.values()}
    assert _section_functions("Incident") == {f.__name__ for f in report.INCIDENT_SECTIONS.values()}
    for folder, sections in (("situation", report.SITUATION_SECTIONS), ("incident", report.INCIDENT_SECTIONS)):
        assert {p.stem for p in (report.TEMPLATES / folder).glob("*.html")} == set(sections), folder


def test_report_templates_escape_what_they_are_given() -> None:
    html = report.render("situation/cameras.html", "en", rows=[("<cam>", "a&b", 1, report.datetime(2026, 1, 1),
                                                                   report.datetime(2026, 1, 1))])
    assert "<td>&lt;cam&gt;</td><td>a&amp;b</td><td>1</td>" in html and "<cam>" not in html


# What the code names its feeds (feed_status.source), with the kind it writes: each must be a registered source.
FEEDS_THE_CODE_WRITES = {
    "ais:udp:udp-0": "ais", "ais:udp:udp-0/rx-outer": "ais", "ais:tcp:tcp-0": "ais", "ais:tcp-in:tcp-in-0": "ais",
    "ais:file:file-0": "ais", "camera:mqtt:portmap-camera": "camera", "webhook": "camera", "onvif": "camera",
    "tos_csv": "yard", "edifact": "yard", "hazmat": "hazmat", "gate": "gate",
    "vehicles:jt808:jt808-0": "vehicles", "trackers:http": "people",
}


def _feed_names_in_code() -> set[str]:
    """The literal feed names and prefixes in the ingest code: f"ais:udp:{…}" gives ais:udp."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "ingest").rglob("*.py"))
    return set(re.findall(r'f"((?:ais|camera|radar):[a-z-]+):\{', text))


def test_every_feed_the_code_writes_is_a_registered_source() -> None:
    for feed, kind in FEEDS_THE_CODE_WRITES.items():
        source = sources.source_of(feed)
        assert source is not None and source.kind == kind, feed
    assert _feed_names_in_code() <= set(sources.SOURCES)
    assert {s.name for s in sources.SOURCES.values() if s.live} == {"ais:udp", "ais:tcp", "ais:tcp-in",
                                                                     "vehicles:jt808"}
    assert sources.source_of("ais:udpx") is None and not sources.is_live("somewhere:else")


@pytest.mark.parametrize("name", sorted(sources.SOURCES))
def test_every_source_names_a_command_that_exists(name: str) -> None:
    words = sources.SOURCES[name].cli.split()
    assert words[:3] == ["python", "-m", "ingest"]
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        ingest_main([words[3], "--help"])
    assert words[4] in out.getvalue()            # the option that runs this source

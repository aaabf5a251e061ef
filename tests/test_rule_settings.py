"""Typed rule settings: each rule's port.toml table is a pydantic model (unknown keys refused, units in the names,
ranges), and a port whose [rules.*] has a misspelt table or key is refused at load, naming file, table and key."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, get_args

import pytest

from ingest.alerts.model import Snapshot
from ingest.alerts.rules import RULES, SETTINGS, settings_problems, speeding
from ingest.errors import PortPackageError
from ingest.port_package import load_config
from tests.conftest import ROOT, TINYPORT

pytestmark = pytest.mark.unit
UNITS = ("_m", "_s", "_min", "_minutes", "_h", "_kn", "_deg", "_kmh")


def _port_with(tmp_path: Path, rules_toml: str) -> Path:
    package = tmp_path / "port"
    shutil.copytree(TINYPORT, package)
    toml = package / "port.toml"
    toml.write_text(toml.read_text(encoding="utf-8").split("[rules.speeding]")[0] + rules_toml, encoding="utf-8")
    return package


def test_a_misspelt_key_is_refused_naming_file_table_and_key(tmp_path: Path) -> None:
    package = _port_with(tmp_path, "[rules.speeding]\nhysterisis_kn = 9\n")
    with pytest.raises(PortPackageError) as err:
        load_config(package)
    message = str(err.value)
    assert str(package / "port.toml") in message and "[rules.speeding] hysterisis_kn" in message
    assert "hysteresis_kn" in message                 # the keys it could have meant


def test_a_misspelt_table_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PortPackageError, match=r"port\.toml: \[rules\.speedin\]: no such rule table"):
        load_config(_port_with(tmp_path, "[rules.speedin]\nhysteresis_kn = 9\n"))


def test_a_value_out_of_range_or_of_the_wrong_type_is_refused() -> None:
    assert settings_problems({"collision_risk": {"cpa_m": -5}, "restricted_entry": {"severity": "loud"},
                              "feed_health": {"silent_s": "soon"}}) == [
        "[rules.collision_risk] cpa_m: Input should be greater than 0",
        "[rules.restricted_entry] severity: Input should be 'critical', 'warning' or 'info'",
        "[rules.feed_health] silent_s: Input should be a valid number, unable to parse string as a number"]


def test_the_port_command_refuses_it_too(tmp_path: Path) -> None:
    package = _port_with(tmp_path, "[rules.speeding]\nhysterisis_kn = 9\n")
    done = subprocess.run([sys.executable, "-m", "ingest", "port", "--check", str(package)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "[rules.speeding] hysterisis_kn" in done.stderr


@pytest.mark.parametrize("port", sorted(p.name for p in (ROOT / "assets" / "ports").iterdir()))
def test_every_shipped_port_has_valid_rule_settings(port: str) -> None:
    config = load_config(ROOT / "assets" / "ports" / port)
    assert settings_problems(config.rules) == []


def test_every_rule_declares_its_settings() -> None:
    readers = {"restricted_entry_camera": "restricted_entry"}          # it reads the entry rule's table
    for name, rule in RULES.items():
        if rule.settings is None:
            assert name in readers and readers[name] in SETTINGS
            continue
        assert rule.settings.table == name and rule.settings.model_config.get("extra") == "forbid"
        rule.settings()                                                  # every field has the code's default
        for field, info in rule.settings.model_fields.items():
            if info.annotation in (int, float):
                assert field.endswith(UNITS), f"{name}.{field}: a quantity names its unit"
            else:
                assert info.annotation is not None and (get_args(info.annotation) or info.annotation in (str, bool))


def test_a_rule_reads_its_typed_settings_from_the_port() -> None:
    snap: Any = Snapshot.__new__(Snapshot)
    snap.rules, snap._settings = {"speeding": {"hysteresis_kn": 1.5}}, {}
    assert Snapshot.settings(snap, speeding.Settings) == speeding.Settings(hysteresis_kn=1.5, min_duration_s=30)
    assert Snapshot.settings(snap, speeding.Settings) is Snapshot.settings(snap, speeding.Settings)   # once a cycle

"""Issue 27 (deploy): one systemd unit per long-running process, checked with systemd's own verifier and its
security analyser, and a Prometheus scrape configuration and alert rules checked (and their rules unit-tested)
with promtool. Real tools, no parsing of our own."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.conftest import ROOT

UNITS = ROOT / "deploy" / "systemd"
PROMETHEUS = ROOT / "deploy" / "prometheus"
DEMO_ONLY = {"feed"}                 # the demo's traffic generator: not part of a deployment


def _units_here(tmp_path: Path) -> Path:
    """The units with /opt/portmap (where docs/deploy.md installs the checkout) pointed at this checkout, so
    that the verifier finds the interpreter they start."""
    out = tmp_path / "units"
    out.mkdir()
    for unit in UNITS.iterdir():
        (out / unit.name).write_text(unit.read_text().replace("/opt/portmap", str(ROOT)))
    return out


def _make_daemons() -> dict[str, str]:
    """What `make demo` runs as daemons: name -> the module it starts."""
    text = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    found = re.findall(r"daemon\.sh restart ([a-z0-9-]+)\s+(?:\$\(PY\)|\S*python\S*) -m ([a-z_.]+(?: [a-z0-9-]+)?)",
                       text)
    return {name: module for name, module in found}


def test_every_process_of_the_demo_has_its_unit_starting_the_same_command() -> None:
    daemons = _make_daemons()
    assert {"app", "ais", "camera", "inbox", "alerts", "reports"} <= set(daemons), daemons
    for name, module in daemons.items():
        if name in DEMO_ONLY:
            continue
        unit = UNITS / f"portmap-{name}.service"
        assert unit.exists(), f"no deploy/systemd/{unit.name} for the demo's {name} process"
        start = next(line for line in unit.read_text().splitlines() if line.startswith("ExecStart="))
        assert f"-m {module}" in start, (unit.name, start, module)
        assert f"portmap-{name}.service" in (UNITS / "portmap.target").read_text()


def test_the_units_pass_systemd_analyze_verify_and_security(tmp_path: Path) -> None:
    units = _units_here(tmp_path)
    files = sorted(str(p) for p in units.iterdir())
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", *files], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and done.stderr.strip() == "" and done.stdout.strip() == "", done
    for unit in units.glob("*.service"):
        text = unit.read_text()
        assert "User=portmap" in text and "Restart=on-failure" in text and "NoNewPrivileges=yes" in text
        exposure = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--threshold=20", str(unit)],
                                  capture_output=True, text=True, timeout=120)
        level = re.search(r"exposure level for \S+: ([\d.]+)", exposure.stdout)
        assert exposure.returncode == 0 and level and float(level.group(1)) <= 2.0, (unit.name, exposure.stdout[-300:])


def test_a_broken_unit_is_caught(tmp_path: Path) -> None:
    """The check above can fail: a misspelt restart policy and a missing interpreter are reported."""
    units = _units_here(tmp_path)
    unit = units / "portmap-app.service"
    unit.write_text(unit.read_text().replace("Restart=on-failure", "Restart=sometimes")
                    .replace(str(ROOT) + "/.venv/bin/python", "/nonexistent/python"))
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", str(unit)], capture_output=True, text=True,
                          timeout=120)
    assert "sometimes" in done.stderr and "/nonexistent/python" in done.stderr and done.returncode != 0


def test_the_prometheus_configuration_and_rules_pass_promtool() -> None:
    for args in (["check", "config", "prometheus.yml"], ["check", "rules", "portmap-rules.yml"],
                 ["test", "rules", "portmap-rules.test.yml"]):
        done = subprocess.run(["promtool", *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and "SUCCESS" in done.stdout + done.stderr, (args, done.stdout, done.stderr)

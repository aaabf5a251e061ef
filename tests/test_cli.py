"""Every command line answers --help without side effects, and the package installs with its entry points."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.unit
SCRIPTS: dict[str, str] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
INGEST_COMMANDS = ["port", "ais", "camera", "yard", "hazmat", "inbox", "alerts"]


def _quiet_env() -> dict[str, str]:
    """No database or broker to reach: a command that tried to would fail or hang, not print help."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:9/none?connect_timeout=1"
    env["PORTMAP_APP_PORT"] = "9"
    return env


def _run(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=_quiet_env(), capture_output=True, text=True,
                          timeout=60)


def test_the_entry_points_are_the_products_commands() -> None:
    assert {"portmap-app", "portmap-ingest", "portmap-migrate", "portmap-report", "portmap-users",
            "portmap-demo"} <= set(SCRIPTS)


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_every_entry_point_answers_help_and_touches_nothing(name: str, tmp_path: Path) -> None:
    module, func = SCRIPTS[name].split(":")
    done = _run(f"import sys; from {module} import {func} as m; sys.exit(m(['--help']))", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage:") and "--help" in done.stdout
    assert list(tmp_path.iterdir()) == []          # no .data, no spool, no log, no report written


@pytest.mark.parametrize("command", INGEST_COMMANDS)
def test_every_ingest_command_answers_help(command: str, tmp_path: Path) -> None:
    done = _run(f"import sys; from ingest.__main__ import main; sys.exit(main([{command!r}, '--help']))", tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"python -m ingest {command}" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_python_m_app_help_does_not_start_the_server(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "app", "--help"], cwd=tmp_path, env=_quiet_env(),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("usage: portmap-app")
    assert "Serving on" not in done.stderr + done.stdout
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_pip_install_gives_working_entry_points(tmp_path: Path) -> None:
    """Build the wheel offline, install it in a fresh venv (no deps: they come from this venv through a .pth),
    then run the console scripts from outside the checkout; the assets come with the package."""
    wheels, tree = tmp_path / "wheels", tmp_path / "tree"      # a copy: setuptools leaves build/ in what it builds
    shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns(".git", ".venv", ".data", "build", "*.egg-info",
                                                               "test-results", "__pycache__", ".*_cache"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(wheels), str(tree)], check=True, timeout=600, cwd=tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    (wheel,) = wheels.glob("port_one_map-*.whl")
    subprocess.run([venv / "bin" / "pip", "install", "-q", "--no-deps", "--no-index", wheel], check=True,
                   timeout=300)
    site = Path(subprocess.check_output([venv / "bin" / "python", "-c",
                                         "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True)
                .strip())
    (site / "shared-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in _quiet_env().items() if k != "PYTHONPATH"}
    for name in SCRIPTS:
        done = subprocess.run([venv / "bin" / name, "--help"], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0 and done.stdout.startswith("usage:"), (name, done.stderr)
    where = subprocess.run([venv / "bin" / "python", "-c", "import app, portdomain.assets as a; "
                            "print(app.__file__); print(a.ASSETS); print((a.ASSETS / 'i18n' / 'zh.json').is_file())"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=True)
    module, assets, has_zh = where.stdout.split()
    assert module.startswith(str(venv)) and assets == str(venv / "share" / "port-one-map" / "assets")
    assert has_zh == "True"

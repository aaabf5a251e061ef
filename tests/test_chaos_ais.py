"""The AIS chaos paths end to end on a stack of their own (bench.chaos, a small share of hostile inputs)."""

from __future__ import annotations

import pytest

from bench import chaos

pytestmark = [pytest.mark.db, pytest.mark.slow]


def test_the_ais_chaos_paths_store_every_good_report_and_keep_the_workers_up(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert {"ais-udp", "ais-tcp", "ais-file"} <= set(chaos.PATHS)
    code = chaos.main(["--paths", "ais-udp,ais-tcp,ais-file", "--hostile", "900"])
    out = capsys.readouterr().out
    assert code == 0, out
    for path in ("ais-udp", "ais-tcp", "ais-file"):
        assert f"| {path} " in out
    assert "line_too_long" in out and "malformed_sentence" in out

"""Scenario (c) end to end on the small topology, headless: Mininet, five P4 switches, the
controller, real traffic, a link failure; asserts on the measured outcome."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from topologies.rundir import CLEANED_MARKER, RUNS_DIR_ENV, iface_index, read_resources

pytestmark = [pytest.mark.root, pytest.mark.mininet, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(240)
def test_failure_scenario_small_headless(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "topologies.run",
            "--scenario",
            "failure",
            "--topology",
            "small",
            "--headless",
            "--quick",
        ],
        cwd=REPO,
        env={**os.environ, RUNS_DIR_ENV: str(runs)},
        capture_output=True,
        text=True,
        timeout=220,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (run,) = [p for p in runs.iterdir() if p.is_dir()]
    result = json.loads((run / "result.json").read_text())
    fantel, baseline = result["figures"]["fantel"], result["figures"]["baseline"]
    assert fantel["controller_excluded_link"] and fantel["traffic_resumed"]
    assert fantel["failure_fns_on_wire"] > 0 and fantel["failure_fns_at_controller"] > 0
    assert fantel["loss_fraction"] <= 0.05
    assert fantel["packets_lost"] < baseline["packets_lost"]
    for name in ("report.md", "series-fantel.csv", "throughput-fantel.png"):
        assert (run / name).stat().st_size > 0
    assert (run / CLEANED_MARKER).exists()
    assert all(iface_index(r.name) is None for r in read_resources(run) if r.kind == "iface")

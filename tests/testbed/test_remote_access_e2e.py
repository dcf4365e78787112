"""Scenario (b) end to end on the small topology, headless: the entity uplink shaped inside the
P4 switch, a competing burst, congestion FNs to the sender agent vs the end-to-end CNP echo;
asserts on the measured outcome (FNs reached the sender, it cut its rate, sooner than the
echo did, and the protected flow lost at most the scenario's bound)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from topologies.rundir import CLEANED_MARKER, RUNS_DIR_ENV
from topologies.scenarios.remote_access import LOSS_BOUND

pytestmark = [pytest.mark.root, pytest.mark.mininet, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(180)
def test_remote_access_scenario_small_headless(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    argv = ["--scenario", "remote-access", "--topology", "small", "--headless", "--quick"]
    done = subprocess.run(
        [sys.executable, "-m", "topologies.run", *argv],
        cwd=REPO,
        env={**os.environ, RUNS_DIR_ENV: str(runs)},
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    (run,) = [p for p in runs.iterdir() if p.is_dir()]
    result = json.loads((run / "result.json").read_text())
    fantel, baseline = result["figures"]["fantel"], result["figures"]["baseline"]
    assert fantel["congestion_fns_at_sender"] > 0 and fantel["rate_cuts"] > 0
    assert baseline["congestion_fns_at_sender"] == 0  # the baseline's switches stay silent
    assert fantel["max_queue_depth_fn"] is not None and fantel["max_queue_depth_fn"] >= 3
    assert fantel["reaction_ms"] is not None
    assert baseline["reaction_ms"] is None or fantel["reaction_ms"] < baseline["reaction_ms"]
    assert fantel["protected_loss_fraction"] <= LOSS_BOUND
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for name in ("report.md", "series-fantel.csv", "throughput-fantel.png"):
        assert (run / name).stat().st_size > 0
    assert (run / CLEANED_MARKER).exists()

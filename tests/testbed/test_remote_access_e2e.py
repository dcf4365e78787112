"""Scenario (b) end to end on the small topology, headless: the entity uplink shaped inside the
P4 switch, a competing burst, congestion FNs to the sender agent vs the end-to-end CNP echo;
asserts on the measured outcome (FNs reached the sender, it cut its rate, sooner than the
echo did, and the protected flow lost at most the scenario's bound)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.testbed.conftest import run_scenario
from topologies.scenarios.remote_access import LOSS_BOUND

pytestmark = [pytest.mark.root, pytest.mark.mininet, pytest.mark.slow]


@pytest.mark.timeout(180)
def test_remote_access_scenario_small_headless(tmp_path: Path) -> None:
    run = run_scenario(tmp_path, "remote-access", timeout_s=170)
    fantel, baseline = run.figures()
    assert fantel["congestion_fns_at_sender"] > 0 and fantel["rate_cuts"] > 0
    assert baseline["congestion_fns_at_sender"] == 0  # the baseline's switches stay silent
    assert fantel["max_queue_depth_fn"] is not None and fantel["max_queue_depth_fn"] >= 3
    assert fantel["reaction_ms"] is not None
    assert baseline["reaction_ms"] is None or fantel["reaction_ms"] < baseline["reaction_ms"]
    assert fantel["protected_loss_fraction"] <= LOSS_BOUND
    run.assert_exited_ok()
    run.assert_reported_and_cleaned()

"""Scenario (c) end to end on the small topology, headless: Mininet, five P4 switches, the
controller, real traffic, a link failure; asserts on the measured outcome."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.testbed.conftest import run_scenario
from topologies.rundir import iface_index, read_resources

pytestmark = [pytest.mark.root, pytest.mark.mininet, pytest.mark.slow]


@pytest.mark.timeout(240)
def test_failure_scenario_small_headless(tmp_path: Path) -> None:
    run = run_scenario(tmp_path, "failure", timeout_s=220)
    run.assert_exited_ok()
    fantel, baseline = run.figures()
    assert fantel["controller_excluded_link"] and fantel["traffic_resumed"]
    assert fantel["failure_fns_on_wire"] > 0 and fantel["failure_fns_at_controller"] > 0
    assert fantel["loss_fraction"] <= 0.05
    assert fantel["packets_lost"] < baseline["packets_lost"]
    run.assert_reported_and_cleaned()
    assert all(iface_index(r.name) is None for r in read_resources(run.path) if r.kind == "iface")

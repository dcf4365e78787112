"""The shipped example controller config stays valid against its topology."""

from __future__ import annotations

from pathlib import Path

from controller.config import ControllerConfig
from controller.topology import Topology

EXAMPLE = Path(__file__).resolve().parents[2] / "topologies/controller/small.yaml"


def test_example_config_loads_and_matches_its_topology() -> None:
    config = ControllerConfig.load(EXAMPLE)
    assert config.topology is not None
    topology = Topology.load(config.topology)
    config.check(topology)
    assert config.address_of("e1", topology.switches["e1"].device_id) == "127.0.0.1:50001"
    assert config.audit_interval_s == 30.0 and config.damping.hold_down_s == 1.0

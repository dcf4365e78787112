"""Pure parts of the testbed: addressing, link parameters, names, report text."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.config import Thresholds
from controller.contract import QDEPTH_MAX
from controller.topology import Topology
from topologies.report import markdown, ratio
from topologies.run import main as run_main
from topologies.run import resolve_topology
from topologies.scenarios import get as get_scenario
from topologies.scenarios import remote_access
from topologies.scenarios.common import ScenarioResult
from topologies.scenarios.shaped import depth_thresholds, silent_thresholds
from topologies.testbed import (
    MIN_PROBE_INTERVAL_S,
    PROBE_BUDGET_PPS,
    TestbedError,
    plan_host,
    plan_link,
    port_delays,
    probe_interval_s,
    switch_iface,
)

SMALL = Topology.load(Path(__file__).resolve().parents[2] / "topologies" / "small.yaml")


def test_host_plan_gateway_and_static_arp() -> None:
    plan = plan_host(SMALL, SMALL.hosts["he1"])
    assert plan.gateway == "10.0.1.254" and plan.gateway_mac == "02:fa:00:00:00:01"
    assert plan.neighbours == [("10.0.1.2", "02:00:00:00:01:02")]
    assert "ip route replace default via 10.0.1.254 dev he1-eth0 onlink" in plan.commands()


def test_link_plan_scales_capacity_and_delay() -> None:
    plan = plan_link(SMALL.links["c1:5-b1:1"])  # 40 Gbps, 500 km
    assert plan.bw_mbps == pytest.approx(4.0) and plan.delay_us == 2500
    assert plan.queue_packets == 16
    assert port_delays(SMALL, "b1") == {1: 2500, 2: 1750}


def test_long_interface_names_rejected() -> None:
    with pytest.raises(TestbedError, match="longer than Linux allows"):
        switch_iface("a-very-long-switch", 1)


def test_unknown_names_list_valid_ones(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(KeyError, match="valid topologies: large, small"):
        resolve_topology("medium")
    valid = "valid scenarios: failure, inference, migration, remote-access, split-learning"
    with pytest.raises(KeyError, match=valid):
        get_scenario("nope")
    assert run_main(["--scenario", "nope"]) == 2
    assert valid in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_main(["--help"])
    assert "  remote-access   (b) remote sample-data access" in capsys.readouterr().out


def test_remote_access_shapes_the_entity_uplink_it_keeps() -> None:
    shaping = remote_access.shaping(SMALL)
    assert list(shaping) == ["e1"]
    assert shaping["e1"].port_rates_pps == {1: remote_access.BOTTLENECK_PPS}
    assert shaping["e1"].queue_depth == remote_access.QUEUE_DEPTH


def test_silent_thresholds_never_fire_and_depth_thresholds_ignore_sojourn() -> None:
    base = Thresholds()
    silent = silent_thresholds(base)
    assert silent.queue_depth_high == silent.queue_depth_low == QDEPTH_MAX
    depth = depth_thresholds(base, 3, 1)
    assert (depth.queue_depth_high, depth.queue_depth_low) == (3, 1)
    assert depth.sojourn_high_s >= 60 and depth.probe_interval_s == base.probe_interval_s


def test_ratio_and_markdown() -> None:
    assert ratio(1000.0, 100.0) == "10.0" and ratio(5, 0) == "inf" and ratio(None, 1) == "n/a"
    result = ScenarioResult(
        "failure", figures={"fantel": {"packets_lost": 2}, "baseline": {"packets_lost": 30}}
    )
    result.check("loss bounded", True, "lost 2")
    text = markdown(result, {"topology": "small"})
    assert "PASS" in text and "| packets_lost | 2 | 30 | 15.0 |" in text


def test_probe_interval_keeps_the_testbed_within_its_probe_budget() -> None:
    small = SMALL
    large = Topology.load(Path(__file__).resolve().parents[2] / "topologies" / "large.yaml")
    assert probe_interval_s(small) == MIN_PROBE_INTERVAL_S
    for topology in (small, large):
        probes_per_s = 2 * len(topology.links) / probe_interval_s(topology)
        assert probes_per_s <= PROBE_BUDGET_PPS
    assert probe_interval_s(large) > MIN_PROBE_INTERVAL_S

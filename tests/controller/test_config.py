"""Controller config: defaults, units, addresses, and file:line:field errors."""

from __future__ import annotations

import pytest

from controller.config import ConfigError, ControllerConfig, parse_thresholds
from controller.topology import Topology
from controller.wire import TrafficClass
from tests.controller.service_fixtures import SMALL

GOOD = """\
topology: ../topologies/small.yaml
switches:
  port_base: 50000
  addresses: {e1: "10.0.0.1:9559"}
pipeline: {program: ../p4src/v1model/fantel_v1model.p4, include_dirs: [../p4src]}
api: 127.0.0.1:9191
thresholds:
  queue_depth: {high: 40, low: 10}
  sojourn: {high: 1ms, low: 200us}
  probe: {interval: 5ms, multiplier: 4}
  fn: {lifetime: 300ms, hop_limit: 3}
tenants:
  research: {max_urgency: 100}
policy:
  rules:
    - {class: gradient, urgency: 4-255, queue: 6}
    - {tenant: clinic, stage: 2, queue: 7}
  sem_aware_hosts: [ha1]
"""


def test_good_config_loads_with_units_and_paths(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = ControllerConfig.from_text(GOOD, "c.yaml", base=tmp_path / "conf")
    assert config.topology == tmp_path / "conf" / "../topologies/small.yaml"
    assert config.address_of("e1", 1) == "10.0.0.1:9559"
    assert config.address_of("c1", 2) == "127.0.0.1:50002"
    assert (config.api_host, config.api_port) == ("127.0.0.1", 9191)
    t = config.thresholds
    assert (t.queue_depth_high, t.queue_depth_low) == (40, 10)
    assert (t.sojourn_high_s, t.sojourn_low_s) == pytest.approx((1e-3, 200e-6))
    assert (t.probe_interval_s, t.probe_multiplier) == (pytest.approx(5e-3), 4)
    assert (t.fn_lifetime_s, t.fn_hop_limit) == (pytest.approx(0.3), 3)
    assert t.utilization_high == 0.8  # default kept
    first, second = config.policy.rules
    assert (first.traffic_class, first.urgency, first.queue) == (TrafficClass.GRADIENT, (4, 255), 6)
    assert (second.tenant, second.stage, second.urgency) == ("clinic", 2, (0, 255))
    assert config.policy.sem_aware_hosts == {"ha1"}
    topo = Topology.load(SMALL)
    config.check(topo)
    assert config.tenant_max_urgency(topo) == {"research": 100, "clinic": 224}


def test_thresholds_round_trip_through_their_dict_form() -> None:
    config = ControllerConfig.from_text(GOOD, "c.yaml")
    import json

    again = parse_thresholds(json.dumps({"thresholds": config.thresholds.as_dict()}))
    assert again == config.thresholds


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("apix: 1\n", "c.yaml:1: <document>.apix: unknown field"),
        (
            "thresholds:\n  queue_depth: {high: 4, low: 10}\n",
            "c.yaml:2: thresholds.queue_depth.low: must not exceed high",
        ),
        (
            "thresholds:\n  sojourn:\n    high: 3 parsecs\n",
            "c.yaml:3: thresholds.sojourn.high: unknown delay unit",
        ),
        (
            "thresholds:\n  probe: {interval: 5}\n",
            "c.yaml:2: thresholds.probe.interval: expected a duration",
        ),
        (
            "thresholds:\n  probe: {interval: 1s}\n",
            "c.yaml:2: thresholds.probe.interval: must be above 0 and at most",
        ),
        (
            "thresholds:\n  fn: {hop_limit: 0}\n",
            "c.yaml:2: thresholds.fn.hop_limit: must be in 1..255",
        ),
        (
            "thresholds:\n  utilization: {high: 1.5}\n",
            "c.yaml:2: thresholds.utilization.high: expected a number in (0, 1]",
        ),
        (
            "policy:\n  rules:\n    - {class: nope, queue: 1}\n",
            "c.yaml:3: policy.rules[0].class: unknown traffic class 'nope'",
        ),
        (
            "policy:\n  rules:\n    - {queue: 9}\n",
            "c.yaml:3: policy.rules[0].queue: must be in 0..7",
        ),
        (
            "policy:\n  rules:\n    - {urgency: 9-3, queue: 1}\n",
            "c.yaml:3: policy.rules[0].urgency: expected 0 <= low <= high",
        ),
        (
            "switches:\n  addresses: {e1: nohost}\n",
            "c.yaml:2: switches.addresses.e1: expected host:port",
        ),
        ("pipeline: {p4info: a.txt}\n", "c.yaml:1: pipeline: p4info and device_config go together"),
        (
            "te:\n  debounce: 50ms\n  max_delay: 10ms\n",
            "c.yaml:2: te.max_delay: must not be shorter",
        ),
        ("election_id: [1]\n", "c.yaml:1: <document>.election_id: expected int"),
        ("a: [1\n", "c.yaml:2: <yaml>:"),
    ],
)
def test_errors_name_file_line_and_field(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        ControllerConfig.from_text(text, "c.yaml")
    assert str(info.value).startswith(expected), str(info.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "switches: {port_base: 1}\ntenants:\n  nobody: {max_urgency: 3}\n",
            "c.yaml:3: tenants.nobody: unknown tenant 'nobody'",
        ),
        (
            "switches: {port_base: 1}\npolicy:\n  rules:\n    - {tenant: x, queue: 3}\n",
            "c.yaml:4: policy.rules[0].tenant: unknown tenant 'x'",
        ),
        (
            "switches: {port_base: 1}\npolicy:\n  sem_aware_hosts: [hq]\n",
            "c.yaml:3: policy.sem_aware_hosts: unknown host 'hq'",
        ),
        (
            'switches:\n  addresses: {zz: "h:1"}\n',
            "c.yaml:2: switches.addresses.zz: unknown switch 'zz'",
        ),
        (
            'switches: {addresses: {e1: "h:1"}}\n',
            "c.yaml:1: switches: no address for a1, b1, c1, c2",
        ),
    ],
)
def test_cross_references_are_checked_against_the_topology(text: str, expected: str) -> None:
    config = ControllerConfig.from_text(text, "c.yaml")
    with pytest.raises(ConfigError) as info:
        config.check(Topology.load(SMALL))
    assert str(info.value).startswith(expected), str(info.value)


def test_missing_file_is_a_config_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match=r"nope\.yaml:0: file: No such file"):
        ControllerConfig.load(tmp_path / "nope.yaml")

"""Intent -> P4 entities, entity by entity, and every entity encodes against p4src's P4Info."""

from __future__ import annotations

from pathlib import Path

import finsy as fy
import pytest

from controller.config import ControllerConfig
from controller.programming import (
    FN_CPU_SESSION,
    FN_FLOOD_SESSION,
    FN_PORT_SESSION_BASE,
    Intent,
    host_next_id,
    member_id,
    node_mac,
    port_object_id,
    switch_entities,
    switch_next_id,
)
from controller.te import TrafficEngine
from controller.topology import Topology
from controller.wire import PortType
from tests.controller.service_fixtures import SMALL, fantel_pipeline

CONFIG = """\
switches: {port_base: 1}
thresholds:
  queue_depth: {high: 40, low: 10}
  sojourn: {high: 1ms, low: 200us}
  utilization: {high: 0.8, low: 0.5}
  probe: {interval: 5ms, multiplier: 4}
  fn: {min_interval: 2ms, lifetime: 300ms, hop_limit: 3}
  status_window: 10ms
  flowlet_gap: 250us
tenants:
  research: {max_urgency: 100}
policy:
  rules:
    - {class: gradient, urgency: 4-255, queue: 6}
    - {tenant: clinic, stage: 2, queue: 7}
  sem_aware_hosts: [he2]
"""


@pytest.fixture(scope="module")
def intent() -> Intent:
    topo = Topology.load(SMALL)
    engine = TrafficEngine(topo.graph())
    engine.set_demand("e1", "a1", 4e6)
    engine.set_demand("e1", "b1", 4e6)
    return Intent(topo, ControllerConfig.from_text(CONFIG, "c.yaml"), engine.solve())


def entries(intent: Intent, switch: str, table: str) -> list[fy.P4TableEntry]:
    return [
        e
        for e in switch_entities(intent, switch)
        if isinstance(e, fy.P4TableEntry) and e.table_id == table
    ]


def action(entry: fy.P4TableEntry) -> tuple[str, dict[str, object]]:
    assert isinstance(entry.action, fy.P4TableAction)
    return entry.action.name, dict(entry.action.args)


def match(entry: fy.P4TableEntry) -> dict[str, object]:
    assert entry.match is not None
    return dict(entry.match)


def test_every_entity_encodes_against_the_real_p4info(intent: Intent, tmp_path: Path) -> None:
    schema = fy.P4Schema(fantel_pipeline(tmp_path).p4info)
    for switch in intent.topology.switches:
        encoded = [e.encode(schema) for e in switch_entities(intent, switch)]
        assert encoded


def test_switch_config_carries_identity_and_timers(intent: Intent) -> None:
    (entry,) = entries(intent, "c1", "switch_config")
    assert entry.is_default_action
    assert action(entry) == (
        "set_switch_config",
        {
            "node_id": 2,
            "node_ip": "10.255.0.3",
            "node_mac": "02:fa:00:00:00:02",
            "flowlet_gap": 250,
            "fn_min_interval": 2000,
            "fn_lifetime": 300,
            "fn_hop_limit": 3,
            "status_window": 10000,
        },
    )


def test_port_roles_and_sem_strip_follow_the_topology(intent: Intent) -> None:
    roles = {
        match(e)["ingress_port"]: action(e)[1]["port_type"]
        for e in entries(intent, "e1", "ingress_port_type")
    }
    assert roles == {1: PortType.INFRA, 2: PortType.INFRA, 10: PortType.HOST, 11: PortType.HOST}
    # he2 (port 11) is SEM-aware: only he1's port strips.
    assert [match(e)["egress_port"] for e in entries(intent, "e1", "sem_strip")] == [10]


def test_clone_sessions_flood_to_links_and_unicast_per_port(intent: Intent) -> None:
    sessions = {
        e.session_id: list(e.replicas)
        for e in switch_entities(intent, "e1")
        if isinstance(e, fy.P4CloneSessionEntry)
    }
    assert sessions == {
        FN_CPU_SESSION: [(255, 0)],
        FN_FLOOD_SESSION: [(1, 0), (2, 0)],
        FN_PORT_SESSION_BASE + 1: [(1, 0)],
        FN_PORT_SESSION_BASE + 2: [(2, 0)],
        FN_PORT_SESSION_BASE + 10: [(10, 0)],
        FN_PORT_SESSION_BASE + 11: [(11, 0)],
    }


def test_routes_groups_and_members_realize_the_te_weights(intent: Intent) -> None:
    routes = {
        match(e)["ipv4_dst"]: action(e)[1]["next_id"] for e in entries(intent, "e1", "ipv4_routes")
    }
    a1 = switch_next_id(4)
    assert routes == {
        "10.0.1.1/32": host_next_id(10),
        "10.0.1.2/32": host_next_id(11),
        "10.0.2.0/24": a1,
        "10.0.3.0/24": switch_next_id(5),
    }
    entities = switch_entities(intent, "e1")
    groups = {e.group_id: e for e in entities if isinstance(e, fy.P4ActionProfileGroup)}
    members = {e.member_id: e for e in entities if isinstance(e, fy.P4ActionProfileMember)}
    expected = intent.solution.next_hops["e1"]["a1"]
    group_members = groups[a1].members
    assert group_members is not None
    assert [(m.member_id, m.weight) for m in group_members] == [
        (member_id(a1, port), weight) for port, weight in expected
    ]
    for port, _ in expected:
        peer = intent.topology.port_map("e1")[port].peer
        assert peer is not None
        member = members[member_id(a1, port)]
        assert member.action is not None
        assert member.action.args["port"] == port
        assert member.action.args["smac"] == node_mac(1)
        assert member.action.args["dmac"] == node_mac(
            intent.topology.switches[peer.switch].device_id
        )
    host = members[member_id(host_next_id(10), 10)]
    assert host.action is not None and host.action.args["dmac"] == "02:00:00:00:01:01"
    table = {match(e)["next_id"]: e.action for e in entries(intent, "e1", "next_hop_groups")}
    assert table[a1] == fy.P4IndirectAction(group_id=a1)
    assert table[host_next_id(10)] == fy.P4IndirectAction(member_id=member_id(host_next_id(10), 10))


def test_backups_and_remote_watches(intent: Intent) -> None:
    backups = {
        (match(e)["next_id"], match(e)["primary_port"]): action(e)[1]["port"]
        for e in entries(intent, "c1", "backup_next_hops")
    }
    expected = {
        (switch_next_id(intent.topology.switches[dst].device_id), primary): backup
        for dst, table in intent.solution.backups["c1"].items()
        for primary, backup in table.items()
    }
    assert backups == expected and backups
    # e1 reaches b1 through c1 or c2, each of which has one port towards b1: watched.
    watches = {
        match(e)["object_id"]: action(e)[1]["id"] for e in entries(intent, "e1", "remote_watch")
    }
    for port, _ in intent.solution.next_hops["e1"]["b1"]:
        peer = intent.topology.port_map("e1")[port].peer
        assert peer is not None
        ((onward, _),) = intent.solution.next_hops[peer.switch]["b1"]
        obj = port_object_id(intent.topology.switches[peer.switch].device_id, onward)
        member = next(
            e
            for e in switch_entities(intent, "e1")
            if isinstance(e, fy.P4ActionProfileMember)
            and e.member_id == member_id(switch_next_id(5), port)
        )
        watch = watches[obj]
        assert isinstance(watch, int) and watch > 0
        assert member.action is not None and member.action.args["watch_id"] == watch


def test_liveness_on_links_only(intent: Intent) -> None:
    liveness = {match(e)["port"]: action(e) for e in entries(intent, "e1", "liveness_config")}
    assert liveness == {p: ("set_liveness", {"interval_us": 5000, "multiplier": 4}) for p in (1, 2)}


def test_tenant_clamps_and_policy_rules(intent: Intent) -> None:
    limits = {
        match(e)["tenant_id"]: action(e)[1]["tenant_max_urgency"]
        for e in entries(intent, "a1", "tenant_limits")
    }
    assert limits == {1: 100, 2: 224}  # research overridden by the config, clinic from the topology
    rules = entries(intent, "a1", "sem_policy")
    assert [(match(r), r.priority, action(r)) for r in rules] == [
        ({"tclass": (2, 0xF), "urgency": (4, 255)}, 2, ("set_treatment", {"priority": 6})),
        ({"tenant_id": (2, 0xFFFF), "stage": (2, 0xFF)}, 1, ("set_treatment", {"priority": 7})),
    ]


def test_thresholds_in_data_plane_units(intent: Intent) -> None:
    congestion = entries(intent, "e1", "congestion_thresholds")
    assert {match(e)["egress_port"] for e in congestion} == {1, 2, 10, 11}
    assert action(congestion[0]) == (
        "set_thresholds",
        {"qdepth_hi": 40, "qdepth_lo": 10, "sojourn_hi_us": 1000, "sojourn_lo_us": 200},
    )
    status = {match(e)["port"]: action(e)[1] for e in entries(intent, "e1", "status_thresholds")}
    # 100 Gbps scaled 1/10000 = 10 Mbps; 10 ms window = 12500 bytes at full rate.
    assert status == {p: {"high_bytes": 10000, "low_bytes": 6250} for p in (1, 2)}


def test_same_intent_same_entities_and_failures_move_members(intent: Intent) -> None:
    assert switch_entities(intent, "e1") == switch_entities(intent, "e1")
    topo = intent.topology
    engine = TrafficEngine(topo.graph())
    engine.link_down("e1:1-c1:1")
    after = Intent(topo, intent.config, engine.solve())
    ports = {
        e.action.args["port"]
        for e in switch_entities(after, "e1")
        if isinstance(e, fy.P4ActionProfileMember)
        and e.action is not None
        and e.member_id < 0x8000 << 9
    }
    assert ports == {2}


def test_reservations_become_edge_meters_at_the_source(intent: Intent) -> None:
    from dataclasses import replace

    from controller.programming import MeteredReservation

    metered = replace(
        intent,
        reservations=(
            MeteredReservation("he1", "ha1", 2e6),
            MeteredReservation("he1", "ha1", 1e6),  # same endpoints: one meter, rates added
            MeteredReservation("e1", "b1", 4e6),
        ),
    )
    meters = entries(metered, "e1", "reservation_meters")
    assert [(match(e), e.priority) for e in meters] == [
        ({"next_id": (switch_next_id(5), 0xFFFF)}, 1),
        ({"ipv4_src": ("10.0.1.1", 0xFFFFFFFF), "ipv4_dst": ("10.0.2.1", 0xFFFFFFFF)}, 2),
    ]
    config = meters[1].meter_config
    assert config is not None
    assert (config.cir, config.pir, config.cburst, config.pburst) == (375_000, 468_750, 3750, 4688)
    assert entries(metered, "a1", "reservation_meters") == []
    assert entries(intent, "e1", "reservation_meters") == []

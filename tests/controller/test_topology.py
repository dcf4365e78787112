"""The YAML network model: loading, lookups, units and every validation error's file:line:field."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import networkx as nx
import pytest

from controller.topology import (
    Topology,
    TopologyError,
    parse_delay,
    parse_rate,
    parse_scale,
)

REPO = Path(__file__).resolve().parents[2]

BASE = """\
name: t
scale: 1/1000
sites:
  - {name: ent, kind: entity}
  - {name: dc, kind: aidc}
switches:
  - {name: s1, device_id: 1, site: ent}
  - {name: s2, device_id: 2, site: dc}
links:
  - {a: "s1:1", b: "s2:1", capacity: 10Gbps, delay: 1.5ms}
  - {name: second, a: "s1:2", b: "s2:2", capacity: 100Mbps, delay: 300km, scale: 1}
tenants:
  - {name: lab, id: 1, max_urgency: 3, traffic_classes: [gradient, parameter]}
hosts:
  - {name: h1, mac: "02:00:00:00:00:01", ip: 10.0.1.1/24, switch: s1, port: 10, tenant: lab}
  - {name: h2, mac: "02:00:00:00:00:02", ip: 10.0.2.1/24, switch: s2, port: 10}
"""


def _line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def _error(text: str) -> TopologyError:
    with pytest.raises(TopologyError) as info:
        Topology.from_text(text, "t.yaml")
    return info.value


def test_base_document_loads_with_all_fields() -> None:
    topo = Topology.from_text(BASE, "t.yaml")
    assert topo.scale == pytest.approx(1e-3)
    first, second = topo.links["s1:1-s2:1"], topo.links["second"]
    assert (first.capacity_bps, first.delay_s, first.testbed_bps) == (
        10e9,
        1.5e-3,
        pytest.approx(10e6),
    )
    assert (second.capacity_bps, second.delay_s, second.testbed_bps) == (
        100e6,
        pytest.approx(1.5e-3),
        100e6,
    )
    assert topo.hosts["h1"].ip == ipaddress.IPv4Interface("10.0.1.1/24")
    assert topo.hosts["h2"].site == "dc"  # defaults to the switch's site
    assert topo.hosts["h2"].tenant is None
    assert topo.tenants["lab"].traffic_classes == ("gradient", "parameter")


def test_graph_is_a_multigraph_with_parallel_links_and_ports() -> None:
    graph = Topology.from_text(BASE, "t.yaml").graph()
    assert isinstance(graph, nx.MultiGraph)
    assert graph.number_of_edges("s1", "s2") == 2
    assert graph.edges["s1", "s2", "second"]["ports"] == {"s1": 2, "s2": 2}
    assert graph.edges["s1", "s2", "s1:1-s2:1"]["capacity"] == pytest.approx(10e6)
    real = Topology.from_text(BASE, "t.yaml").graph(testbed=False)
    assert real.edges["s1", "s2", "s1:1-s2:1"]["capacity"] == 10e9
    assert graph.nodes["s2"] == {"device_id": 2, "site": "dc", "site_kind": "aidc"}


def test_port_map_and_lookups() -> None:
    topo = Topology.from_text(BASE, "t.yaml")
    ports = topo.port_map("s1")
    assert sorted(ports) == [1, 2, 10]
    assert ports[1].peer is not None and str(ports[1].peer) == "s2:1"
    assert ports[10].host is not None and ports[10].host.name == "h1"
    assert topo.host_by_ip("10.0.2.1") == topo.hosts["h2"]
    assert topo.host_by_mac("02:00:00:00:00:01") == topo.hosts["h1"]
    assert topo.switch_by_device_id(2) == topo.switches["s2"]
    assert topo.destination_prefixes() == {
        "s1": [ipaddress.IPv4Network("10.0.1.0/24")],
        "s2": [ipaddress.IPv4Network("10.0.2.0/24")],
    }


def test_subnet_split_over_switches_is_routed_per_host() -> None:
    text = BASE.replace("ip: 10.0.2.1/24", "ip: 10.0.1.2/24")
    prefixes = Topology.from_text(text, "t.yaml").destination_prefixes()
    assert prefixes["s1"] == [ipaddress.IPv4Network("10.0.1.1/32")]
    assert prefixes["s2"] == [ipaddress.IPv4Network("10.0.1.2/32")]


@pytest.mark.parametrize("name", ["small", "large"])
def test_shipped_topologies_load_and_have_disjoint_paths(name: str) -> None:
    topo = Topology.load(REPO / "topologies" / f"{name}.yaml")
    graph = topo.graph()
    kinds = {site.kind for site in topo.sites.values()}
    assert {"entity", "aidc"} <= kinds
    assert nx.is_connected(graph)
    # Two link-disjoint paths between every pair of switches: one failure never partitions.
    for u in graph.nodes:
        for v in graph.nodes:
            if u != v:
                assert len(list(nx.edge_disjoint_paths(nx.MultiGraph(graph), u, v))) >= 2
    site_of = {s.name: s.site for s in topo.switches.values()}
    wan = [link for link in topo.links.values() if site_of[link.a.switch] != site_of[link.b.switch]]
    assert wan and all(0.5e-3 <= link.delay_s <= 2.5e-3 for link in wan)  # 100-500 km
    assert len(topo.switches) >= (12 if name == "large" else 4)
    assert len([s for s in topo.sites.values() if s.kind == "aidc"]) == (
        3 if name == "large" else 2
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10Gbps", 10e9),
        ("100 Mbps", 100e6),
        ("2.5gbps", 2.5e9),
        ("1e3kbps", 1e6),
        ("1Tbps", 1e12),
    ],
)
def test_parse_rate(text: str, expected: float) -> None:
    assert parse_rate(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.5ms", 1.5e-3), ("200us", 200e-6), ("300km", 1.5e-3), ("1s", 1.0), ("0ms", 0.0)],
)
def test_parse_delay(text: str, expected: float) -> None:
    assert parse_delay(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["10", "10 Gbit", "fast", "-1Gbps", "0Mbps", "Gbps"])
def test_parse_rate_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_rate(text)


@pytest.mark.parametrize("text", ["5", "1.5 m", "3 miles", ""])
def test_parse_delay_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_delay(text)


def test_parse_scale() -> None:
    assert parse_scale("1/10000") == pytest.approx(1e-4)
    assert parse_scale(0.5) == 0.5
    for bad in ("2/1", 0, "1/0", True, "x"):
        with pytest.raises(ValueError):
            parse_scale(bad)


# Each case: (original fragment, replacement, the line fragment to blame, field, words in message)
ERRORS = [
    ("site: dc}", "site: nowhere}", "site: nowhere", "switches[1].site", "unknown site"),
    ('b: "s2:1"', 'b: "s9:1"', "s9:1", "links[0].b", "unknown switch 's9'"),
    ('a: "s1:2"', 'a: "s1:1"', "name: second", "links[1].a", "already used by links[0].a"),
    ("capacity: 10Gbps", "capacity: 10 Gbit", "10 Gbit", "links[0].capacity", "unknown rate unit"),
    ("delay: 1.5ms", "delay: soon", "delay: soon", "links[0].delay", "expected a number"),
    ("scale: 1}", "scale: 7}", "scale: 7", "links[1].scale", "(0, 1]"),
    (
        "switch: s2, port: 10",
        "switch: s3, port: 10",
        "switch: s3",
        "hosts[1].switch",
        "unknown switch",
    ),
    (
        "switch: s2, port: 10",
        "switch: s2, port: 1",
        "switch: s2, port: 1}",
        "hosts[1].port",
        "already used",
    ),
    ("ip: 10.0.2.1/24", "ip: 10.0.2.1", "ip: 10.0.2.1,", "hosts[1].ip", "prefix length"),
    ('mac: "02:00:00:00:00:02"', 'mac: "02-00"', "02-00", "hosts[1].mac", "aa:bb"),
    ("tenant: lab}", "tenant: nobody}", "tenant: nobody", "hosts[0].tenant", "unknown tenant"),
    ("max_urgency: 3", "max_urgency: 300", "max_urgency: 300", "tenants[0].max_urgency", "0..255"),
    (
        "[gradient, parameter]",
        "[gradient, bulk]",
        "traffic_classes",
        "tenants[0].traffic_classes",
        "kv_cache",
    ),
    ("device_id: 2", "device_id: 1", "name: s2", "switches[1].device_id", "already used by s1"),
    ("device_id: 2", 'device_id: "2"', "name: s2", "switches[1].device_id", "expected int"),
    ("kind: aidc", "kind: cloud", "kind: cloud", "sites[1].kind", "must be one of"),
    ("name: s2,", "name: s1,", "name: s1, device_id: 2", "switches[1].name", "duplicate switch"),
    (
        "  - {name: s2, device_id: 2, site: dc}",
        "  - {name: s2, device_id: 2, site: dc, colour: red}",
        "colour",
        "switches[1].colour",
        "unknown field",
    ),
    ('b: "s2:1"', 'b: "s1:3"', "s1:3", "links[0].b", "two different switches"),
    ("capacity: 100Mbps, ", "", "name: second", "links[1].capacity", "missing required field"),
]


@pytest.mark.parametrize(("old", "new", "blame", "field", "words"), ERRORS)
def test_validation_errors_name_file_line_and_field(
    old: str, new: str, blame: str, field: str, words: str
) -> None:
    assert old in BASE
    text = BASE.replace(old, new, 1)
    error = _error(text)
    assert str(error).startswith(f"t.yaml:{_line_of(text, blame)}: {field}: "), str(error)
    assert words in error.detail
    assert (error.file, error.line, error.field) == ("t.yaml", _line_of(text, blame), field)


def test_yaml_syntax_error_has_a_line() -> None:
    text = BASE.replace("  - {name: dc, kind: aidc}", "  - {name: dc, kind: aidc")
    error = _error(text)
    assert error.file == "t.yaml" and error.line > 0 and error.field == "<yaml>"


def test_duplicate_key_is_an_error() -> None:
    text = BASE.replace("name: t\n", "name: t\nname: u\n")
    assert str(_error(text)).startswith("t.yaml:2: <document>.name: duplicate key")


def test_empty_and_non_mapping_documents() -> None:
    assert "empty" in str(_error(""))
    assert str(_error("- a\n- b\n")).startswith("t.yaml:1: <document>: ")


def test_missing_file_is_a_topology_error(tmp_path: Path) -> None:
    with pytest.raises(TopologyError, match=r"nope\.yaml:0: file: "):
        Topology.load(tmp_path / "nope.yaml")


def test_load_names_the_real_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BASE.replace("capacity: 10Gbps", "capacity: lots"))
    with pytest.raises(TopologyError) as info:
        Topology.load(path)
    assert str(info.value).startswith(
        f"{path}:{_line_of(BASE, 'capacity: 10Gbps')}: links[0].capacity:"
    )


def test_a_non_string_measure_has_one_location_prefix() -> None:
    text = BASE.replace("capacity: 10Gbps", "capacity: 10")
    line = _line_of(text, "capacity: 10,")
    assert str(_error(text)) == f"t.yaml:{line}: links[0].capacity: expected str, got 10"

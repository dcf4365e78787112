"""Topology Zoo loading: every file of ../shared/topology-zoo parses into a usable TE graph."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from controller.te import PathFinder, TrafficEngine
from controller.te.zoo import ZooError, capacity_from_label, load_zoo

ZOO = Path(__file__).resolve().parents[3] / "shared" / "topology-zoo" / "gml"
FILES = sorted(ZOO.glob("*.gml"))
needs_zoo = pytest.mark.skipif(not FILES, reason=f"Topology Zoo files not found in {ZOO}")


@pytest.mark.parametrize(
    ("label", "bps"),
    [
        ("2.5 Gbps", 2.5e9),
        ("1 Gbit/s", 1e9),
        ("1Gb/s", 1e9),
        ("45 Mbps DS-3", 45e6),
        ("Peering, 1 Gbps", 1e9),
        ("OC192/STM64", 192 * 51.84e6),
        ("OC-3", 3 * 51.84e6),
        ("STM-16", 16 * 155.52e6),
        ("DS-3", 45e6),
    ],
)
def test_capacity_from_label(label: str, bps: float) -> None:
    assert capacity_from_label(label) == pytest.approx(bps)


@pytest.mark.parametrize("label", ["Green Link", "Dark Fibre", "Red", "fiber"])
def test_labels_without_a_speed_give_none(label: str) -> None:
    assert capacity_from_label(label) is None


@needs_zoo
def test_all_zoo_files_load() -> None:
    assert len(FILES) == 276
    for path in FILES:
        graph = load_zoo(path)
        assert isinstance(graph, nx.MultiGraph) and graph.number_of_nodes() >= 4, path.name
        for u, v, _, data in graph.edges(keys=True, data=True):
            assert u != v
            assert data["capacity"] > 0 and data["delay"] > 0
            assert set(data["ports"]) == {u, v}
        for node in graph.nodes:
            ports = [d["ports"][node] for _, _, d in graph.edges(node, data=True)]
            assert len(ports) == len(set(ports)), (path.name, node)  # no port used twice


@needs_zoo
def test_abilene_values() -> None:  # capacities from LinkLabel "OC-192c", delays from coordinates
    graph = load_zoo(ZOO / "Abilene.gml")
    assert graph.graph["name"] == "Abilene"
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (11, 14)
    assert graph.graph["default_capacity_links"] == 0
    # New York (0) - Chicago (1): OC-192, about 1,150 km of great circle at 5 us/km.
    edge = graph.edges["0", "1", "z0"]
    assert edge["capacity"] == pytest.approx(192 * 51.84e6)
    assert edge["delay"] == pytest.approx(5.7e-3, rel=0.05)


@needs_zoo
def test_parallel_links_survive_and_te_runs_on_a_zoo_graph() -> None:
    with_parallel = [
        g for g in map(load_zoo, FILES) if any(g.number_of_edges(u, v) > 1 for u, v in g.edges())
    ]
    assert len(with_parallel) == 96  # the files that need `multigraph 1` inserted
    graph = load_zoo(ZOO / "Geant2012.gml")
    nodes = sorted(graph.nodes, key=int)[:6]
    engine = TrafficEngine(graph, destinations=nodes)
    for src in nodes:
        for dst in nodes:
            if src != dst and nx.has_path(graph, src, dst):
                engine.set_demand(src, dst, 1e8)
    solution = engine.solve()
    assert solution.path_flows and solution.max_utilization > 0
    assert PathFinder(graph).k_shortest(nodes[0], nodes[1], 3)


def test_unreadable_file_is_a_zoo_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gml"
    bad.write_text("graph [ node [ id 0 ] edge [ source 0 target 9 ] ")
    with pytest.raises(ZooError, match=r"bad\.gml"):
        load_zoo(bad)

"""TE engine: paths, backups, LP optima on hand-checkable graphs, failures, reservations, weights."""

from __future__ import annotations

from pathlib import Path as FsPath

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from controller.te import (
    AdmissionError,
    Hop,
    Path,
    PathFinder,
    TrafficEngine,
    optimality_gap,
    round_weights,
    solve_arc_lp,
    solve_path_lp,
)
from controller.te.forwarding import destination_flows
from controller.topology import Topology

REPO = FsPath(__file__).resolve().parents[2]


def _graph(*links: tuple[str, str, str, float, float]) -> nx.MultiGraph:
    """Links as (u, v, name, capacity bps, delay s); ports numbered per switch from 1."""
    graph = nx.MultiGraph()
    next_port: dict[str, int] = {}
    for u, v, name, capacity, delay in links:
        pu, pv = next_port.get(u, 1), next_port.get(v, 1)
        next_port[u], next_port[v] = pu + 1, pv + 1
        graph.add_edge(u, v, key=name, capacity=capacity, delay=delay, ports={u: pu, v: pv})
    return graph


def _capacity(graph: nx.MultiGraph) -> dict[tuple[str, str], float]:
    return {
        (k, end): d["capacity"]
        for u, v, k, d in graph.edges(keys=True, data=True)
        for end in (u, v)
    }


def _large() -> nx.MultiGraph:
    return Topology.load(REPO / "topologies" / "large.yaml").graph()


# A square with a diagonal: s-a-t, s-b-t, s-t direct; two parallel s-a links.
SQUARE = _graph(
    ("s", "t", "st", 10.0, 5.0),
    ("s", "a", "sa1", 10.0, 1.0),
    ("s", "a", "sa2", 10.0, 1.5),
    ("a", "t", "at", 10.0, 1.0),
    ("s", "b", "sb", 10.0, 2.0),
    ("b", "t", "bt", 10.0, 2.0),
)


# -- paths ----------------------------------------------------------------------------------


def test_k_shortest_paths_in_delay_order_and_parallel_links_distinct() -> None:
    paths = PathFinder(SQUARE).k_shortest("s", "t", 10)
    assert [(p.nodes, sorted(p.links), p.delay) for p in paths] == [
        (("s", "a", "t"), ["at", "sa1"], 2.0),
        (("s", "a", "t"), ["at", "sa2"], 2.5),
        (("s", "b", "t"), ["bt", "sb"], 4.0),
        (("s", "t"), ["st"], 5.0),
    ]
    assert PathFinder(SQUARE).k_shortest("s", "t", 2) == paths[:2]
    assert paths[0].hops[0] == Hop("sa1", "s", "a")


def test_paths_skip_excluded_links_and_unreachable_is_empty() -> None:
    finder = PathFinder(SQUARE, excluded={"sa1", "sa2", "st"})
    assert [p.nodes for p in finder.k_shortest("s", "t", 5)] == [("s", "b", "t")]
    assert PathFinder(SQUARE, excluded={"sa1", "sa2", "st", "sb"}).k_shortest("s", "t", 5) == []


def test_disjoint_backup_shares_no_link_with_primary() -> None:
    graph = _large()
    finder = PathFinder(graph)
    nodes = sorted(graph.nodes)
    checked = 0
    for src in nodes:
        for dst in nodes:
            if src == dst:
                continue
            primary = finder.k_shortest(src, dst, 1)[0]
            backup = finder.disjoint_backup(primary)
            assert backup is not None, (src, dst)
            assert not primary.links & backup.links
            assert backup.nodes[0] == src and backup.nodes[-1] == dst
            checked += 1
    assert checked == len(nodes) * (len(nodes) - 1)


def test_disjoint_backup_is_none_across_a_bridge() -> None:
    graph = _graph(("x", "y", "bridge", 1.0, 1.0), ("y", "z", "yz", 1.0, 1.0))
    primary = PathFinder(graph).k_shortest("x", "z", 1)[0]
    assert PathFinder(graph).disjoint_backup(primary) is None


# -- LPs ------------------------------------------------------------------------------------


def test_two_parallel_equal_links_split_fifty_fifty() -> None:
    graph = _graph(("s", "t", "l1", 10e6, 1e-3), ("s", "t", "l2", 10e6, 1e-3))
    candidates = {("s", "t"): PathFinder(graph).k_shortest("s", "t", 4)}
    result = solve_path_lp(_capacity(graph), {("s", "t"): 10e6}, candidates)
    assert result.max_utilization == pytest.approx(0.5, abs=1e-9)
    assert sorted(rate for _, rate in result.path_flows["s", "t"]) == pytest.approx([5e6, 5e6])
    assert result.arc_load[("l1", "s")] == pytest.approx(5e6)
    assert result.arc_load[("l1", "t")] == 0.0  # the reverse direction carries nothing
    assert result.feasible and result.served_fraction == 1.0


def test_unequal_links_split_in_proportion_to_capacity() -> None:
    graph = _graph(("s", "t", "thin", 10.0, 1.0), ("s", "t", "fat", 30.0, 1.0))
    candidates = {("s", "t"): PathFinder(graph).k_shortest("s", "t", 4)}
    result = solve_path_lp(_capacity(graph), {("s", "t"): 20.0}, candidates)
    assert result.max_utilization == pytest.approx(0.5)
    assert result.arc_load[("thin", "s")] == pytest.approx(5.0)
    assert result.arc_load[("fat", "s")] == pytest.approx(15.0)


def test_overload_is_reported_with_the_scale_that_fits() -> None:
    # s->t: direct (10) and via m (10): 30 units of demand need U = 1.5.
    graph = _graph(
        ("s", "t", "d", 10.0, 1.0), ("s", "m", "sm", 10.0, 1.0), ("m", "t", "mt", 10.0, 1.0)
    )
    candidates = {("s", "t"): PathFinder(graph).k_shortest("s", "t", 4)}
    result = solve_path_lp(_capacity(graph), {("s", "t"): 30.0}, candidates)
    assert result.max_utilization == pytest.approx(1.5)
    assert not result.feasible
    assert result.served_fraction == pytest.approx(2 / 3)


def test_among_optimal_solutions_the_short_path_is_preferred() -> None:
    # The bottleneck s-m fixes U = 0.5 whatever happens after m, so the delay tie-break
    # must send everything over the short m-t link rather than an arbitrary mix.
    graph = _graph(
        ("s", "m", "sm", 10.0, 1.0), ("m", "t", "short", 100.0, 1.0), ("m", "t", "long", 100.0, 5.0)
    )
    candidates = {("s", "t"): PathFinder(graph).k_shortest("s", "t", 4)}
    result = solve_path_lp(_capacity(graph), {("s", "t"): 5.0}, candidates)
    assert result.max_utilization == pytest.approx(0.5)
    assert result.arc_load[("short", "m")] == pytest.approx(5.0)
    assert result.arc_load[("long", "m")] == 0.0


def test_arc_lp_matches_hand_optimum_and_path_lp_with_enough_paths() -> None:
    demands = {("s", "t"): 12.0, ("a", "b"): 6.0}
    exact = solve_arc_lp(SQUARE, _capacity(SQUARE), demands)
    finder = PathFinder(SQUARE)
    full = solve_path_lp(
        _capacity(SQUARE), demands, {p: finder.k_shortest(*p, 50) for p in demands}
    )
    assert exact.max_utilization == pytest.approx(full.max_utilization, rel=1e-6)
    # s->t has 40 units of cut capacity (st, sa1, sa2, sb) but a-t (10) and b-t (10) plus
    # st (10) = 30 into t, and a->b shares links: hand optimum U = 0.6 (18 units over 30).
    assert exact.max_utilization == pytest.approx(0.6, rel=1e-6)
    assert optimality_gap(full.max_utilization, exact.max_utilization) < 1e-6


def test_path_lp_with_one_path_has_a_positive_gap() -> None:
    demands = {("s", "t"): 12.0}
    one = solve_path_lp(
        _capacity(SQUARE), demands, {("s", "t"): PathFinder(SQUARE).k_shortest("s", "t", 1)}
    )
    exact = solve_arc_lp(SQUARE, _capacity(SQUARE), demands)
    assert one.max_utilization == pytest.approx(1.2)
    assert exact.max_utilization == pytest.approx(0.4)
    assert optimality_gap(one.max_utilization, exact.max_utilization) == pytest.approx(2.0)


def test_column_generation_reaches_the_exact_optimum_from_one_path() -> None:
    demands = {("s", "t"): 12.0, ("a", "b"): 6.0}
    one_each = {p: PathFinder(SQUARE).k_shortest(*p, 1) for p in demands}
    restricted = solve_path_lp(_capacity(SQUARE), demands, one_each)
    generated = solve_path_lp(_capacity(SQUARE), demands, one_each, pricing=SQUARE)
    assert restricted.max_utilization > 0.6 + 0.1
    assert generated.max_utilization == pytest.approx(0.6, rel=1e-6)
    assert generated.columns > restricted.columns == 2
    for pair, flows in generated.path_flows.items():
        assert sum(rate for _, rate in flows) == pytest.approx(demands[pair])
        for path, _ in flows:
            assert (path.nodes[0], path.nodes[-1]) == pair


def test_column_generation_never_uses_a_failed_link() -> None:
    engine = TrafficEngine(SQUARE, k_paths=1)
    engine.set_demand("s", "t", 25.0)
    engine.link_down("st")
    solution = engine.solve()
    used = {link for flows in solution.path_flows.values() for p, _ in flows for link in p.links}
    assert "st" not in used and {"at", "bt", "sb"} <= used
    # Into t only a-t (10) and b-t (10) remain: U = 25 / 20.
    assert solution.max_utilization == pytest.approx(1.25)
    assert not solution.feasible and solution.served_fraction == pytest.approx(0.8)


# -- engine: failures, reservations, events --------------------------------------------------


def test_failed_link_is_excluded_everywhere() -> None:
    engine = TrafficEngine(SQUARE)
    engine.set_demand("s", "t", 12.0)
    assert engine.solve().arc_load_bps[("at", "a")] > 0
    engine.link_down("at")
    after = engine.solve()
    assert after.failed_links == {"at"}
    assert all("at" not in path.links for flows in after.path_flows.values() for path, _ in flows)
    assert not any(arc[0] == "at" for arc in after.arc_utilization)
    at_port_on_a = SQUARE.edges["a", "t", "at"]["ports"]["a"]
    assert all(port != at_port_on_a for port, _ in after.next_hops["a"]["t"])
    # 12 units over st (10) and sb-bt (10): U = 0.6.
    assert after.max_utilization == pytest.approx(0.6)
    engine.link_up("at")
    assert engine.solve().max_utilization == pytest.approx(0.4)


def test_only_paths_over_the_failed_link_are_recomputed() -> None:
    engine = TrafficEngine(SQUARE, k_paths=1)
    first = engine.candidate_paths("s", "t")
    kept = engine.candidate_paths("s", "b")
    engine.link_down("sa1")
    assert engine.candidate_paths("s", "b") is not kept  # a fresh list, same paths
    assert engine.candidate_paths("s", "b") == kept
    assert engine.candidate_paths("s", "t") != first
    assert "sa1" not in engine.candidate_paths("s", "t")[0].links


def test_fast_solve_keeps_surviving_candidates_until_a_full_solve() -> None:
    engine = TrafficEngine(SQUARE, k_paths=2, column_rounds=0)
    engine.set_demand("s", "t", 4.0)
    engine.set_demand("s", "a", 4.0)
    assert [p.nodes for p in engine.candidate_paths("s", "t")] == [("s", "a", "t")] * 2
    kept = engine.candidate_paths("s", "a")
    engine.link_down("at")
    fast = engine.solve(fast=True)
    # Both s->t candidates died: the fast path falls back to one shortest path, s-b-t.
    assert [p.nodes for p, _ in fast.path_flows["s", "t"]] == [("s", "b", "t")]
    assert fast.max_utilization == pytest.approx(0.4)
    engine.link_down("sa1")
    fast = engine.solve(fast=True)
    assert engine.candidate_paths("s", "a") == [kept[1]]  # the survivor only
    full = engine.solve()
    assert [p.nodes for p in engine.candidate_paths("s", "t")] == [("s", "b", "t"), ("s", "t")]
    # s->a can only use sa2 now (a's other link is down): 4 over 10; s->t splits below that.
    assert full.max_utilization == pytest.approx(0.4)
    assert engine.candidate_paths("s", "a") == [kept[1]]


def test_reservation_takes_capacity_and_admission_rejects_overflow() -> None:
    graph = _graph(("s", "t", "l1", 10.0, 1.0), ("s", "t", "l2", 10.0, 2.0))
    engine = TrafficEngine(graph)
    first = engine.reserve("task-1", "s", "t", 6.0)
    assert first.path.links == {"l1"}  # shortest path with room
    second = engine.reserve("task-2", "s", "t", 6.0)
    assert second.path.links == {"l2"}  # l1 has only 4 left
    with pytest.raises(AdmissionError, match="no path from s to t"):
        engine.reserve("task-3", "s", "t", 5.0)
    engine.release("task-2")
    engine.set_demand("s", "t", 10.0)
    solution = engine.solve()
    # Free: l1 = 4, l2 = 10; min U with x on l1: x/4 = (10-x)/10 -> U = 10/14.
    assert solution.max_utilization == pytest.approx(10 / 14)
    assert solution.arc_utilization[("l1", "s")] == pytest.approx((6 + 40 / 14) / 10)


def test_failure_replaces_or_displaces_reservations() -> None:
    graph = _graph(("s", "t", "l1", 10.0, 1.0), ("s", "t", "l2", 10.0, 2.0))
    engine = TrafficEngine(graph)
    engine.reserve("a", "s", "t", 6.0)
    engine.reserve("b", "s", "t", 6.0)
    engine.link_down("l2")
    assert engine.reservations["a"].path.links == {"l1"}
    assert "b" not in engine.reservations
    assert engine.solve().displaced_reservations == ["b"]
    assert engine.solve().displaced_reservations == []  # reported once


def test_event_validation() -> None:
    engine = TrafficEngine(SQUARE)
    with pytest.raises(KeyError, match="unknown link"):
        engine.link_down("nope")
    with pytest.raises(KeyError, match="unknown switch"):
        engine.set_demand("s", "zz", 1.0)
    with pytest.raises(ValueError, match="same switch"):
        engine.set_demand("s", "s", 1.0)
    with pytest.raises(ValueError, match="negative"):
        engine.set_demand("s", "t", -1.0)
    engine.set_demand("s", "t", 1.0)
    engine.set_demand("s", "t", 0)
    assert engine.demands == {}


def test_partitioned_demand_is_unroutable_not_an_error() -> None:
    engine = TrafficEngine(_graph(("x", "y", "xy", 1.0, 1.0), ("y", "z", "yz", 1.0, 1.0)))
    engine.set_demand("x", "z", 0.5)
    engine.link_down("yz")
    solution = engine.solve()
    assert solution.unroutable == [("x", "z")]
    assert solution.max_utilization == 0.0


# -- forwarding: weights, loop freedom, backups ---------------------------------------------


def _solved_large() -> tuple[nx.MultiGraph, TrafficEngine]:
    graph = _large()
    engine = TrafficEngine(graph, k_paths=4)
    sites = ["e1", "e2", "x1", "x2", "y1", "y2", "z1", "z2"]
    for i, src in enumerate(sites):
        for j, dst in enumerate(sites):
            if src != dst:
                engine.set_demand(src, dst, 2e5 * (1 + (i * 7 + j * 3) % 5))
    return graph, engine


def _egress(graph: nx.MultiGraph, switch: str, port: int) -> tuple[str, str]:
    """(link, neighbour) behind a port."""
    for _, neighbour, link, data in graph.edges(switch, keys=True, data=True):
        if data["ports"][switch] == port:
            return link, neighbour
    raise AssertionError(f"{switch} has no port {port}")


def _reaches(
    graph: nx.MultiGraph, next_hops: dict, start: str, dst: str, avoid: str = ""
) -> set[str]:
    """All switches a packet can visit from start following any member; fails on a loop."""
    forwarding = nx.DiGraph()
    for switch, table in next_hops.items():
        for port, _ in table.get(dst, []):
            link, neighbour = _egress(graph, switch, port)
            assert link != avoid
            forwarding.add_edge(switch, neighbour)
    assert nx.is_directed_acyclic_graph(forwarding)
    reach = nx.descendants(forwarding, start) | {start} if start in forwarding else {start}
    assert dst in reach
    return reach


def test_next_hops_are_loop_free_and_weights_bounded() -> None:
    graph, engine = _solved_large()
    solution = engine.solve()
    assert solution.feasible
    for dst in graph.nodes:
        for switch in graph.nodes:
            if switch == dst:
                assert dst not in solution.next_hops[switch]
                continue
            group = solution.next_hops[switch][dst]
            assert group and sum(w for _, w in group) <= 64 and all(w >= 1 for _, w in group)
            _reaches(graph, solution.next_hops, switch, dst)
    assert solution.rounding_error <= 1 / 64


def test_per_destination_splits_reproduce_lp_arc_loads() -> None:
    _, engine = _solved_large()
    solution = engine.solve()
    flows = destination_flows(solution.path_flows)
    total: dict[tuple[str, str], float] = {}
    for arc_flow in flows.values():
        for arc, rate in arc_flow.items():
            total[arc] = total.get(arc, 0.0) + rate
    for arc, load in total.items():
        assert load <= solution.arc_load_bps[arc] + 1e-6  # cancelling cycles never adds load
    assert max(total[a] / engine.capacity()[a] for a in total) == pytest.approx(
        solution.max_utilization, rel=1e-6
    )


def test_cycle_between_sources_is_cancelled() -> None:
    # Source x goes x->y->t, source y goes y->x->t: towards t, x<->y would loop.
    hop = Hop
    flows = {
        ("x", "t"): [(Path((hop("link-xy", "x", "y"), hop("link-yt", "y", "t")), 2.0), 3.0)],
        ("y", "t"): [(Path((hop("link-xy", "y", "x"), hop("link-xt", "x", "t")), 2.0), 1.0)],
    }
    arc_flow = destination_flows(flows)["t"]
    assert arc_flow == {("link-xy", "x"): 2.0, ("link-yt", "y"): 3.0, ("link-xt", "x"): 1.0}


def test_backups_avoid_the_failed_link_and_never_loop() -> None:
    graph, engine = _solved_large()
    solution = engine.solve()
    protected = 0
    for switch, per_dst in solution.backups.items():
        for dst, by_port in per_dst.items():
            for primary_port, backup_port in by_port.items():
                failed, _ = _egress(graph, switch, primary_port)
                link, neighbour = _egress(graph, switch, backup_port)
                assert link != failed
                # From the backup neighbour the primary forwarding reaches dst without
                # coming back to this switch (so never meets the failed link).
                if neighbour != dst:
                    assert switch not in _reaches(graph, solution.next_hops, neighbour, dst)
                protected += 1
    groups = sum(len(g) for table in solution.next_hops.values() for g in table.values())
    assert protected + len(solution.unprotected) == groups
    assert protected > groups / 2
    # Unprotected means it: every other neighbour would send the packet back to this switch.
    for switch, dst, port in solution.unprotected:
        failed, _ = _egress(graph, switch, port)
        for _, neighbour, link in graph.edges(switch, keys=True):
            if link != failed:
                assert neighbour != dst
                assert switch in _reaches(graph, solution.next_hops, neighbour, dst)


@given(
    st.lists(st.floats(min_value=0, max_value=1e9), min_size=1, max_size=40), st.integers(1, 128)
)
def test_rounded_weights_sum_and_error_bounds(fractions: list[float], max_total: int) -> None:
    if sum(fractions) <= 0:
        with pytest.raises(ValueError):
            round_weights(fractions, max_total)
        return
    rounded = round_weights(fractions, max_total)
    assert len(rounded.weights) == len(fractions)
    assert 1 <= sum(rounded.weights) <= max_total
    shares = [f / sum(fractions) for f in fractions]
    installed = [w / sum(rounded.weights) for w in rounded.weights]
    error = max(abs(a - b) for a, b in zip(installed, shares, strict=True))
    assert rounded.error == pytest.approx(error)
    assert error <= 1 / max_total + 1e-12
    assert all(w == 0 for w, f in zip(rounded.weights, fractions, strict=True) if f == 0)


def test_rounding_examples() -> None:
    assert round_weights([0.5, 0.5]).weights == (1, 1)
    assert round_weights([1, 2, 1]).weights == (1, 2, 1)
    thirds = round_weights([1, 1, 1], 64)
    assert thirds.weights == (22, 21, 21) and thirds.error == pytest.approx(22 / 64 - 1 / 3)
    assert round_weights([0.999, 0.001], 64).weights == (1, 0)
    with pytest.raises(ValueError):
        round_weights([1.0, -0.1])

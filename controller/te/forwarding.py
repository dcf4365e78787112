"""Per-switch forwarding state from an LP solution: weighted next hops and fast-reroute backups.

The data plane forwards by destination, not by (source, destination), so the path flows of all
commodities towards one destination are summed per arc. Sources may use an arc pair in
opposite directions, which would loop; such cycles are cancelled (subtracting the smallest
flow around a cycle keeps every node's net flow and only lowers arc loads). In the resulting
acyclic flow, splitting at each switch in proportion to its outgoing flow reproduces the arc
loads exactly. Switches carrying no flow to a destination use their shortest-delay next hop,
which keeps the whole forwarding graph loop-free: flow-carrying switches only forward to
flow-carrying switches, and shortest-path trees have no cycles.

A backup for a primary next-hop link at switch v is a neighbour w (over another link) that
cannot reach v in the primary forwarding graph, so a packet rerouted to w after that single
link fails never comes back to v.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx

from controller.te.paths import Arc, Hop, Pair, Path, PathFinder
from controller.te.weights import DEFAULT_MAX_GROUP_WEIGHT, round_weights

#: switch -> destination switch -> [(egress port, weight)]
NextHopTable = dict[str, dict[str, list[tuple[int, int]]]]
#: switch -> destination switch -> {primary egress port: backup egress port}
BackupTable = dict[str, dict[str, dict[int, int]]]


@dataclass(frozen=True)
class Forwarding:
    next_hops: NextHopTable
    backups: BackupTable
    #: (switch, destination, primary port) with no loop-free backup neighbour.
    unprotected: list[tuple[str, str, int]]
    #: Largest share error introduced by integer weights over all groups.
    rounding_error: float


def destination_flows(
    path_flows: Mapping[Pair, Sequence[tuple[Path, float]]],
) -> dict[str, dict[Arc, float]]:
    """Acyclic per-destination arc flows: summed over sources, cycles cancelled."""
    per_destination: dict[str, dict[Arc, float]] = {}
    heads: dict[Arc, str] = {}
    for (_, dst), flows in path_flows.items():
        arc_flow = per_destination.setdefault(dst, {})
        for path, rate in flows:
            for hop in path.hops:
                arc_flow[hop.arc] = arc_flow.get(hop.arc, 0.0) + rate
                heads[hop.arc] = hop.dst
    for arc_flow in per_destination.values():
        _cancel_cycles(arc_flow, heads)
    return per_destination


def _cancel_cycles(arc_flow: dict[Arc, float], heads: Mapping[Arc, str]) -> None:
    tolerance = 1e-9 * max(arc_flow.values(), default=0.0)
    support = nx.MultiDiGraph()
    for arc, rate in arc_flow.items():
        if rate > tolerance:
            support.add_edge(arc[1], heads[arc], key=arc)
    while True:
        try:
            cycle = nx.find_cycle(support)
        except nx.NetworkXNoCycle:
            break
        arcs = [key for _, _, key in cycle]
        smallest = min(arc_flow[arc] for arc in arcs)
        for tail, head, arc in cycle:
            arc_flow[arc] -= smallest
            if arc_flow[arc] <= tolerance:
                arc_flow[arc] = 0.0
                support.remove_edge(tail, head, arc)
    for arc in [a for a, f in arc_flow.items() if f <= tolerance]:
        del arc_flow[arc]


def build_forwarding(
    graph: nx.MultiGraph,
    path_flows: Mapping[Pair, Sequence[tuple[Path, float]]],
    destinations: Collection[str],
    excluded: Collection[str] = (),
    max_group_weight: int = DEFAULT_MAX_GROUP_WEIGHT,
) -> Forwarding:
    """Weighted next hops and backups towards every destination switch on the live graph."""
    finder = PathFinder(graph, excluded)
    flows = destination_flows(path_flows)
    link_ends = {link: (u, v) for u, v, link in graph.edges(keys=True)}
    next_hops: NextHopTable = {node: {} for node in graph.nodes}
    backups: BackupTable = {node: {} for node in graph.nodes}
    unprotected: list[tuple[str, str, int]] = []
    worst_error = 0.0
    for dst in destinations:
        distance, first_hop = finder.tree_to(dst)
        primary = _primary_hops(link_ends, first_hop, flows.get(dst, {}))
        upstream_of = _upstream_sets(graph.nodes, primary)
        for switch, members in primary.items():
            rounded = round_weights([share for _, share in members], max_group_weight)
            worst_error = max(worst_error, rounded.error)
            next_hops[switch][dst] = [
                (_port(graph, hop), weight)
                for (hop, _), weight in zip(members, rounded.weights, strict=True)
                if weight > 0
            ]
            for hop, _ in members:
                backup = _backup_port(graph, hop, upstream_of[switch], distance, excluded)
                if backup is None:
                    unprotected.append((switch, dst, _port(graph, hop)))
                else:
                    backups[switch].setdefault(dst, {})[_port(graph, hop)] = backup
    return Forwarding(next_hops, backups, unprotected, worst_error)


def _upstream_sets(
    nodes: Iterable[str], primary: Mapping[str, list[tuple[Hop, float]]]
) -> dict[str, set[str]]:
    """For each switch, itself and every switch whose forwarding can reach it (one DAG pass)."""
    forward_graph = nx.DiGraph()
    forward_graph.add_nodes_from(nodes)
    for switch, members in primary.items():
        forward_graph.add_edges_from((switch, hop.dst) for hop, _ in members)
    upstream: dict[str, set[str]] = {}
    for node in nx.topological_sort(forward_graph):
        reach = {node}
        for parent in forward_graph.predecessors(node):
            reach |= upstream[parent]
        upstream[node] = reach
    return upstream


def _port(graph: nx.MultiGraph, hop: Hop) -> int:
    port: int = graph.edges[hop.src, hop.dst, hop.link]["ports"][hop.src]
    return port


def _primary_hops(
    link_ends: Mapping[str, tuple[str, str]],
    first_hop: Mapping[str, Hop],
    arc_flow: Mapping[Arc, float],
) -> dict[str, list[tuple[Hop, float]]]:
    """switch -> [(hop, share)]: the LP's flow where it has some, else the shortest-path hop."""
    members: dict[str, list[tuple[Hop, float]]] = {}
    for (link, tail), rate in sorted(arc_flow.items()):
        u, v = link_ends[link]
        members.setdefault(tail, []).append((Hop(link, tail, v if tail == u else u), rate))
    for switch, hop in first_hop.items():
        members.setdefault(switch, [(hop, 1.0)])
    return members


def _backup_port(
    graph: nx.MultiGraph,
    primary: Hop,
    upstream: Collection[str],
    distance: Mapping[str, float],
    excluded: Collection[str],
) -> int | None:
    """Egress port of the best neighbour that does not route back through the switch."""
    best: tuple[float, int] | None = None
    for _, neighbour, link, data in graph.edges(primary.src, keys=True, data=True):
        if link == primary.link or link in excluded or neighbour in upstream:
            continue
        if neighbour not in distance:
            continue
        candidate = (data["delay"] + distance[neighbour], data["ports"][primary.src])
        if best is None or candidate < best:
            best = candidate
    return None if best is None else best[1]

"""Candidate paths over the switch graph: k shortest by delay, and link-disjoint backups.

The graph is a `networkx.MultiGraph` in the schema of `Topology.graph()`: edges keyed by link
name with `delay` (s), `capacity` (bps per direction) and `ports` ({switch: port}). Parallel
links are distinct paths, so the search runs on a simple graph in which every parallel link
but the first gets its own midpoint node; paths are mapped back to link names.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

import networkx as nx

#: A direction of a link: (link name, switch it leaves). Capacity is per direction.
Arc = tuple[str, str]
Pair = tuple[str, str]


@dataclass(frozen=True)
class Hop:
    link: str
    src: str
    dst: str

    @property
    def arc(self) -> Arc:
        return (self.link, self.src)


@dataclass(frozen=True)
class Path:
    """A loop-free sequence of hops with its total one-way delay."""

    hops: tuple[Hop, ...]
    delay: float

    @property
    def nodes(self) -> tuple[str, ...]:
        return (self.hops[0].src, *(hop.dst for hop in self.hops)) if self.hops else ()

    @property
    def links(self) -> frozenset[str]:
        return frozenset(hop.link for hop in self.hops)

    @property
    def arcs(self) -> tuple[Arc, ...]:
        return tuple(hop.arc for hop in self.hops)

    def __str__(self) -> str:
        return " ".join(
            [self.hops[0].src, *(f"-[{h.link}]-> {h.dst}" for h in self.hops)] if self.hops else []
        )


@dataclass(frozen=True)
class _Midpoint:
    """The extra node standing in the middle of a parallel link."""

    link: str


class PathFinder:
    """k-shortest simple paths by delay on the live graph (links in `excluded` are ignored)."""

    def __init__(self, graph: nx.MultiGraph, excluded: Collection[str] = ()) -> None:
        self.graph = graph
        self.excluded = frozenset(excluded)
        self._simple = nx.Graph()
        self._simple.add_nodes_from(graph.nodes)
        for u, v, link, data in sorted(graph.edges(keys=True, data=True), key=_edge_order):
            if link in self.excluded:
                continue
            if self._simple.has_edge(u, v):
                middle = _Midpoint(link)
                self._simple.add_edge(u, middle, link=link, delay=data["delay"] / 2)
                self._simple.add_edge(middle, v, link=link, delay=data["delay"] / 2)
            else:
                self._simple.add_edge(u, v, link=link, delay=data["delay"])

    def k_shortest(self, src: str, dst: str, k: int) -> list[Path]:
        """Up to k simple paths from src to dst, shortest delay first; [] when unreachable."""
        if src == dst or not self._connected(src, dst):
            return []
        found = nx.shortest_simple_paths(self._simple, src, dst, weight="delay")
        return [self._to_path(nodes) for nodes in islice(found, k)]

    def shortest(self, src: str, dst: str, avoid: Collection[str] = ()) -> Path | None:
        """The shortest path that uses none of the links in `avoid`, or None."""
        if src == dst or not self._connected(src, dst):
            return None
        banned = frozenset(avoid)
        try:
            nodes = nx.dijkstra_path(self._simple, src, dst, weight=_weight_avoiding(banned))
        except nx.NetworkXNoPath:
            return None
        return self._to_path(nodes)

    def disjoint_backup(self, primary: Path) -> Path | None:
        """The shortest path between the primary's ends sharing no link with it."""
        if not primary.hops:
            return None
        return self.shortest(primary.hops[0].src, primary.hops[-1].dst, avoid=primary.links)

    def tree_to(self, dst: str) -> tuple[dict[str, float], dict[str, Hop]]:
        """Shortest-delay tree towards dst: (delay from each switch, its first hop).

        One Dijkstra from dst, so ties are broken consistently and the hops form a tree.
        """
        if dst not in self._simple:
            return {}, {}
        lengths, routes = nx.single_source_dijkstra(self._simple, dst, weight="delay")
        distance: dict[str, float] = {}
        first_hop: dict[str, Hop] = {}
        for node, route in routes.items():
            if isinstance(node, _Midpoint):
                continue
            distance[node] = lengths[node]
            if node == dst:
                continue
            # route runs dst -> ... -> node; its last step (maybe via a midpoint) is node's hop.
            previous = route[-2]
            if isinstance(previous, _Midpoint):
                first_hop[node] = Hop(previous.link, node, route[-3])
            else:
                first_hop[node] = Hop(self._simple.edges[node, previous]["link"], node, previous)
        return distance, first_hop

    def _connected(self, src: str, dst: str) -> bool:
        return src in self._simple and dst in self._simple and nx.has_path(self._simple, src, dst)

    def _to_path(self, nodes: list[Any]) -> Path:
        hops: list[Hop] = []
        delay = 0.0
        for position in range(len(nodes) - 1):
            u, v = nodes[position], nodes[position + 1]
            if isinstance(u, _Midpoint):
                continue  # the hop was recorded when we entered the midpoint
            target = nodes[position + 2] if isinstance(v, _Midpoint) else v
            link = v.link if isinstance(v, _Midpoint) else self._simple.edges[u, v]["link"]
            hops.append(Hop(link, u, target))
            delay += self.graph.edges[u, target, link]["delay"]
        return Path(tuple(hops), delay)


def _edge_order(edge: tuple[str, str, str, dict[str, Any]]) -> tuple[float, str]:
    # The lowest-delay link of a parallel bundle becomes the direct edge; names break ties so
    # the expansion (and hence path order) does not depend on insertion order.
    return (edge[3]["delay"], edge[2])


def _weight_avoiding(banned: frozenset[str]) -> Callable[[Any, Any, dict[str, Any]], float | None]:
    def weight(_u: Any, _v: Any, data: dict[str, Any]) -> float | None:
        return None if data["link"] in banned else float(data["delay"])

    return weight


def arcs_of(graph: nx.MultiGraph, excluded: Collection[str] = ()) -> Iterator[tuple[Arc, str, str]]:
    """Every live arc with its tail and head: ((link, tail), tail, head)."""
    for u, v, link in graph.edges(keys=True):
        if link not in excluded:
            yield (link, u), u, v
            yield (link, v), v, u

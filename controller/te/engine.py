"""The stateful TE engine: events change its inputs, `solve()` recomputes what they touched.

Events (`link_down`, `link_up`, `set_demand`, `reserve`, `release`) only record the change,
so a runtime can coalesce a burst of notifications and solve once. Candidate paths are cached
per demand pair: a link failure recomputes paths only for pairs whose candidates used it; a
repair recomputes all of them (any pair may gain a shorter path). The LP always runs over all
demands, because a failure shifts load everywhere.

Reservations take capacity along one path (admission control: the shortest candidate path with
enough unreserved capacity on every arc); the LP routes the remaining demands over what is
left. A failure re-places the reservations that crossed the failed link, and lists those that no
longer fit in `TeSolution.displaced_reservations`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx

from controller.te.forwarding import BackupTable, NextHopTable, build_forwarding
from controller.te.optimizer import solve_path_lp
from controller.te.paths import Arc, Pair, Path, PathFinder, arcs_of
from controller.te.weights import DEFAULT_MAX_GROUP_WEIGHT

DEFAULT_K_PATHS = 4
#: Column generation closes the gap of k delay-shortest paths (large on graphs with uneven
#: capacities) at the cost of a few more LP solves; bounded so a re-solve stays predictable.
DEFAULT_COLUMN_ROUNDS = 20


class AdmissionError(ValueError):
    """A reservation does not fit on any candidate path."""


@dataclass(frozen=True)
class Reservation:
    name: str
    src: str
    dst: str
    rate_bps: float
    path: Path


@dataclass(frozen=True)
class TeSolution:
    max_utilization: float
    #: False when the demands do not fit (max_utilization > 1).
    feasible: bool
    #: Uniform share of every demand that fits (1.0 when feasible).
    served_fraction: float
    #: (link, tail switch) -> best-effort bps routed on it (reservations excluded).
    arc_load_bps: dict[Arc, float]
    #: (link, tail switch) -> (best-effort + reserved) / capacity.
    arc_utilization: dict[Arc, float]
    path_flows: dict[Pair, list[tuple[Path, float]]]
    unroutable: list[Pair]
    next_hops: NextHopTable
    backups: BackupTable
    unprotected: list[tuple[str, str, int]]
    rounding_error: float
    failed_links: frozenset[str]
    displaced_reservations: list[str]
    #: Seconds spent per stage: "paths", "lp", "forwarding", "total".
    timings: dict[str, float] = field(default_factory=dict)


class TrafficEngine:
    """Min-max-utilization TE over a switch graph in the schema of `Topology.graph()`."""

    def __init__(
        self,
        graph: nx.MultiGraph,
        *,
        k_paths: int = DEFAULT_K_PATHS,
        max_group_weight: int = DEFAULT_MAX_GROUP_WEIGHT,
        destinations: Iterable[str] | None = None,
        column_rounds: int = DEFAULT_COLUMN_ROUNDS,
    ) -> None:
        if k_paths < 1:
            raise ValueError(f"k_paths must be at least 1, got {k_paths}")
        self.graph = graph
        self._links = frozenset(key for _, _, key in graph.edges(keys=True))
        self.k_paths = k_paths
        self.max_group_weight = max_group_weight
        #: Rounds of column generation on top of the k candidates (0: candidates only).
        self.column_rounds = column_rounds
        #: Switches that get next-hop entries (default: every switch).
        self.destinations = list(graph.nodes if destinations is None else destinations)
        self.demands: dict[Pair, float] = {}
        self.reservations: dict[str, Reservation] = {}
        self._failed: set[str] = set()
        self._displaced: list[str] = []
        self._candidates: dict[Pair, list[Path]] = {}
        #: Pairs whose cached candidates lost paths to a failure (refreshed by a full solve).
        self._stale: set[Pair] = set()
        self._finder: PathFinder | None = None

    # -- events ------------------------------------------------------------------------------

    @property
    def failed_links(self) -> frozenset[str]:
        return frozenset(self._failed)

    def link_down(self, link: str) -> None:
        self._check_link(link)
        if link in self._failed:
            return
        self._failed.add(link)
        self._finder = None
        for pair, paths in self._candidates.items():
            if _uses(paths, link):
                self._candidates[pair] = [p for p in paths if link not in p.links]
                self._stale.add(pair)
        for reservation in [r for r in self.reservations.values() if link in r.path.links]:
            del self.reservations[reservation.name]
            try:
                self.reserve(
                    reservation.name, reservation.src, reservation.dst, reservation.rate_bps
                )
            except AdmissionError:
                self._displaced.append(reservation.name)

    def link_up(self, link: str) -> None:
        self._check_link(link)
        if link not in self._failed:
            return
        self._failed.discard(link)
        self._finder = None
        self._candidates.clear()
        self._stale.clear()

    def set_demand(self, src: str, dst: str, rate_bps: float) -> None:
        """Set (or with rate 0, remove) the best-effort demand from src to dst."""
        self._check_pair(src, dst)
        if rate_bps < 0:
            raise ValueError(f"demand must not be negative, got {rate_bps}")
        if rate_bps == 0:
            self.demands.pop((src, dst), None)
        else:
            self.demands[src, dst] = float(rate_bps)

    def set_demands(self, demands: Mapping[Pair, float]) -> None:
        """Replace the whole demand matrix."""
        self.demands.clear()
        for (src, dst), rate in demands.items():
            self.set_demand(src, dst, rate)

    def reserve(self, name: str, src: str, dst: str, rate_bps: float) -> Reservation:
        """Admit a reservation on the shortest candidate path with room for it, or raise."""
        self._check_pair(src, dst)
        if name in self.reservations:
            raise AdmissionError(f"reservation {name!r} already exists")
        if rate_bps <= 0:
            raise AdmissionError(f"reservation rate must be positive, got {rate_bps}")
        free = self.unreserved_capacity()
        for path in self._paths_for((src, dst)):
            if all(free.get(arc, 0.0) >= rate_bps for arc in path.arcs):
                reservation = Reservation(name, src, dst, float(rate_bps), path)
                self.reservations[name] = reservation
                return reservation
        room = max(
            (min(free.get(a, 0.0) for a in p.arcs) for p in self._paths_for((src, dst))),
            default=0.0,
        )
        raise AdmissionError(
            f"no path from {src} to {dst} has {rate_bps / 1e6:g} Mbps unreserved "
            f"(at most {room / 1e6:g} Mbps on the {self.k_paths} shortest live paths)"
        )

    def release(self, name: str) -> None:
        if name not in self.reservations:
            raise KeyError(f"no reservation named {name!r}")
        del self.reservations[name]

    # -- state -------------------------------------------------------------------------------

    def capacity(self) -> dict[Arc, float]:
        """Capacity of every live arc (bps)."""
        return {
            arc: float(self.graph.edges[tail, head, arc[0]]["capacity"])
            for arc, tail, head in arcs_of(self.graph, self._failed)
        }

    def reserved(self) -> dict[Arc, float]:
        reserved: dict[Arc, float] = {}
        for reservation in self.reservations.values():
            for arc in reservation.path.arcs:
                reserved[arc] = reserved.get(arc, 0.0) + reservation.rate_bps
        return reserved

    def unreserved_capacity(self) -> dict[Arc, float]:
        reserved = self.reserved()
        return {arc: cap - reserved.get(arc, 0.0) for arc, cap in self.capacity().items()}

    def candidate_paths(self, src: str, dst: str) -> list[Path]:
        """The k shortest live paths from src to dst (cached until a relevant event)."""
        self._check_pair(src, dst)
        return list(self._paths_for((src, dst)))

    # -- solving -----------------------------------------------------------------------------

    def solve(self, *, fast: bool = False) -> TeSolution:
        """Recompute everything the recorded events touched.

        `fast=True` is for right after a failure: pairs that lost candidates keep the ones
        that survived (plus one new shortest path if none did) instead of a new k-shortest
        search, and there is no column generation. A later full `solve()` closes the gap.
        """
        started = time.perf_counter()
        if not fast:
            for pair in self._stale:
                self._candidates.pop(pair, None)
            self._stale.clear()
        candidates = {pair: self._paths_for(pair) for pair in self.demands}
        paths_done = time.perf_counter()
        capacity = self.capacity()
        free = self.unreserved_capacity()
        lp = solve_path_lp(
            free,
            self.demands,
            candidates,
            pricing=self.graph
            if self.column_rounds and not fast
            else None,  # failed arcs: no capacity
            max_rounds=self.column_rounds,
        )
        lp_done = time.perf_counter()
        forwarding = build_forwarding(
            self.graph, lp.path_flows, self.destinations, self._failed, self.max_group_weight
        )
        done = time.perf_counter()
        reserved = self.reserved()
        utilization = {
            arc: (lp.arc_load.get(arc, 0.0) + reserved.get(arc, 0.0)) / cap
            for arc, cap in capacity.items()
        }
        displaced, self._displaced = self._displaced, []
        return TeSolution(
            max_utilization=lp.max_utilization,
            feasible=lp.feasible,
            served_fraction=lp.served_fraction,
            arc_load_bps=lp.arc_load,
            arc_utilization=utilization,
            path_flows=lp.path_flows,
            unroutable=lp.unroutable,
            next_hops=forwarding.next_hops,
            backups=forwarding.backups,
            unprotected=forwarding.unprotected,
            rounding_error=forwarding.rounding_error,
            failed_links=self.failed_links,
            displaced_reservations=displaced,
            timings={
                "paths": paths_done - started,
                "lp": lp_done - paths_done,
                "forwarding": done - lp_done,
                "total": done - started,
            },
        )

    # -- helpers -----------------------------------------------------------------------------

    def _paths_for(self, pair: Pair) -> list[Path]:
        if self._finder is None:
            self._finder = PathFinder(self.graph, self._failed)
        if pair not in self._candidates:
            self._candidates[pair] = self._finder.k_shortest(*pair, self.k_paths)
        elif not self._candidates[pair] and pair in self._stale:
            shortest = self._finder.shortest(*pair)
            self._candidates[pair] = [shortest] if shortest else []
        return self._candidates[pair]

    def _check_link(self, link: str) -> None:
        if link not in self._links:
            raise KeyError(f"unknown link {link!r}")

    def _check_pair(self, src: str, dst: str) -> None:
        for node in (src, dst):
            if node not in self.graph:
                raise KeyError(f"unknown switch {node!r}")
        if src == dst:
            raise ValueError(f"source and destination are the same switch {src!r}")


def _uses(paths: list[Path], link: str) -> bool:
    return any(link in path.links for path in paths)

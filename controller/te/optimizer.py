"""Minimum maximum-link-utilization routing as linear programs solved by HiGHS.

Two formulations of the same problem (each link direction is an arc with its own capacity):

* `solve_path_lp`: path-based multi-commodity flow restricted to candidate paths. Variables are
  the shares of each commodity on each of its paths plus U; minimise U subject to
  `sum(share * demand over arcs) <= U * capacity` and `sum(shares) = 1`. This is what the
  engine runs on every event: small, and its answer maps directly onto paths.
* `solve_arc_lp`: arc-based multi-commodity flow with commodities aggregated by source, which
  is exact (every path is allowed). It is larger and is used to report the optimality gap of
  the path-based LP with k candidate paths.

Both add a tiny delay-weighted flow term so that, among the min-max solutions, traffic takes
short paths instead of arbitrary detours; its weight is small enough (`TIE_BREAK`) that U moves
by less than that amount. U > 1 means the demand does not fit: the solution is still
returned, with `served_fraction = 1 / U` telling how far all demands must be scaled down.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from controller.te.paths import Arc, Hop, Pair, Path, arcs_of

TIE_BREAK = 1e-6


class OptimizerError(RuntimeError):
    """HiGHS failed on a problem that should always be solvable (a bug, not bad input)."""


@dataclass(frozen=True)
class PathLpResult:
    max_utilization: float
    #: (src, dst) -> [(path, rate in bps)], paths with a positive rate only.
    path_flows: dict[Pair, list[tuple[Path, float]]]
    arc_load: dict[Arc, float]
    #: Demands with no usable path (failed links, no capacity); left out of the LP.
    unroutable: list[Pair] = field(default_factory=list)
    solve_seconds: float = 0.0
    #: Paths the LP considered (candidates plus generated columns).
    columns: int = 0

    @property
    def feasible(self) -> bool:
        return self.max_utilization <= 1.0 + 1e-9

    @property
    def served_fraction(self) -> float:
        """Share of every demand that fits: 1 when feasible, else 1/U (uniform scaling)."""
        return 1.0 if self.feasible else 1.0 / self.max_utilization


@dataclass(frozen=True)
class ArcLpResult:
    max_utilization: float
    arc_load: dict[Arc, float]
    unroutable: list[Pair]
    solve_seconds: float


def solve_path_lp(
    capacity: Mapping[Arc, float],
    demands: Mapping[Pair, float],
    candidates: Mapping[Pair, Sequence[Path]],
    *,
    pricing: nx.MultiGraph | None = None,
    max_rounds: int = 50,
) -> PathLpResult:
    """Min-max utilization over the candidate paths; arcs missing from `capacity` are unusable.

    With `pricing` (the graph the arcs belong to), column generation adds, round by round, the
    path with the most negative reduced cost for each commodity (a shortest path under the
    arc duals) until none improves: the result is then the exact optimum over all paths,
    reached with few columns. Without it, only the given candidates are used.
    """
    started = time.perf_counter()
    arc_index = {arc: i for i, arc in enumerate(capacity) if capacity[arc] > 0}
    columns: list[tuple[Pair, Path]] = []
    unroutable: list[Pair] = []
    routed: list[Pair] = []
    for pair, rate in demands.items():
        if rate <= 0:
            continue
        usable = [p for p in candidates.get(pair, ()) if all(a in arc_index for a in p.arcs)]
        if not usable:
            unroutable.append(pair)
            continue
        routed.append(pair)
        columns.extend((pair, path) for path in usable)
    if not columns:
        return PathLpResult(0.0, {}, {}, unroutable, time.perf_counter() - started)

    master = _PathMaster(capacity, arc_index, demands, routed, columns)
    result = master.solve()
    for _ in range(max_rounds if pricing is not None else 0):
        assert pricing is not None
        new_columns = master.price(pricing, result)
        if not new_columns:
            break
        master.columns.extend(new_columns)
        result = master.solve()

    flows: dict[Pair, list[tuple[Path, float]]] = {}
    arc_load: dict[Arc, float] = dict.fromkeys(arc_index, 0.0)
    for col, (pair, path) in enumerate(master.columns):
        rate = float(result.x[col]) * demands[pair]
        if rate <= demands[pair] * 1e-9:
            continue
        flows.setdefault(pair, []).append((path, rate))
        for arc in path.arcs:
            arc_load[arc] += rate
    return PathLpResult(
        max_utilization=_max_utilization(arc_load, capacity),
        path_flows=flows,
        arc_load=arc_load,
        unroutable=unroutable,
        solve_seconds=time.perf_counter() - started,
        columns=len(master.columns),
    )


class _PathMaster:
    """The path-based LP over a growing set of columns, in well-conditioned units."""

    def __init__(
        self,
        capacity: Mapping[Arc, float],
        arc_index: dict[Arc, int],
        demands: Mapping[Pair, float],
        routed: list[Pair],
        columns: list[tuple[Pair, Path]],
    ) -> None:
        self.capacity = capacity
        self.arc_index = arc_index
        self.demands = demands
        self.routed = routed
        self.pair_row = {pair: i for i, pair in enumerate(routed)}
        self.columns = columns
        self.total_demand = sum(demands[pair] for pair in routed)
        # Units where a typical capacity is 1 and the largest demand is 1: HiGHS' absolute
        # tolerances (1e-7) would otherwise swallow a 1 kbps demand on a 100 Gbps link.
        # U is recomputed from the real rates afterwards.
        self.alpha = _conditioning(capacity.values(), [demands[pair] for pair in routed])
        # Fixed for all rounds so the tie-break weight of an arc never changes.
        self.delay_norm = max(path.delay for _, path in columns) or 1.0

    def solve(self) -> Any:
        n_arcs, n_paths = len(self.arc_index), len(self.columns)
        rows, cols, values = [], [], []
        cost = np.zeros(n_paths + 1)
        cost[n_paths] = 1.0  # U
        for col, (pair, path) in enumerate(self.columns):
            for arc in path.arcs:
                rows.append(self.arc_index[arc])
                cols.append(col)
                values.append(self.demands[pair] * self.alpha / self.capacity[arc])
            share = self.demands[pair] / self.total_demand
            cost[col] = TIE_BREAK * share * path.delay / self.delay_norm
        loads = sp.csr_matrix((values, (rows, cols)), shape=(n_arcs, n_paths))
        a_ub = sp.hstack([loads, sp.csr_matrix(-np.ones((n_arcs, 1)))], format="csr")
        a_eq = sp.csr_matrix(
            (np.ones(n_paths), ([self.pair_row[pair] for pair, _ in self.columns], range(n_paths))),
            shape=(len(self.routed), n_paths + 1),
        )
        result = linprog(
            cost,
            A_ub=a_ub,
            b_ub=np.zeros(n_arcs),
            A_eq=a_eq,
            b_eq=np.ones(len(self.routed)),
            bounds=(0, None),
            method="highs",
        )
        if result.status != 0:
            raise OptimizerError(
                f"path LP: HiGHS returned status {result.status}: {result.message}"
            )
        return result

    def price(self, graph: nx.MultiGraph, result: Any) -> list[tuple[Pair, Path]]:
        """Columns with negative reduced cost: per source, shortest paths under the arc duals.

        Reduced cost of path p for commodity c (scipy's marginals are <= 0 on <= rows):
        d_c * sum_a(w_a) - sigma_c with w_a = -marginal_a * alpha / cap_a + tie-break(a).
        """
        marginals = result.ineqlin.marginals
        sigma = result.eqlin.marginals
        tie = TIE_BREAK / (self.total_demand * self.delay_norm)
        weights = nx.DiGraph()
        for u, v, link, data in graph.edges(keys=True, data=True):
            for tail, head in ((u, v), (v, u)):
                arc = (link, tail)
                if arc not in self.arc_index:
                    continue
                dual = max(0.0, -marginals[self.arc_index[arc]])
                weight = dual * self.alpha / self.capacity[arc] + tie * data["delay"]
                if not weights.has_edge(tail, head) or weights[tail][head]["w"] > weight:
                    weights.add_edge(tail, head, w=weight, link=link, delay=data["delay"])
        by_source: dict[str, list[Pair]] = {}
        for pair in self.routed:
            by_source.setdefault(pair[0], []).append(pair)
        new: list[tuple[Pair, Path]] = []
        existing = {(pair, path.hops) for pair, path in self.columns}
        for src, pairs in by_source.items():
            dist, routes = nx.single_source_dijkstra(weights, src, weight="w")
            for pair in pairs:
                dst = pair[1]
                reduced = self.demands[pair] * dist[dst] - sigma[self.pair_row[pair]]
                if reduced >= -1e-9 * max(1.0, abs(sigma[self.pair_row[pair]])):
                    continue
                nodes = routes[dst]
                hops = tuple(Hop(weights[a][b]["link"], a, b) for a, b in itertools.pairwise(nodes))
                delay = sum(weights[a][b]["delay"] for a, b in itertools.pairwise(nodes))
                if (pair, hops) not in existing:
                    new.append((pair, Path(hops, delay)))
        return new


def solve_arc_lp(
    graph: nx.MultiGraph,
    capacity: Mapping[Arc, float],
    demands: Mapping[Pair, float],
) -> ArcLpResult:
    """The exact min-max utilization (any path allowed), by source-aggregated arc flows."""
    started = time.perf_counter()
    arcs = [(arc, tail, head) for arc, tail, head in arcs_of(graph) if capacity.get(arc, 0) > 0]
    nodes = list(graph.nodes)
    node_index = {node: i for i, node in enumerate(nodes)}
    live = nx.Graph()
    live.add_nodes_from(nodes)
    live.add_edges_from((tail, head) for _, tail, head in arcs)
    component = {n: i for i, comp in enumerate(nx.connected_components(live)) for n in comp}

    routed = {p: r for p, r in demands.items() if r > 0 and component[p[0]] == component[p[1]]}
    unroutable = [p for p, r in demands.items() if r > 0 and p not in routed]
    sources = sorted({src for src, _ in routed})
    if not sources:
        return ArcLpResult(0.0, {}, unroutable, time.perf_counter() - started)

    source_index = {src: i for i, src in enumerate(sources)}
    n_arcs, n_nodes, n_src = len(arcs), len(nodes), len(sources)
    # Flows in units of the largest demand and U scaled so a typical arc has coefficient 1:
    # the same conditioning as the path LP; U is recomputed from the real loads afterwards.
    reference = max(routed.values())
    alpha = _conditioning([capacity[arc] for arc, _, _ in arcs], list(routed.values()))
    # Node-arc incidence: +1 where the arc leaves the node, -1 where it enters.
    incidence = sp.csr_matrix(
        (
            np.concatenate([np.ones(n_arcs), -np.ones(n_arcs)]),
            (
                [node_index[t] for _, t, _ in arcs] + [node_index[h] for _, _, h in arcs],
                list(range(n_arcs)) * 2,
            ),
        ),
        shape=(n_nodes, n_arcs),
    )
    supply = np.zeros((n_src, n_nodes))
    for (src, dst), rate in routed.items():
        s = source_index[src]
        supply[s, node_index[src]] += rate / reference
        supply[s, node_index[dst]] -= rate / reference
    inverse_capacity = sp.diags([reference * alpha / capacity[arc] for arc, _, _ in arcs])
    a_eq = sp.hstack(
        [sp.kron(sp.identity(n_src), incidence), sp.csr_matrix((n_src * n_nodes, 1))],
        format="csr",
    )
    a_ub = sp.hstack(
        [sp.kron(np.ones((1, n_src)), inverse_capacity), -np.ones((n_arcs, 1))], format="csr"
    )
    delays = np.array([graph.edges[t, h, arc[0]]["delay"] for arc, t, h in arcs])
    scale = TIE_BREAK / (max(float(delays.max()), 1e-12) * max(float(supply.clip(0).sum()), 1e-12))
    cost = np.concatenate([np.tile(delays * scale, n_src), [1.0]])
    result = linprog(
        cost,
        A_ub=a_ub,
        b_ub=np.zeros(n_arcs),
        A_eq=a_eq,
        b_eq=supply.ravel(),
        bounds=(0, None),
        method="highs",
    )
    if result.status != 0:
        raise OptimizerError(f"arc LP: HiGHS returned status {result.status}: {result.message}")
    per_arc = result.x[:-1].reshape(n_src, n_arcs).sum(axis=0) * reference
    arc_load = {arc: float(per_arc[i]) for i, (arc, _, _) in enumerate(arcs)}
    return ArcLpResult(
        _max_utilization(arc_load, capacity), arc_load, unroutable, time.perf_counter() - started
    )


def _conditioning(capacities: Iterable[float], rates: Sequence[float]) -> float:
    """Factor that brings demand/capacity ratios near 1 (median capacity over largest demand)."""
    return float(np.median(list(capacities))) / max(rates)


def _max_utilization(arc_load: Mapping[Arc, float], capacity: Mapping[Arc, float]) -> float:
    return max((load / capacity[arc] for arc, load in arc_load.items()), default=0.0)


def optimality_gap(path_based: float, exact: float) -> float:
    """Relative excess of the path-based max utilization over the exact optimum."""
    return 0.0 if exact <= 0 else max(0.0, path_based - exact) / exact

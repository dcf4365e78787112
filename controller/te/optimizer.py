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

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from controller.te.paths import Arc, Pair, Path, arcs_of

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
) -> PathLpResult:
    """Min-max utilization over the candidate paths; arcs missing from `capacity` are unusable."""
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

    total_demand = sum(demands[pair] for pair in routed)
    longest = max(path.delay for _, path in columns) or 1.0
    pair_row = {pair: i for i, pair in enumerate(routed)}
    n_paths = len(columns)
    rows, cols, values = [], [], []
    cost = np.zeros(n_paths + 1)
    cost[n_paths] = 1.0  # U
    for col, (pair, path) in enumerate(columns):
        for arc in path.arcs:
            rows.append(arc_index[arc])
            cols.append(col)
            values.append(demands[pair] / capacity[arc])
        cost[col] = TIE_BREAK * (demands[pair] / total_demand) * (path.delay / longest)
    n_arcs = len(arc_index)
    loads = sp.csr_matrix((values, (rows, cols)), shape=(n_arcs, n_paths))
    a_ub = sp.hstack([loads, sp.csr_matrix(-np.ones((n_arcs, 1)))], format="csr")
    a_eq = sp.csr_matrix(
        (np.ones(n_paths), ([pair_row[pair] for pair, _ in columns], range(n_paths))),
        shape=(len(routed), n_paths + 1),
    )
    result = linprog(
        cost,
        A_ub=a_ub,
        b_ub=np.zeros(n_arcs),
        A_eq=a_eq,
        b_eq=np.ones(len(routed)),
        bounds=(0, None),
        method="highs",
    )
    if result.status != 0:
        raise OptimizerError(f"path LP: HiGHS returned status {result.status}: {result.message}")

    flows: dict[Pair, list[tuple[Path, float]]] = {}
    arc_load: dict[Arc, float] = dict.fromkeys(arc_index, 0.0)
    for col, (pair, path) in enumerate(columns):
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
    )


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

    n_arcs, n_nodes, n_src = len(arcs), len(nodes), len(sources)
    reference = max(capacity[arc] for arc, _, _ in arcs)  # keeps variables near 1
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
        s = sources.index(src)
        supply[s, node_index[src]] += rate / reference
        supply[s, node_index[dst]] -= rate / reference
    inverse_capacity = sp.diags([reference / capacity[arc] for arc, _, _ in arcs])
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


def _max_utilization(arc_load: Mapping[Arc, float], capacity: Mapping[Arc, float]) -> float:
    return max((load / capacity[arc] for arc, load in arc_load.items()), default=0.0)


def optimality_gap(path_based: float, exact: float) -> float:
    """Relative excess of the path-based max utilization over the exact optimum."""
    return 0.0 if exact <= 0 else max(0.0, path_based - exact) / exact

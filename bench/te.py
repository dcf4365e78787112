"""TE benchmark: solve and re-solve times vs topology size, and the path-LP optimality gap.

Topologies: Internet Topology Zoo graphs (../shared/topology-zoo; Abilene, GEANT 2012 and the
largest ones) and synthetic Waxman and random-regular graphs up to 500 nodes. Demands follow a
gravity model between the `--endpoints` best-connected switches (the sites that exchange AI
traffic), scaled so that the exact optimum loads the busiest link to 60%.

Per topology it prints: the initial solve split into k-shortest paths, the path-based LP and
forwarding (weights + backups for the endpoint destinations); the median re-solve after a
single link failure (each of the most loaded links in turn, then repaired); the exact
arc-based LP time and the path-LP's optimality gap against it.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import networkx as nx

from controller.te import Pair, TrafficEngine, optimality_gap, solve_arc_lp, solve_path_lp
from controller.te.engine import DEFAULT_COLUMN_ROUNDS, DEFAULT_K_PATHS
from controller.te.zoo import load_zoo
from controller.topology import FIBRE_DELAY_S_PER_KM

ZOO = Path(__file__).resolve().parents[2] / "shared" / "topology-zoo" / "gml"
TARGET_UTILIZATION = 0.6
FAILURE_TARGET_S = 0.100  # re-solve after one failure on a 100-node topology


@dataclass(frozen=True)
class Row:
    name: str
    nodes: int
    links: int
    pairs: int
    paths_ms: float
    lp_ms: float  # path LP over the k candidates only (the fast path)
    forwarding_ms: float
    failure_ms: float  # fast path re-solve after one link failure (paths + LP + forwarding)
    cg_ms: float  # path LP with column generation (DEFAULT_COLUMN_ROUNDS rounds at most)
    exact_ms: float
    k_u: float
    cg_u: float
    exact_u: float
    rounding: float
    unprotected: float

    @property
    def k_gap(self) -> float:
        return optimality_gap(self.k_u, self.exact_u)

    @property
    def cg_gap(self) -> float:
        return optimality_gap(self.cg_u, self.exact_u)


def waxman(n: int, seed: int) -> nx.MultiGraph:
    """A connected Waxman graph on a 4,000 km square; delay from distance, mixed capacities."""
    rng = random.Random(seed)
    for attempt in range(100):
        simple = nx.waxman_graph(
            n, beta=min(0.5, 50 / n), alpha=0.15, domain=(0, 0, 1, 1), seed=seed + attempt
        )
        if nx.is_connected(simple):
            break
    else:
        raise RuntimeError(f"no connected Waxman graph with {n} nodes")
    graph = nx.MultiGraph(name=f"waxman-{n}")
    for u, v in simple.edges:
        (x1, y1), (x2, y2) = simple.nodes[u]["pos"], simple.nodes[v]["pos"]
        km = 4000 * math.hypot(x1 - x2, y1 - y2)
        _add_link(
            graph,
            str(u),
            str(v),
            rng.choice([10e9, 40e9, 100e9]),
            max(km, 5) * FIBRE_DELAY_S_PER_KM,
        )
    return graph


def random_regular(n: int, degree: int, seed: int) -> nx.MultiGraph:
    rng = random.Random(seed)
    simple = nx.random_regular_graph(degree, n, seed=seed)
    graph = nx.MultiGraph(name=f"regular{degree}-{n}")
    for u, v in simple.edges:
        _add_link(graph, str(u), str(v), rng.choice([10e9, 100e9]), rng.uniform(0.5e-3, 5e-3))
    return graph


def _add_link(graph: nx.MultiGraph, u: str, v: str, capacity: float, delay: float) -> None:
    ports = {
        u: graph.degree(u) + 1 if u in graph else 1,
        v: graph.degree(v) + 1 if v in graph else 1,
    }
    graph.add_edge(
        u, v, key=f"l{graph.number_of_edges()}", capacity=capacity, delay=delay, ports=ports
    )


def _zoo_component(path: Path) -> nx.MultiGraph:
    """The largest connected part of a Zoo graph (a few Zoo networks are disconnected)."""
    graph = load_zoo(path)
    nodes = max(nx.connected_components(graph), key=len)
    component = nx.MultiGraph(graph.subgraph(nodes))
    component.graph["name"] = graph.graph["name"]
    return component


def gravity_demands(graph: nx.MultiGraph, endpoints: int, seed: int) -> dict[Pair, float]:
    """Gravity model between the best-connected switches: rate ~ mass(src) * mass(dst)."""
    rng = random.Random(seed)
    sites = sorted(graph.nodes, key=lambda n: (-graph.degree(n), n))[:endpoints]
    mass = {site: rng.lognormvariate(0, 1) for site in sites}
    return {(s, t): mass[s] * mass[t] for s in sites for t in sites if s != t}


def measure(graph: nx.MultiGraph, endpoints: int, failures: int, seed: int = 1) -> Row:
    demands = gravity_demands(graph, endpoints, seed)
    capacity = {
        (key, end): data["capacity"]
        for u, v, key, data in graph.edges(keys=True, data=True)
        for end in (u, v)
    }
    exact = solve_arc_lp(graph, capacity, demands)
    scale = TARGET_UTILIZATION / exact.max_utilization
    demands = {pair: rate * scale for pair, rate in demands.items()}
    exact = solve_arc_lp(graph, capacity, demands)

    sites = sorted({src for src, _ in demands})
    engine = TrafficEngine(graph, destinations=sites, column_rounds=0)
    engine.set_demands(demands)
    initial = engine.solve()
    candidates = {pair: engine.candidate_paths(*pair) for pair in demands}
    generated = solve_path_lp(
        capacity, demands, candidates, pricing=graph, max_rounds=DEFAULT_COLUMN_ROUNDS
    )
    busiest = sorted(initial.arc_load_bps, key=lambda a: -initial.arc_utilization[a])
    failed_links = list(dict.fromkeys(link for link, _ in busiest))[:failures]
    failure_times = []
    for link in failed_links:
        engine.link_down(link)
        failure_times.append(engine.solve(fast=True).timings["total"])
        engine.link_up(link)
        engine.solve()  # back to the intact state (and a warm path cache) for the next one
    groups = sum(len(g) for table in initial.next_hops.values() for g in table.values())
    return Row(
        name=str(graph.graph.get("name", "?")),
        nodes=graph.number_of_nodes(),
        links=graph.number_of_edges(),
        pairs=len(demands),
        paths_ms=initial.timings["paths"] * 1e3,
        lp_ms=initial.timings["lp"] * 1e3,
        forwarding_ms=initial.timings["forwarding"] * 1e3,
        failure_ms=statistics.median(failure_times) * 1e3 if failure_times else math.nan,
        cg_ms=generated.solve_seconds * 1e3,
        exact_ms=exact.solve_seconds * 1e3,
        k_u=initial.max_utilization,
        cg_u=generated.max_utilization,
        exact_u=exact.max_utilization,
        rounding=initial.rounding_error,
        unprotected=len(initial.unprotected) / groups if groups else 0.0,
    )


def topologies(quick: bool) -> list[tuple[str, Callable[[], nx.MultiGraph]]]:
    zoo_names = ["Abilene", "Geant2012"] if quick else ["Abilene", "Geant2012", "Cogentco", "Kdl"]
    chosen: list[tuple[str, Callable[[], nx.MultiGraph]]] = []
    for name in zoo_names:
        path = ZOO / f"{name}.gml"
        if path.exists():
            chosen.append((name, partial(_zoo_component, path)))
        else:
            print(f"(skipping {name}: {path} not found)")
    sizes = [100] if quick else [100, 200, 500]
    chosen += [(f"waxman-{n}", partial(waxman, n, seed=n)) for n in sizes]
    chosen += [(f"regular4-{n}", partial(random_regular, n, 4, seed=n)) for n in sizes]
    return chosen


HEADER = (
    f"{'topology':<13}{'nodes':>6}{'links':>6}{'pairs':>6}{'paths':>8}{'LP':>7}{'fwd':>7}"
    f"{'fail':>7}{'k-gap':>8}{'CG':>8}{'CG-gap':>8}{'exact':>8}{'U':>6}{'round':>7}{'unprot':>7}"
)


def format_row(row: Row) -> str:
    return (
        f"{row.name[:12]:<13}{row.nodes:>6}{row.links:>6}{row.pairs:>6}{row.paths_ms:>8.1f}"
        f"{row.lp_ms:>7.1f}{row.forwarding_ms:>7.1f}{row.failure_ms:>7.1f}{row.k_gap:>8.1%}"
        f"{row.cg_ms:>8.0f}{row.cg_gap:>8.2%}{row.exact_ms:>8.1f}{row.exact_u:>6.2f}"
        f"{row.rounding:>7.3f}{row.unprotected:>7.0%}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench te", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer and smaller topologies")
    parser.add_argument(
        "--endpoints", type=int, default=None, help="demand sites (default 20, quick 12)"
    )
    args = parser.parse_args(argv)
    endpoints = args.endpoints or (12 if args.quick else 20)
    failures = 3 if args.quick else 10
    print(
        f"Gravity demands between {endpoints} sites, scaled so the exact optimum U is "
        f"{TARGET_UTILIZATION:.0%}. Times in ms. paths: k={DEFAULT_K_PATHS} shortest by delay; "
        f"LP: path LP over them; fwd: weights + backups; fail: median fast-path re-solve after "
        f"one of the {failures} busiest links fails; k-gap: its max utilization over the exact "
        f"arc LP; CG: path LP with up to {DEFAULT_COLUMN_ROUNDS} column-generation rounds; "
        f"round: worst weight share error; unprot: next hops without a loop-free backup."
    )
    print(HEADER)
    rows = []
    for _, build in topologies(args.quick):
        started = time.perf_counter()
        graph = build()
        row = measure(graph, endpoints, failures)
        rows.append(row)
        print(format_row(row) + f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    hundred = [r for r in rows if r.nodes == 100]
    for row in hundred:
        verdict = "meets" if row.failure_ms / 1e3 < FAILURE_TARGET_S else "MISSES"
        print(
            f"{row.name}: re-solve after a single link failure {row.failure_ms:.1f} ms "
            f"({verdict} the {FAILURE_TARGET_S * 1e3:.0f} ms target)"
        )
    worst = max(rows, key=lambda r: r.k_gap)
    print(f"largest gap of the k-path LP vs the exact arc LP: {worst.k_gap:.1%} ({worst.name})")
    worst = max(rows, key=lambda r: r.cg_gap)
    print(f"largest gap with column generation: {worst.cg_gap:.2%} ({worst.name})")

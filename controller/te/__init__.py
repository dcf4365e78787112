"""Traffic engineering: candidate paths, min-max-utilization LPs, integer weights, backups.

Pure computation on a networkx graph (the schema of `controller.topology.Topology.graph()`);
nothing here talks to switches. See `docs/te.md`.
"""

from controller.te.engine import AdmissionError, Reservation, TeSolution, TrafficEngine
from controller.te.forwarding import BackupTable, Forwarding, NextHopTable, build_forwarding
from controller.te.optimizer import (
    ArcLpResult,
    OptimizerError,
    PathLpResult,
    optimality_gap,
    solve_arc_lp,
    solve_path_lp,
)
from controller.te.paths import Arc, Hop, Pair, Path, PathFinder
from controller.te.weights import RoundedWeights, round_weights

__all__ = [
    "AdmissionError",
    "Arc",
    "ArcLpResult",
    "BackupTable",
    "Forwarding",
    "Hop",
    "NextHopTable",
    "OptimizerError",
    "Pair",
    "Path",
    "PathFinder",
    "PathLpResult",
    "Reservation",
    "RoundedWeights",
    "TeSolution",
    "TrafficEngine",
    "build_forwarding",
    "optimality_gap",
    "round_weights",
    "solve_arc_lp",
    "solve_path_lp",
]

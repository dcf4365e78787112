"""Internet Topology Zoo GML files as TE graphs (benchmarks and large test topologies).

The result has the schema of `Topology.graph()`: nodes are the GML ids as strings, edges are
keyed "z<n>" with `capacity`, `delay` and synthetic `ports`. Values the Zoo does not give are
derived as documented in docs/te.md:

* capacity: `LinkSpeedRaw` (bps) if present, else the first speed written in `LinkLabel`
  ("2.5 Gbps", "1 Gbit/s", "OC-192", "STM-16", "DS-3"), else `DEFAULT_CAPACITY_BPS`;
* delay: great-circle distance between the nodes' coordinates at 5 us/km (at least
  `MIN_DELAY_S`), else `DEFAULT_DELAY_S` when a node has no coordinates;
* self-loops are dropped; parallel links are kept (96 files have them without declaring
  `multigraph 1`, which is inserted before parsing).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import networkx as nx

from controller.topology import FIBRE_DELAY_S_PER_KM

DEFAULT_CAPACITY_BPS = 10e9
DEFAULT_DELAY_S = 1e-3
#: Co-located PoPs still get a positive delay so shortest-path trees have no ties at zero.
MIN_DELAY_S = 10e-6
EARTH_RADIUS_KM = 6371.0

_SPEED = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT])(?:bps|bit/s|b/s|bits?)\b", re.IGNORECASE)
_OPTICAL = re.compile(r"\b(OC|STM)-?(\d+)", re.IGNORECASE)
_OPTICAL_UNIT_BPS = {"oc": 51.84e6, "stm": 155.52e6}
_PREFIX = {"k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}


class ZooError(ValueError):
    """A Topology Zoo file cannot be read or parsed."""


def capacity_from_label(label: str) -> float | None:
    """The link speed written in a Zoo LinkLabel, in bps, or None when it names none."""
    match = _SPEED.search(label)
    if match:
        return float(match.group(1)) * _PREFIX[match.group(2).lower()]
    optical = _OPTICAL.search(label)
    if optical:
        return int(optical.group(2)) * _OPTICAL_UNIT_BPS[optical.group(1).lower()]
    if re.search(r"\bDS-?3\b", label, re.IGNORECASE):
        return 45e6
    return None


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


def load_zoo(path: str | Path) -> nx.MultiGraph:
    """Read one Zoo GML file into a TE graph; raises ZooError with the file name on failure."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
        if "multigraph 1" not in text:
            text = re.sub(r"graph\s*\[", "graph [\n  multigraph 1", text, count=1)
        raw = nx.parse_gml(text, label="id")
    except (OSError, nx.NetworkXError) as exc:
        raise ZooError(f"{path}: {exc}") from exc

    graph = nx.MultiGraph(name=raw.graph.get("Network") or raw.graph.get("label") or path.stem)
    for node, data in raw.nodes(data=True):
        graph.add_node(str(node), label=data.get("label", str(node)))
    next_port = dict.fromkeys(graph.nodes, 1)
    defaulted = 0
    for index, (u, v, data) in enumerate(raw.edges(data=True)):
        a, b = str(u), str(v)
        if a == b:
            continue
        capacity = _capacity(data)
        if capacity is None:
            capacity, defaulted = DEFAULT_CAPACITY_BPS, defaulted + 1
        graph.add_edge(
            a,
            b,
            key=f"z{index}",
            capacity=capacity,
            delay=_delay(raw.nodes[u], raw.nodes[v]),
            ports={a: next_port[a], b: next_port[b]},
        )
        next_port[a] += 1
        next_port[b] += 1
    graph.graph["default_capacity_links"] = defaulted
    return graph


def _capacity(edge: dict[str, object]) -> float | None:
    raw = edge.get("LinkSpeedRaw")
    if isinstance(raw, int | float) and raw > 0:
        return float(raw)
    label = edge.get("LinkLabel")
    return capacity_from_label(label) if isinstance(label, str) else None


def _delay(a: dict[str, object], b: dict[str, object]) -> float:
    coords = [a.get("Latitude"), a.get("Longitude"), b.get("Latitude"), b.get("Longitude")]
    if not all(isinstance(c, int | float) for c in coords):
        return DEFAULT_DELAY_S
    lat1, lon1, lat2, lon2 = (float(c) for c in coords)  # type: ignore[arg-type]
    return max(MIN_DELAY_S, great_circle_km(lat1, lon1, lat2, lon2) * FIBRE_DELAY_S_PER_KM)

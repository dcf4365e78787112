"""Liveness probes: the controller packet-outs a probe on every link port of every ready switch
(docs/controller.md "Probes"; the switches stamp, receive and time them, p4src fast_reroute)."""

from __future__ import annotations

import asyncio
import logging

from scapy.layers.l2 import Ether

from controller.p4rt import Fleet
from controller.programming import node_mac
from controller.topology import Topology
from controller.wire import EtherTypes, Probe

LOG = logging.getLogger(__name__)


async def probe_forever(topology: Topology, fleet: Fleet, interval: float) -> None:
    """A probe on every link port of every ready switch each interval, on a fixed clock:
    a round that runs late (a loaded machine) does not push the next one back, and the
    switches are probed side by side, so no link waits for the others' packet-outs. Ticks
    missed entirely are skipped, not sent in a burst."""
    frames = {
        name: bytes(
            Ether(dst="ff:ff:ff:ff:ff:ff", src=node_mac(s.device_id), type=EtherTypes.PROBE)
            / Probe(interval=round(interval * 1e6))
        )
        for name, s in topology.switches.items()
    }
    ports = {
        name: [p for p, n in topology.port_map(name).items() if n.link is not None]
        for name in topology.switches
    }
    loop = asyncio.get_running_loop()
    tick = loop.time()
    while True:
        tick = max(tick + interval, loop.time())
        await asyncio.sleep(tick - loop.time())
        await asyncio.gather(
            *(_probe(fleet, name, frames[name], ports[name]) for name in ports if fleet.ready(name))
        )


async def _probe(fleet: Fleet, switch: str, frame: bytes, ports: list[int]) -> None:
    for port in ports:
        try:
            await fleet.packet_out(switch, frame, egress_port=port, _pad=0)
        except Exception:
            LOG.debug("probe to %s:%d failed", switch, port, exc_info=True)
            return

"""Switch state the controller resets when a switch becomes ready: status, not intent.

Registers that hold what a switch has *seen* (the last probe heard per port, the last FN
sequence per originator and object) are never reconciled, but they go stale across restarts:

- Liveness: while no controller probes (its restart), every port's last probe heard grows
  old, so the first probe sent would find every link dead. `disarm_liveness` writes
  `probe_last_rx = 0` (never heard: not armed); the next probe heard arms the port again.
- Replay state: a restarted switch numbers its FNs from 1 again, so every switch that kept a
  higher number for it would drop its FNs as replays until the numbers caught up.
  `replay_reset` writes `fn_last_seq = 0` (nothing heard) for a switch's objects.

docs/controller.md ("Switch ready") says when the service writes them.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

import finsy as fy

from controller.programming import port_object_id
from controller.topology import Topology
from controller.wire import ObjectKind

#: Cells of `fn_last_seq` (FN_REPLAY_SLOTS in p4src/include/size.p4).
FN_REPLAY_SLOTS = 8192


def replay_slot(originator: int, object_kind: int, object_id: int) -> int:
    """The `fn_last_seq` cell of FNs from `originator` about an object: the v1model `hash`
    with HashAlgorithm.crc32 (zlib's CRC-32) over {originator, object kind, object id}
    packed big-endian (72 bits), modulo FN_REPLAY_SLOTS (p4src/include/control/fast_reroute.p4)."""
    packed = originator.to_bytes(4, "big") + object_kind.to_bytes(1, "big")
    return zlib.crc32(packed + object_id.to_bytes(4, "big")) % FN_REPLAY_SLOTS


def disarm_liveness(topology: Topology, switch: str) -> list[fy.P4RegisterEntry]:
    """`probe_last_rx = 0` on every link port of `switch`."""
    return [
        fy.P4RegisterEntry("probe_last_rx", index=port, data=0)
        for port, neighbour in sorted(topology.port_map(switch).items())
        if neighbour.link is not None
    ]


def replay_reset(topology: Topology, originators: Iterable[str]) -> list[fy.P4RegisterEntry]:
    """`fn_last_seq = 0` in the cells of every object the `originators` report about: their
    ports (failure, recovery and status FNs name a port of the switch that sends them;
    relays keep that originator and object). Cells shared by a hash collision appear once."""
    slots = {
        replay_slot(device, ObjectKind.PORT, port_object_id(device, port))
        for name in originators
        for device in [topology.switches[name].device_id]
        for port in topology.port_map(name)
    }
    return [fy.P4RegisterEntry("fn_last_seq", index=slot, data=0) for slot in sorted(slots)]

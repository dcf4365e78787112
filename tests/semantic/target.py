"""Test-only helpers of the semantic-contract tests; the switch setup is controller.lab's."""

from __future__ import annotations

import logging
from pathlib import Path

from scapy.layers.inet import IP
from scapy.layers.l2 import Ether
from scapy.packet import Packet

from controller.lab import NEXT_HOP_MAC, SWITCH_MAC

# scapy logs that it cannot compute the ICRC with SEM between UDP and BTH: by design.
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
ROOT = Path(__file__).resolve().parents[2]


def expected_forwarded(pkt: Packet) -> Packet:
    """What leaves port 2 for `pkt` with no semantic rewrite: next-hop MACs, TTL - 1."""
    out = pkt.__class__(bytes(pkt))
    out[Ether].src = SWITCH_MAC
    out[Ether].dst = NEXT_HOP_MAC
    out[IP].ttl -= 1
    out[IP].chksum = None
    return out.__class__(bytes(out))

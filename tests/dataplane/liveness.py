"""Probe liveness on the reference switch (fabric.py): the primaries to 10.0.2.0/24 (ports 3
and 4) are probed every 1 ms and dead after 3 silent ms."""

from __future__ import annotations

from softswitch.switch import Switch
from tests.dataplane.fabric import liveness_config, neighbour_probe

INTERVAL_US, MULTIPLIER = 1000, 3
TIMEOUT_US = INTERVAL_US * MULTIPLIER


def arm_primaries(sw: Switch) -> Switch:
    """Liveness on both primaries, each armed by one probe heard now."""
    for port in (3, 4):
        liveness_config(sw, port, INTERVAL_US, MULTIPLIER)
        sw.inject(port, neighbour_probe(port, 1, 0, INTERVAL_US))
    assert sw.take_outputs() == []  # probes are consumed, never forwarded
    return sw


def advance_us(sw: Switch, us: int) -> None:
    sw.advance(us * 1000)

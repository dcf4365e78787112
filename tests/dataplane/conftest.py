"""Fixtures: the fantel program on the embedded target, configured as the reference switch of
``fabric.py`` (virtual clock, 8 priority queues, CPU port 255)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from softswitch.switch import Switch
from tests.dataplane.fabric import reference_switch
from tests.dataplane.liveness import arm_primaries


@pytest.fixture
def sw() -> Iterator[Switch]:
    switch = reference_switch()
    yield switch
    # A run-time failure inside the program drops packets silently: no test may cause one.
    assert switch.errors == []


@pytest.fixture
def armed(sw: Switch) -> Switch:
    """Liveness on both primaries (liveness.py), armed by one probe each."""
    return arm_primaries(sw)

"""Fixtures of the semantic-contract tests."""

from __future__ import annotations

import pytest

from controller.lab import two_port_switch
from softswitch.switch import Switch


@pytest.fixture
def sw() -> Switch:
    """A fresh switch with hosts on port 1 and everything routed out of port 2."""
    return two_port_switch()

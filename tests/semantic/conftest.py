"""Fixtures of the semantic-contract tests."""

from __future__ import annotations

import pytest

from softswitch.switch import Switch
from tests.semantic.target import base_switch


@pytest.fixture
def sw() -> Switch:
    """A fresh switch with hosts on port 1 and everything routed out of port 2."""
    return base_switch()

"""The switch under test, once per target for the whole module: the softswitch always, BMv2
under the `bmv2` marker (tests/conftest.py skips it when simple_switch_grpc or p4c is missing).
Both run the same tests on the same controller-installed state."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from controller.targets import TargetKind
from tests.ptf.harness import Dut, running_dut

TARGETS = [
    pytest.param(TargetKind.SOFTSWITCH, id="softswitch"),
    pytest.param(TargetKind.BMV2, id="bmv2", marks=pytest.mark.bmv2),
]


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=TARGETS)
async def dut(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Dut]:
    target: TargetKind = request.param
    async with running_dut(target, tmp_path_factory.mktemp(f"ptf-{target}")) as running:
        yield running

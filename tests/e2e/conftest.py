"""Fixtures for the controller end-to-end tests: the small topology as five `softswitch run`
processes on veth pairs with hosts in namespaces, and controllers started in-process against it,
one at a time, all for one module (the tests share an event loop with them)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from controller.config import PipelineFiles
from controller.p4rt import Pipeline
from controller.service import resolve_pipeline
from controller.topology import Topology
from tests.e2e.control import TIMINGS, Controllers, E2eSettings, RunningController
from tests.e2e.fabric import REPO, Fabric

SMALL = REPO / "topologies" / "small.yaml"


@pytest.fixture(scope="module")
def fabric(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fabric]:
    built = Fabric(Topology.load(SMALL), tmp_path_factory.mktemp("e2e-fabric"))
    try:
        built.build()
        yield built
    finally:
        built.close()
    leftovers = built.leftovers()
    assert not leftovers, f"not cleaned up: {leftovers}"


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    files = PipelineFiles(
        program=REPO / "p4src" / "v1model" / "fantel_v1model.p4", include_dirs=(REPO / "p4src",)
    )
    return resolve_pipeline(files, tmp_path_factory.mktemp("e2e-pipeline"))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def controllers(
    fabric: Fabric, pipeline: Pipeline, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Controllers]:
    """The module's controllers, one at a time; whichever still runs is stopped at the end."""
    manager = Controllers(fabric, pipeline, tmp_path_factory.mktemp("e2e-controller"))
    try:
        yield manager
    finally:
        await manager.stop()
        assert not fabric.exited(), f"switch processes exited: {fabric.exited()}"


@pytest_asyncio.fixture(loop_scope="module")
async def controller(controllers: Controllers) -> RunningController:
    """The running controller with the default test settings (started if none runs): tests
    share it, so no probe gap between tests (a new controller re-arms every port)."""
    return await controllers.ensure(E2eSettings())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS:
        terminalreporter.write_sep("-", "controller end-to-end figures")
        for name, seconds in TIMINGS.items():
            terminalreporter.write_line(f"{name}: {seconds * 1e3:.0f} ms")

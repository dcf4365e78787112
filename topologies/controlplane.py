"""The controller for a testbed run: `controller.service.ControllerService` on its own asyncio
loop in a background thread, with its HTTP API (so `fantelctl` works against a running testbed)
and its event log in the run directory.

`notifications=False` is the baseline the scenarios compare against: no liveness probes, so the
data plane neither detects failures nor sends failure FNs; a link failure reaches the controller
only when the testbed's poller notices the interface down (`poll_interval_s`, modelling a
controller that polls port state) and calls `link_down`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from controller.config import ControllerConfig, PipelineFiles, Policy, Thresholds
from controller.contract import Contract
from controller.topology import Topology
from topologies.cleanup import wait_until

T = TypeVar("T")
REPO = Path(__file__).resolve().parent.parent
PROGRAM = REPO / "p4src" / "v1model" / "fantel_v1model.p4"
READ_TIMEOUT_S = 15.0


def controller_config(
    topology_file: Path,
    port_base: int,
    event_log: Path,
    api_port: int,
    *,
    notifications: bool,
    thresholds: Thresholds,
    policy: Policy | None = None,
    contract: Contract | None = None,
) -> ControllerConfig:
    return replace(
        ControllerConfig(),
        source="<testbed>",
        topology=topology_file,
        switch_host="127.0.0.1",
        port_base=port_base,
        pipeline=PipelineFiles(program=PROGRAM, include_dirs=(REPO / "p4src",)),
        api_port=api_port,
        event_log=event_log,
        probes=notifications,
        thresholds=thresholds,
        policy=policy or Policy(),
        contract=contract or Contract(),
    )


class ControlPlane:
    def __init__(self, topology: Topology, config: ControllerConfig, workdir: Path) -> None:
        from controller.service import ControllerService, resolve_pipeline

        self.topology = topology
        self.config = config
        pipeline = resolve_pipeline(config.pipeline, workdir)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="controller", daemon=True
        )
        self._thread.start()
        self.service = self.call(self._make(ControllerService, pipeline))
        self._api: Any = None

    async def _make(self, cls: Any, pipeline: Any) -> Any:
        return cls(self.topology, self.config, pipeline=pipeline)

    def call(self, coro: Coroutine[Any, Any, T], timeout_s: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout_s)

    def start(self) -> None:
        from controller.api import start_api

        self.call(self.service.start())
        address = f"{self.config.api_host}:{self.config.api_port}"
        try:
            self._api = self.call(
                start_api(self.service, self.config.api_host, self.config.api_port)
            )
        except OSError as err:
            raise RuntimeError(
                f"the controller API cannot listen on {address} ({err.strerror}): is another "
                "controller running?"
            ) from err

    def wait_ready(self, timeout_s: float) -> bool:
        """Every switch connected, pipeline pushed and reconciled with the first solution."""
        fleet = self.service.fleet
        return wait_until(
            lambda: all(fleet.ready(name) for name in self.topology.switches), timeout_s, 0.1
        )

    def events(self, since: int = 0, kinds: frozenset[str] | None = None) -> list[dict[str, Any]]:
        return self.call(self._events(since, kinds))

    async def _events(self, since: int, kinds: frozenset[str] | None) -> list[dict[str, Any]]:
        return self.service.events.since(since, kinds)

    def last_seq(self) -> int:
        return int(self.service.events.last_seq)

    def link_down(self, link: str) -> None:
        self.call(self.service.link_down(link))

    def link_up(self, link: str) -> None:
        self.call(self.service.link_up(link))

    def failed_links(self) -> set[str]:
        return set(self.service.solution.failed_links)

    def wait_idle(self, timeout_s: float) -> None:
        self.call(self.service.wait_idle(), timeout_s)

    # -- reading switch state (what the scenarios count: meter colours, quantized bytes) ----

    def read(
        self, switch: str, entities: list[Any], timeout_s: float = READ_TIMEOUT_S
    ) -> list[Any]:
        """Read finsy entities from a switch over the controller's session. A switch that has
        just become ready may still be getting its pipeline: retried until `timeout_s`."""
        return self.call(self._read(switch, entities, timeout_s), timeout_s + 5)

    async def _read(self, switch: str, entities: list[Any], timeout_s: float) -> list[Any]:
        from finsy.p4client import P4ClientError

        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return [got async for got in self.service.fleet.switches[switch].read(entities)]
            except P4ClientError as err:
                if time.monotonic() >= deadline:
                    raise RuntimeError(f"reading {switch}: {err}") from err
                await asyncio.sleep(0.2)

    def read_counters(self, switch: str, counter: str, indices: range) -> list[tuple[int, int]]:
        """(packets, bytes) of cells of an indexed counter."""
        import finsy as fy

        cells = self.read(switch, [fy.P4CounterEntry(counter, index=i) for i in indices])
        by_index = {got.index: (got.packet_count, got.byte_count) for got in cells}
        return [by_index.get(i, (0, 0)) for i in indices]

    def read_registers(self, switch: str, register: str, indices: range) -> list[int]:
        """Cells of a register array (e.g. bytes saved by quantization, expert loads)."""
        import finsy as fy

        cells = self.read(switch, [fy.P4RegisterEntry(register, index=i) for i in indices])
        by_index = {got.index: int(got.data or 0) for got in cells}
        return [by_index.get(i, 0) for i in indices]

    def count_entries(self, switch: str, table: str) -> int:
        """Entries a switch holds in one table (wildcard read)."""
        import finsy as fy

        return len(self.read(switch, [fy.P4TableEntry(table)]))

    def stop(self) -> None:
        try:
            if self._api is not None:
                self.call(self._api.cleanup(), 10)
            self.call(self.service.stop(), 10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=5)


class LinkPoller:
    """Baseline failure detection: poll the operstate of the links' interfaces and tell the
    controller, as a controller polling port status would learn of a failure."""

    def __init__(
        self, control: ControlPlane, ifaces: dict[str, str], poll_interval_s: float
    ) -> None:
        self.control = control
        self.ifaces = ifaces  # link name -> one of its interfaces
        self.interval = poll_interval_s
        self.down: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="link-poller", daemon=True)

    def start(self) -> LinkPoller:
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            for link, iface in self.ifaces.items():
                try:
                    state = Path(f"/sys/class/net/{iface}/operstate").read_text().strip()
                except OSError:
                    continue
                if state == "down" and link not in self.down:
                    self.down[link] = time.time()
                    self.control.link_down(link)
                elif state == "up" and link in self.down:
                    del self.down[link]
                    self.control.link_up(link)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

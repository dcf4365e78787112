"""P4Runtime sessions with many switches, built on finsy.

finsy owns each connection's lifecycle (reconnect with backoff, arbitration by election id,
pipeline push when the cookie differs). This layer adds what the controller needs on top:
whenever a switch becomes ready as primary (first connect, switch restart, controller
restart), its PacketIn reader opens (so no FN punted meanwhile is lost), the connected handler
resets status that may be stale, its desired state is reconciled (read back, diff, repair),
digest subscriptions are installed or updated, and the ready handler runs; only then does `ready()` say so (probes wait for it). PacketIns and digest
lists are forwarded to handlers. It works with any P4Runtime target: BMv2's
simple_switch_grpc or the embedded softswitch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import cast

import finsy as fy
from finsy.proto import p4r

from controller.reconcile import Plan, plan

LOG = logging.getLogger(__name__)


class _NoGnmiNotice(logging.Filter):
    """finsy warns on every connect when a target has no gNMI; neither BMv2's
    simple_switch_grpc nor the embedded target serves gNMI, so that is expected, not news."""

    def filter(self, record: logging.LogRecord) -> bool:
        # finsy prefixes the switch's task: "[e1|Switch._run&] gNMI is not implemented".
        return not record.getMessage().endswith("gNMI is not implemented")


logging.getLogger("finsy").addFilter(_NoGnmiNotice())

# Updates per Write RPC: large enough for throughput, small enough for gRPC message limits.
WRITE_BATCH = 1000

#: A switch's desired entities. While they do not change, returning the very same sequence
#: object lets the fleet reuse its encoding and skip the diff.
DesiredState = Callable[[str], Sequence[fy.p4entity.P4Entity | p4r.Entity]]
PacketHandler = Callable[[str, fy.P4PacketIn], Awaitable[None]]
DigestHandler = Callable[[str, fy.P4DigestList], Awaitable[None]]
ReadyHandler = Callable[[str, Plan], Awaitable[None]]
ConnectedHandler = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class SwitchTarget:
    """Where a switch's P4Runtime server listens and which device it is."""

    name: str
    address: str  # host:port
    device_id: int


@dataclass(frozen=True)
class Pipeline:
    """The P4 program every switch runs: its P4Info and target-specific device config
    (BMv2 JSON from p4c, or the embedded target's config, see docs/p4runtime.md)."""

    p4info: Path
    device_config: Path


@dataclass(frozen=True)
class Audit:
    """One read-back of a switch: `drift` is how its entities differed from what this
    controller last left there (inserted = was missing, modified = was changed, deleted = was
    not ours), `repair` what was written to reach the desired state (the same unless the
    intent changed since the last install), `subscriptions` digest subscriptions rewritten."""

    drift: Plan
    repair: Plan
    subscriptions: int = 0

    def __bool__(self) -> bool:
        return bool(self.drift) or self.subscriptions > 0


@dataclass
class FleetHandlers:
    packet_in: PacketHandler | None = None
    digest: DigestHandler | None = None
    ready: ReadyHandler | None = None
    #: Runs before the first reconcile, i.e. before the switch holds what it needs to send FNs.
    connected: ConnectedHandler | None = None
    digest_ids: Sequence[str] = ()


@dataclass
class Fleet:
    """A set of switches kept in their desired state."""

    targets: Sequence[SwitchTarget]
    pipeline: Pipeline
    desired: DesiredState
    handlers: FleetHandlers = field(default_factory=FleetHandlers)
    election_id: int = 10
    _switches: dict[str, fy.Switch] = field(init=False, default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(init=False, default_factory=dict)
    _controller: fy.Controller | None = field(init=False, default=None)
    #: Switches whose pipeline is set (their ready handler started): installs may go there.
    _configured: set[str] = field(init=False, default_factory=set)
    #: Switches whose ready handler finished: reconciled, subscribed, handlers told.
    _prepared: set[str] = field(init=False, default_factory=set)
    #: What each switch holds, as far as this controller knows: what its last read-back sync
    #: and the writes since left there. Unknown (absent) from a channel loss or a failed write
    #: until the next read-back.
    _held: dict[str, list[p4r.Entity]] = field(init=False, default_factory=dict)
    #: Per switch: the last desired sequence and its encoding.
    _encoded: dict[str, tuple[Sequence[object], list[p4r.Entity]]] = field(
        init=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        for target in self.targets:
            options = fy.SwitchOptions(
                p4info=self.pipeline.p4info,
                p4blob=self.pipeline.device_config,
                device_id=target.device_id,
                initial_election_id=self.election_id,
                ready_handler=self._on_ready,
            )
            switch = fy.Switch(target.name, target.address, options)
            for event in (fy.SwitchEvent.CHANNEL_DOWN, fy.SwitchEvent.BECOME_BACKUP):
                switch.ee.on(event, self._on_lost)
            self._switches[target.name] = switch
            self._locks[target.name] = asyncio.Lock()

    @property
    def switches(self) -> dict[str, fy.Switch]:
        return self._switches

    async def run(self) -> None:
        """Connect to every switch and keep the sessions up until cancelled."""
        self._controller = fy.Controller(self._switches.values())
        await self._controller.run()

    def ready(self, name: str) -> bool:
        """Up, primary, and its ready handler has finished (reconciled, subscribed)."""
        return name in self._prepared and self._primary(name)

    def configured(self) -> list[str]:
        """Switches that take writes now: primary, pipeline set (possibly still reconciling)."""
        return [n for n in self._switches if n in self._configured and self._primary(n)]

    def _primary(self, name: str) -> bool:
        switch = self._switches[name]
        return switch.is_up and switch.is_primary

    async def sync(self, name: str) -> Plan:
        """Reconcile one switch: read back its entities and write the difference."""
        return (await self._reconcile(name, read_back=True)).repair

    async def update(self, name: str) -> Plan:
        """Write the difference between the desired state and what the switch is known to
        hold, without reading it back (a read-back sync when that is unknown). Reading a
        whole switch back costs it and the controller more than the update itself; the
        read-back is for when the state may have changed behind this controller's back:
        (re)connects, failed writes, audits."""
        return (await self._reconcile(name, read_back=False)).repair

    async def audit(self, name: str) -> Audit:
        """Read one switch back, repair it like `sync`, and say how far it had drifted from
        what this controller last left there (another client's writes, lost entries), as
        opposed to intent changes not yet installed. Digest subscriptions are checked too."""
        result = await self._reconcile(name, read_back=True, audit=True)
        subscriptions = await self._subscribe_digests(self._switches[name])
        return replace(result, subscriptions=subscriptions)

    async def _reconcile(self, name: str, *, read_back: bool, audit: bool = False) -> Audit:
        switch = self._switches[name]
        async with self._locks[name]:
            schema = switch.p4info
            desired = self._encode_desired(name, schema)
            known = held = self._held.pop(name, None)
            if read_back or held is None:
                # finsy annotates read() as a coroutine; it is an async generator.
                requests = [*_READ_ALL, *_point_reads(desired)]
                reader = cast(AsyncIterator[fy.p4entity.P4Entity], switch.read(requests))
                held = [_encode(e, schema) async for e in reader]
            repair = Plan() if held is desired else plan(desired, held)
            drift = repair
            if audit and known is not None and known is not desired:
                drift = plan(known, held)
            for batch in _phases(repair.updates):
                await switch.write(batch)
            self._held[name] = desired
        if repair:
            LOG.info("%s: %s: %s", name, "reconciled" if read_back else "updated", repair.summary())
        return Audit(drift, repair)

    def _encode_desired(self, name: str, schema: fy.P4Schema) -> list[p4r.Entity]:
        entities = self.desired(name)
        last = self._encoded.get(name)
        if last is not None and last[0] is entities:
            return last[1]
        encoded = [_encode(e, schema) for e in entities]
        self._encoded[name] = (entities, encoded)
        return encoded

    async def sync_all(self) -> dict[str, Plan]:
        """Update every primary switch whose pipeline is set; the others sync when they get
        ready (a sync before the pipeline push would only fail)."""
        names = self.configured()
        plans = await asyncio.gather(*(self.update(n) for n in names))
        return dict(zip(names, plans, strict=True))

    async def write(self, name: str, entities: Sequence[fy.P4RegisterEntry]) -> None:
        """MODIFY register cells outside the desired state (status writes: expert loads,
        `controller.readiness`), at most WRITE_BATCH per Write."""
        switch = self._switches[name]
        for start in range(0, len(entities), WRITE_BATCH):
            await switch.write([~e for e in entities[start : start + WRITE_BATCH]])

    async def packet_out(self, name: str, payload: bytes, **metadata: int) -> None:
        await self._switches[name].write([fy.P4PacketOut(payload, **metadata)])

    def _on_lost(self, switch: fy.Switch) -> None:
        self._configured.discard(switch.name)
        self._prepared.discard(switch.name)
        self._held.pop(switch.name, None)

    async def _on_ready(self, switch: fy.Switch) -> None:
        self._configured.add(switch.name)
        if self.handlers.packet_in:
            switch.create_task(self._pump_packets(switch))
            # The new task opens its PacketIn queue on its first step, which runs now: FNs
            # punted while the sync below runs are queued instead of dropped by finsy.
            await asyncio.sleep(0)
        if self.handlers.connected:
            await self.handlers.connected(switch.name)
        result = await self.sync(switch.name)
        await self._subscribe_digests(switch)
        if self.handlers.digest:
            for digest_id in self.handlers.digest_ids:
                switch.create_task(self._pump_digests(switch, digest_id))
        if self.handlers.ready:
            await self.handlers.ready(switch.name, result)
        if self._primary(switch.name):
            self._prepared.add(switch.name)

    async def _subscribe_digests(self, switch: fy.Switch) -> int:
        """One digest per list, sent at once (notifications must not wait for batching):
        INSERT where the switch has no subscription, MODIFY where it differs (it survives a
        controller restart), nothing where it is already right. Returns the writes."""
        if not self.handlers.digest_ids:
            return 0
        reader = cast(AsyncIterator[fy.P4DigestEntry], switch.read(fy.P4DigestEntry()))
        have = {e.digest_id: e async for e in reader}
        updates = []
        for digest_id in self.handlers.digest_ids:
            entry = fy.P4DigestEntry(digest_id, max_list_size=1, max_timeout_ns=0)
            current = have.get(digest_id)
            if current is None:
                updates.append(+entry)
            elif current.encode(switch.p4info) != entry.encode(switch.p4info):
                updates.append(~entry)
        if updates:
            await switch.write(updates)
        return len(updates)

    async def _pump_packets(self, switch: fy.Switch) -> None:
        assert self.handlers.packet_in is not None
        async for packet in switch.read_packets():
            await self.handlers.packet_in(switch.name, packet)

    async def _pump_digests(self, switch: fy.Switch, digest_id: str) -> None:
        assert self.handlers.digest is not None
        async for digests in switch.read_digests(digest_id):
            await switch.write([digests.ack()])
            await self.handlers.digest(switch.name, digests)


# Wildcard reads of every kind the controller owns.
_READ_ALL = [
    fy.P4TableEntry(),
    fy.P4ActionProfileMember(),
    fy.P4ActionProfileGroup(),
    fy.P4MulticastGroupEntry(),
    fy.P4CloneSessionEntry(),
]


def _point_reads(desired: Iterable[p4r.Entity]) -> list[p4r.Entity]:
    """Reads of what a wildcard read leaves out: default entries (P4Runtime 9.1: read only
    with `is_default_action` and the table id), register cells, and the direct-meter configs
    of tables whose desired entries carry one (returned only when the request sets
    `meter_config`; these later answers replace the wildcard's in the diff). Without them
    every sync would rewrite them although nothing changed."""
    reads = []
    metered: set[int] = set()
    for entity in desired:
        if entity.WhichOneof("entity") == "table_entry" and entity.table_entry.HasField(
            "meter_config"
        ):
            metered.add(entity.table_entry.table_id)
        kind = entity.WhichOneof("entity")
        read = p4r.Entity()
        if kind == "table_entry" and entity.table_entry.is_default_action:
            read.table_entry.table_id = entity.table_entry.table_id
            read.table_entry.is_default_action = True
        elif kind == "register_entry":
            read.register_entry.register_id = entity.register_entry.register_id
            read.register_entry.index.index = entity.register_entry.index.index
        else:
            continue
        reads.append(read)
    for table_id in sorted(metered):
        read = p4r.Entity()
        read.table_entry.table_id = table_id
        read.table_entry.meter_config.SetInParent()
        reads.append(read)
    return reads


def _encode(entity: fy.p4entity.P4Entity | p4r.Entity, schema: fy.P4Schema) -> p4r.Entity:
    if isinstance(entity, p4r.Entity):
        return entity
    return entity.encode(schema)


def _phases(updates: list[p4r.Update]) -> Iterable[list[p4r.Update]]:
    """Split updates into Write batches that never mix update types or entity kinds.

    A P4Runtime server may apply the updates of one Write in any order, so make-before-break
    steps (members, then groups, then entries, then deletions) go in separate requests.
    """
    batch: list[p4r.Update] = []
    phase: tuple[int, str | None] | None = None
    for update in updates:
        this = (update.type, update.entity.WhichOneof("entity"))
        if batch and (this != phase or len(batch) >= WRITE_BATCH):
            yield batch
            batch = []
        phase = this
        batch.append(update)
    if batch:
        yield batch

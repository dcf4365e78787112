"""An in-memory Dataplane/Target for driving the P4Runtime server without the executor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from finsy.proto import p4i

from softswitch.p4rt.device import (
    ActionCall,
    DigestHandler,
    EntryAction,
    EntryRef,
    InitialEntry,
    MeterRates,
    PacketHandler,
    Replica,
)
from softswitch.p4rt.errors import invalid


@dataclass
class FakeDataplane:
    initial_default: dict[str, ActionCall]
    clock: Callable[[], int]
    initial: dict[str, list[InitialEntry]] = field(default_factory=dict)
    entries: dict[EntryRef, EntryAction] = field(default_factory=dict)
    defaults: dict[str, ActionCall] = field(default_factory=dict)
    direct_counters: dict[EntryRef, tuple[int, int]] = field(default_factory=dict)
    direct_meters: dict[EntryRef, MeterRates | None] = field(default_factory=dict)
    last_hit: dict[EntryRef, int] = field(default_factory=dict)
    members: dict[tuple[str, int], ActionCall] = field(default_factory=dict)
    groups: dict[tuple[str, int], list[tuple[int, int]]] = field(default_factory=dict)
    counters: dict[tuple[str, int], tuple[int, int]] = field(default_factory=dict)
    meters: dict[tuple[str, int], MeterRates | None] = field(default_factory=dict)
    registers: dict[tuple[str, int], int] = field(default_factory=dict)
    mcast: dict[int, list[Replica]] = field(default_factory=dict)
    clones: dict[int, tuple[list[Replica], int, int]] = field(default_factory=dict)
    injected: list[bytes] = field(default_factory=list)
    on_packet_in: PacketHandler | None = None
    on_digest: DigestHandler | None = None
    closed: bool = False

    def __post_init__(self) -> None:
        self.defaults = dict(self.initial_default)
        for entries in self.initial.values():
            for e in entries:
                self.entries[e.ref] = e.action

    def table_insert(self, ref: EntryRef, action: EntryAction) -> None:
        assert ref not in self.entries, "server let a duplicate through"
        self.entries[ref] = action
        self.last_hit[ref] = self.clock()

    def table_modify(self, ref: EntryRef, action: EntryAction) -> None:
        assert ref in self.entries
        self.entries[ref] = action

    def table_delete(self, ref: EntryRef) -> None:
        del self.entries[ref]
        self.direct_counters.pop(ref, None)

    def table_set_default(self, table: str, action: ActionCall | None) -> None:
        self.defaults[table] = action or self.initial_default[table]

    def table_default(self, table: str) -> ActionCall:
        return self.defaults[table]

    def initial_entries(self, table: str) -> list[InitialEntry]:
        return self.initial.get(table, [])

    def entry_last_hit_ns(self, ref: EntryRef) -> int:
        return self.last_hit[ref]

    def direct_counter_read(self, ref: EntryRef) -> tuple[int, int]:
        return self.direct_counters.get(ref, (0, 0))

    def direct_counter_write(self, ref: EntryRef, packets: int, nbytes: int) -> None:
        self.direct_counters[ref] = (packets, nbytes)

    def direct_meter_set(self, ref: EntryRef, rates: MeterRates | None) -> None:
        self.direct_meters[ref] = rates

    def member_set(self, profile: str, member_id: int, action: ActionCall) -> None:
        self.members[(profile, member_id)] = action

    def member_delete(self, profile: str, member_id: int) -> None:
        del self.members[(profile, member_id)]

    def group_set(self, profile: str, group_id: int, members: list[tuple[int, int]]) -> None:
        self.groups[(profile, group_id)] = members

    def group_delete(self, profile: str, group_id: int) -> None:
        del self.groups[(profile, group_id)]

    def counter_read(self, name: str, index: int) -> tuple[int, int]:
        return self.counters.get((name, index), (0, 0))

    def counter_write(self, name: str, index: int, packets: int, nbytes: int) -> None:
        self.counters[(name, index)] = (packets, nbytes)

    def meter_set(self, name: str, index: int, rates: MeterRates | None) -> None:
        self.meters[(name, index)] = rates

    def register_read(self, name: str, index: int) -> int:
        return self.registers.get((name, index), 0)

    def register_write(self, name: str, index: int, value: int) -> None:
        self.registers[(name, index)] = value

    def multicast_group_set(self, group_id: int, replicas: list[Replica]) -> None:
        self.mcast[group_id] = replicas

    def multicast_group_delete(self, group_id: int) -> None:
        del self.mcast[group_id]

    def clone_session_set(
        self, session_id: int, replicas: list[Replica], class_of_service: int, truncate: int
    ) -> None:
        self.clones[session_id] = (replicas, class_of_service, truncate)

    def clone_session_delete(self, session_id: int) -> None:
        del self.clones[session_id]

    def packet_out(self, payload: bytes) -> None:
        self.injected.append(payload)

    def set_handlers(self, on_packet_in: PacketHandler, on_digest: DigestHandler) -> None:
        self.on_packet_in = on_packet_in
        self.on_digest = on_digest

    def close(self) -> None:
        self.closed = True


class FakeTarget:
    """Accepts device configs b"ok..." and rejects anything else, like a compiler would."""

    def __init__(
        self, clock: Callable[[], int], initial: dict[str, list[InitialEntry]] | None = None
    ) -> None:
        self.clock = clock
        self.started: list[FakeDataplane] = []
        self.initial = initial or {}

    def load(self, p4info: p4i.P4Info, device_config: bytes) -> object:
        if not device_config.startswith(b"ok"):
            raise invalid("device config: prog.p4:1:1: error: syntax error")
        actions = {a.preamble.id: a.preamble.name for a in p4info.actions}
        return {
            t.preamble.name: ActionCall(
                actions[t.initial_default_action.action_id]
                if t.HasField("initial_default_action")
                else "NoAction"
            )
            for t in p4info.tables
        }

    def start(self, program: object) -> FakeDataplane:
        assert isinstance(program, dict)
        device = FakeDataplane(program, self.clock, initial=self.initial)
        self.started.append(device)
        return device

    @property
    def device(self) -> FakeDataplane:
        return self.started[-1]

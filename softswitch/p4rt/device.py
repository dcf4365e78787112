"""The dataplane as the P4Runtime server sees it: a small typed protocol, by P4 names.

The server validates and translates P4Runtime messages (IDs, byte strings) into these plain
values, so the dataplane never sees protobufs. ``softswitch.p4rt.switch_target`` implements
the protocol on top of the executor's ``Switch``; the tests use an in-memory implementation.

Keys are complete and use the runtime's match types (``softswitch.runtime.tables``): a
wildcard ternary/optional field arrives as ``TernaryMatch(0, 0)``, a wildcard LPM as
``LpmMatch(0, 0)``, a wildcard range as ``RangeMatch(0, 2**w - 1)``. Member and group
references are the runtime's ``MemberRef``/``GroupRef``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from finsy.proto import p4i

from softswitch.runtime.actions import GroupRef, MemberRef
from softswitch.runtime.tables import ExactMatch, LpmMatch, RangeMatch, TernaryMatch

FieldMatch = ExactMatch | LpmMatch | TernaryMatch | RangeMatch
"""The runtime's match types; optional fields arrive as ternary (full mask, or 0 = wildcard)."""
MatchKey = tuple[FieldMatch, ...]  # one per P4Info match field, in key order


@dataclass(frozen=True, slots=True)
class ActionCall:
    """A P4 action by fully qualified name with its runtime arguments by parameter name."""

    name: str
    args: tuple[tuple[str, int], ...] = ()


EntryAction = ActionCall | MemberRef | GroupRef


@dataclass(frozen=True, slots=True)
class EntryRef:
    """Identifies one table entry: the key plus the priority (0 for tables without one)."""

    table: str
    key: MatchKey
    priority: int


@dataclass(frozen=True, slots=True)
class MeterRates:
    """P4Runtime MeterConfig: rates in units/s and bursts in units (bytes or packets)."""

    cir: int
    cburst: int
    pir: int
    pburst: int


@dataclass(frozen=True, slots=True)
class Replica:
    port: int
    instance: int


@dataclass(frozen=True, slots=True)
class InitialEntry:
    """An entry the P4 program itself installs (``entries``/``const entries``)."""

    ref: EntryRef
    action: ActionCall


PacketHandler = Callable[[bytes], None]
"""Receives each packet the pipeline sends to the CPU port, controller header included."""
DigestHandler = Callable[[str, tuple[int, ...]], None]
"""Receives ``(digest name, field values in struct order)`` for each ``digest()`` call."""


class Dataplane(Protocol):
    """Everything the P4Runtime server needs from a running pipeline.

    Every method either succeeds or raises ``softswitch.p4rt.errors.P4RTError`` (for
    resource limits) or ``ValueError`` with a message for the client.
    """

    # --- match-action tables
    def table_insert(self, ref: EntryRef, action: EntryAction) -> None: ...
    def table_modify(self, ref: EntryRef, action: EntryAction) -> None: ...
    def table_delete(self, ref: EntryRef) -> None: ...
    def table_set_default(self, table: str, action: ActionCall | None) -> None:
        """``None`` restores the program's initial default action."""

    def table_default(self, table: str) -> ActionCall: ...
    def initial_entries(self, table: str) -> list[InitialEntry]: ...
    def entry_last_hit_ns(self, ref: EntryRef) -> int:
        """``time.monotonic_ns()`` of the entry's last hit (its insertion time if never hit)."""

    # --- direct resources (per table entry)
    def direct_counter_read(self, ref: EntryRef) -> tuple[int, int]:
        """``(packets, bytes)``."""

    def direct_counter_write(self, ref: EntryRef, packets: int, nbytes: int) -> None: ...
    def direct_meter_set(self, ref: EntryRef, rates: MeterRates | None) -> None: ...

    # --- action profiles / selectors
    def member_set(self, profile: str, member_id: int, action: ActionCall) -> None: ...
    def member_delete(self, profile: str, member_id: int) -> None: ...
    def group_set(self, profile: str, group_id: int, members: list[tuple[int, int]]) -> None:
        """``members`` is ``[(member_id, weight), ...]``."""

    def group_delete(self, profile: str, group_id: int) -> None: ...

    # --- indexed externs
    def counter_read(self, name: str, index: int) -> tuple[int, int]: ...
    def counter_write(self, name: str, index: int, packets: int, nbytes: int) -> None: ...
    def meter_set(self, name: str, index: int, rates: MeterRates | None) -> None: ...
    def register_read(self, name: str, index: int) -> int: ...
    def register_write(self, name: str, index: int, value: int) -> None: ...

    # --- packet replication engine
    def multicast_group_set(self, group_id: int, replicas: list[Replica]) -> None: ...
    def multicast_group_delete(self, group_id: int) -> None: ...
    def clone_session_set(
        self, session_id: int, replicas: list[Replica], class_of_service: int, truncate: int
    ) -> None: ...
    def clone_session_delete(self, session_id: int) -> None: ...

    # --- packet I/O
    def packet_out(self, payload: bytes) -> None:
        """Inject ``payload`` (controller header included) as if received on the CPU port."""

    def set_handlers(self, on_packet_in: PacketHandler, on_digest: DigestHandler) -> None:
        """Called from dataplane threads; the server hands the data to its event loop."""

    def close(self) -> None:
        """Stop using this pipeline (it is being replaced); ports stay open."""


class Target(Protocol):
    """Turns pushed pipeline configs into running dataplanes (the switch's ports stay put)."""

    def load(self, p4info: p4i.P4Info, device_config: bytes) -> object:
        """Compile and check ``device_config`` against ``p4info`` without touching traffic.

        Raises ``P4RTError`` (INVALID_ARGUMENT) with the compiler's message when it is bad.
        """

    def start(self, program: object) -> Dataplane:
        """Make a program returned by ``load`` the running pipeline, with empty state."""

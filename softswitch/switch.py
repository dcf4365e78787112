"""The in-process switch: load a v1model program, program it by P4 names, push packets.

Every control-plane method validates its input and raises a
:class:`~softswitch.runtime.errors.RuntimeApiError` subclass (nothing changes on error).
Names are fully qualified P4 names (``MyIngress.ipv4_lpm``); a unique dotted suffix
(``ipv4_lpm``) is accepted too, as BMv2's STF driver does.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from softswitch.codegen.program import CompiledProgram, DirectCounter, DirectMeter, compile_program
from softswitch.codegen.rt import ValueSet
from softswitch.frontend.elaborate import CheckedProgram
from softswitch.pipeline import Digest, Pipeline
from softswitch.runtime.actions import ActionCall, EntryAction, GroupRef, MemberRef
from softswitch.runtime.clock import Clock, MonotonicClock, VirtualClock
from softswitch.runtime.errors import InvalidArgumentError, NotFoundError, ResourceExhaustedError
from softswitch.runtime.externs import CounterArray, MeterArray, MeterRate, RegisterArray
from softswitch.runtime.profiles import ActionProfile, GroupMember
from softswitch.runtime.replication import CloneSession, CloneSessions, MulticastEngine, Replica
from softswitch.runtime.tables import (
    ExactMatch,
    FieldMatch,
    KeyField,
    LpmMatch,
    MatchKind,
    OptionalMatch,
    RangeMatch,
    Table,
    TableEntry,
    TernaryMatch,
)
from softswitch.runtime.traffic import TrafficManager

V = TypeVar("V")
# A key value: a FieldMatch, an int (exact/optional, or full-width lpm/ternary/range), or a
# pair read per match kind: lpm (value, prefix_len), ternary (value, mask), range (lo, hi).
MatchValue = FieldMatch | int | tuple[int, int]

__all__ = ["Digest", "MatchValue", "Switch"]


def resolve_name(kind: str, name: str, registry: Mapping[str, V]) -> tuple[str, V]:
    """Exact name, else the unique entry whose name ends with ``.name``."""
    if name in registry:
        return name, registry[name]
    matches = [full for full in registry if full.endswith("." + name)]
    if len(matches) == 1:
        return matches[0], registry[matches[0]]
    if matches:
        raise NotFoundError(f"{kind} {name!r} is ambiguous: {', '.join(sorted(matches))}")
    known = ", ".join(sorted(registry)) or "none"
    raise NotFoundError(f"no {kind} {name!r} (known: {known})")


def _field_match(f: KeyField, value: MatchValue) -> FieldMatch:
    if isinstance(value, ExactMatch | LpmMatch | TernaryMatch | RangeMatch | OptionalMatch):
        return value
    if isinstance(value, bool) or not isinstance(value, int | tuple):
        raise InvalidArgumentError(f"key {f.name}: unsupported match value {value!r}")
    if isinstance(value, int):
        if f.kind is MatchKind.OPTIONAL:
            return OptionalMatch(value)
        return ExactMatch(value)
    if len(value) != 2:
        raise InvalidArgumentError(f"key {f.name}: expected a pair, got {value!r}")
    a, b = value
    if f.kind is MatchKind.LPM:
        return LpmMatch(a, b)
    if f.kind is MatchKind.TERNARY:
        return TernaryMatch(a, b)
    if f.kind is MatchKind.RANGE:
        return RangeMatch(a, b)
    raise InvalidArgumentError(f"key {f.name}: a pair is not valid for a {f.kind.value} field")


def _group_members(members: Sequence[int | GroupMember]) -> list[GroupMember]:
    """Bare member IDs become weight-1 members."""
    return [m if isinstance(m, GroupMember) else GroupMember(m) for m in members]


class Switch:
    """A v1model switch running one compiled program.

    Thread-safe: packet processing and control-plane calls are serialized by one lock,
    so a P4Runtime server and port threads can drive the same switch.
    """

    def __init__(
        self,
        checked: CheckedProgram,
        *,
        clock: Clock | None = None,
        priority_queues: int = 1,
        cpu_port: int | None = None,
        seed: int = 0,
        record: bool = True,
    ) -> None:
        """``record=False``: outputs and digests only go to the ``on_output``/``on_digest``
        callbacks and are not kept for ``take_*`` (a long-running switch with a driver)."""
        self.record = record
        self.clock: Clock = clock if clock is not None else MonotonicClock()
        self.checked = checked
        self.program: CompiledProgram = compile_program(checked, self.clock, seed)
        self.cpu_port = cpu_port
        self.multicast = MulticastEngine()
        self.clone_sessions = CloneSessions()
        self.traffic: TrafficManager = TrafficManager(self.clock, priority_queues=priority_queues)
        self._lock = threading.RLock()
        self._outputs: list[tuple[int, bytes]] = []
        self._digests: list[Digest] = []
        self._output_hooks: list[Callable[[int, bytes], None]] = []
        self._digest_hooks: list[Callable[[Digest], None]] = []
        self.pipeline = Pipeline(
            self.program,
            self.clock,
            self.traffic,
            self.multicast,
            self.clone_sessions,
            self._emit_output,
            self._emit_digest,
        )

    @classmethod
    def from_file(
        cls,
        path: str | Path,
        include_dirs: Iterable[str | Path] = (),
        defines: Iterable[str] = (),
        *,
        clock: Clock | None = None,
        priority_queues: int = 1,
        cpu_port: int | None = None,
        record: bool = True,
    ) -> Switch:
        """Compile ``path`` (raises ``CompileError`` / ``CodegenError``) and load it."""
        from softswitch.frontend.compiler import compile_file

        checked = compile_file(Path(path), include_dirs=tuple(include_dirs), defines=tuple(defines))
        return cls(
            checked,
            clock=clock,
            priority_queues=priority_queues,
            cpu_port=cpu_port,
            record=record,
        )

    # ---- packets

    def inject(self, port: int, data: bytes) -> None:
        """Process one packet received on ``port``; never raises for any packet content."""
        if not 0 <= port < 1 << 9:
            raise InvalidArgumentError(f"port {port} outside [0, 511]")
        with self._lock:
            self.pipeline.inject(port, bytes(data))

    def advance(self, ns: int) -> None:
        """Move a virtual clock forward and release the packets whose queue time is over."""
        if not isinstance(self.clock, VirtualClock):
            raise InvalidArgumentError("advance() needs a VirtualClock")
        with self._lock:
            self.clock.advance_ns(ns)
            self.pipeline.run_ready()

    def run_due(self) -> int | None:
        """Release the queued packets whose departure time has come (without moving the
        clock); returns the next departure time in ns of the switch clock, or None."""
        with self._lock:
            self.pipeline.run_ready()
            return self.traffic.next_departure_ns()

    def next_departure_ns(self) -> int | None:
        """When the next queued packet may leave (switch clock), None when queues are empty."""
        with self._lock:
            return self.traffic.next_departure_ns()

    def run_until_idle(self) -> None:
        """Release every queued packet: jumps a virtual clock to each departure time."""
        with self._lock:
            while True:
                self.pipeline.run_ready()
                due = self.traffic.next_departure_ns()
                if due is None:
                    return
                if not isinstance(self.clock, VirtualClock):
                    return
                self.clock.set_ns(max(due, self.clock.now_ns()))

    def _emit_output(self, port: int, data: bytes) -> None:
        if self.record:
            self._outputs.append((port, data))
        for hook in self._output_hooks:
            hook(port, data)

    def _emit_digest(self, digest: Digest) -> None:
        if self.record:
            self._digests.append(digest)
        for hook in self._digest_hooks:
            hook(digest)

    def on_output(self, callback: Callable[[int, bytes], None]) -> None:
        """Call ``callback(port, bytes)`` for every transmitted packet (external I/O)."""
        self._output_hooks.append(callback)

    def on_digest(self, callback: Callable[[Digest], None]) -> None:
        self._digest_hooks.append(callback)

    def outputs(self) -> list[tuple[int, bytes]]:
        """Every packet sent so far and not yet taken, in transmission order."""
        with self._lock:
            return list(self._outputs)

    def take_outputs(self) -> list[tuple[int, bytes]]:
        with self._lock:
            taken, self._outputs = self._outputs, []
            return taken

    def take_output(self, port: int) -> list[bytes]:
        """Remove and return the packets sent on ``port``, in order."""
        with self._lock:
            taken = [data for p, data in self._outputs if p == port]
            self._outputs = [(p, data) for p, data in self._outputs if p != port]
            return taken

    def take_cpu_packets(self) -> list[bytes]:
        if self.cpu_port is None:
            raise InvalidArgumentError("no CPU port configured")
        return self.take_output(self.cpu_port)

    def take_digests(self) -> list[Digest]:
        with self._lock:
            taken, self._digests = self._digests, []
            return taken

    @property
    def errors(self) -> list[str]:
        """Run-time failures of the program (each dropped its packet)."""
        return list(self.pipeline.errors)

    # ---- tables

    def table_names(self) -> list[str]:
        return sorted(self.program.tables)

    def table(self, name: str) -> Table:
        return resolve_name("table", name, self.program.tables)[1]

    def _action_call(
        self, table: Table | ActionProfile, action: str, params: Mapping[str, int] | None
    ) -> ActionCall:
        # An unknown name is passed on: the runtime rejects it listing the allowed actions.
        with contextlib.suppress(NotFoundError):
            action, _ = resolve_name(f"action of {table.name}", action, table.actions)
        return ActionCall(action, dict(params or {}))

    def _entry_action(
        self, table: Table, action: str | MemberRef | GroupRef, params: Mapping[str, int] | None
    ) -> EntryAction:
        if isinstance(action, MemberRef | GroupRef):
            return action
        return self._action_call(table, action, params)

    @staticmethod
    def _matches(table: Table, matches: Mapping[str, MatchValue]) -> dict[str, FieldMatch]:
        by_name = {f.name: f for f in table.key_fields}
        out: dict[str, FieldMatch] = {}
        for name, value in matches.items():
            full, f = resolve_name(f"key field of {table.name}", name, by_name)
            out[full] = _field_match(f, value)
        return out

    @staticmethod
    def _priority(table: Table, priority: int | None) -> int:
        if priority is None:
            if table.requires_priority:
                raise InvalidArgumentError(f"{table.name}: entries need a priority")
            return 0
        return priority

    def _entry_key(
        self, table: str, matches: Mapping[str, MatchValue], priority: int | None
    ) -> tuple[Table, dict[str, FieldMatch], int]:
        """The table and the runtime form of an entry's key and priority."""
        t = self.table(table)
        return t, self._matches(t, matches), self._priority(t, priority)

    def table_add(
        self,
        table: str,
        matches: Mapping[str, MatchValue],
        action: str | MemberRef | GroupRef,
        params: Mapping[str, int] | None = None,
        priority: int | None = None,
        *,
        idle_timeout_ns: int = 0,
    ) -> TableEntry:
        """Install an entry (P4Runtime priorities: larger wins)."""
        with self._lock:
            t, key, prio = self._entry_key(table, matches, priority)
            return t.add_entry(
                key, self._entry_action(t, action, params), prio, idle_timeout_ns=idle_timeout_ns
            )

    def table_modify(
        self,
        table: str,
        matches: Mapping[str, MatchValue],
        action: str | MemberRef | GroupRef,
        params: Mapping[str, int] | None = None,
        priority: int | None = None,
    ) -> TableEntry:
        with self._lock:
            t, key, prio = self._entry_key(table, matches, priority)
            return t.modify_entry(key, self._entry_action(t, action, params), prio)

    def table_delete(
        self, table: str, matches: Mapping[str, MatchValue], priority: int | None = None
    ) -> None:
        with self._lock:
            t, key, prio = self._entry_key(table, matches, priority)
            t.delete_entry(key, prio)

    def table_entry(
        self, table: str, matches: Mapping[str, MatchValue], priority: int | None = None
    ) -> TableEntry:
        """The installed entry (with its direct counter ``packets``/``bytes`` and ``meter``)."""
        with self._lock:
            t, key, prio = self._entry_key(table, matches, priority)
            return t.get_entry(key, prio)

    def table_entries(self, table: str) -> list[TableEntry]:
        with self._lock:
            return list(self.table(table).entries())

    def table_clear(self, table: str) -> None:
        with self._lock:
            self.table(table).clear()

    def table_set_default(
        self, table: str, action: str, params: Mapping[str, int] | None = None
    ) -> None:
        with self._lock:
            t = self.table(table)
            t.set_default_action(self._action_call(t, action, params))

    def table_default(self, table: str) -> ActionCall:
        return self.table(table).default_action

    def expired_entries(self) -> list[tuple[str, TableEntry]]:
        """Entries whose idle timeout has elapsed (the server turns them into notifications)."""
        with self._lock:
            return [
                (name, e) for name, t in self.program.tables.items() for e in t.expired_entries()
            ]

    # ---- action profiles and selectors

    def profile(self, name: str) -> ActionProfile:
        return resolve_name("action profile", name, self.program.profiles)[1]

    def profile_add_member(
        self, profile: str, member_id: int, action: str, params: Mapping[str, int] | None = None
    ) -> None:
        with self._lock:
            p = self.profile(profile)
            p.add_member(member_id, self._action_call(p, action, params))

    def profile_create_group(
        self, profile: str, group_id: int, members: Sequence[int | GroupMember] = ()
    ) -> None:
        with self._lock:
            self.profile(profile).create_group(group_id, _group_members(members))

    def profile_modify_group(
        self, profile: str, group_id: int, members: Sequence[int | GroupMember]
    ) -> None:
        with self._lock:
            self.profile(profile).modify_group(group_id, _group_members(members))

    def set_port_status(self, port: int, up: bool) -> None:
        """Port liveness for selector members with a watch port (fast reroute)."""
        with self._lock:
            for p in self.program.profiles.values():
                p.set_port_status(port, up)

    # ---- counters, meters, registers

    def counter(self, name: str) -> CounterArray:
        return resolve_name("counter", name, self.program.counters)[1]

    def counter_read(self, name: str, index: int) -> tuple[int, int]:
        """``(packets, bytes)`` of an indexed counter."""
        with self._lock:
            return self.counter(name).read(index)

    def counter_write(self, name: str, index: int, packets: int, nbytes: int) -> None:
        with self._lock:
            self.counter(name).write(index, packets, nbytes)

    def direct_counter(self, name: str) -> DirectCounter:
        return resolve_name("direct counter", name, self.program.direct_counters)[1]

    def meter(self, name: str) -> MeterArray:
        return resolve_name("meter", name, self.program.meters)[1]

    def meter_set_rates(self, name: str, index: int, rates: Sequence[MeterRate]) -> None:
        """``[committed, peak]`` rates of one meter cell (BMv2 ``meter_set_rates``)."""
        with self._lock:
            self.meter(name).set_rates(index, rates)

    def direct_meter(self, name: str) -> DirectMeter:
        return resolve_name("direct meter", name, self.program.direct_meters)[1]

    def register(self, name: str) -> RegisterArray:
        return resolve_name("register", name, self.program.registers)[1]

    def register_read(self, name: str, index: int) -> int:
        with self._lock:
            return self.register(name).get(index)

    def register_write(self, name: str, index: int, value: int) -> None:
        with self._lock:
            self.register(name).set(index, value)

    def register_reset(self, name: str) -> None:
        with self._lock:
            self.register(name).reset()

    # ---- parser value sets

    def value_set(self, name: str) -> ValueSet:
        return resolve_name("value set", name, self.program.value_sets)[1]

    def value_set_set(self, name: str, members: Sequence[tuple[int, int]]) -> None:
        """Replace a ``value_set``'s members with ``(value, mask)`` pairs (P4Runtime style)."""
        with self._lock:
            vs = self.value_set(name)
            if len(members) > vs.size:
                raise ResourceExhaustedError(f"value set {vs.name} holds at most {vs.size} members")
            for value, mask in members:
                if value < 0 or mask < 0:
                    raise InvalidArgumentError(f"value set {vs.name}: negative value or mask")
            vs.members = [(value & mask, mask) for value, mask in members]

    # ---- packet replication

    def mc_group_create(self, group_id: int) -> None:
        with self._lock:
            self.multicast.create_group(group_id)

    def mc_group_delete(self, group_id: int) -> None:
        with self._lock:
            self.multicast.delete_group(group_id)

    def mc_node_create(self, rid: int, ports: Iterable[int]) -> int:
        """A replication node (rid + ports); returns its handle (BMv2 ``mc_node_create``)."""
        with self._lock:
            return self.multicast.create_node(rid, ports)

    def mc_node_associate(self, group_id: int, handle: int) -> None:
        with self._lock:
            self.multicast.associate(group_id, handle)

    def mc_set_group(self, group_id: int, replicas: Sequence[tuple[int, int]]) -> None:
        """Replace a group's replicas with ``(port, rid)`` pairs (P4Runtime style)."""
        with self._lock:
            self.multicast.set_group(group_id, [Replica(port, rid) for port, rid in replicas])

    def clone_session_set(
        self,
        session_id: int,
        *,
        port: int | None = None,
        mcast_group: int | None = None,
        truncate_length: int = 0,
    ) -> None:
        with self._lock:
            self.clone_sessions.set(CloneSession(session_id, port, mcast_group, truncate_length))

    def clone_session_delete(self, session_id: int) -> None:
        with self._lock:
            self.clone_sessions.delete(session_id)

    # ---- queues

    def set_queue_rate(self, port: int, pps: int, priority: int | None = None) -> None:
        with self._lock:
            self.traffic.set_queue_rate(port, pps, priority)

    def set_queue_depth(self, port: int, depth: int, priority: int | None = None) -> None:
        with self._lock:
            self.traffic.set_queue_depth(port, depth, priority)

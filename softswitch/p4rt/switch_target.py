"""The P4Runtime ``Target``/``Dataplane`` protocols implemented on the executor's ``Switch``.

``SwitchTarget`` owns the switch's ports for the life of the process; each committed pipeline
is a fresh ``Switch`` wrapped in a ``SwitchDataplane``. Received frames go to whichever
dataplane is current (or are dropped while there is none, as ``simple_switch_grpc --no-p4``).

The forwarding path is: port thread -> ``SwitchDataplane.receive`` (one lock) ->
``Switch.inject`` -> the switch's output callback transmits each packet in order and hands
CPU-port output to the server as PacketIn (the switch runs with ``record=False``, so nothing
accumulates in a long-running process). The P4Runtime server speaks P4Info names; those are resolved to the
executor's objects once, when a pipeline starts.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import grpc
from finsy.proto import p4i

from softswitch.codegen.values import CodegenError
from softswitch.p4rt import device as dev
from softswitch.p4rt.errors import P4RTError, invalid, out_of_range, unimplemented
from softswitch.p4rt.program import CompiledProgram, load_program
from softswitch.ports import DelayedTransmitter, PortSet, Shaping
from softswitch.runtime import actions as rt_actions
from softswitch.runtime import tables as rt_tables
from softswitch.runtime.clock import MonotonicClock
from softswitch.runtime.errors import RuntimeApiError
from softswitch.runtime.externs import MeterRate
from softswitch.runtime.profiles import GroupMember
from softswitch.runtime.traffic import PropagationDelay
from softswitch.switch import Digest, Switch, resolve_name

log = logging.getLogger("softswitch.target")

# As PI does for BMv2, clone sessions are backed by hidden multicast groups above the
# client's range (PI's PreMcMgr::first_reserved_group_id), so replicas keep their instance.
FIRST_RESERVED_GROUP = 1 << 15
Transmit = Callable[[int, bytes], None]


@contextlib.contextmanager
def _runtime_errors() -> Iterator[None]:
    """The runtime's refusals as P4Runtime status codes (each error names its code)."""
    try:
        yield
    except RuntimeApiError as err:
        raise P4RTError(grpc.StatusCode[err.grpc_code], str(err)) from None


@dataclass(frozen=True, slots=True)
class _TableView:
    """A P4Info table resolved to the executor's table, key fields in P4Info order."""

    name: str  # the executor's name
    table: rt_tables.Table
    fields: tuple[rt_tables.KeyField, ...]


def _to_runtime_match(
    fields: tuple[rt_tables.KeyField, ...], key: dev.MatchKey
) -> dict[str, rt_tables.FieldMatch]:
    """The server's complete key as the table's match: wildcards left out, optional fields
    (ternary with a full mask in the server's key) as optional matches."""
    out: dict[str, rt_tables.FieldMatch] = {}
    for f, m in zip(fields, key, strict=True):
        if not isinstance(m, rt_tables.TernaryMatch):
            out[f.name] = m
        elif m.mask:  # a zero mask is the omitted wildcard
            is_optional = f.kind is rt_tables.MatchKind.OPTIONAL
            out[f.name] = rt_tables.OptionalMatch(m.value) if is_optional else m
    return out


def _to_device_key(
    fields: tuple[rt_tables.KeyField, ...], key: rt_tables.NormalizedKey
) -> dev.MatchKey:
    """The executor's normalized key ((value, mask) or (low, high) per field) as the server's."""
    out: list[dev.FieldMatch] = []
    for f, (a, b) in zip(fields, key, strict=True):
        if f.kind is rt_tables.MatchKind.EXACT:
            out.append(rt_tables.ExactMatch(a))
        elif f.kind is rt_tables.MatchKind.LPM:
            out.append(rt_tables.LpmMatch(a, b.bit_count()))
        elif f.kind is rt_tables.MatchKind.RANGE:
            out.append(rt_tables.RangeMatch(a, b))
        else:
            out.append(rt_tables.TernaryMatch(a, b))
    return tuple(out)


class SwitchDataplane:
    """One running pipeline: a ``Switch`` programmed by P4Info names, wired to the ports."""

    def __init__(
        self, switch: Switch, p4info: p4i.P4Info, transmit: Transmit, clock_offset_ns: int
    ) -> None:
        self.switch = switch
        self._transmit = transmit
        self._cpu_port = switch.cpu_port
        # Added to the executor's clock to get time.monotonic_ns(), the server's clock.
        self.clock_offset_ns = clock_offset_ns
        self._lock = threading.Lock()  # serializes the forwarding path and output order
        self._on_packet_in: dev.PacketHandler | None = None
        self._on_digest: dev.DigestHandler | None = None
        self._closed = False
        self._wake_pacer: Callable[[], None] | None = None
        switch.on_output(self._output)
        switch.on_digest(self._digest)
        with _runtime_errors():
            self._tables = {
                t.preamble.name: self._table_view(t.preamble.name) for t in p4info.tables
            }
        # P4Info action name -> parameter names in P4Info order, and executor name -> P4Info name.
        self._params = {a.preamble.name: [p.name for p in a.params] for a in p4info.actions}
        self._p4info_action: dict[str, str] = {}

    def _table_view(self, name: str) -> _TableView:
        full, table = resolve_name("table", name, self.switch.program.tables)
        return _TableView(full, table, table.key_fields)

    def _view(self, name: str) -> _TableView:
        view = self._tables.get(name)
        if view is None:
            raise invalid(f"table {name!r} is not in the running program")
        return view

    # ------------------------------------------------------------------ packets

    def receive(self, port: int, frame: bytes) -> None:
        """A frame from a port (called from the port's thread)."""
        with self._lock:
            if self._closed:
                return
            self.switch.inject(port, frame)
            self._wake_if_queued()

    def packet_out(self, payload: bytes) -> None:
        if self._cpu_port is None:
            raise P4RTError(
                grpc.StatusCode.FAILED_PRECONDITION, "PacketOut needs a CPU port (--cpu-port)"
            )
        self.receive(self._cpu_port, payload)

    def release_due(self) -> int | None:
        """Send the queued packets whose departure time has come; returns the next one's."""
        with self._lock:
            if self._closed:
                return None
            return self.switch.run_due()

    def _output(self, port: int, data: bytes) -> None:
        # The switch runs with record=False: every output arrives here, once, in order.
        if port == self._cpu_port:
            if self._on_packet_in is not None:
                self._on_packet_in(data)
        else:
            self._transmit(port, data)

    def _digest(self, digest: Digest) -> None:
        if self._on_digest is not None:
            self._on_digest(digest.name, tuple(digest.values.values()))

    def _wake_if_queued(self) -> None:
        if self._wake_pacer is not None and self.switch.next_departure_ns() is not None:
            self._wake_pacer()

    def set_handlers(self, on_packet_in: dev.PacketHandler, on_digest: dev.DigestHandler) -> None:
        self._on_packet_in = on_packet_in
        self._on_digest = on_digest

    def set_pacer(self, wake: Callable[[], None]) -> None:
        """``wake`` is called whenever packets wait in rate-limited queues."""
        self._wake_pacer = wake

    def close(self) -> None:
        with self._lock:
            self._closed = True

    # ------------------------------------------------------------------ actions

    def _runtime_call(self, call: dev.ActionCall) -> rt_actions.ActionCall:
        return rt_actions.ActionCall(call.name, dict(call.args))

    def _device_call(self, call: rt_actions.ActionCall) -> dev.ActionCall:
        name = self._p4info_action.get(call.name)
        if name is None:
            name = resolve_name("action", call.name, self._params)[0]
            self._p4info_action[call.name] = name
        return dev.ActionCall(name, tuple((p, call.params[p]) for p in self._params[name]))

    def _entry_action(self, action: dev.EntryAction) -> rt_actions.EntryAction:
        if isinstance(action, dev.ActionCall):
            return self._runtime_call(action)
        return action  # the runtime's MemberRef / GroupRef

    # ------------------------------------------------------------------ tables

    def table_insert(self, ref: dev.EntryRef, action: dev.EntryAction) -> None:
        view = self._view(ref.table)
        with _runtime_errors(), self._lock:
            view.table.add_entry(
                _to_runtime_match(view.fields, ref.key), self._entry_action(action), ref.priority
            )

    def table_modify(self, ref: dev.EntryRef, action: dev.EntryAction) -> None:
        view = self._view(ref.table)
        with _runtime_errors(), self._lock:
            view.table.modify_entry(
                _to_runtime_match(view.fields, ref.key), self._entry_action(action), ref.priority
            )

    def table_delete(self, ref: dev.EntryRef) -> None:
        view = self._view(ref.table)
        with _runtime_errors(), self._lock:
            view.table.delete_entry(_to_runtime_match(view.fields, ref.key), ref.priority)

    def _entry(self, ref: dev.EntryRef) -> rt_tables.TableEntry:
        view = self._view(ref.table)
        with _runtime_errors():
            return view.table.get_entry(_to_runtime_match(view.fields, ref.key), ref.priority)

    def table_set_default(self, table: str, action: dev.ActionCall | None) -> None:
        view = self._view(table)
        with _runtime_errors(), self._lock:
            if action is None:
                view.table.reset_default_action()
            else:
                view.table.set_default_action(self._runtime_call(action))

    def table_default(self, table: str) -> dev.ActionCall:
        return self._device_call(self._view(table).table.default_action)

    def initial_entries(self, table: str) -> list[dev.InitialEntry]:
        view = self._view(table)
        return [
            dev.InitialEntry(
                dev.EntryRef(table, _to_device_key(view.fields, e.key), e.priority),
                self._device_call(e.action),
            )
            for e in view.table.entries()
            if e.is_const and isinstance(e.action, rt_actions.ActionCall)
        ]

    def entry_last_hit_ns(self, ref: dev.EntryRef) -> int:
        return self._entry(ref).last_hit_ns + self.clock_offset_ns

    # ------------------------------------------------------------------ direct resources

    def direct_counter_read(self, ref: dev.EntryRef) -> tuple[int, int]:
        entry = self._entry(ref)
        return entry.packets, entry.bytes

    def direct_counter_write(self, ref: dev.EntryRef, packets: int, nbytes: int) -> None:
        entry = self._entry(ref)
        with self._lock:
            entry.packets, entry.bytes = packets, nbytes

    def direct_meter_set(self, ref: dev.EntryRef, rates: dev.MeterRates | None) -> None:
        entry = self._entry(ref)
        if entry.meter is None:
            raise invalid(f"table {ref.table!r} has no direct meter")
        with _runtime_errors(), self._lock:
            if rates is None:
                entry.meter.reset_rates()
            else:
                entry.meter.set_rates(_meter_rates(rates))

    # ------------------------------------------------------------------ action profiles

    def member_set(self, profile: str, member_id: int, action: dev.ActionCall) -> None:
        with _runtime_errors(), self._lock:
            p = self.switch.profile(profile)
            call = self._runtime_call(action)
            if member_id in p.members():
                p.modify_member(member_id, call)
            else:
                p.add_member(member_id, call)

    def member_delete(self, profile: str, member_id: int) -> None:
        with _runtime_errors(), self._lock:
            self.switch.profile(profile).delete_member(member_id)

    def group_set(self, profile: str, group_id: int, members: list[tuple[int, int]]) -> None:
        with _runtime_errors(), self._lock:
            p = self.switch.profile(profile)
            group = [GroupMember(member_id, weight) for member_id, weight in members]
            if group_id in p.groups():
                p.modify_group(group_id, group)
            else:
                p.create_group(group_id, group)

    def group_delete(self, profile: str, group_id: int) -> None:
        with _runtime_errors(), self._lock:
            self.switch.profile(profile).delete_group(group_id)

    # ------------------------------------------------------------------ indexed externs

    def counter_read(self, name: str, index: int) -> tuple[int, int]:
        with _runtime_errors():
            return self.switch.counter_read(name, index)

    def counter_write(self, name: str, index: int, packets: int, nbytes: int) -> None:
        with _runtime_errors():
            self.switch.counter_write(name, index, packets, nbytes)

    def meter_set(self, name: str, index: int, rates: dev.MeterRates | None) -> None:
        with _runtime_errors():
            if rates is None:
                with self._lock:
                    self.switch.meter(name).reset_rates(index)
            else:
                self.switch.meter_set_rates(name, index, _meter_rates(rates))

    def register_read(self, name: str, index: int) -> int:
        with _runtime_errors():
            return self.switch.register_read(name, index)

    def register_write(self, name: str, index: int, value: int) -> None:
        with _runtime_errors():
            self.switch.register_write(name, index, value)

    # ------------------------------------------------------------------ replication

    def multicast_group_set(self, group_id: int, replicas: list[dev.Replica]) -> None:
        if group_id >= FIRST_RESERVED_GROUP:
            raise out_of_range(
                f"multicast group ID {group_id} is reserved: groups must be below "
                f"{FIRST_RESERVED_GROUP} (the rest back clone sessions, as on BMv2)"
            )
        self._set_group(group_id, replicas)

    def _set_group(self, group_id: int, replicas: list[dev.Replica]) -> None:
        with _runtime_errors():
            self.switch.mc_set_group(group_id, [(r.port, r.instance) for r in replicas])

    def multicast_group_delete(self, group_id: int) -> None:
        with _runtime_errors(), self._lock:
            self.switch.mc_group_delete(group_id)

    def clone_session_set(
        self, session_id: int, replicas: list[dev.Replica], class_of_service: int, truncate: int
    ) -> None:
        if not 0 <= session_id < FIRST_RESERVED_GROUP:
            raise out_of_range(f"clone session ID {session_id} outside [0, {FIRST_RESERVED_GROUP})")
        if class_of_service:
            raise unimplemented("class_of_service for clone sessions is not supported (as BMv2)")
        group = FIRST_RESERVED_GROUP + session_id
        self._set_group(group, replicas)
        with _runtime_errors(), self._lock:
            self.switch.clone_session_set(session_id, mcast_group=group, truncate_length=truncate)

    def clone_session_delete(self, session_id: int) -> None:
        with _runtime_errors(), self._lock:
            self.switch.clone_session_delete(session_id)
            self.switch.mc_group_delete(FIRST_RESERVED_GROUP + session_id)


def _meter_rates(rates: dev.MeterRates) -> list[MeterRate]:
    """P4Runtime ``MeterConfig`` (units per second) as BMv2's ``[committed, peak]`` buckets."""
    return [
        MeterRate.per_second(rates.cir, rates.cburst),
        MeterRate.per_second(rates.pir, rates.pburst),
    ]


@dataclass
class LoadedProgram:
    """A device config that compiled and matched its P4Info, ready to ``start``."""

    compiled: CompiledProgram
    p4info: p4i.P4Info
    prepared: Switch | None  # built while verifying; the first start uses it


class _Pacer:
    """Releases packets held by rate-limited egress queues when their departure time comes."""

    def __init__(self, current: Callable[[], SwitchDataplane | None]) -> None:
        self._current = current
        self._cv = threading.Condition()
        self._pending = False
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="egress-pacer", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        with self._cv:
            self._pending = True
            self._cv.notify()

    def _run(self) -> None:
        due: int | None = None
        while True:
            with self._cv:
                timeout = None if due is None else max(0.0, (due - time.monotonic_ns()) / 1e9)
                if not self._pending and not self._stop:
                    self._cv.wait(timeout)
                if self._stop:
                    return
                self._pending = False
            dataplane = self._current()
            if dataplane is None:
                due = None
                continue
            due_ns = dataplane.release_due()  # on the executor's clock: convert to ours
            due = None if due_ns is None else due_ns + dataplane.clock_offset_ns

    def close(self) -> None:
        with self._cv:
            self._stop = True
            self._cv.notify()
        self._thread.join(timeout=2)


class SwitchTarget:
    """Loads pushed programs into fresh ``Switch`` instances over one set of ports."""

    def __init__(
        self,
        ports: PortSet,
        *,
        cpu_port: int | None = None,
        priority_queues: int = 1,
        shaping: Shaping | None = None,
    ) -> None:
        self.cpu_port = cpu_port
        self.priority_queues = priority_queues
        self.shaping = shaping or Shaping()
        self.current: SwitchDataplane | None = None
        self.ports = ports
        self._delay = PropagationDelay[bytes](MonotonicClock())
        self._delayed: DelayedTransmitter | None = None
        self._pacer = _Pacer(lambda: self.current) if self.shaping.paced else None
        self.ports.start(self._receive)

    def _receive(self, port: int, frame: bytes) -> None:
        dataplane = self.current
        if dataplane is not None:
            dataplane.receive(port, frame)

    # ------------------------------------------------------------------ Target

    def load(self, p4info: p4i.P4Info, device_config: bytes) -> LoadedProgram:
        compiled = load_program(p4info, device_config)
        return LoadedProgram(compiled, p4info, self._new_switch(compiled))

    def _new_switch(self, compiled: CompiledProgram) -> Switch:
        try:
            return Switch(
                compiled.checked,  # type: ignore[arg-type]
                cpu_port=self.cpu_port,
                priority_queues=self.priority_queues,
                record=False,
            )
        except (CodegenError, RuntimeApiError) as err:
            raise invalid(f"the program cannot run on this target: {err}") from None

    def start(self, program: object) -> SwitchDataplane:
        assert isinstance(program, LoadedProgram)
        switch = program.prepared or self._new_switch(program.compiled)
        program.prepared = None
        clock_offset = time.monotonic_ns() - switch.clock.now_ns()
        dataplane = SwitchDataplane(
            switch, program.p4info, self._transmit_for(switch), clock_offset
        )
        if self._pacer is not None:
            dataplane.set_pacer(self._pacer.wake)
        self.current = dataplane
        log.info("pipeline started on ports %s", sorted(self.ports.ports))
        return dataplane

    def _transmit_for(self, switch: Switch) -> Transmit:
        """Applies the command-line shaping to ``switch`` and picks the output path."""
        self.shaping.apply(switch.traffic, self._delay)
        if not self.shaping.port_delay_ns:
            return self.ports.send  # the fast path: straight to the socket
        if self._delayed is None:
            self._delayed = DelayedTransmitter(self.ports, self._delay, self._delay.clock)
        return self._delayed.send

    def port_stats(self) -> dict[int, dict[str, Any]]:
        """Per-port link state and packet counts."""
        return {
            p: {
                "up": raw.up,
                "rx": raw.rx_packets,
                "tx": raw.tx_packets,
                "tx_errors": raw.tx_errors,
            }
            for p, raw in self.ports.ports.items()
        }

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
        if self._pacer is not None:
            self._pacer.close()
        if self._delayed is not None:
            self._delayed.close()
        self.ports.close()

"""The controller-visible state of one committed pipeline and per-entity Write/Read translation.

Every write returns an undo callable, which is how ROLLBACK_ON_ERROR batches are unwound and
how RECONCILE_AND_COMMIT falls back. Tables and action profiles live in their own modules;
this one adds the indexed externs, the packet replication engine and digest configuration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from finsy.proto import p4d, p4r

from softswitch.p4rt.canonical import canonicalize, decode_uint, encode_uint
from softswitch.p4rt.device import Dataplane, EntryRef, Replica
from softswitch.p4rt.errors import (
    already_exists,
    invalid,
    not_found,
    out_of_range,
    unimplemented,
)
from softswitch.p4rt.profiles import ProfileStore
from softswitch.p4rt.schema import DirectInfo, IndexedInfo, Schema
from softswitch.p4rt.tables import Clock, TableStore, Translator, match_key, meter_rates

Undo = Callable[[], None]
INSERT, MODIFY, DELETE = p4r.Update.INSERT, p4r.Update.MODIFY, p4r.Update.DELETE
# Entities P4Runtime defines that this target does not offer (no value sets, no PSA externs).
UNSUPPORTED_ENTITIES = frozenset({"extern_entry", "value_set_entry"})
T = TypeVar("T")
PreEntry = TypeVar("PreEntry", p4r.MulticastGroupEntry, p4r.CloneSessionEntry)


def _only_modify(op: int, what: str) -> None:
    if op != MODIFY:
        raise invalid(f"{what} entries always exist: only MODIFY is allowed")


def _lookup(table: dict[int, T], obj_id: int, what: str) -> T:
    if obj_id == 0:
        raise invalid(f"a {what} ID is required")
    info = table.get(obj_id)
    if info is None:
        raise not_found(f"unknown {what} ID {obj_id:#x}")
    return info


def _indices(info: IndexedInfo, index: p4r.Index | None) -> range:
    """The cells a request addresses: one, or all of them when the index is unset."""
    if index is None:
        return range(info.size)
    if not 0 <= index.index < info.size:
        raise out_of_range(f"{info.name}: index {index.index} is outside 0..{info.size - 1}")
    return range(index.index, index.index + 1)


class PipelineState:
    """Everything Write can change and Read can show, for one committed pipeline."""

    def __init__(self, schema: Schema, device: Dataplane, clock: Clock) -> None:
        self.schema = schema
        self.device = device
        self.tr = Translator(schema)
        self.profiles = ProfileStore(schema, device, self.tr.action_call)
        self.tables = TableStore(schema, device, self.tr, self.profiles, clock)
        self.meter_configs: dict[tuple[int, int], p4r.MeterConfig] = {}
        self.multicast_groups: dict[int, p4r.MulticastGroupEntry] = {}
        self.clone_sessions: dict[int, p4r.CloneSessionEntry] = {}
        self.digest_configs: dict[int, p4r.DigestEntry.Config] = {}
        self.tables.seed_initial_entries()

    # ------------------------------------------------------------------ writes

    def write(self, update: p4r.Update) -> Undo:
        op = update.type
        if op not in (INSERT, MODIFY, DELETE):
            raise invalid("update type must be INSERT, MODIFY or DELETE")
        kind = update.entity.WhichOneof("entity")
        if kind is None:
            raise invalid("the update carries no entity")
        if kind in UNSUPPORTED_ENTITIES:
            raise unimplemented(f"{kind} is not supported by this target")
        entity = getattr(update.entity, kind)
        writer: Callable[[int, object], Undo] = getattr(self, f"_write_{kind}")
        return writer(op, entity)

    def _write_table_entry(self, op: int, entry: p4r.TableEntry) -> Undo:
        return self.tables.write(op, entry)

    def _write_action_profile_member(self, op: int, member: p4r.ActionProfileMember) -> Undo:
        return self.profiles.write_member(op, member)

    def _write_action_profile_group(self, op: int, group: p4r.ActionProfileGroup) -> Undo:
        return self.profiles.write_group(op, group)

    def _write_counter_entry(self, op: int, entry: p4r.CounterEntry) -> Undo:
        _only_modify(op, "counter")
        info = _lookup(self.schema.counters, entry.counter_id, "counter")
        cells = _indices(info, entry.index if entry.HasField("index") else None)
        old = [self.device.counter_read(info.name, i) for i in cells]
        for i in cells:
            self.device.counter_write(info.name, i, entry.data.packet_count, entry.data.byte_count)

        def undo() -> None:
            for i, (packets, nbytes) in zip(cells, old, strict=True):
                self.device.counter_write(info.name, i, packets, nbytes)

        return undo

    def _write_register_entry(self, op: int, entry: p4r.RegisterEntry) -> Undo:
        _only_modify(op, "register")
        info = _lookup(self.schema.registers, entry.register_id, "register")
        if entry.data.WhichOneof("data") != "bitstring":
            raise invalid(f"register {info.name!r}: data must be a bitstring")
        value = decode_uint(entry.data.bitstring, info.bitwidth, f"register {info.name}")
        cells = _indices(info, entry.index if entry.HasField("index") else None)
        old = [self.device.register_read(info.name, i) for i in cells]
        for i in cells:
            self.device.register_write(info.name, i, value)

        def undo() -> None:
            for i, previous in zip(cells, old, strict=True):
                self.device.register_write(info.name, i, previous)

        return undo

    def _write_meter_entry(self, op: int, entry: p4r.MeterEntry) -> Undo:
        _only_modify(op, "meter")
        info = _lookup(self.schema.meters, entry.meter_id, "meter")
        cells = _indices(info, entry.index if entry.HasField("index") else None)
        config = entry.config if entry.HasField("config") else None
        if config is not None:
            meter_rates(config)  # validate before touching any cell
        old = {i: self.meter_configs.get((info.id, i)) for i in cells}
        for i in cells:
            self._set_meter(info, i, config)

        def undo() -> None:
            for i, previous in old.items():
                self._set_meter(info, i, previous)

        return undo

    def _set_meter(self, info: IndexedInfo, index: int, config: p4r.MeterConfig | None) -> None:
        self.device.meter_set(info.name, index, meter_rates(config) if config else None)
        if config is None:
            self.meter_configs.pop((info.id, index), None)
        else:
            self.meter_configs[(info.id, index)] = p4r.MeterConfig()
            self.meter_configs[(info.id, index)].CopyFrom(config)

    def _direct_target(self, entry: p4r.TableEntry, resource_id: int, kind: str) -> EntryRef:
        table = self.tables.table(entry.table_id)
        if resource_id == 0:
            raise invalid(f"table {table.name!r} has no direct {kind}")
        probe = p4r.TableEntry()
        probe.CopyFrom(entry)
        ref = EntryRef(table.name, match_key(table, probe), entry.priority)
        if ref not in self.tables.entries[table.id]:
            raise not_found(f"no such entry in {table.name!r}")
        return ref

    def _write_direct_counter_entry(self, op: int, entry: p4r.DirectCounterEntry) -> Undo:
        _only_modify(op, "direct counter")
        table = self.tables.table(entry.table_entry.table_id)
        ref = self._direct_target(entry.table_entry, table.direct_counter_id, "counter")
        old = self.device.direct_counter_read(ref)
        self.device.direct_counter_write(ref, entry.data.packet_count, entry.data.byte_count)
        return lambda: self.device.direct_counter_write(ref, *old)

    def _write_direct_meter_entry(self, op: int, entry: p4r.DirectMeterEntry) -> Undo:
        _only_modify(op, "direct meter")
        table = self.tables.table(entry.table_entry.table_id)
        ref = self._direct_target(entry.table_entry, table.direct_meter_id, "meter")
        configs = self.tables.meter_configs
        old = configs.get(ref)

        def apply(config: p4r.MeterConfig | None) -> None:
            self.device.direct_meter_set(ref, meter_rates(config) if config else None)
            if config is None:
                configs.pop(ref, None)
            else:
                configs[ref] = config

        apply(entry.config if entry.HasField("config") else None)
        return lambda: apply(old)

    def _write_packet_replication_engine_entry(
        self, op: int, entry: p4r.PacketReplicationEngineEntry
    ) -> Undo:
        kind = entry.WhichOneof("type")
        if kind == "multicast_group_entry":
            group = entry.multicast_group_entry
            if group.multicast_group_id == 0:
                raise invalid("multicast group ID 0 is reserved")
            return self._write_pre(
                op,
                self.multicast_groups,
                group.multicast_group_id,
                group,
                lambda g: self.device.multicast_group_set(
                    g.multicast_group_id, self._replicas(g.replicas)
                ),
                self.device.multicast_group_delete,
                "multicast group",
            )
        if kind == "clone_session_entry":
            session = entry.clone_session_entry
            return self._write_pre(
                op,
                self.clone_sessions,
                session.session_id,
                session,
                lambda s: self.device.clone_session_set(
                    s.session_id,
                    self._replicas(s.replicas),
                    s.class_of_service,
                    s.packet_length_bytes,
                ),
                self.device.clone_session_delete,
                "clone session",
            )
        raise invalid("packet replication engine entry carries neither a group nor a session")

    def _replicas(self, replicas: Iterable[p4r.Replica]) -> list[Replica]:
        out: list[Replica] = []
        for r in replicas:
            port = decode_uint(r.port, 32, "replica port") if r.port else r.egress_port
            out.append(Replica(port, r.instance))
        if len(set(out)) != len(out):
            raise invalid("replicas must be unique (port, instance) pairs")
        return out

    def _write_pre(
        self,
        op: int,
        store: dict[int, PreEntry],
        obj_id: int,
        obj: PreEntry,
        install: Callable[[PreEntry], None],
        remove: Callable[[int], None],
        what: str,
    ) -> Undo:
        old = store.get(obj_id)
        if op == INSERT and old is not None:
            raise already_exists(f"{what} {obj_id} already exists")
        if op != INSERT and old is None:
            raise not_found(f"{what} {obj_id} does not exist")
        if op == DELETE:
            remove(obj_id)
            del store[obj_id]
        else:
            stored = type(obj)()
            stored.CopyFrom(obj)
            for r in stored.replicas:
                if r.port:
                    r.port = canonicalize(r.port)
            install(stored)
            store[obj_id] = stored

        def undo() -> None:
            if old is None:
                remove(obj_id)
                del store[obj_id]
            else:
                install(old)
                store[obj_id] = old

        return undo

    def _write_digest_entry(self, op: int, entry: p4r.DigestEntry) -> Undo:
        info = _lookup(self.schema.digests, entry.digest_id, "digest")
        old = self.digest_configs.get(info.id)
        if op == INSERT and old is not None:
            raise already_exists(f"digest {info.name!r} is configured")
        if op != INSERT and old is None:
            raise not_found(f"digest {info.name!r} is not configured")
        if op == DELETE:
            del self.digest_configs[info.id]
        else:
            config = entry.config
            if config.max_timeout_ns < 0 or config.max_list_size < 0 or config.ack_timeout_ns < 0:
                raise invalid("digest config values must not be negative")
            self.digest_configs[info.id] = p4r.DigestEntry.Config()
            self.digest_configs[info.id].CopyFrom(config)

        def undo() -> None:
            if old is None:
                self.digest_configs.pop(info.id, None)
            else:
                self.digest_configs[info.id] = old

        return undo

    # ------------------------------------------------------------------ reads

    def read(self, entity: p4r.Entity) -> Iterable[p4r.Entity]:
        kind = entity.WhichOneof("entity")
        if kind is None:
            raise invalid("the read request carries an empty entity")
        if kind in UNSUPPORTED_ENTITIES:
            raise unimplemented(f"{kind} is not supported by this target")
        reader: Callable[[object], Iterable[object]] = getattr(self, f"_read_{kind}")
        for item in reader(getattr(entity, kind)):
            out = p4r.Entity()
            getattr(out, kind).CopyFrom(item)
            yield out

    def _read_table_entry(self, request: p4r.TableEntry) -> list[p4r.TableEntry]:
        return self.tables.read(request)

    def _read_action_profile_member(
        self, request: p4r.ActionProfileMember
    ) -> list[p4r.ActionProfileMember]:
        return self.profiles.read_members(request)

    def _read_action_profile_group(
        self, request: p4r.ActionProfileGroup
    ) -> list[p4r.ActionProfileGroup]:
        return self.profiles.read_groups(request)

    def _indexed(
        self, infos: dict[int, IndexedInfo], obj_id: int, index: p4r.Index | None, what: str
    ) -> Iterable[tuple[IndexedInfo, int]]:
        chosen = [_lookup(infos, obj_id, what)] if obj_id else list(infos.values())
        for info in chosen:
            for i in _indices(info, index if obj_id else None):
                yield info, i

    def _read_counter_entry(self, request: p4r.CounterEntry) -> Iterable[p4r.CounterEntry]:
        index = request.index if request.HasField("index") else None
        for info, i in self._indexed(self.schema.counters, request.counter_id, index, "counter"):
            packets, nbytes = self.device.counter_read(info.name, i)
            yield p4r.CounterEntry(
                counter_id=info.id,
                index=p4r.Index(index=i),
                data=p4r.CounterData(packet_count=packets, byte_count=nbytes),
            )

    def _read_register_entry(self, request: p4r.RegisterEntry) -> Iterable[p4r.RegisterEntry]:
        index = request.index if request.HasField("index") else None
        for info, i in self._indexed(self.schema.registers, request.register_id, index, "register"):
            value = self.device.register_read(info.name, i)
            yield p4r.RegisterEntry(
                register_id=info.id,
                index=p4r.Index(index=i),
                data=p4d.P4Data(bitstring=encode_uint(value)),
            )

    def _read_meter_entry(self, request: p4r.MeterEntry) -> Iterable[p4r.MeterEntry]:
        index = request.index if request.HasField("index") else None
        for info, i in self._indexed(self.schema.meters, request.meter_id, index, "meter"):
            entry = p4r.MeterEntry(meter_id=info.id, index=p4r.Index(index=i))
            config = self.meter_configs.get((info.id, i))
            if config is not None:
                entry.config.CopyFrom(config)
            yield entry

    def _direct_entries(
        self, request: p4r.TableEntry, infos: dict[int, DirectInfo], kind: str
    ) -> Iterable[tuple[EntryRef, p4r.TableEntry]]:
        """The entries of tables with a direct ``kind``, filtered like a table entry read."""
        with_resource = {d.table_id for d in infos.values()}
        if request.table_id and request.table_id not in with_resource:
            raise invalid(
                f"table {self.tables.table(request.table_id).name!r} has no direct {kind}"
            )
        for table, stored in self.tables.select(request):
            if table.id in with_resource:
                yield stored.ref, self.tables.entry_for_read(table, stored, None)

    def _read_direct_counter_entry(
        self, request: p4r.DirectCounterEntry
    ) -> Iterable[p4r.DirectCounterEntry]:
        for ref, entry in self._direct_entries(
            request.table_entry, self.schema.direct_counters, "counter"
        ):
            packets, nbytes = self.device.direct_counter_read(ref)
            yield p4r.DirectCounterEntry(
                table_entry=entry, data=p4r.CounterData(packet_count=packets, byte_count=nbytes)
            )

    def _read_direct_meter_entry(
        self, request: p4r.DirectMeterEntry
    ) -> Iterable[p4r.DirectMeterEntry]:
        for ref, entry in self._direct_entries(
            request.table_entry, self.schema.direct_meters, "meter"
        ):
            out = p4r.DirectMeterEntry(table_entry=entry)
            config = self.tables.meter_configs.get(ref)
            if config is not None:
                out.config.CopyFrom(config)
            yield out

    def _read_packet_replication_engine_entry(
        self, request: p4r.PacketReplicationEngineEntry
    ) -> Iterable[p4r.PacketReplicationEngineEntry]:
        kind = request.WhichOneof("type")
        if kind in (None, "multicast_group_entry"):
            wanted = request.multicast_group_entry.multicast_group_id
            for gid, group in sorted(self.multicast_groups.items()):
                if not wanted or gid == wanted:
                    yield p4r.PacketReplicationEngineEntry(multicast_group_entry=group)
        if kind in (None, "clone_session_entry"):
            wanted = request.clone_session_entry.session_id
            for sid, session in sorted(self.clone_sessions.items()):
                if not wanted or sid == wanted:
                    yield p4r.PacketReplicationEngineEntry(clone_session_entry=session)

    def _read_digest_entry(self, request: p4r.DigestEntry) -> Iterable[p4r.DigestEntry]:
        if request.digest_id:
            _lookup(self.schema.digests, request.digest_id, "digest")
        for did, config in sorted(self.digest_configs.items()):
            if not request.digest_id or did == request.digest_id:
                yield p4r.DigestEntry(digest_id=did, config=config)

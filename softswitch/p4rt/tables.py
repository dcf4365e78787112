"""Match-action table entries: validation (P4Runtime spec 9.1), translation, and the entry store.

The store keeps each entry exactly as Read must return it (canonical byte strings, wildcard
fields omitted) next to the dataplane key it was installed under, so Read never has to
reverse-translate and a Write is checked for ALREADY_EXISTS / NOT_FOUND without asking
the dataplane.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from finsy.proto import p4i, p4r

from softswitch.p4rt.canonical import canonicalize, decode_uint, encode_uint
from softswitch.p4rt.device import (
    ActionCall,
    Dataplane,
    EntryAction,
    EntryRef,
    FieldMatch,
    MeterRates,
)
from softswitch.p4rt.errors import (
    already_exists,
    invalid,
    not_found,
    permission_denied,
    resource_exhausted,
    unimplemented,
)
from softswitch.p4rt.schema import MatchType, Schema, TableInfo
from softswitch.runtime import bits
from softswitch.runtime.actions import GroupRef, MemberRef
from softswitch.runtime.tables import ExactMatch, LpmMatch, RangeMatch, TernaryMatch

if TYPE_CHECKING:
    from softswitch.p4rt.profiles import ProfileStore

Undo = Callable[[], None]
Clock = Callable[[], int]
Scope = p4i.ActionRef.Scope


@dataclass(slots=True)
class StoredEntry:
    entry: p4r.TableEntry  # canonical, as Read returns it (no counter data / elapsed time)
    ref: EntryRef
    action: EntryAction
    idle_notified_hit_ns: int = -1  # last-hit time already reported as idle


class Translator:
    """P4Runtime actions and rates <-> dataplane values, for one pipeline's schema."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.action_ids = {a.name: a.id for a in schema.actions.values()}

    def action_call(self, action: p4r.Action) -> ActionCall:
        info = self.schema.actions.get(action.action_id)
        if info is None:
            raise not_found(f"unknown action ID {action.action_id:#x}")
        seen: dict[int, int] = {}
        for param in action.params:
            pinfo = info.params.get(param.param_id)
            if pinfo is None:
                raise invalid(f"action {info.name!r} has no parameter ID {param.param_id}")
            if param.param_id in seen:
                raise invalid(f"action {info.name!r}: parameter {pinfo.name!r} given twice")
            seen[param.param_id] = decode_uint(
                param.value, pinfo.bitwidth, f"{info.name} param {pinfo.name}"
            )
        if len(seen) != len(info.params):
            missing = [p.name for pid, p in info.params.items() if pid not in seen]
            raise invalid(f"action {info.name!r}: missing parameters {missing}")
        return ActionCall(info.name, tuple((p.name, seen[pid]) for pid, p in info.params.items()))

    def action_proto(self, call: ActionCall) -> p4r.Action:
        info = self.schema.actions[self.action_ids[call.name]]
        ids = {p.name: p.id for p in info.params.values()}
        return p4r.Action(
            action_id=info.id,
            params=[
                p4r.Action.Param(param_id=ids[name], value=encode_uint(value))
                for name, value in call.args
            ],
        )

    def table_action(
        self, table: TableInfo, action: p4r.TableAction, *, default: bool
    ) -> EntryAction:
        kind = action.WhichOneof("type")
        if table.implementation_id:
            if kind == "action_profile_member_id":
                return MemberRef(action.action_profile_member_id)
            if kind == "action_profile_group_id":
                return GroupRef(action.action_profile_group_id)
            if kind == "action_profile_action_set":
                raise unimplemented("one-shot action selector programming is not supported")
            raise invalid(f"table {table.name!r} is indirect: give a member or group ID")
        if kind != "action":
            raise invalid(f"table {table.name!r} is direct: give an action")
        scope = table.action_scopes.get(action.action.action_id)
        if scope is None:
            if action.action.action_id not in self.schema.actions:
                raise not_found(f"unknown action ID {action.action.action_id:#x}")
            raise invalid(f"action {action.action.action_id:#x} is not an action of {table.name!r}")
        if default and scope == Scope.TABLE_ONLY:
            raise invalid(f"action is @tableonly in {table.name!r}: not a default action")
        if not default and scope == Scope.DEFAULT_ONLY:
            raise invalid(f"action is @defaultonly in {table.name!r}: not for entries")
        return self.action_call(action.action)


def meter_rates(config: p4r.MeterConfig) -> MeterRates:
    if config.pir < config.cir:
        raise invalid(f"meter config: pir {config.pir} is below cir {config.cir}")
    if min(config.cir, config.cburst, config.pir, config.pburst) < 0:
        raise invalid("meter config: rates and bursts must not be negative")
    return MeterRates(config.cir, config.cburst, config.pir, config.pburst)


def _canonical_match(fm: p4r.FieldMatch, kind: str) -> None:
    """Rewrite the byte strings of ``fm`` in place to their canonical form."""
    sub = getattr(fm, kind)
    for attr in ("value", "mask", "low", "high"):
        if hasattr(sub, attr):
            data = getattr(sub, attr)
            if len(data) > 1 and data[0] == 0:
                setattr(sub, attr, canonicalize(data))


_KIND_OF: dict[int, str] = {
    MatchType.EXACT: "exact",
    MatchType.LPM: "lpm",
    MatchType.TERNARY: "ternary",
    MatchType.RANGE: "range",
    MatchType.OPTIONAL: "optional",
}


def match_key(table: TableInfo, entry: p4r.TableEntry) -> tuple[FieldMatch, ...]:
    """Validate ``entry.match`` (canonicalizing it in place) and build the complete key."""
    given: dict[int, p4r.FieldMatch] = {}
    for fm in entry.match:
        if fm.field_id in given:
            raise invalid(f"table {table.name!r}: match field {fm.field_id} given twice")
        if fm.field_id not in table.match_fields:
            raise invalid(f"table {table.name!r} has no match field ID {fm.field_id}")
        given[fm.field_id] = fm
    key: list[FieldMatch] = []
    for fid, info in table.match_fields.items():
        fm = given.get(fid)
        what = f"{table.name} field {info.name}"
        width = info.bitwidth
        expected = _KIND_OF[info.match_type]
        if fm is None:
            if info.match_type == MatchType.EXACT:
                raise invalid(f"{what}: exact match fields cannot be omitted")
            if info.match_type == MatchType.LPM:
                key.append(LpmMatch(0, 0))
            elif info.match_type == MatchType.RANGE:
                key.append(RangeMatch(0, bits.mask(width)))
            else:
                key.append(TernaryMatch(0, 0))
            continue
        kind = fm.WhichOneof("field_match_type")
        if kind != expected:
            raise invalid(f"{what}: expected a {expected} match, got {kind}")
        if kind == "exact":
            key.append(ExactMatch(decode_uint(fm.exact.value, width, what)))
        elif kind == "optional":
            key.append(TernaryMatch(decode_uint(fm.optional.value, width, what), bits.mask(width)))
        elif kind == "lpm":
            key.append(_lpm(fm.lpm, width, what))
        elif kind == "ternary":
            key.append(_ternary(fm.ternary, width, what))
        else:
            key.append(_range(fm.range, width, what))
        _canonical_match(fm, kind)
    return tuple(key)


def _lpm(lpm: p4r.FieldMatch.LPM, width: int, what: str) -> LpmMatch:
    value = decode_uint(lpm.value, width, what)
    if not 0 < lpm.prefix_len <= width:
        if lpm.prefix_len == 0:
            raise invalid(f"{what}: a /0 LPM match is a wildcard and must be omitted")
        raise invalid(f"{what}: prefix length {lpm.prefix_len} exceeds {width} bits")
    if value & bits.mask(width - lpm.prefix_len):
        raise invalid(f"{what}: value has bits set beyond the /{lpm.prefix_len} prefix")
    return LpmMatch(value, lpm.prefix_len)


def _ternary(ternary: p4r.FieldMatch.Ternary, width: int, what: str) -> TernaryMatch:
    value = decode_uint(ternary.value, width, what)
    mask = decode_uint(ternary.mask, width, f"{what} mask")
    if mask == 0:
        raise invalid(f"{what}: an all-zero mask is a wildcard and must be omitted")
    if value & ~mask:
        raise invalid(f"{what}: value has bits set outside the mask")
    return TernaryMatch(value, mask)


def _range(rng: p4r.FieldMatch.Range, width: int, what: str) -> RangeMatch:
    low = decode_uint(rng.low, width, f"{what} low")
    high = decode_uint(rng.high, width, f"{what} high")
    if low > high:
        raise invalid(f"{what}: range low {low} is above high {high}")
    if low == 0 and high == bits.mask(width):
        raise invalid(f"{what}: a full range is a wildcard and must be omitted")
    return RangeMatch(low, high)


def check_priority(table: TableInfo, priority: int) -> None:
    if table.needs_priority and priority <= 0:
        raise invalid(
            f"table {table.name!r} has ternary/range/optional fields: priority must be > 0"
        )
    if not table.needs_priority and priority != 0:
        raise invalid(
            f"table {table.name!r} has no ternary/range/optional field: priority must be 0"
        )
    if priority >= 1 << 31:
        raise invalid(f"priority {priority} does not fit in int32")


class TableStore:
    """Controller-installed entries of every table, plus default-action changes."""

    def __init__(
        self,
        schema: Schema,
        device: Dataplane,
        translator: Translator,
        profiles: ProfileStore,
        clock: Clock,
    ) -> None:
        self.schema = schema
        self.device = device
        self.tr = translator
        self.profiles = profiles
        self.now_ns = clock
        self.entries: dict[int, dict[EntryRef, StoredEntry]] = {t: {} for t in schema.tables}
        self.meter_configs: dict[EntryRef, p4r.MeterConfig] = {}
        self.modified_defaults: dict[int, p4r.TableEntry] = {}  # table id -> the MODIFY written

    def table(self, table_id: int) -> TableInfo:
        info = self.schema.tables.get(table_id)
        if info is None:
            raise not_found(f"unknown table ID {table_id:#x}")
        return info

    def seed_initial_entries(self) -> None:
        """Record the program's own entries (``entries``/``const entries``) so Read shows them."""
        for table in self.schema.tables.values():
            for initial in self.device.initial_entries(table.name):
                entry = p4r.TableEntry(
                    table_id=table.id,
                    priority=initial.ref.priority,
                    is_const=table.is_const,
                    action=p4r.TableAction(action=self.tr.action_proto(initial.action)),
                )
                entry.match.extend(self._match_proto(table, initial.ref.key))
                stored = StoredEntry(entry, initial.ref, initial.action)
                self.entries[table.id][initial.ref] = stored

    def _match_proto(self, table: TableInfo, key: tuple[FieldMatch, ...]) -> list[p4r.FieldMatch]:
        out = []
        for info, fm in zip(table.match_fields.values(), key, strict=True):
            width = info.bitwidth
            if isinstance(fm, ExactMatch):
                exact = p4r.FieldMatch.Exact(value=encode_uint(fm.value))
                out.append(p4r.FieldMatch(field_id=info.id, exact=exact))
            elif isinstance(fm, LpmMatch) and fm.prefix_len:
                lpm = p4r.FieldMatch.LPM(value=encode_uint(fm.value), prefix_len=fm.prefix_len)
                out.append(p4r.FieldMatch(field_id=info.id, lpm=lpm))
            elif isinstance(fm, TernaryMatch) and fm.mask:
                v = encode_uint(fm.value)
                if info.match_type == MatchType.OPTIONAL:
                    out.append(
                        p4r.FieldMatch(field_id=info.id, optional=p4r.FieldMatch.Optional(value=v))
                    )
                else:
                    tern = p4r.FieldMatch.Ternary(value=v, mask=encode_uint(fm.mask))
                    out.append(p4r.FieldMatch(field_id=info.id, ternary=tern))
            elif isinstance(fm, RangeMatch) and (fm.low, fm.high) != (0, bits.mask(width)):
                rng = p4r.FieldMatch.Range(low=encode_uint(fm.low), high=encode_uint(fm.high))
                out.append(p4r.FieldMatch(field_id=info.id, range=rng))
        return out

    # ------------------------------------------------------------------ writes

    def write(self, op: int, entry: p4r.TableEntry) -> Undo:
        table = self.table(entry.table_id)
        if entry.is_default_action:
            return self._write_default(op, table, entry)
        if table.is_const:
            raise permission_denied(f"table {table.name!r} is const")
        entry = p4r.TableEntry.FromString(entry.SerializeToString())  # canonicalized below
        check_priority(table, entry.priority)
        ref = EntryRef(table.name, match_key(table, entry), entry.priority)
        if op == p4r.Update.INSERT:
            return self._insert(table, ref, entry)
        if op == p4r.Update.MODIFY:
            return self._modify(table, ref, entry)
        if op == p4r.Update.DELETE:
            return self._delete(table, ref)
        raise invalid("update type must be INSERT, MODIFY or DELETE")

    def _parse_action(self, table: TableInfo, entry: p4r.TableEntry) -> EntryAction:
        if not entry.HasField("action"):
            raise invalid(f"table {table.name!r}: the entry has no action")
        action = self.tr.table_action(table, entry.action, default=False)
        if isinstance(action, ActionCall):
            entry.action.action.CopyFrom(self.tr.action_proto(action))  # canonical param order
        else:
            self.profiles.check_exists(table.implementation_id, action)
        return action

    def _side_data(
        self, table: TableInfo, entry: p4r.TableEntry
    ) -> tuple[p4r.CounterData | None, p4r.MeterConfig | None]:
        counter = meter = None
        if entry.HasField("counter_data"):
            if not table.direct_counter_id:
                raise invalid(f"table {table.name!r} has no direct counter")
            counter = entry.counter_data
        if entry.HasField("meter_config"):
            if not table.direct_meter_id:
                raise invalid(f"table {table.name!r} has no direct meter")
            meter = entry.meter_config
            meter_rates(meter)
        if entry.idle_timeout_ns:
            if not table.notify_idle:
                raise invalid(f"table {table.name!r} does not support idle timeout")
            if entry.idle_timeout_ns < 0:
                raise invalid("idle_timeout_ns must not be negative")
        return counter, meter

    def _apply_side_data(
        self, ref: EntryRef, counter: p4r.CounterData | None, meter: p4r.MeterConfig | None
    ) -> None:
        if counter is not None:
            self.device.direct_counter_write(ref, counter.packet_count, counter.byte_count)
        if meter is not None:
            self.device.direct_meter_set(ref, meter_rates(meter))
            self.meter_configs[ref] = p4r.MeterConfig()
            self.meter_configs[ref].CopyFrom(meter)

    def _strip_side_data(self, entry: p4r.TableEntry) -> p4r.TableEntry:
        for name in ("counter_data", "meter_config", "meter_counter_data", "time_since_last_hit"):
            entry.ClearField(name)
        entry.is_const = False
        return entry

    def _bump(self, table: TableInfo, action: EntryAction, delta: int) -> None:
        if not isinstance(action, ActionCall):
            self.profiles.count_table_ref(table.implementation_id, action, delta)

    def _insert(self, table: TableInfo, ref: EntryRef, entry: p4r.TableEntry) -> Undo:
        entries = self.entries[table.id]
        if ref in entries:
            raise already_exists(f"entry already exists in {table.name!r}")
        if table.size and len(entries) >= table.size:
            raise resource_exhausted(f"table {table.name!r} is full ({table.size})")
        action = self._parse_action(table, entry)
        counter, meter = self._side_data(table, entry)
        self.device.table_insert(ref, action)
        self._apply_side_data(ref, counter, meter)
        entries[ref] = StoredEntry(self._strip_side_data(entry), ref, action)
        self._bump(table, action, 1)
        return lambda: self._remove(table, ref)

    def _remove(self, table: TableInfo, ref: EntryRef) -> None:
        stored = self.entries[table.id].pop(ref)
        self.device.table_delete(ref)
        self.meter_configs.pop(ref, None)
        self._bump(table, stored.action, -1)

    def _existing(self, table: TableInfo, ref: EntryRef) -> StoredEntry:
        stored = self.entries[table.id].get(ref)
        if stored is None:
            raise not_found(f"no such entry in {table.name!r}")
        if stored.entry.is_const:
            raise permission_denied("the program's entries are const")
        return stored

    def _modify(self, table: TableInfo, ref: EntryRef, entry: p4r.TableEntry) -> Undo:
        old = self._existing(table, ref)
        action = self._parse_action(table, entry)
        counter, meter = self._side_data(table, entry)
        self.device.table_modify(ref, action)
        self._apply_side_data(ref, counter, meter)
        self.entries[table.id][ref] = StoredEntry(self._strip_side_data(entry), ref, action)
        self._bump(table, action, 1)
        self._bump(table, old.action, -1)

        def undo() -> None:
            self.device.table_modify(ref, old.action)
            self.entries[table.id][ref] = old
            self._bump(table, old.action, 1)
            self._bump(table, action, -1)

        return undo

    def _delete(self, table: TableInfo, ref: EntryRef) -> Undo:
        old = self._existing(table, ref)
        stats = self.device.direct_counter_read(ref) if table.direct_counter_id else None
        meter = self.meter_configs.get(ref)
        self._remove(table, ref)

        def undo() -> None:
            self.device.table_insert(ref, old.action)
            self.entries[table.id][ref] = old
            self._bump(table, old.action, 1)
            if stats is not None:
                self.device.direct_counter_write(ref, *stats)
            if meter is not None:
                self._apply_side_data(ref, None, meter)

        return undo

    def _write_default(self, op: int, table: TableInfo, entry: p4r.TableEntry) -> Undo:
        if op != p4r.Update.MODIFY:
            raise invalid("the default entry can only be modified (INSERT/DELETE are invalid)")
        if entry.match or entry.priority:
            raise invalid("the default entry has no match fields and no priority")
        if table.const_default_action_id:
            raise permission_denied(f"table {table.name!r} has a const default action")
        call: ActionCall | None = None
        if entry.HasField("action"):
            action = self.tr.table_action(table, entry.action, default=True)
            if not isinstance(action, ActionCall):
                raise unimplemented("default actions of indirect tables are not supported")
            call = action
        previous = self.device.table_default(table.name)
        previous_write = self.modified_defaults.get(table.id)
        self.device.table_set_default(table.name, call)
        if call is None:
            self.modified_defaults.pop(table.id, None)
        else:
            self.modified_defaults[table.id] = p4r.TableEntry()
            self.modified_defaults[table.id].CopyFrom(entry)

        def undo() -> None:
            self.device.table_set_default(table.name, previous)
            if previous_write is None:
                self.modified_defaults.pop(table.id, None)
            else:
                self.modified_defaults[table.id] = previous_write

        return undo

    # ------------------------------------------------------------------ reads

    def read(self, request: p4r.TableEntry) -> list[p4r.TableEntry]:
        if request.is_default_action:
            if not request.table_id:
                raise invalid("reading the default entry needs a table ID")
            return [self._default_entry(self.table(request.table_id))]
        return [self.entry_for_read(t, stored, request) for t, stored in self.select(request)]

    def select(self, request: p4r.TableEntry) -> list[tuple[TableInfo, StoredEntry]]:
        """The (non-default) entries a read request's table ID, match and priority select."""
        if not request.table_id:
            if request.match:
                raise invalid("a read with match fields needs a table ID")
            return [(t, s) for t in self.schema.tables.values() for s in self._matching(t, request)]
        table = self.table(request.table_id)
        return [(table, s) for s in self._matching(table, request)]

    def _matching(self, table: TableInfo, request: p4r.TableEntry) -> list[StoredEntry]:
        entries = self.entries[table.id]
        if not request.match:
            if request.priority:
                return [s for s in entries.values() if s.ref.priority == request.priority]
            return list(entries.values())
        probe = p4r.TableEntry()
        probe.CopyFrom(request)
        ref = EntryRef(table.name, match_key(table, probe), request.priority)
        return [entries[ref]] if ref in entries else []

    def entry_for_read(
        self, table: TableInfo, stored: StoredEntry, request: p4r.TableEntry | None
    ) -> p4r.TableEntry:
        entry = p4r.TableEntry()
        entry.CopyFrom(stored.entry)
        if request is None:
            return entry
        if request.HasField("counter_data") and table.direct_counter_id:
            packets, nbytes = self.device.direct_counter_read(stored.ref)
            entry.counter_data.packet_count = packets
            entry.counter_data.byte_count = nbytes
        if request.HasField("meter_config") and stored.ref in self.meter_configs:
            entry.meter_config.CopyFrom(self.meter_configs[stored.ref])
        if request.HasField("time_since_last_hit") and table.notify_idle:
            elapsed = self.now_ns() - self.device.entry_last_hit_ns(stored.ref)
            entry.time_since_last_hit.elapsed_ns = max(0, elapsed)
        return entry

    def _default_entry(self, table: TableInfo) -> p4r.TableEntry:
        call = self.device.table_default(table.name)
        return p4r.TableEntry(
            table_id=table.id,
            is_default_action=True,
            action=p4r.TableAction(action=self.tr.action_proto(call)),
        )

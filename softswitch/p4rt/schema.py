"""An indexed view of a P4Info: every lookup the server does per update, by ID, in O(1).

Building the index also validates the P4Info the client pushed (duplicate IDs, dangling
references, unsupported widths) so a bad SetForwardingPipelineConfig fails with
INVALID_ARGUMENT before anything reaches the dataplane.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from finsy.proto import p4i

from softswitch.p4rt.errors import invalid

MatchType = p4i.MatchField.MatchType
# Match kinds whose entries need a priority (P4Runtime spec 9.1: "ternary, range or optional").
PRIORITY_MATCH_TYPES = frozenset({MatchType.TERNARY, MatchType.RANGE, MatchType.OPTIONAL})
SUPPORTED_MATCH_TYPES = frozenset(
    {MatchType.EXACT, MatchType.LPM, MatchType.TERNARY, MatchType.RANGE, MatchType.OPTIONAL}
)


@dataclass(frozen=True, slots=True)
class MatchFieldInfo:
    id: int
    name: str
    bitwidth: int
    match_type: int


@dataclass(frozen=True, slots=True)
class ParamInfo:
    id: int
    name: str
    bitwidth: int


@dataclass(slots=True)
class ActionInfo:
    id: int
    name: str
    params: dict[int, ParamInfo]  # in declaration order


@dataclass(slots=True)
class TableInfo:
    id: int
    name: str
    match_fields: dict[int, MatchFieldInfo]  # in key order
    action_scopes: dict[int, int]  # action id -> ActionRef.Scope
    const_default_action_id: int
    implementation_id: int
    direct_counter_id: int
    direct_meter_id: int
    size: int
    notify_idle: bool
    is_const: bool
    needs_priority: bool


@dataclass(slots=True)
class ProfileInfo:
    id: int
    name: str
    table_ids: list[int]
    with_selector: bool
    size: int
    max_group_size: int


@dataclass(slots=True)
class IndexedInfo:
    """An indexed counter, meter or register array."""

    id: int
    name: str
    size: int
    unit: int = 0  # CounterSpec.Unit / MeterSpec.Unit
    bitwidth: int = 0  # registers only


@dataclass(slots=True)
class DirectInfo:
    """A direct counter or direct meter, attached to one table."""

    id: int
    name: str
    table_id: int
    unit: int


@dataclass(slots=True)
class DigestInfo:
    id: int
    name: str
    member_bitwidths: list[int]  # the fields of the digested struct, in order
    container: str  # "struct", "header" or "bitstring": the P4Data shape of each digest


@dataclass(slots=True)
class PacketHeaderInfo:
    """``@controller_header`` metadata (packet_in / packet_out) in wire order."""

    name: str
    fields: list[ParamInfo] = field(default_factory=list)

    @property
    def bitwidth(self) -> int:
        return sum(f.bitwidth for f in self.fields)


class Schema:
    """The P4Info of the committed (or verified) pipeline, indexed by ID and by name."""

    def __init__(self, info: p4i.P4Info) -> None:
        self.info = info
        self._ids: set[int] = set()
        self.actions: dict[int, ActionInfo] = {}
        self.tables: dict[int, TableInfo] = {}
        self.profiles: dict[int, ProfileInfo] = {}
        self.counters: dict[int, IndexedInfo] = {}
        self.meters: dict[int, IndexedInfo] = {}
        self.registers: dict[int, IndexedInfo] = {}
        self.direct_counters: dict[int, DirectInfo] = {}
        self.direct_meters: dict[int, DirectInfo] = {}
        self.digests: dict[int, DigestInfo] = {}
        self.packet_in: PacketHeaderInfo | None = None
        self.packet_out: PacketHeaderInfo | None = None
        self._index_actions()
        self._index_externs()
        self._index_tables()
        self._index_digests_and_packet_io()

    def _claim(self, preamble: p4i.Preamble, kind: str) -> None:
        if preamble.id == 0:
            raise invalid(f"P4Info {kind} {preamble.name!r} has ID 0 (reserved)")
        if preamble.id in self._ids:
            raise invalid(f"P4Info ID {preamble.id:#x} ({kind} {preamble.name!r}) is used twice")
        self._ids.add(preamble.id)

    def _index_actions(self) -> None:
        for action in self.info.actions:
            self._claim(action.preamble, "action")
            params: dict[int, ParamInfo] = {}
            for p in action.params:
                if p.id in params or p.bitwidth <= 0:
                    raise invalid(f"action {action.preamble.name!r}: bad param {p.name!r}")
                params[p.id] = ParamInfo(p.id, p.name, p.bitwidth)
            self.actions[action.preamble.id] = ActionInfo(
                action.preamble.id, action.preamble.name, params
            )

    def _index_externs(self) -> None:
        for prof in self.info.action_profiles:
            self._claim(prof.preamble, "action profile")
            self.profiles[prof.preamble.id] = ProfileInfo(
                prof.preamble.id,
                prof.preamble.name,
                list(prof.table_ids),
                prof.with_selector,
                prof.size,
                prof.max_group_size,
            )
        self._index_arrays("counter", self.info.counters, self.counters)
        self._index_arrays("meter", self.info.meters, self.meters)
        for reg in self.info.registers:
            self._claim(reg.preamble, "register")
            width = reg.type_spec.bitstring.bit.bitwidth or reg.type_spec.bitstring.int.bitwidth
            if width <= 0:
                raise invalid(f"register {reg.preamble.name!r}: only bit<W> cells are supported")
            self.registers[reg.preamble.id] = IndexedInfo(
                reg.preamble.id, reg.preamble.name, reg.size, bitwidth=width
            )
        self._index_direct("direct counter", self.info.direct_counters, self.direct_counters)
        self._index_direct("direct meter", self.info.direct_meters, self.direct_meters)

    def _index_arrays(
        self, kind: str, externs: Iterable[p4i.Counter | p4i.Meter], into: dict[int, IndexedInfo]
    ) -> None:
        for e in externs:
            self._claim(e.preamble, kind)
            into[e.preamble.id] = IndexedInfo(e.preamble.id, e.preamble.name, e.size, e.spec.unit)

    def _index_direct(
        self,
        kind: str,
        externs: Iterable[p4i.DirectCounter | p4i.DirectMeter],
        into: dict[int, DirectInfo],
    ) -> None:
        for e in externs:
            self._claim(e.preamble, kind)
            into[e.preamble.id] = DirectInfo(
                e.preamble.id, e.preamble.name, e.direct_table_id, e.spec.unit
            )

    def _index_tables(self) -> None:
        for t in self.info.tables:
            self._claim(t.preamble, "table")
            name = t.preamble.name
            fields: dict[int, MatchFieldInfo] = {}
            for mf in t.match_fields:
                if mf.id in fields or mf.bitwidth <= 0:
                    raise invalid(f"table {name!r}: bad match field {mf.name!r}")
                if mf.match_type not in SUPPORTED_MATCH_TYPES:
                    raise invalid(f"table {name!r}: match field {mf.name!r} has no supported kind")
                fields[mf.id] = MatchFieldInfo(mf.id, mf.name, mf.bitwidth, mf.match_type)
            scopes = {}
            for ref in t.action_refs:
                if ref.id not in self.actions:
                    raise invalid(f"table {name!r} references unknown action {ref.id:#x}")
                scopes[ref.id] = ref.scope
            if t.implementation_id and t.implementation_id not in self.profiles:
                raise invalid(f"table {name!r}: unknown implementation {t.implementation_id:#x}")
            direct_counter = next(
                (i for i in t.direct_resource_ids if i in self.direct_counters), 0
            )
            direct_meter = next((i for i in t.direct_resource_ids if i in self.direct_meters), 0)
            self.tables[t.preamble.id] = TableInfo(
                id=t.preamble.id,
                name=name,
                match_fields=fields,
                action_scopes=scopes,
                const_default_action_id=t.const_default_action_id,
                implementation_id=t.implementation_id,
                direct_counter_id=direct_counter,
                direct_meter_id=direct_meter,
                size=t.size,
                notify_idle=t.idle_timeout_behavior == p4i.Table.NOTIFY_CONTROL,
                is_const=t.is_const_table,
                needs_priority=any(f.match_type in PRIORITY_MATCH_TYPES for f in fields.values()),
            )

    def _index_digests_and_packet_io(self) -> None:
        structs = self.info.type_info.structs
        headers = self.info.type_info.headers
        for digest in self.info.digests:
            self._claim(digest.preamble, "digest")
            spec = digest.type_spec
            if spec.HasField("struct") and spec.struct.name in structs:
                members = [m.type_spec.bitstring for m in structs[spec.struct.name].members]
                container = "struct"
            elif spec.HasField("header") and spec.header.name in headers:
                members = [m.type_spec for m in headers[spec.header.name].members]
                container = "header"
            elif spec.HasField("bitstring"):
                members, container = [spec.bitstring], "bitstring"
            else:
                raise invalid(f"digest {digest.preamble.name!r}: type not found in type_info")
            widths = [m.bit.bitwidth or m.int.bitwidth for m in members]
            if not all(w > 0 for w in widths):
                raise invalid(f"digest {digest.preamble.name!r}: only bit<W> members are supported")
            self.digests[digest.preamble.id] = DigestInfo(
                digest.preamble.id, digest.preamble.name, widths, container
            )
        for cpm in self.info.controller_packet_metadata:
            self._claim(cpm.preamble, "controller packet metadata")
            header = PacketHeaderInfo(
                cpm.preamble.name, [ParamInfo(m.id, m.name, m.bitwidth) for m in cpm.metadata]
            )
            if header.bitwidth % 8:
                raise invalid(f"controller header {header.name!r} is not a whole number of bytes")
            if cpm.preamble.name == "packet_in":
                self.packet_in = header
            elif cpm.preamble.name == "packet_out":
                self.packet_out = header

    def names(self) -> set[str]:
        """Every named object, for checking a P4Info against the compiled program."""
        groups: list[dict[int, ActionInfo] | dict[int, TableInfo] | dict[int, ProfileInfo]] = [
            self.actions,
            self.tables,
            self.profiles,
        ]
        named: set[str] = {obj.name for group in groups for obj in group.values()}
        for extern in (self.counters, self.meters, self.registers):
            named.update(obj.name for obj in extern.values())
        return named

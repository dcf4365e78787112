"""Desired-state reconciliation of P4Runtime entities.

The controller never "just writes": it computes the entities each switch should hold, compares
them with what the switch holds (read back when the switch (re)connects, otherwise what the
last read-back and the writes since left there, `controller.p4rt.Fleet`), and writes only the
difference. That one mechanism serves the first install, every TE update, and recovery after
a switch or controller restart: nothing is installed twice and nothing is lost.

Updates come out in make-before-break order, so no packet meets a dangling reference during an
update: members before the groups that use them, groups and replication entries before the
table entries that point at them; deletions run the other way round.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from finsy.proto import p4r

# Install order by entity kind; deletions use the reverse.
_KIND_ORDER = (
    "action_profile_member",
    "action_profile_group",
    "packet_replication_engine_entry",
    "table_entry",
    "register_entry",
    "meter_entry",
    "direct_meter_entry",
    "counter_entry",
    "direct_counter_entry",
)
# Kinds whose entries always exist on the device (indexed arrays, default actions): they are
# only ever MODIFYed, never inserted or deleted.
_MODIFY_ONLY = {
    "register_entry",
    "meter_entry",
    "direct_meter_entry",
    "counter_entry",
    "direct_counter_entry",
}


def _canonical(msg: object) -> bytes:
    return msg.SerializeToString(deterministic=True)  # type: ignore[attr-defined]


def entity_key(entity: p4r.Entity) -> tuple[object, ...]:
    """The identity of an entity per the P4Runtime spec (what INSERT/DELETE refer to)."""
    kind = entity.WhichOneof("entity")
    if kind == "table_entry":
        te = entity.table_entry
        if te.is_default_action:
            return (kind, te.table_id, "default")
        matches = tuple(sorted(_canonical(m) for m in te.match))
        return (kind, te.table_id, matches, te.priority)
    if kind == "action_profile_member":
        m = entity.action_profile_member
        return (kind, m.action_profile_id, m.member_id)
    if kind == "action_profile_group":
        g = entity.action_profile_group
        return (kind, g.action_profile_id, g.group_id)
    if kind == "packet_replication_engine_entry":
        pre = entity.packet_replication_engine_entry
        which = pre.WhichOneof("type")
        if which == "multicast_group_entry":
            return (kind, which, pre.multicast_group_entry.multicast_group_id)
        return (kind, which, pre.clone_session_entry.session_id)
    if kind in ("register_entry", "meter_entry", "counter_entry"):
        sub = getattr(entity, kind)
        id_field = {
            "register_entry": "register_id",
            "meter_entry": "meter_id",
            "counter_entry": "counter_id",
        }[kind]
        return (kind, getattr(sub, id_field), sub.index.index)
    if kind in ("direct_meter_entry", "direct_counter_entry"):
        te = getattr(entity, kind).table_entry
        return (kind, te.table_id, tuple(sorted(_canonical(m) for m in te.match)), te.priority)
    raise ValueError(f"cannot reconcile entities of kind {kind!r}")


def entity_value(entity: p4r.Entity) -> bytes:
    """The configurable content of an entity, without read-only state (counters, hit times)."""
    copy = p4r.Entity()
    copy.CopyFrom(entity)
    if copy.WhichOneof("entity") == "table_entry":
        te = copy.table_entry
        for name in ("counter_data", "meter_counter_data", "time_since_last_hit"):
            te.ClearField(name)
        te.is_const = False
        if not te.HasField("meter_config"):
            te.ClearField("meter_config")
    elif copy.WhichOneof("entity") == "action_profile_group":
        group = copy.action_profile_group
        members = sorted(group.members, key=lambda m: m.member_id)
        del group.members[:]
        group.members.extend(members)
    return _canonical(copy)


@dataclass
class Plan:
    """The updates that turn the actual state into the desired one, in a safe order."""

    updates: list[p4r.Update] = field(default_factory=list)
    inserted: int = 0
    modified: int = 0
    deleted: int = 0

    def __bool__(self) -> bool:
        return bool(self.updates)

    def summary(self) -> str:
        return f"{self.inserted} inserted, {self.modified} modified, {self.deleted} deleted"


def _kind_rank(entity: p4r.Entity) -> int:
    kind = entity.WhichOneof("entity")
    return _KIND_ORDER.index(kind) if kind in _KIND_ORDER else len(_KIND_ORDER)


def plan(desired: Iterable[p4r.Entity], actual: Iterable[p4r.Entity]) -> Plan:
    """Diff ``desired`` against ``actual`` (a read-back of the switch).

    Entities the switch holds but the controller does not own are deleted, except const table
    entries (part of the program) and modify-only kinds (they cannot be deleted).
    """
    want: dict[tuple[object, ...], p4r.Entity] = {}
    for entity in desired:
        key = entity_key(entity)
        if key in want:
            raise ValueError(f"desired state holds the same entity twice: {key!r}")
        want[key] = entity
    have = {entity_key(e): e for e in actual}

    result = Plan()
    writes: list[tuple[int, p4r.Update]] = []
    for key, entity in want.items():
        kind = entity.WhichOneof("entity")
        current = have.get(key)
        if current is None and kind not in _MODIFY_ONLY and key[-1] != "default":
            writes.append((_kind_rank(entity), _update(p4r.Update.INSERT, entity)))
            result.inserted += 1
        elif current is None or entity_value(current) != entity_value(entity):
            writes.append((_kind_rank(entity), _update(p4r.Update.MODIFY, entity)))
            result.modified += 1
    deletes: list[tuple[int, p4r.Update]] = []
    for key, entity in have.items():
        kind = entity.WhichOneof("entity")
        if key in want or kind in _MODIFY_ONLY or key[-1] == "default":
            continue
        if kind == "table_entry" and entity.table_entry.is_const:
            continue
        deletes.append((-_kind_rank(entity), _update(p4r.Update.DELETE, _identity(entity))))
        result.deleted += 1
    # sorted() is stable: within a kind the caller's order is kept.
    result.updates = [u for _, u in sorted(writes, key=lambda x: x[0])]
    result.updates += [u for _, u in sorted(deletes, key=lambda x: x[0])]
    return result


def _identity(entity: p4r.Entity) -> p4r.Entity:
    """What a DELETE needs: the key fields only (read-back state would be rejected)."""
    copy = p4r.Entity()
    copy.CopyFrom(entity)
    if copy.WhichOneof("entity") == "table_entry":
        te = copy.table_entry
        for name in (
            "counter_data",
            "meter_counter_data",
            "time_since_last_hit",
            "meter_config",
            "action",
            "idle_timeout_ns",
            "metadata",
        ):
            te.ClearField(name)
    return copy


def _update(kind: p4r.Update.Type.ValueType, entity: p4r.Entity) -> p4r.Update:
    update = p4r.Update(type=kind)
    update.entity.CopyFrom(entity)
    return update

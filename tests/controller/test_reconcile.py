"""Reconciliation: minimal diffs, safe ordering, no duplicates, read-only state ignored."""

from __future__ import annotations

import pytest
from finsy.proto import p4r

from controller.reconcile import entity_key, plan


def table_entry(table: int, dst: bytes, port: bytes, *, priority: int = 0) -> p4r.Entity:
    entity = p4r.Entity()
    te = entity.table_entry
    te.table_id = table
    te.priority = priority
    te.match.add(field_id=1).exact.value = dst
    action = te.action.action
    action.action_id = 77
    action.params.add(param_id=1, value=port)
    return entity


def member(profile: int, member_id: int, port: bytes) -> p4r.Entity:
    entity = p4r.Entity()
    m = entity.action_profile_member
    m.action_profile_id, m.member_id = profile, member_id
    m.action.action_id = 77
    m.action.params.add(param_id=1, value=port)
    return entity


def group(profile: int, group_id: int, members: dict[int, int]) -> p4r.Entity:
    entity = p4r.Entity()
    g = entity.action_profile_group
    g.action_profile_id, g.group_id = profile, group_id
    for member_id, weight in members.items():
        g.members.add(member_id=member_id, weight=weight)
    return entity


def kinds(result_updates: list[p4r.Update]) -> list[tuple[str, str | None]]:
    return [(p4r.Update.Type.Name(u.type), u.entity.WhichOneof("entity")) for u in result_updates]


def test_identical_state_needs_no_update() -> None:
    desired = [table_entry(1, b"\x0a", b"\x01"), member(5, 1, b"\x02")]
    assert not plan(desired, [table_entry(1, b"\x0a", b"\x01"), member(5, 1, b"\x02")])


def test_missing_changed_and_extra_entries() -> None:
    desired = [table_entry(1, b"\x0a", b"\x01"), table_entry(1, b"\x0b", b"\x02")]
    actual = [table_entry(1, b"\x0b", b"\x03"), table_entry(1, b"\x0c", b"\x01")]
    result = plan(desired, actual)
    assert (result.inserted, result.modified, result.deleted) == (1, 1, 1)
    assert kinds(result.updates) == [
        ("INSERT", "table_entry"),
        ("MODIFY", "table_entry"),
        ("DELETE", "table_entry"),
    ]
    deleted = result.updates[2].entity.table_entry
    assert deleted.match[0].exact.value == b"\x0c"
    assert not deleted.HasField("action"), "a DELETE carries the key only"


def test_reweighting_is_make_before_break() -> None:
    """New member first, then the group switch, then the old member goes."""
    actual = [member(5, 1, b"\x01"), member(5, 2, b"\x02"), group(5, 9, {1: 1, 2: 1})]
    desired = [member(5, 1, b"\x01"), member(5, 3, b"\x03"), group(5, 9, {1: 3, 3: 1})]
    result = plan(desired, actual)
    assert kinds(result.updates) == [
        ("INSERT", "action_profile_member"),
        ("MODIFY", "action_profile_group"),
        ("DELETE", "action_profile_member"),
    ]
    assert result.updates[0].entity.action_profile_member.member_id == 3
    assert result.updates[2].entity.action_profile_member.member_id == 2


def test_read_only_state_and_member_order_do_not_count_as_change() -> None:
    read_back = table_entry(1, b"\x0a", b"\x01")
    read_back.table_entry.counter_data.packet_count = 1234
    read_back.table_entry.time_since_last_hit.elapsed_ns = 5
    assert not plan([table_entry(1, b"\x0a", b"\x01")], [read_back])
    assert not plan([group(5, 9, {1: 1, 2: 2})], [group(5, 9, {2: 2, 1: 1})])


def test_const_entries_are_never_deleted() -> None:
    const = table_entry(1, b"\x0a", b"\x01")
    const.table_entry.is_const = True
    assert not plan([], [const])


def test_priority_is_part_of_the_key() -> None:
    a = table_entry(1, b"\x0a", b"\x01", priority=10)
    b = table_entry(1, b"\x0a", b"\x01", priority=20)
    assert entity_key(a) != entity_key(b)
    result = plan([a], [b])
    assert (result.inserted, result.deleted) == (1, 1)


def test_duplicate_desired_entity_is_an_error() -> None:
    with pytest.raises(ValueError, match="same entity twice"):
        plan([table_entry(1, b"\x0a", b"\x01"), table_entry(1, b"\x0a", b"\x02")], [])

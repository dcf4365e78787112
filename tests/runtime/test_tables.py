import pytest

from softswitch.runtime.actions import ActionCall, ActionSpec, MemberRef
from softswitch.runtime.clock import VirtualClock
from softswitch.runtime.errors import (
    AlreadyExistsError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    ResourceExhaustedError,
)
from softswitch.runtime.externs import MeterColor, MeterRate, MeterType
from softswitch.runtime.tables import (
    ExactMatch,
    KeyField,
    LpmMatch,
    MatchKind,
    OptionalMatch,
    RangeMatch,
    Table,
    TernaryMatch,
)

ACTIONS = [ActionSpec("fwd", (("port", 9),)), ActionSpec("drop"), ActionSpec("NoAction")]
DROP = ActionCall("drop")
NOACTION = ActionCall("NoAction")


def fwd(port: int) -> ActionCall:
    return ActionCall("fwd", {"port": port})


def lpm_table(**kwargs: object) -> Table:
    key = [KeyField("vrf", 8, MatchKind.EXACT), KeyField("dst", 32, MatchKind.LPM)]
    return Table("ipv4_lpm", key, ACTIONS, NOACTION, **kwargs)  # type: ignore[arg-type]


def test_exact_hit_miss_and_direct_counter() -> None:
    t = Table("mac", [KeyField("dst", 48, MatchKind.EXACT)], ACTIONS, DROP)
    t.add_entry({"dst": ExactMatch(0xAABBCCDDEEFF)}, fwd(3))
    hit, action, entry = t.apply((0xAABBCCDDEEFF,), 100)
    assert (hit, action) == (True, fwd(3))
    assert entry is not None and (entry.packets, entry.bytes) == (1, 100)
    t.apply((0xAABBCCDDEEFF,), 60)
    assert (entry.packets, entry.bytes) == (2, 160)
    assert t.apply((1,), 60) == (False, DROP, None)


def test_lpm_longest_prefix_wins_per_exact_field() -> None:
    t = lpm_table()
    t.add_entry({"vrf": ExactMatch(1), "dst": LpmMatch(0x0A000000, 8)}, fwd(1))
    t.add_entry({"vrf": ExactMatch(1), "dst": LpmMatch(0x0A010000, 16)}, fwd(2))
    t.add_entry({"vrf": ExactMatch(1), "dst": LpmMatch(0x0A010203, 32)}, fwd(3))
    t.add_entry({"vrf": ExactMatch(2), "dst": LpmMatch(0, 0)}, fwd(4))
    assert t.apply((1, 0x0A010203), 1)[1] == fwd(3)
    assert t.apply((1, 0x0A010204), 1)[1] == fwd(2)
    assert t.apply((1, 0x0A020000), 1)[1] == fwd(1)
    assert t.apply((1, 0x0B000000), 1)[0] is False
    assert t.apply((2, 0xFFFFFFFF), 1)[1] == fwd(4)
    t.delete_entry({"vrf": ExactMatch(1), "dst": LpmMatch(0x0A010203, 32)})
    assert t.apply((1, 0x0A010203), 1)[1] == fwd(2)


def test_lpm_host_bits_are_masked_and_prefix_checked() -> None:
    t = lpm_table()
    t.add_entry({"vrf": ExactMatch(0), "dst": LpmMatch(0x0A0000FF, 8)}, fwd(1))
    assert t.get_entry({"vrf": ExactMatch(0), "dst": LpmMatch(0x0A000000, 8)}).key[1] == (
        0x0A000000,
        0xFF000000,
    )
    with pytest.raises(AlreadyExistsError):
        t.add_entry({"vrf": ExactMatch(0), "dst": LpmMatch(0x0A000000, 8)}, fwd(2))
    with pytest.raises(InvalidArgumentError, match="prefix length 33"):
        t.add_entry({"vrf": ExactMatch(0), "dst": LpmMatch(0, 33)}, fwd(1))


def test_ternary_priority_larger_wins_and_ties_go_to_first_installed() -> None:
    key = [KeyField("a", 8, MatchKind.TERNARY), KeyField("b", 16, MatchKind.EXACT)]
    t = Table("acl", key, ACTIONS, NOACTION)
    t.add_entry({"a": TernaryMatch(0x10, 0xF0), "b": ExactMatch(7)}, fwd(1), priority=10)
    t.add_entry({"a": TernaryMatch(0x12, 0xFF), "b": ExactMatch(7)}, fwd(2), priority=20)
    t.add_entry({"b": ExactMatch(7)}, fwd(3), priority=20)  # a omitted: wildcard
    assert t.apply((0x12, 7), 1)[1] == fwd(2)
    assert t.apply((0x13, 7), 1)[1] == fwd(3)
    assert t.apply((0x13, 8), 1)[0] is False
    t.delete_entry({"b": ExactMatch(7)}, priority=20)
    assert t.apply((0x13, 7), 1)[1] == fwd(1)


def test_same_key_different_priority_are_distinct_entries() -> None:
    t = Table("acl", [KeyField("a", 8, MatchKind.TERNARY)], ACTIONS, NOACTION)
    t.add_entry({"a": TernaryMatch(1, 0xFF)}, fwd(1), priority=1)
    t.add_entry({"a": TernaryMatch(1, 0xFF)}, fwd(2), priority=2)
    assert t.apply((1,), 1)[1] == fwd(2)
    with pytest.raises(AlreadyExistsError):
        t.add_entry({"a": TernaryMatch(1, 0xFF)}, fwd(3), priority=2)


def test_range_and_optional_mixed_with_exact() -> None:
    key = [
        KeyField("port", 16, MatchKind.RANGE),
        KeyField("proto", 8, MatchKind.OPTIONAL),
        KeyField("vrf", 4, MatchKind.EXACT),
    ]
    t = Table("mix", key, ACTIONS, DROP)
    t.add_entry(
        {"port": RangeMatch(1000, 2000), "proto": OptionalMatch(6), "vrf": ExactMatch(1)},
        fwd(1),
        priority=5,
    )
    t.add_entry({"port": RangeMatch(0, 1500), "vrf": ExactMatch(1)}, fwd(2), priority=1)
    assert t.apply((1500, 6, 1), 1)[1] == fwd(1)
    assert t.apply((1500, 17, 1), 1)[1] == fwd(2)
    assert t.apply((1999, 17, 1), 1)[0] is False
    assert t.apply((2000, 6, 1), 1)[1] == fwd(1)
    assert t.apply((2001, 6, 1), 1)[0] is False
    with pytest.raises(InvalidArgumentError, match="low 9 > high 3"):
        t.add_entry({"port": RangeMatch(9, 3), "vrf": ExactMatch(1)}, fwd(1), priority=1)


@pytest.mark.parametrize(
    ("match", "priority", "action", "message"),
    [
        ({"dst": ExactMatch(1 << 48)}, 0, fwd(1), "does not fit in 48 bits"),
        ({}, 0, fwd(1), "exact field must be given"),
        ({"dst": ExactMatch(1), "zzz": ExactMatch(1)}, 0, fwd(1), "unknown key fields"),
        ({"dst": LpmMatch(1, 8)}, 0, fwd(1), "not valid for a exact field"),
        ({"dst": ExactMatch(1)}, 5, fwd(1), "take no priority"),
        ({"dst": ExactMatch(1)}, 0, ActionCall("fwd", {"port": 512}), "does not fit in 9 bits"),
        ({"dst": ExactMatch(1)}, 0, ActionCall("fwd", {}), "missing \\['port'\\]"),
        ({"dst": ExactMatch(1)}, 0, ActionCall("nope"), "not allowed"),
        ({"dst": ExactMatch(1)}, 0, MemberRef(1), "direct table"),
    ],
)
def test_bad_writes_are_rejected_and_change_nothing(
    match: dict[str, ExactMatch], priority: int, action: ActionCall, message: str
) -> None:
    t = Table("mac", [KeyField("dst", 48, MatchKind.EXACT)], ACTIONS, DROP)
    with pytest.raises(InvalidArgumentError, match=message):
        t.add_entry(match, action, priority)
    assert len(t) == 0


def test_ternary_needs_priority_and_table_size_is_enforced() -> None:
    t = Table("acl", [KeyField("a", 8, MatchKind.TERNARY)], ACTIONS, DROP, size=2)
    with pytest.raises(InvalidArgumentError, match="priority >= 1"):
        t.add_entry({"a": TernaryMatch(1, 1)}, fwd(1))
    t.add_entry({"a": TernaryMatch(1, 1)}, fwd(1), 1)
    t.add_entry({"a": TernaryMatch(2, 2)}, fwd(1), 1)
    with pytest.raises(ResourceExhaustedError):
        t.add_entry({"a": TernaryMatch(4, 4)}, fwd(1), 1)


def test_modify_delete_missing_and_modify_keeps_counters() -> None:
    t = Table("mac", [KeyField("dst", 48, MatchKind.EXACT)], ACTIONS, DROP)
    with pytest.raises(NotFoundError):
        t.delete_entry({"dst": ExactMatch(5)})
    with pytest.raises(NotFoundError):
        t.modify_entry({"dst": ExactMatch(5)}, fwd(1))
    t.add_entry({"dst": ExactMatch(5)}, fwd(1))
    t.apply((5,), 10)
    entry = t.modify_entry({"dst": ExactMatch(5)}, fwd(2))
    assert (entry.packets, entry.bytes, entry.action) == (1, 10, fwd(2))
    assert t.apply((5,), 10)[1] == fwd(2)


def test_default_action_const_and_scopes() -> None:
    key = [KeyField("dst", 48, MatchKind.EXACT)]
    t = Table("mac", key, ACTIONS, DROP, table_only=["fwd"], default_only=["drop"])
    with pytest.raises(InvalidArgumentError, match="@tableonly"):
        t.set_default_action(fwd(1))
    with pytest.raises(InvalidArgumentError, match="@defaultonly"):
        t.add_entry({"dst": ExactMatch(1)}, DROP)
    t.set_default_action(NOACTION)
    assert t.apply((9,), 1)[1] == NOACTION
    t.reset_default_action()
    assert t.default_action == DROP
    const = Table("c", key, ACTIONS, DROP, const_default_action=True)
    with pytest.raises(PermissionDeniedError):
        const.set_default_action(NOACTION)


def test_const_entries_are_immutable() -> None:
    key = [KeyField("dst", 48, MatchKind.EXACT)]
    t = Table("c", key, ACTIONS, DROP, immutable_entries=True)
    t.add_const_entry({"dst": ExactMatch(1)}, fwd(1))
    assert t.apply((1,), 1)[1] == fwd(1)
    with pytest.raises(PermissionDeniedError):
        t.add_entry({"dst": ExactMatch(2)}, fwd(1))
    with pytest.raises(PermissionDeniedError):
        t.delete_entry({"dst": ExactMatch(1)})
    mixed = Table("m", key, ACTIONS, DROP)
    mixed.add_const_entry({"dst": ExactMatch(1)}, fwd(1))
    mixed.add_entry({"dst": ExactMatch(2)}, fwd(2))
    with pytest.raises(PermissionDeniedError):
        mixed.modify_entry({"dst": ExactMatch(1)}, fwd(3))
    mixed.clear()
    assert [e.action for e in mixed.entries()] == [fwd(1)]


def test_keyless_table_always_misses() -> None:
    t = Table("nokey", [], ACTIONS, fwd(4))
    assert t.apply((), 1) == (False, fwd(4), None)
    with pytest.raises(InvalidArgumentError, match="no key"):
        t.add_entry({}, fwd(1))


def test_idle_timeout_lists_expired_entries() -> None:
    clock = VirtualClock()
    t = Table(
        "mac", [KeyField("dst", 8, MatchKind.EXACT)], ACTIONS, DROP, clock=clock, idle_timeout=True
    )
    t.add_entry({"dst": ExactMatch(1)}, fwd(1), idle_timeout_ns=1_000)
    t.add_entry({"dst": ExactMatch(2)}, fwd(2), idle_timeout_ns=5_000)
    t.add_entry({"dst": ExactMatch(3)}, fwd(3))  # no timeout
    clock.advance_ns(999)
    assert t.expired_entries() == []
    clock.advance_ns(1)
    assert [e.match["dst"] for e in t.expired_entries()] == [ExactMatch(1)]
    t.apply((1,), 1)  # a hit refreshes the timer
    assert t.expired_entries() == []
    clock.advance_ns(4_000)
    assert [e.match["dst"] for e in t.expired_entries()] == [ExactMatch(1), ExactMatch(2)]


def test_direct_meter_per_entry() -> None:
    clock = VirtualClock()
    t = Table(
        "m",
        [KeyField("dst", 8, MatchKind.EXACT)],
        ACTIONS,
        DROP,
        clock=clock,
        direct_meter=MeterType.PACKETS,
    )
    entry = t.add_entry({"dst": ExactMatch(1)}, fwd(1))
    other = t.add_entry({"dst": ExactMatch(2)}, fwd(1))
    assert entry.meter is not None and other.meter is not None
    entry.meter.set_rates([MeterRate(0.000001, 1), MeterRate(0.000002, 2)])
    colors = [entry.meter.execute(64) for _ in range(3)]
    assert colors == [MeterColor.GREEN, MeterColor.YELLOW, MeterColor.RED]
    assert other.meter.execute(64) == MeterColor.GREEN  # unconfigured meter

import pytest

from softswitch.runtime.actions import ActionCall, ActionSpec, GroupRef, MemberRef
from softswitch.runtime.bits import pack_fields
from softswitch.runtime.errors import (
    AlreadyExistsError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
    ResourceExhaustedError,
)
from softswitch.runtime.hashes import HashAlgorithm, HashUnit
from softswitch.runtime.profiles import ActionProfile, GroupMember
from softswitch.runtime.tables import ExactMatch, KeyField, MatchKind, Table

ACTIONS = [ActionSpec("set_nhop", (("port", 9),)), ActionSpec("drop")]


def nhop(port: int) -> ActionCall:
    return ActionCall("set_nhop", {"port": port})


def selector_profile(**kwargs: int) -> ActionProfile:
    return ActionProfile(
        "ecmp",
        ACTIONS,
        size=16,
        selector=HashUnit(HashAlgorithm.CRC16),
        selector_widths=(32, 32),
        **kwargs,
    )


def crc16(src: int, dst: int) -> int:
    return HashUnit(HashAlgorithm.CRC16).compute(pack_fields([src, dst], [32, 32]))


def test_member_choice_is_hash_mod_count_over_ascending_member_ids() -> None:
    p = selector_profile()
    for member_id, port in ((30, 3), (10, 1), (20, 2)):
        p.add_member(member_id, nhop(port))
    p.create_group(1, [GroupMember(30), GroupMember(10), GroupMember(20)])
    for src in range(50):
        expected_port = [1, 2, 3][crc16(src, 7) % 3]
        assert p.select(1, (src, 7)) == nhop(expected_port)


def test_weights_repeat_members_in_order() -> None:
    p = selector_profile()
    p.add_member(1, nhop(1))
    p.add_member(2, nhop(2))
    p.create_group(5, [GroupMember(1, weight=3), GroupMember(2, weight=1)])
    for src in range(40):
        slot = crc16(src, 0) % 4
        assert p.select(5, (src, 0)) == nhop(1 if slot < 3 else 2)


def test_watch_port_down_removes_member_and_back_up_restores() -> None:
    p = selector_profile()
    p.add_member(1, nhop(1))
    p.add_member(2, nhop(2))
    p.create_group(1, [GroupMember(1, watch_port=1), GroupMember(2, watch_port=2)])
    p.set_port_status(1, up=False)
    assert {p.select(1, (s, 0)) for s in range(20)} == {nhop(2)}
    p.set_port_status(2, up=False)
    assert p.select(1, (0, 0)) is None
    p.set_port_status(1, up=True)
    assert {p.select(1, (s, 0)) for s in range(20)} == {nhop(1)}
    p.set_member_live(1, False)
    assert p.select(1, (0, 0)) is None


def test_profile_errors() -> None:
    p = selector_profile(max_group_size=3)
    p.add_member(1, nhop(1))
    with pytest.raises(AlreadyExistsError):
        p.add_member(1, nhop(1))
    with pytest.raises(InvalidArgumentError):
        p.add_member(2, nhop(1024))
    with pytest.raises(NotFoundError):
        p.create_group(1, [GroupMember(9)])
    with pytest.raises(ResourceExhaustedError):
        p.create_group(1, [GroupMember(1, weight=4)])
    with pytest.raises(InvalidArgumentError):
        p.create_group(1, [GroupMember(1), GroupMember(1)])
    p.create_group(1, [GroupMember(1)])
    with pytest.raises(FailedPreconditionError):
        p.delete_member(1)
    plain = ActionProfile("ap", ACTIONS, size=1)
    plain.add_member(1, nhop(1))
    with pytest.raises(ResourceExhaustedError):
        plain.add_member(2, nhop(2))
    with pytest.raises(InvalidArgumentError, match="selector"):
        plain.create_group(1)


def test_indirect_table_resolves_members_and_groups_and_tracks_references() -> None:
    p = selector_profile()
    p.add_member(1, nhop(1))
    p.add_member(2, nhop(2))
    p.create_group(7, [GroupMember(1), GroupMember(2)])
    p.create_group(8)
    t = Table(
        "ecmp_tbl", [KeyField("dst", 32, MatchKind.EXACT)], ACTIONS, ActionCall("drop"), profile=p
    )
    t.add_entry({"dst": ExactMatch(1)}, MemberRef(2))
    t.add_entry({"dst": ExactMatch(2)}, GroupRef(7))
    t.add_entry({"dst": ExactMatch(3)}, GroupRef(8))
    assert t.apply((1,), 64, (0, 0))[1] == nhop(2)
    hit, action, _ = t.apply((2,), 64, (5, 9))
    assert hit and action == nhop([1, 2][crc16(5, 9) % 2])
    assert t.apply((3,), 64, (5, 9)) == (False, ActionCall("drop"), None)  # empty group
    with pytest.raises(FailedPreconditionError):
        p.delete_member(2)
    with pytest.raises(FailedPreconditionError):
        p.delete_group(7)
    with pytest.raises(NotFoundError):
        t.add_entry({"dst": ExactMatch(4)}, GroupRef(99))
    with pytest.raises(InvalidArgumentError, match="member or group"):
        t.add_entry({"dst": ExactMatch(4)}, nhop(1))
    t.delete_entry({"dst": ExactMatch(2)})
    p.delete_group(7)
    t.modify_entry({"dst": ExactMatch(1)}, MemberRef(1))
    p.delete_member(2)
    assert p.members() == {1: nhop(1)}

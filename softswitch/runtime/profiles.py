"""Action profiles and action selectors (v1model ``action_profile``/``action_selector``).

Member choice follows BMv2 ``ActionProfile::GroupMgr::get_from_hash``: the
group's members in ascending member order, index ``hash % count``. P4Runtime
weights are honoured by repeating a member ``weight`` times in that order, so
all-weight-1 groups pick exactly what BMv2 picks. Members whose watch port is
down (or that are marked dead) are left out, which is the fast-reroute hook.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from softswitch.runtime.actions import (
    ActionCall,
    ActionSpec,
    EntryAction,
    GroupRef,
    MemberRef,
    action_specs,
    validate_call,
)
from softswitch.runtime.bits import pack_fields
from softswitch.runtime.errors import (
    AlreadyExistsError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
    ResourceExhaustedError,
)
from softswitch.runtime.hashes import HashUnit


@dataclass(frozen=True, slots=True)
class GroupMember:
    """A member inside a group: weight >= 1 and an optional watched port."""

    member_id: int
    weight: int = 1
    watch_port: int | None = None


class ActionProfile:
    """Members and (with a selector) groups of one action profile.

    ``selector`` is the hash of the action selector and ``selector_widths`` the
    bit widths of the table's ``selector`` key fields, in order.
    """

    def __init__(
        self,
        name: str,
        actions: Sequence[ActionSpec],
        size: int,
        *,
        selector: HashUnit | None = None,
        selector_widths: Sequence[int] = (),
        max_group_size: int = 0,
    ) -> None:
        self.name = name
        self.size = size
        self.selector = selector
        self.selector_widths = tuple(selector_widths)
        self.max_group_size = max_group_size
        self._specs = action_specs(actions)
        self._members: dict[int, ActionCall] = {}
        self._groups: dict[int, tuple[GroupMember, ...]] = {}
        self._choices: dict[int, tuple[ActionCall, ...]] = {}
        self._dead_members: set[int] = set()
        self._down_ports: set[int] = set()
        self._refs: dict[EntryAction, int] = {}

    @property
    def actions(self) -> Mapping[str, ActionSpec]:
        """The actions members may use, by fully qualified name."""
        return MappingProxyType(self._specs)

    # -- members ---------------------------------------------------------------

    def add_member(self, member_id: int, call: ActionCall) -> None:
        if member_id in self._members:
            raise AlreadyExistsError(f"{self.name}: member {member_id} exists")
        if len(self._members) >= self.size:
            raise ResourceExhaustedError(f"{self.name}: profile full ({self.size} members)")
        self._members[member_id] = validate_call(call, self._specs, self.name)

    def modify_member(self, member_id: int, call: ActionCall) -> None:
        self._require_member(member_id)
        self._members[member_id] = validate_call(call, self._specs, self.name)
        self._rebuild_groups_with(member_id)

    def delete_member(self, member_id: int) -> None:
        self._require_member(member_id)
        if self._refs.get(MemberRef(member_id)):
            raise FailedPreconditionError(f"{self.name}: member {member_id} used by table entries")
        for group_id, members in self._groups.items():
            if any(m.member_id == member_id for m in members):
                raise FailedPreconditionError(
                    f"{self.name}: member {member_id} is in group {group_id}"
                )
        del self._members[member_id]
        self._dead_members.discard(member_id)

    def member(self, member_id: int) -> ActionCall:
        self._require_member(member_id)
        return self._members[member_id]

    def members(self) -> dict[int, ActionCall]:
        return dict(self._members)

    def _require_member(self, member_id: int) -> None:
        if member_id not in self._members:
            raise NotFoundError(f"{self.name}: no member {member_id}")

    # -- groups ----------------------------------------------------------------

    def create_group(self, group_id: int, members: Sequence[GroupMember] = ()) -> None:
        self._require_selector()
        if group_id in self._groups:
            raise AlreadyExistsError(f"{self.name}: group {group_id} exists")
        self._groups[group_id] = self._validated_members(group_id, members)
        self._rebuild(group_id)

    def modify_group(self, group_id: int, members: Sequence[GroupMember]) -> None:
        self._require_group(group_id)
        self._groups[group_id] = self._validated_members(group_id, members)
        self._rebuild(group_id)

    def delete_group(self, group_id: int) -> None:
        self._require_group(group_id)
        if self._refs.get(GroupRef(group_id)):
            raise FailedPreconditionError(f"{self.name}: group {group_id} used by table entries")
        del self._groups[group_id]
        del self._choices[group_id]

    def group(self, group_id: int) -> tuple[GroupMember, ...]:
        self._require_group(group_id)
        return self._groups[group_id]

    def groups(self) -> dict[int, tuple[GroupMember, ...]]:
        return dict(self._groups)

    def _require_selector(self) -> None:
        if self.selector is None:
            raise InvalidArgumentError(f"{self.name}: groups need an action selector")

    def _require_group(self, group_id: int) -> None:
        if group_id not in self._groups:
            raise NotFoundError(f"{self.name}: no group {group_id}")

    def _validated_members(
        self, group_id: int, members: Sequence[GroupMember]
    ) -> tuple[GroupMember, ...]:
        seen: set[int] = set()
        for m in members:
            self._require_member(m.member_id)
            if m.member_id in seen:
                raise InvalidArgumentError(
                    f"{self.name}: member {m.member_id} twice in group {group_id}"
                )
            if m.weight < 1:
                raise InvalidArgumentError(f"{self.name}: member weight must be >= 1")
            seen.add(m.member_id)
        total = sum(m.weight for m in members)
        if self.max_group_size and total > self.max_group_size:
            raise ResourceExhaustedError(
                f"{self.name}: group {group_id} weight {total} exceeds max_group_size "
                f"{self.max_group_size}"
            )
        return tuple(sorted(members, key=lambda m: m.member_id))

    # -- liveness (fast reroute) -----------------------------------------------

    def set_port_status(self, port: int, up: bool) -> None:
        """Port up/down notification: members watching ``port`` follow it."""
        if up:
            self._down_ports.discard(port)
        else:
            self._down_ports.add(port)
        for group_id, members in self._groups.items():
            if any(m.watch_port == port for m in members):
                self._rebuild(group_id)

    def set_member_live(self, member_id: int, live: bool) -> None:
        """Take a member out of (or back into) every group's selection."""
        self._require_member(member_id)
        if live:
            self._dead_members.discard(member_id)
        else:
            self._dead_members.add(member_id)
        self._rebuild_groups_with(member_id)

    def _rebuild_groups_with(self, member_id: int) -> None:
        for group_id, members in self._groups.items():
            if any(m.member_id == member_id for m in members):
                self._rebuild(group_id)

    def _rebuild(self, group_id: int) -> None:
        choices: list[ActionCall] = []
        for m in self._groups[group_id]:
            if m.member_id in self._dead_members or m.watch_port in self._down_ports:
                continue
            choices.extend([self._members[m.member_id]] * m.weight)
        self._choices[group_id] = tuple(choices)

    # -- data plane --------------------------------------------------------------

    def select(self, group_id: int, selector_values: Sequence[int]) -> ActionCall | None:
        """Member action chosen for a packet; None when no member is live."""
        choices = self._choices[group_id]
        if not choices:
            return None
        assert self.selector is not None
        digest = self.selector.compute(pack_fields(selector_values, self.selector_widths))
        return choices[digest % len(choices)]

    def resolve(
        self, ref: MemberRef | GroupRef, selector_values: Sequence[int]
    ) -> ActionCall | None:
        if isinstance(ref, MemberRef):
            return self._members[ref.member_id]
        return self.select(ref.group_id, selector_values)

    # -- references from table entries -------------------------------------------

    def retain(self, ref: MemberRef | GroupRef) -> None:
        """Record a table entry pointing at ``ref`` (which must exist)."""
        if isinstance(ref, MemberRef):
            self._require_member(ref.member_id)
        else:
            self._require_group(ref.group_id)
        self._refs[ref] = self._refs.get(ref, 0) + 1

    def release(self, ref: MemberRef | GroupRef) -> None:
        count = self._refs.get(ref, 0) - 1
        if count > 0:
            self._refs[ref] = count
        else:
            self._refs.pop(ref, None)

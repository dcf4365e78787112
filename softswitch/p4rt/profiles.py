"""Action profile members and action selector groups (P4Runtime spec 9.2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from finsy.proto import p4r

from softswitch.p4rt.device import ActionCall, Dataplane
from softswitch.p4rt.errors import (
    already_exists,
    failed_precondition,
    invalid,
    not_found,
    resource_exhausted,
)
from softswitch.p4rt.schema import ProfileInfo, Schema
from softswitch.runtime.actions import GroupRef, MemberRef

Undo = Callable[[], None]
Key = tuple[int, int]  # (action profile id, member or group id)
T = TypeVar("T")


class ProfileStore:
    def __init__(
        self, schema: Schema, device: Dataplane, action_call: Callable[[p4r.Action], ActionCall]
    ) -> None:
        self.schema = schema
        self.device = device
        self.action_call = action_call
        self.members: dict[Key, p4r.ActionProfileMember] = {}
        self.groups: dict[Key, p4r.ActionProfileGroup] = {}
        self.table_refs: dict[tuple[str, Key], int] = {}  # ("member"|"group", key) -> #entries
        self.group_refs: dict[Key, int] = {}  # member key -> #groups containing it

    def profile(self, profile_id: int) -> ProfileInfo:
        info = self.schema.profiles.get(profile_id)
        if info is None:
            raise not_found(f"unknown action profile ID {profile_id:#x}")
        return info

    def check_exists(self, profile_id: int, ref: MemberRef | GroupRef) -> None:
        if isinstance(ref, MemberRef):
            if (profile_id, ref.member_id) not in self.members:
                raise not_found(f"action profile member {ref.member_id} does not exist")
        elif (profile_id, ref.group_id) not in self.groups:
            raise not_found(f"action profile group {ref.group_id} does not exist")

    def count_table_ref(self, profile_id: int, ref: MemberRef | GroupRef, delta: int) -> None:
        key = (
            ("member", (profile_id, ref.member_id))
            if isinstance(ref, MemberRef)
            else ("group", (profile_id, ref.group_id))
        )
        self.table_refs[key] = self.table_refs.get(key, 0) + delta
        if not self.table_refs[key]:
            del self.table_refs[key]

    # ------------------------------------------------------------------ members

    def _member_action(self, info: ProfileInfo, member: p4r.ActionProfileMember) -> ActionCall:
        allowed = {a for t in info.table_ids for a in self.schema.tables[t].action_scopes}
        if (
            member.action.action_id not in allowed
            and member.action.action_id in self.schema.actions
        ):
            raise invalid(f"action is not an action of the tables of profile {info.name!r}")
        return self.action_call(member.action)

    def write_member(self, op: int, member: p4r.ActionProfileMember) -> Undo:
        info = self.profile(member.action_profile_id)
        key = (info.id, member.member_id)
        old = self.members.get(key)
        if op == p4r.Update.DELETE:
            if old is None:
                raise not_found(f"member {member.member_id} of {info.name!r} does not exist")
            if self.table_refs.get(("member", key)) or self.group_refs.get(key):
                raise failed_precondition(
                    f"member {member.member_id} is used by table entries or groups"
                )
            self.device.member_delete(info.name, member.member_id)
            del self.members[key]
            return lambda: self._set_member(info, key, old)
        if op == p4r.Update.INSERT:
            if old is not None:
                raise already_exists(f"member {member.member_id} of {info.name!r} already exists")
            if info.size and sum(k[0] == info.id for k in self.members) >= info.size:
                raise resource_exhausted(
                    f"action profile {info.name!r} is full ({info.size} members)"
                )
        elif old is None:
            raise not_found(f"member {member.member_id} of {info.name!r} does not exist")
        stored = p4r.ActionProfileMember()
        stored.CopyFrom(member)
        call = self._member_action(info, stored)
        self.device.member_set(info.name, member.member_id, call)
        self.members[key] = stored
        if old is None:
            return lambda: self._drop_member(info, key)
        return lambda: self._set_member(info, key, old)

    def _set_member(self, info: ProfileInfo, key: Key, member: p4r.ActionProfileMember) -> None:
        self.device.member_set(info.name, key[1], self.action_call(member.action))
        self.members[key] = member

    def _drop_member(self, info: ProfileInfo, key: Key) -> None:
        self.device.member_delete(info.name, key[1])
        del self.members[key]

    # ------------------------------------------------------------------ groups

    def _group_members(
        self, info: ProfileInfo, group: p4r.ActionProfileGroup
    ) -> list[tuple[int, int]]:
        members: list[tuple[int, int]] = []
        seen = set()
        for m in group.members:
            if m.member_id in seen:
                raise invalid(f"group {group.group_id}: member {m.member_id} listed twice")
            seen.add(m.member_id)
            if (info.id, m.member_id) not in self.members:
                raise not_found(f"group {group.group_id}: member {m.member_id} does not exist")
            if m.weight < 0:
                raise invalid(f"group {group.group_id}: negative weight for member {m.member_id}")
            members.append((m.member_id, m.weight or 1))
        limit = group.max_size or info.max_group_size
        if limit and len(members) > limit:
            raise resource_exhausted(
                f"group {group.group_id}: {len(members)} members exceed the maximum {limit}"
            )
        if info.max_group_size and group.max_size > info.max_group_size:
            raise invalid(f"group max_size {group.max_size} exceeds {info.max_group_size}")
        return members

    def _count_members(self, info: ProfileInfo, group: p4r.ActionProfileGroup, delta: int) -> None:
        for m in group.members:
            key = (info.id, m.member_id)
            self.group_refs[key] = self.group_refs.get(key, 0) + delta
            if not self.group_refs[key]:
                del self.group_refs[key]

    def write_group(self, op: int, group: p4r.ActionProfileGroup) -> Undo:
        info = self.profile(group.action_profile_id)
        if not info.with_selector:
            raise invalid(f"action profile {info.name!r} has no selector: it has no groups")
        key = (info.id, group.group_id)
        old = self.groups.get(key)
        if op == p4r.Update.DELETE:
            if old is None:
                raise not_found(f"group {group.group_id} of {info.name!r} does not exist")
            if self.table_refs.get(("group", key)):
                raise failed_precondition(f"group {group.group_id} is used by table entries")
            self.device.group_delete(info.name, group.group_id)
            del self.groups[key]
            self._count_members(info, old, -1)
            return lambda: self._set_group(info, key, old)
        if op == p4r.Update.INSERT:
            if old is not None:
                raise already_exists(f"group {group.group_id} of {info.name!r} already exists")
            if info.size and sum(k[0] == info.id for k in self.groups) >= info.size:
                raise resource_exhausted(f"action selector {info.name!r} is full")
        elif old is None:
            raise not_found(f"group {group.group_id} of {info.name!r} does not exist")
        stored = p4r.ActionProfileGroup()
        stored.CopyFrom(group)
        self._set_group(info, key, stored)
        if old is None:
            return lambda: self._drop_group(info, key)
        self._count_members(info, old, -1)
        return lambda: self._replace_group(info, key, old)

    def _set_group(self, info: ProfileInfo, key: Key, group: p4r.ActionProfileGroup) -> None:
        self.device.group_set(info.name, key[1], self._group_members(info, group))
        self.groups[key] = group
        self._count_members(info, group, 1)

    def _drop_group(self, info: ProfileInfo, key: Key) -> None:
        self.device.group_delete(info.name, key[1])
        self._count_members(info, self.groups.pop(key), -1)

    def _replace_group(self, info: ProfileInfo, key: Key, group: p4r.ActionProfileGroup) -> None:
        self._count_members(info, self.groups[key], -1)
        self._set_group(info, key, group)

    # ------------------------------------------------------------------ reads

    def read_members(self, request: p4r.ActionProfileMember) -> list[p4r.ActionProfileMember]:
        return self._read(self.members, request.action_profile_id, request.member_id)

    def read_groups(self, request: p4r.ActionProfileGroup) -> list[p4r.ActionProfileGroup]:
        return self._read(self.groups, request.action_profile_id, request.group_id)

    def _read(self, store: dict[Key, T], profile_id: int, obj_id: int) -> list[T]:
        if profile_id:
            self.profile(profile_id)
        return [
            v
            for (pid, oid), v in sorted(store.items(), key=lambda kv: kv[0])
            if (not profile_id or pid == profile_id) and (not obj_id or oid == obj_id)
        ]

"""Packet replication engine: multicast groups and clone (mirroring) sessions.

Multicast mirrors BMv2's simple PRE as driven by ``simple_switch_CLI``: nodes
are created with a replication id (rid) and a port list
(``mc_node_create``, handles numbered from 0), then associated with a group
(``mc_node_associate``). A group replicates node by node in association order,
ports ascending within a node. P4Runtime writes a whole group at once with
:meth:`MulticastEngine.set_group`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from softswitch.runtime.errors import (
    AlreadyExistsError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
)


@dataclass(frozen=True, slots=True)
class Replica:
    """One copy of a multicast packet: egress port and ``egress_rid``."""

    port: int
    rid: int


@dataclass(slots=True)
class _Node:
    rid: int
    ports: tuple[int, ...]
    group: int | None = None


class MulticastEngine:
    """Multicast groups, addressed by ``standard_metadata.mcast_grp``."""

    def __init__(self) -> None:
        self._groups: dict[int, list[int]] = {}
        self._nodes: dict[int, _Node] = {}
        self._handles = itertools.count()
        self._replicas: dict[int, tuple[Replica, ...]] = {}

    def create_group(self, group_id: int) -> None:
        if not 0 < group_id < 1 << 16:
            raise InvalidArgumentError(f"multicast group id {group_id} outside [1, 65535]")
        if group_id in self._groups:
            raise AlreadyExistsError(f"multicast group {group_id} exists")
        self._groups[group_id] = []
        self._replicas[group_id] = ()

    def delete_group(self, group_id: int) -> None:
        for handle in self._require_group(group_id):
            self._nodes[handle].group = None
        del self._groups[group_id]
        del self._replicas[group_id]

    def create_node(self, rid: int, ports: Iterable[int]) -> int:
        """New L1 node; returns its handle (BMv2 ``mc_node_create``)."""
        port_list = tuple(sorted(set(ports)))
        if any(p < 0 for p in port_list) or rid < 0:
            raise InvalidArgumentError("ports and rid must be non-negative")
        handle = next(self._handles)
        self._nodes[handle] = _Node(rid, port_list)
        return handle

    def update_node(self, handle: int, ports: Iterable[int]) -> None:
        node = self._require_node(handle)
        node.ports = tuple(sorted(set(ports)))
        if node.group is not None:
            self._rebuild(node.group)

    def delete_node(self, handle: int) -> None:
        node = self._require_node(handle)
        if node.group is not None:
            raise FailedPreconditionError(f"node {handle} is associated with group {node.group}")
        del self._nodes[handle]

    def associate(self, group_id: int, handle: int) -> None:
        members = self._require_group(group_id)
        node = self._require_node(handle)
        if node.group is not None:
            raise FailedPreconditionError(f"node {handle} already in group {node.group}")
        node.group = group_id
        members.append(handle)
        self._rebuild(group_id)

    def dissociate(self, group_id: int, handle: int) -> None:
        members = self._require_group(group_id)
        node = self._require_node(handle)
        if node.group != group_id:
            raise NotFoundError(f"node {handle} is not in group {group_id}")
        node.group = None
        members.remove(handle)
        self._rebuild(group_id)

    def set_group(self, group_id: int, replicas: Sequence[Replica]) -> None:
        """Create or replace a group from explicit replicas (P4Runtime order is kept)."""
        if len(set(replicas)) != len(replicas):
            raise InvalidArgumentError(f"multicast group {group_id}: duplicate replica")
        if any(r.port < 0 or r.rid < 0 for r in replicas):
            raise InvalidArgumentError("ports and rid must be non-negative")
        if group_id in self._groups:
            self.delete_group(group_id)
        self.create_group(group_id)
        self._replicas[group_id] = tuple(replicas)

    def _require_group(self, group_id: int) -> list[int]:
        members = self._groups.get(group_id)
        if members is None:
            raise NotFoundError(f"no multicast group {group_id}")
        return members

    def _require_node(self, handle: int) -> _Node:
        node = self._nodes.get(handle)
        if node is None:
            raise NotFoundError(f"no multicast node {handle}")
        return node

    def _rebuild(self, group_id: int) -> None:
        self._replicas[group_id] = tuple(
            Replica(port, self._nodes[h].rid)
            for h in self._groups[group_id]
            for port in self._nodes[h].ports
        )

    def replicas(self, group_id: int) -> tuple[Replica, ...]:
        """Copies to make for ``mcast_grp``; empty for an unknown group (packet dropped)."""
        return self._replicas.get(group_id, ())

    def groups(self) -> dict[int, tuple[Replica, ...]]:
        return dict(self._replicas)


@dataclass(frozen=True, slots=True)
class CloneSession:
    """Where clones of a session go: a port and/or a multicast group.

    ``truncate_length`` 0 means the whole packet; ``class_of_service`` is the
    P4Runtime CloneSessionEntry field (kept for the server, unused by v1model).
    """

    session_id: int
    port: int | None = None
    mcast_group: int | None = None
    truncate_length: int = 0
    class_of_service: int = 0


class CloneSessions:
    """Mirroring sessions (``mirroring_add``/``mirroring_add_mc``, P4Runtime clone sessions)."""

    def __init__(self) -> None:
        self._sessions: dict[int, CloneSession] = {}

    def set(self, session: CloneSession) -> None:
        """Add or replace a session (the BMv2 CLI overwrites too)."""
        if session.session_id < 0:
            raise InvalidArgumentError("clone session id must be non-negative")
        if session.port is None and session.mcast_group is None:
            raise InvalidArgumentError(
                f"clone session {session.session_id}: needs a port or a multicast group"
            )
        if session.truncate_length < 0:
            raise InvalidArgumentError("truncate length must be non-negative")
        self._sessions[session.session_id] = session

    def delete(self, session_id: int) -> None:
        if self._sessions.pop(session_id, None) is None:
            raise NotFoundError(f"no clone session {session_id}")

    def get(self, session_id: int) -> CloneSession | None:
        """Session for the data plane; None means the clone is dropped (as BMv2)."""
        return self._sessions.get(session_id)

    def sessions(self) -> dict[int, CloneSession]:
        return dict(self._sessions)

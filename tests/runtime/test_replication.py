import pytest

from softswitch.runtime.errors import (
    AlreadyExistsError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
)
from softswitch.runtime.replication import CloneSession, CloneSessions, MulticastEngine, Replica


def test_cli_style_groups_replicate_node_by_node_ports_ascending() -> None:
    pre = MulticastEngine()
    pre.create_group(1)
    first = pre.create_node(rid=7, ports=[3, 1])
    second = pre.create_node(rid=9, ports=[2])
    assert (first, second) == (0, 1)
    pre.associate(1, second)
    pre.associate(1, first)
    assert pre.replicas(1) == (Replica(2, 9), Replica(1, 7), Replica(3, 7))
    pre.update_node(first, [4])
    assert pre.replicas(1) == (Replica(2, 9), Replica(4, 7))
    pre.dissociate(1, second)
    assert pre.replicas(1) == (Replica(4, 7),)
    assert pre.replicas(42) == ()


def test_multicast_errors() -> None:
    pre = MulticastEngine()
    pre.create_group(1)
    with pytest.raises(AlreadyExistsError):
        pre.create_group(1)
    with pytest.raises(InvalidArgumentError):
        pre.create_group(0)
    node = pre.create_node(0, [1])
    pre.associate(1, node)
    with pytest.raises(FailedPreconditionError):
        pre.associate(1, node)
    with pytest.raises(FailedPreconditionError):
        pre.delete_node(node)
    with pytest.raises(NotFoundError):
        pre.associate(2, node)
    pre.delete_group(1)
    pre.delete_node(node)
    with pytest.raises(NotFoundError):
        pre.update_node(node, [1])


def test_p4runtime_style_set_group_replaces_atomically() -> None:
    pre = MulticastEngine()
    pre.set_group(5, [Replica(3, 1), Replica(1, 1)])
    assert pre.replicas(5) == (Replica(3, 1), Replica(1, 1))
    with pytest.raises(InvalidArgumentError):
        pre.set_group(5, [Replica(2, 0), Replica(2, 0)])
    assert pre.replicas(5) == (Replica(3, 1), Replica(1, 1))
    pre.set_group(5, [Replica(2, 0)])
    assert pre.groups() == {5: (Replica(2, 0),)}


def test_clone_sessions() -> None:
    sessions = CloneSessions()
    sessions.set(CloneSession(5, port=3))
    sessions.set(CloneSession(6, mcast_group=2, truncate_length=64))
    assert sessions.get(5) == CloneSession(5, port=3)
    assert sessions.get(6) is not None and sessions.get(6).truncate_length == 64  # type: ignore[union-attr]
    assert sessions.get(7) is None
    sessions.set(CloneSession(5, port=4))  # mirroring_add overwrites
    assert sessions.get(5) == CloneSession(5, port=4)
    with pytest.raises(InvalidArgumentError):
        sessions.set(CloneSession(8))
    sessions.delete(5)
    with pytest.raises(NotFoundError):
        sessions.delete(5)

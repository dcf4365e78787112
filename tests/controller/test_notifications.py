"""Soft state from fast notifications: refresh, expiry, early end, replay protection."""

from __future__ import annotations

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from controller.notifications import Condition, Notification, ObjectRef, SoftState
from controller.wire import FN, FnFiveTuple, FnType, MetricKind, ObjectKind, WireFormatError

PORT = ObjectRef(ObjectKind.PORT, (1 << 16) | 3)


def frame(
    fn_type: FnType,
    sequence: int,
    *,
    originator: int = 7,
    lifetime: int = 50,
    object_id: int = PORT.id,
) -> bytes:
    fn = FN(
        fn_type=fn_type,
        originator=originator,
        sequence=sequence,
        timestamp=1_000_000,
        object_kind=ObjectKind.PORT,
        object_id=object_id,
        metric_kind=MetricKind.QUEUE_DEPTH,
        metric_value=42,
        lifetime=lifetime,
    )
    return bytes(Ether() / IP(src="10.9.0.1", dst="10.0.0.1") / UDP(sport=4793, dport=4793) / fn)


def note(fn_type: FnType, sequence: int, at: float, **kw: int) -> Notification:
    return Notification.from_frame(frame(fn_type, sequence, **kw), "s1", at)


def test_decodes_every_field_from_the_wire() -> None:
    n = note(FnType.CONGESTION_DETECTED, 5, 10.0)
    assert (n.fn_type, n.originator, n.sequence, n.timestamp_us) == (
        FnType.CONGESTION_DETECTED,
        7,
        5,
        1_000_000,
    )
    assert (n.target, n.metric_kind, n.metric_value, n.lifetime_ms) == (
        PORT,
        MetricKind.QUEUE_DEPTH,
        42,
        50,
    )
    assert str(n.target) == "port 1:3"
    assert n.as_event()["type"] == "congestion_detected"


def test_five_tuple_is_decoded() -> None:
    fn = FN(
        fn_type=FnType.CONGESTION_DETECTED,
        sequence=1,
        object_kind=ObjectKind.FLOW,
        five_tuple=FnFiveTuple(
            src_addr="10.0.0.1", dst_addr="10.0.1.2", src_port=49152, dst_port=4791, protocol=17
        ),
    )
    frame = bytes(Ether() / IP() / UDP(sport=4793, dport=4793) / fn)
    n = Notification.from_frame(frame, "s1", 0.0)
    assert n.five_tuple == ("10.0.0.1", "10.0.1.2", 49152, 4791, 17)


def test_not_an_fn_is_rejected() -> None:
    with pytest.raises(WireFormatError):
        Notification.from_frame(bytes(Ether() / IP() / UDP(dport=53)), "s1", 0.0)


def test_detected_state_expires_unless_refreshed() -> None:
    state = SoftState()
    change = state.apply(note(FnType.CONGESTION_DETECTED, 1, 10.0))
    assert change is not None and change.active and change.condition is Condition.CONGESTED
    assert state.apply(note(FnType.CONGESTION_DETECTED, 2, 10.04)) is None  # refresh, no change
    assert state.expire(10.06) == []  # the refresh moved the deadline to 10.09
    gone = state.expire(10.09)
    assert [(c.condition, c.target, c.active, c.cause) for c in gone] == [
        (Condition.CONGESTED, PORT, False, None)
    ]
    assert state.active(Condition.CONGESTED) == {}


def test_cleared_ends_state_at_once() -> None:
    state = SoftState()
    state.apply(note(FnType.FAILURE_DETECTED, 1, 1.0, lifetime=1000))
    assert PORT in state.active(Condition.FAILED)
    change = state.apply(note(FnType.FAILURE_RECOVERED, 2, 1.1, lifetime=0))
    assert change is not None and not change.active
    assert state.active(Condition.FAILED) == {}


def test_a_refresh_keeps_the_state_for_the_lifetime_it_carries() -> None:
    """The data plane backs off refreshes of a lasting failure, doubling their lifetime."""
    state = SoftState()
    state.apply(note(FnType.FAILURE_DETECTED, 1, 1.0, lifetime=200))
    assert state.apply(note(FnType.FAILURE_DETECTED, 2, 1.1, lifetime=3200)) is None
    assert state.next_deadline() == pytest.approx(4.3)
    assert state.expire(4.29) == []  # long past the first FN's 200 ms
    assert [(c.target, c.active) for c in state.expire(4.31)] == [(PORT, False)]
    # A recovery ends such a long lifetime at once.
    state.apply(note(FnType.FAILURE_DETECTED, 3, 5.0, lifetime=3200))
    change = state.apply(note(FnType.FAILURE_RECOVERED, 4, 5.1, lifetime=0))
    assert change is not None and not change.active
    assert state.active(Condition.FAILED) == {} and state.next_deadline() is None


def test_replayed_and_stale_sequences_are_ignored() -> None:
    state = SoftState()
    state.apply(note(FnType.FAILURE_DETECTED, 10, 1.0, lifetime=1000))
    state.apply(note(FnType.FAILURE_RECOVERED, 11, 1.1))
    assert state.apply(note(FnType.FAILURE_DETECTED, 10, 1.2, lifetime=1000)) is None
    assert state.apply(note(FnType.FAILURE_DETECTED, 9, 1.3, lifetime=1000)) is None
    assert state.replays == 2
    assert state.active(Condition.FAILED) == {}
    # another originator has its own sequence space
    assert state.apply(note(FnType.FAILURE_DETECTED, 1, 1.4, originator=8)) is not None


def test_events_about_other_objects_or_conditions_are_no_replays() -> None:
    """Copies of a flood reach the controller through different neighbours: the recovery of
    port 3 (sequence 12) may arrive after the detection on port 4 (13); and congestion FNs are
    numbered apart from failure FNs (egress and ingress of the originator)."""
    other = (1 << 16) | 4
    state = SoftState()
    state.apply(note(FnType.FAILURE_DETECTED, 11, 1.0, lifetime=1000))
    state.apply(note(FnType.FAILURE_DETECTED, 13, 1.1, lifetime=1000, object_id=other))
    change = state.apply(note(FnType.FAILURE_RECOVERED, 12, 1.2))
    assert change is not None and change.target == PORT and not change.active
    assert state.apply(note(FnType.CONGESTION_DETECTED, 2, 1.3, lifetime=1000)) is not None
    assert state.replays == 0
    assert set(state.active(Condition.FAILED)) == {ObjectRef(ObjectKind.PORT, other)}


def test_sequence_wraps_around() -> None:
    state = SoftState()
    state.apply(note(FnType.STATUS, 0xFFFFFFFF, 1.0))
    assert state.apply(note(FnType.STATUS, 0, 1.1)) is None  # newer: a refresh, not a replay
    assert state.replays == 0

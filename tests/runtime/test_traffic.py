import pytest

from softswitch.runtime.clock import VirtualClock
from softswitch.runtime.errors import InvalidArgumentError
from softswitch.runtime.traffic import PropagationDelay, TrafficManager

MS = 1_000_000


def test_rate_limited_queue_spaces_departures_and_reports_depths() -> None:
    clock = VirtualClock()
    tm: TrafficManager[str] = TrafficManager(clock)
    tm.set_queue_rate(1, 1000)  # 1 ms per packet
    queued = [tm.enqueue(1, f"p{i}") for i in range(5)]
    assert [q.enq_qdepth for q in queued if q] == [0, 1, 2, 3, 4]
    assert [q.departure_ns for q in queued if q] == [0, MS, 2 * MS, 3 * MS, 4 * MS]
    first = tm.dequeue_ready()
    assert [(p.item, p.deq_qdepth, p.deq_timedelta) for p in first] == [("p0", 4, 0)]
    clock.advance_ns(2 * MS + MS // 2)
    out = tm.dequeue_ready()
    assert [(p.item, p.deq_qdepth, p.deq_timedelta) for p in out] == [
        ("p1", 3, 1000),
        ("p2", 2, 2000),
    ]
    assert tm.depth(1) == 2 and tm.next_departure_ns() == 3 * MS


def test_congestion_builds_when_offered_load_exceeds_port_rate() -> None:
    clock = VirtualClock()
    tm: TrafficManager[int] = TrafficManager(clock)
    tm.set_queue_rate(3, 1000)
    enq_depths, deltas = [], []
    for k in range(10):  # 2000 packets/s offered into a 1000 packets/s queue
        clock.set_ns(k * MS // 2)
        deltas += [p.deq_timedelta for p in tm.dequeue_ready()]
        packet = tm.enqueue(3, k)
        assert packet is not None
        enq_depths.append(packet.enq_qdepth)
    clock.set_ns(20 * MS)
    deltas += [p.deq_timedelta for p in tm.dequeue_ready()]
    assert enq_depths == [0, 0, 0, 1, 1, 2, 2, 3, 3, 4]
    assert deltas == [500 * k for k in range(10)]


def test_tail_drop_when_queue_full() -> None:
    clock = VirtualClock()
    tm: TrafficManager[int] = TrafficManager(clock, default_depth=3)
    tm.set_queue_rate(1, 10)
    results = [tm.enqueue(1, i) for i in range(5)]
    assert [r is not None for r in results] == [True, True, True, False, False]
    assert tm.drops == {1: 2}
    tm.set_queue_depth(1, 4)
    assert tm.enqueue(1, 9) is not None


def test_strict_priority_and_per_priority_queues() -> None:
    clock = VirtualClock()
    tm: TrafficManager[str] = TrafficManager(clock, priority_queues=8)
    tm.set_queue_rate(1, 1000)  # every priority queue of port 1
    for i in range(3):
        tm.enqueue(1, f"low{i}", priority=0)
    high = tm.enqueue(1, "high", priority=7)
    assert high is not None and high.enq_qdepth == 3 and high.departure_ns == 0
    assert [p.item for p in tm.dequeue_ready()] == ["high", "low0"]
    assert tm.depth(1, priority=0) == 2 and tm.depth(1, priority=7) == 0
    assert tm.enqueue(1, "bad", priority=8) is None
    with pytest.raises(InvalidArgumentError):
        tm.set_queue_rate(1, 10, priority=8)


def test_unlimited_rate_departs_immediately_in_fifo_order() -> None:
    clock = VirtualClock(start_ns=5 * MS)
    tm: TrafficManager[int] = TrafficManager(clock)
    for i in range(3):
        tm.enqueue(2, i)
    out = tm.dequeue_ready()
    assert [(p.item, p.enq_timestamp, p.deq_timedelta) for p in out] == [
        (0, 5000, 0),
        (1, 5000, 0),
        (2, 5000, 0),
    ]


def test_propagation_delay_holds_packets_per_port() -> None:
    clock = VirtualClock()
    link: PropagationDelay[bytes] = PropagationDelay(clock)
    link.set_delay(2, 5 * MS)
    link.send(2, b"a")
    link.send(1, b"b")
    assert link.ready() == [(1, b"b")]
    clock.advance_ns(5 * MS - 1)
    assert link.ready() == []
    clock.advance_ns(1)
    assert link.ready() == [(2, b"a")]
    assert link.next_release_ns() is None

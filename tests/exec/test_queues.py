"""Traffic manager integration: per-port priority queues, rates and queueing metadata."""

from __future__ import annotations

import struct
from pathlib import Path

from softswitch.runtime.clock import VirtualClock
from softswitch.switch import Switch

PROGRAM = Path(__file__).parent / "api" / "queues.p4"


def packet(priority: int, tag: int) -> bytes:
    return bytes(6) + bytes([0, 0, 0, 0, 0, tag]) + struct.pack("!H", priority) + bytes(11)


def decode(out: bytes) -> tuple[int, int, int, int, int, int]:
    """(tag, enq_ts, deq_delta, enq_depth, deq_depth, prio)."""
    enq_ts, delta, enq_depth, deq_depth, prio = struct.unpack("!IIBBB", out[14:25])
    return out[11], enq_ts, delta, enq_depth, deq_depth, prio


def test_strict_priority_and_rate_limited_queues() -> None:
    clock = VirtualClock()
    sw = Switch.from_file(PROGRAM, clock=clock, priority_queues=8)
    sw.set_queue_rate(1, 1000)  # one packet per millisecond per queue
    for tag, prio in ((1, 0), (2, 0), (3, 0), (4, 7), (5, 7)):
        sw.inject(0, packet(prio, tag))
    # The head of each idle queue leaves at once; the rest wait for their departure time.
    assert [decode(o)[0] for _, o in sw.take_outputs()] == [1, 4]
    sw.run_until_idle()
    results = [decode(o) for _, o in sw.take_outputs()]
    # At 1 ms both queues have a packet due: priority 7 is served first.
    assert [r[0] for r in results] == [5, 2, 3]
    assert [r[5] for r in results] == [7, 0, 0]
    # Queued microseconds and port occupancy as simple_switch reports them.
    assert [r[2] for r in results] == [1000, 1000, 2000]
    assert results[0][3] == 2  # packet 5 found packets 2 and 3 queued on port 1
    assert clock.now_ns() == 2_000_000


def test_priority_beyond_the_queues_is_dropped() -> None:
    sw = Switch.from_file(PROGRAM, clock=VirtualClock())
    sw.inject(0, packet(3, 1))
    sw.inject(0, packet(0, 2))
    assert [decode(o)[0] for _, o in sw.take_outputs()] == [2]

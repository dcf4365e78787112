"""Traffic manager: per-port priority queues with BMv2 ``QueueingLogicPriRL`` timing.

Model (``src/bm_sim/queueing.h`` and ``targets/simple_switch``):

* each egress port has N priority queues (1 by default, 8 with
  ``--priority-queues``); ``standard_metadata.priority`` p selects queue p and
  higher p is served first; p >= N drops the packet;
* each queue holds at most ``depth`` packets (64 by default); a packet arriving
  at a full queue is dropped (tail drop);
* each queue is rate limited independently (``set_queue_rate``, packets per
  second; 0 means unlimited): at enqueue a packet gets its departure time
  ``max(now, previous departure of that queue + 1/rate)``;
* ``enq_qdepth`` is the port's occupancy (all its queues) before the packet is
  added, ``deq_qdepth`` the occupancy after it leaves, ``deq_timedelta`` the
  microseconds spent queued; timestamps are microseconds of the switch clock.

Packets leave in departure-time order; at equal times the higher-priority queue
goes first, then FIFO. Because offered load above the rate makes departure
times run ahead of arrival times, queues really build up under a virtual clock.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from softswitch.runtime.clock import Clock
from softswitch.runtime.errors import InvalidArgumentError

T = TypeVar("T")

DEFAULT_QUEUE_DEPTH = 64
NS_PER_S = 1_000_000_000


@dataclass(slots=True)
class QueuedPacket(Generic[T]):
    """A packet in (or just out of) an egress queue, with v1model queueing metadata."""

    item: T
    port: int
    priority: int
    enq_timestamp: int
    enq_qdepth: int
    departure_ns: int
    deq_qdepth: int = 0
    deq_timedelta: int = 0
    seq: int = 0


@dataclass(slots=True)
class _Queue(Generic[T]):
    depth: int
    delay_ns: int = 0
    # Far past: the first packet of an idle queue leaves at once.
    last_departure_ns: int = -(1 << 62)
    packets: deque[QueuedPacket[T]] = field(default_factory=deque)


class TrafficManager(Generic[T]):
    """Egress buffering between ingress and egress for any number of ports."""

    def __init__(
        self,
        clock: Clock,
        *,
        priority_queues: int = 1,
        default_depth: int = DEFAULT_QUEUE_DEPTH,
    ) -> None:
        if not 1 <= priority_queues <= 32:
            raise InvalidArgumentError("priority_queues must be in [1, 32]")
        if default_depth < 1:
            raise InvalidArgumentError("queue depth must be >= 1")
        self.clock = clock
        self.priority_queues = priority_queues
        self._default_depth = default_depth
        self._default_delay_ns = 0
        self._ports: dict[int, list[_Queue[T]]] = {}
        self._occupancy: dict[int, int] = {}
        self._departures: list[tuple[int, int, int, QueuedPacket[T]]] = []
        self._seq = itertools.count()
        self.drops: dict[int, int] = {}

    def _queues(self, port: int) -> list[_Queue[T]]:
        queues = self._ports.get(port)
        if queues is None:
            queues = [
                _Queue(self._default_depth, self._default_delay_ns)
                for _ in range(self.priority_queues)
            ]
            self._ports[port] = queues
            self._occupancy[port] = 0
        return queues

    def _selected(self, port: int, priority: int | None) -> list[_Queue[T]]:
        queues = self._queues(port)
        if priority is None:
            return queues
        if not 0 <= priority < self.priority_queues:
            raise InvalidArgumentError(f"priority {priority} outside [0, {self.priority_queues})")
        return [queues[priority]]

    # -- configuration (simple_switch_CLI set_queue_depth / set_queue_rate) -------

    def set_queue_depth(self, port: int, depth: int, priority: int | None = None) -> None:
        if depth < 1:
            raise InvalidArgumentError("queue depth must be >= 1")
        for queue in self._selected(port, priority):
            queue.depth = depth

    def set_queue_rate(self, port: int, pps: int, priority: int | None = None) -> None:
        """Rate limit in packets per second; 0 removes the limit."""
        for queue in self._selected(port, priority):
            queue.delay_ns = self._delay(pps)

    def set_all_queue_depths(self, depth: int) -> None:
        if depth < 1:
            raise InvalidArgumentError("queue depth must be >= 1")
        self._default_depth = depth
        for queues in self._ports.values():
            for queue in queues:
                queue.depth = depth

    def set_all_queue_rates(self, pps: int) -> None:
        self._default_delay_ns = self._delay(pps)
        for queues in self._ports.values():
            for queue in queues:
                queue.delay_ns = self._default_delay_ns

    @staticmethod
    def _delay(pps: int) -> int:
        if pps < 0:
            raise InvalidArgumentError("queue rate must be >= 0 packets per second")
        return NS_PER_S // pps if pps else 0

    # -- data path -------------------------------------------------------------

    def enqueue(self, port: int, item: T, priority: int = 0) -> QueuedPacket[T] | None:
        """Queue ``item`` for ``port``; None when dropped (full queue, bad priority)."""
        if not 0 <= priority < self.priority_queues:
            self.drops[port] = self.drops.get(port, 0) + 1
            return None
        queue = self._queues(port)[priority]
        if len(queue.packets) >= queue.depth:
            self.drops[port] = self.drops.get(port, 0) + 1
            return None
        now = self.clock.now_ns()
        departure = max(now, queue.last_departure_ns + queue.delay_ns)
        queue.last_departure_ns = departure
        seq = next(self._seq)
        packet = QueuedPacket(
            item=item,
            port=port,
            priority=priority,
            enq_timestamp=now // 1000,
            enq_qdepth=self._occupancy[port],
            departure_ns=departure,
            seq=seq,
        )
        queue.packets.append(packet)
        self._occupancy[port] += 1
        heapq.heappush(self._departures, (departure, -priority, seq, packet))
        return packet

    def next_departure_ns(self) -> int | None:
        """When the next queued packet leaves (None if all queues are empty)."""
        return self._departures[0][0] if self._departures else None

    def dequeue_ready(self) -> list[QueuedPacket[T]]:
        """Remove and return, in departure order, every packet due by now."""
        now = self.clock.now_ns()
        ready: list[QueuedPacket[T]] = []
        departures = self._departures
        while departures and departures[0][0] <= now:
            _, _, _, packet = heapq.heappop(departures)
            queue = self._ports[packet.port][packet.priority]
            queue.packets.popleft()
            self._occupancy[packet.port] -= 1
            packet.deq_qdepth = self._occupancy[packet.port]
            packet.deq_timedelta = packet.departure_ns // 1000 - packet.enq_timestamp
            ready.append(packet)
        return ready

    def depth(self, port: int, priority: int | None = None) -> int:
        """Packets currently queued on ``port`` (one priority queue or all)."""
        if port not in self._ports:
            return 0
        if priority is None:
            return self._occupancy[port]
        return len(self._selected(port, priority)[0].packets)


class PropagationDelay(Generic[T]):
    """Per-port link delay applied after egress (WAN emulation); 0 by default."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._delay_ns: dict[int, int] = {}
        self._in_flight: list[tuple[int, int, int, T]] = []
        self._seq = itertools.count()

    def set_delay(self, port: int, delay_ns: int) -> None:
        if delay_ns < 0:
            raise InvalidArgumentError("propagation delay must be >= 0")
        self._delay_ns[port] = delay_ns

    def send(self, port: int, item: T) -> None:
        release = self.clock.now_ns() + self._delay_ns.get(port, 0)
        heapq.heappush(self._in_flight, (release, next(self._seq), port, item))

    def next_release_ns(self) -> int | None:
        return self._in_flight[0][0] if self._in_flight else None

    def ready(self) -> list[tuple[int, T]]:
        """``(port, item)`` pairs whose delay has elapsed, in release order."""
        now = self.clock.now_ns()
        out: list[tuple[int, T]] = []
        while self._in_flight and self._in_flight[0][0] <= now:
            _, _, port, item = heapq.heappop(self._in_flight)
            out.append((port, item))
        return out

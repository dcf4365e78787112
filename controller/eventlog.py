"""The controller's structured event log: JSON lines on disk, a recent window in memory, and live
subscribers (`GET /api/v1/events?follow=1`, `fantelctl events --follow`).

Every record has a log sequence number `seq`, the event `kind`, the controller's wall-clock time
`time` (seconds) and kind-specific fields. Notifications carry both clocks: `originator_ts_us`
(the switch that detected the event, its own microsecond clock) and `received_at` (controller
wall clock when the PacketIn arrived), so detection-to-controller delays can be measured offline.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import IO, Any

Event = dict[str, Any]


class EventLog:
    def __init__(
        self,
        path: Path | None = None,
        *,
        keep: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self._clock = clock
        self._recent: deque[Event] = deque(maxlen=keep)
        self._seq = 0
        self._subscribers: set[asyncio.Queue[Event]] = set()
        self._file: IO[str] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8", buffering=1)  # line-buffered

    @property
    def last_seq(self) -> int:
        return self._seq

    def record(self, kind: str, **fields: Any) -> Event:
        self._seq += 1
        event: Event = {"seq": self._seq, "kind": kind, "time": self._clock(), **fields}
        self._recent.append(event)
        if self._file is not None:
            self._file.write(json.dumps(event, default=str) + "\n")
        for queue in self._subscribers:
            queue.put_nowait(event)
        return event

    def since(self, seq: int = 0, kinds: frozenset[str] | None = None) -> list[Event]:
        """Recent events with a sequence number above `seq` (oldest first)."""
        return [e for e in self._recent if e["seq"] > seq and (kinds is None or e["kind"] in kinds)]

    async def follow(
        self, seq: int = 0, kinds: frozenset[str] | None = None
    ) -> AsyncIterator[Event]:
        """The backlog after `seq`, then every new event as it is recorded, until cancelled."""
        queue: asyncio.Queue[Event] = asyncio.Queue()
        self._subscribers.add(queue)
        try:
            backlog = self.since(seq, kinds)
            for event in backlog:
                yield event
            newest = backlog[-1]["seq"] if backlog else seq
            while True:
                event = await queue.get()
                if event["seq"] > newest and (kinds is None or event["kind"] in kinds):
                    yield event
        finally:
            self._subscribers.discard(queue)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

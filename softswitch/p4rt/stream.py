"""StreamChannel payloads other than packets (``softswitch.p4rt.packet_io``): digest lists
and idle timeout notifications."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from finsy.proto import p4d, p4r

from softswitch.p4rt.canonical import encode_uint
from softswitch.p4rt.schema import DigestInfo, Schema
from softswitch.p4rt.tables import TableStore

Broadcast = Callable[[p4r.StreamMessageResponse], None]


def digest_data(info: DigestInfo, values: tuple[int, ...]) -> p4d.P4Data:
    members = [p4d.P4Data(bitstring=encode_uint(v)) for v in values]
    if info.container == "bitstring":
        return members[0]
    if info.container == "header":
        return p4d.P4Data(
            header=p4d.P4Header(is_valid=True, bitstrings=[m.bitstring for m in members])
        )
    return p4d.P4Data(struct=p4d.P4StructLike(members=members))


@dataclass
class _DigestBuffer:
    items: list[tuple[int, ...]] = field(default_factory=list)
    flush_handle: asyncio.TimerHandle | None = None


class DigestEngine:
    """Batches ``digest()`` data into DigestLists per the DigestEntry config (spec 16.4).

    Data already sent stays suppressed until its list is acked or ``ack_timeout_ns`` passes,
    so a learning controller sees each new MAC once, not once per packet.
    """

    def __init__(
        self,
        schema: Schema,
        configs: dict[int, p4r.DigestEntry.Config],
        send: Broadcast,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.by_name = {d.name: d for d in schema.digests.values()}
        self.configs = configs
        self.send = send
        self.loop = loop
        self.buffers: dict[int, _DigestBuffer] = {}
        self.unacked: dict[
            tuple[int, int], tuple[list[tuple[int, ...]], asyncio.TimerHandle | None]
        ] = {}
        self.suppressed: set[tuple[int, tuple[int, ...]]] = set()
        self.next_list_id = 1

    def wanted(self, name: str, values: tuple[int, ...]) -> bool:
        """Whether ``digest()`` data is reported: its digest is configured (digests are only
        generated once the controller configured them) and the same data is not awaiting an
        ack. It only reads, so dataplane threads call it first: data that would be dropped
        does not wake the event loop (one wake-up per packet in a flood)."""
        info = self.by_name.get(name)
        return (
            info is not None
            and info.id in self.configs
            and (info.id, values) not in self.suppressed
        )

    def on_digest(self, name: str, values: tuple[int, ...]) -> None:
        if not self.wanted(name, values):  # again: the state may have changed since
            return
        info = self.by_name[name]
        config = self.configs[info.id]
        self.suppressed.add((info.id, values))
        buffer = self.buffers.setdefault(info.id, _DigestBuffer())
        buffer.items.append(values)
        if (
            config.max_list_size and len(buffer.items) >= config.max_list_size
        ) or config.max_timeout_ns <= 0:
            self.flush(info.id)
        elif buffer.flush_handle is None:
            buffer.flush_handle = self.loop.call_later(
                config.max_timeout_ns / 1e9, self.flush, info.id
            )

    def flush(self, digest_id: int) -> None:
        buffer = self.buffers.pop(digest_id, None)
        if buffer is None or not buffer.items:
            return
        if buffer.flush_handle is not None:
            buffer.flush_handle.cancel()
        info = next(d for d in self.by_name.values() if d.id == digest_id)
        list_id = self.next_list_id
        self.next_list_id += 1
        config = self.configs.get(digest_id)
        expiry = None
        if config is not None and config.ack_timeout_ns > 0:
            expiry = self.loop.call_later(
                config.ack_timeout_ns / 1e9, self._release, digest_id, list_id
            )
        self.unacked[(digest_id, list_id)] = (buffer.items, expiry)
        self.send(
            p4r.StreamMessageResponse(
                digest=p4r.DigestList(
                    digest_id=digest_id,
                    list_id=list_id,
                    data=[digest_data(info, v) for v in buffer.items],
                    timestamp=time.time_ns(),
                )
            )
        )

    def ack(self, ack: p4r.DigestListAck) -> None:
        self._release(ack.digest_id, ack.list_id)

    def _release(self, digest_id: int, list_id: int) -> None:
        items, expiry = self.unacked.pop((digest_id, list_id), ([], None))
        if expiry is not None:
            expiry.cancel()
        for values in items:
            self.suppressed.discard((digest_id, values))

    def close(self) -> None:
        for buffer in self.buffers.values():
            if buffer.flush_handle is not None:
                buffer.flush_handle.cancel()
        for _, expiry in self.unacked.values():
            if expiry is not None:
                expiry.cancel()
        self.buffers.clear()
        self.unacked.clear()


def idle_notification(tables: TableStore, now_ns: int) -> p4r.StreamMessageResponse | None:
    """Entries idle for at least their ``idle_timeout_ns`` and not yet reported since last hit."""
    expired = []
    for table in tables.schema.tables.values():
        if not table.notify_idle:
            continue
        for stored in tables.entries[table.id].values():
            timeout = stored.entry.idle_timeout_ns
            if not timeout:
                continue
            last_hit = tables.device.entry_last_hit_ns(stored.ref)
            if now_ns - last_hit < timeout or stored.idle_notified_hit_ns == last_hit:
                continue
            stored.idle_notified_hit_ns = last_hit
            entry = p4r.TableEntry()
            entry.CopyFrom(stored.entry)
            entry.ClearField("action")
            expired.append(entry)
    if not expired:
        return None
    return p4r.StreamMessageResponse(
        idle_timeout_notification=p4r.IdleTimeoutNotification(
            table_entry=expired, timestamp=time.time_ns()
        )
    )

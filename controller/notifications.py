"""What the controller knows from fast notifications: soft state with expiry and replay checks.

A ``*_DETECTED`` or ``STATUS`` notification creates state about an object (a port, link, node,
path or flow) that lives ``lifetime`` ms unless a newer notification from the same originator
refreshes it; ``CONGESTION_CLEARED`` / ``FAILURE_RECOVERED`` end it at once (docs/wire-format.md,
section 2.1). Notifications whose sequence number is not newer than the last one seen from the
same originator about the same condition and object are replays or reordered duplicates and
change nothing. Sequences are compared per condition and object, not per originator: flood
copies of different events reach the controller through different neighbours, out of order,
and a switch numbers congestion FNs (egress) apart from failure and status FNs (ingress).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from scapy.layers.l2 import Ether
from scapy.packet import Packet

from controller.wire import FN, FnType, MetricKind, ObjectKind, WireFormatError


class Condition(Enum):
    CONGESTED = "congested"
    FAILED = "failed"
    STATUS = "status"


_STARTS = {
    FnType.CONGESTION_DETECTED: Condition.CONGESTED,
    FnType.FAILURE_DETECTED: Condition.FAILED,
    FnType.STATUS: Condition.STATUS,
}
_ENDS = {
    FnType.CONGESTION_CLEARED: Condition.CONGESTED,
    FnType.FAILURE_RECOVERED: Condition.FAILED,
}


@dataclass(frozen=True)
class ObjectRef:
    kind: ObjectKind
    id: int

    def __str__(self) -> str:
        if self.kind == ObjectKind.PORT:
            return f"port {self.id >> 16}:{self.id & 0xFFFF}"
        return f"{self.kind.name.lower()} {self.id}"


@dataclass(frozen=True)
class Notification:
    """One received FN, with where and when the controller got it."""

    fn_type: FnType
    originator: int
    sequence: int
    timestamp_us: int  # originator clock
    target: ObjectRef
    metric_kind: MetricKind
    metric_value: int
    lifetime_ms: int
    received_by: str  # switch that punted it to the controller
    received_at: float  # controller clock, seconds
    five_tuple: tuple[str, str, int, int, int] | None = None

    @classmethod
    def from_fn(cls, fn: Packet, received_by: str, received_at: float) -> Notification:
        try:
            fn_type = FnType(fn.fn_type)
            kind = ObjectKind(fn.object_kind)
            metric = MetricKind(fn.metric_kind)
        except ValueError as exc:
            raise WireFormatError(f"malformed FN: {exc}") from None
        five = fn.five_tuple
        return cls(
            fn_type=fn_type,
            originator=fn.originator,
            sequence=fn.sequence,
            timestamp_us=fn.timestamp,
            target=ObjectRef(kind, fn.object_id),
            metric_kind=metric,
            metric_value=fn.metric_value,
            lifetime_ms=fn.lifetime,
            received_by=received_by,
            received_at=received_at,
            five_tuple=None
            if five is None
            else (five.src_addr, five.dst_addr, five.src_port, five.dst_port, five.protocol),
        )

    @classmethod
    def from_frame(cls, frame: bytes, received_by: str, received_at: float) -> Notification:
        """Decode an Ethernet frame carrying an FN (as punted in a PacketIn)."""
        pkt = Ether(frame)
        if FN not in pkt:
            raise WireFormatError(f"not an FN packet: {pkt.summary()}")
        return cls.from_fn(pkt[FN], received_by, received_at)

    def as_event(self) -> dict[str, object]:
        """A flat record for the event log and `fantelctl events`."""
        return {
            "type": self.fn_type.name.lower(),
            "originator": self.originator,
            "sequence": self.sequence,
            "originator_ts_us": self.timestamp_us,
            "object": str(self.target),
            "metric": self.metric_kind.name.lower(),
            "value": self.metric_value,
            "lifetime_ms": self.lifetime_ms,
            "switch": self.received_by,
            "received_at": self.received_at,
        }


@dataclass(frozen=True)
class Change:
    """A condition that began (``active``) or ended on an object."""

    condition: Condition
    target: ObjectRef
    active: bool
    cause: Notification | None  # None when the state expired


def _newer(seq: int, last: int) -> bool:
    """Serial-number comparison (RFC 1982) for 32-bit sequence numbers, so wrap-around works."""
    return seq != last and ((seq - last) & 0xFFFFFFFF) < 0x80000000


@dataclass
class SoftState:
    """The set of active conditions, fed by notifications and a clock."""

    _active: dict[tuple[Condition, ObjectRef], tuple[Notification, float]] = field(
        default_factory=dict
    )
    _last_sequence: dict[tuple[int, Condition | None, ObjectRef], int] = field(default_factory=dict)
    replays: int = 0

    def apply(self, note: Notification) -> Change | None:
        """Take one notification in; return what changed, if anything."""
        condition = _STARTS.get(note.fn_type, _ENDS.get(note.fn_type))
        stream = (note.originator, condition, note.target)
        last = self._last_sequence.get(stream)
        if last is not None and not _newer(note.sequence, last):
            self.replays += 1
            return None
        self._last_sequence[stream] = note.sequence
        if note.fn_type in _STARTS:
            key = (_STARTS[note.fn_type], note.target)
            began = key not in self._active
            self._active[key] = (note, note.received_at + note.lifetime_ms / 1000)
            return Change(key[0], note.target, True, note) if began else None
        if note.fn_type in _ENDS:
            key = (_ENDS[note.fn_type], note.target)
            if self._active.pop(key, None) is not None:
                return Change(key[0], note.target, False, note)
        return None

    def forget(self, originator: int) -> None:
        """Drop the sequence numbers kept for `originator`: it restarted (or may have), and a
        restarted switch numbers its FNs from 1 again. Active conditions stay until they end
        or expire."""
        for stream in [s for s in self._last_sequence if s[0] == originator]:
            del self._last_sequence[stream]

    def expire(self, now: float) -> list[Change]:
        """Drop state whose lifetime ran out without a refresh."""
        gone = [key for key, (_, deadline) in self._active.items() if deadline <= now]
        for key in gone:
            del self._active[key]
        return [Change(condition, obj, False, None) for condition, obj in gone]

    def active(self, condition: Condition) -> dict[ObjectRef, Notification]:
        return {obj: note for (cond, obj), (note, _) in self._active.items() if cond == condition}

    def next_deadline(self) -> float | None:
        return min((deadline for _, deadline in self._active.values()), default=None)

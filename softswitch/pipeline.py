"""The v1model architecture loop with BMv2 ``simple_switch`` semantics.

One ingress pass: parser (a parser error is recorded in ``parser_error`` and the packet
still goes to ingress), verify-checksum, ingress, then BMv2's end-of-ingress order: clone
(I2E, the packet as it entered ingress, re-parsed, metadata reset but for the preserved
field list), digest, resubmit, multicast, drop (``egress_spec == 511``), enqueue. One egress
pass: egress, then clone (E2E), drop, compute-checksum + deparse, recirculate, output.
(See BMv2 ``docs/simple_switch.md`` "after-ingress/after-egress pseudocode" and
``targets/simple_switch/simple_switch.cpp``.)
"""

from __future__ import annotations

import contextlib
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from softswitch.codegen.program import CompiledProgram
from softswitch.codegen.rt import ExitSignal, PacketIn, PacketOut, ParserReject
from softswitch.runtime.clock import Clock
from softswitch.runtime.replication import CloneSessions, MulticastEngine
from softswitch.runtime.traffic import QueuedPacket, TrafficManager

log = logging.getLogger(__name__)

DROP_PORT = 511
# BMv2 PktInstanceType values (simple_switch.h).
NORMAL, INGRESS_CLONE, EGRESS_CLONE, COALESCED, RECIRC, REPLICATION, RESUBMIT = range(7)
# Resubmit/recirculate loops are bounded so a program cannot hang the switch.
MAX_PASSES = 64


@dataclass(slots=True)
class Digest:
    """A ``digest<T>(receiver, data)`` message: the type name of ``data`` and its fields."""

    name: str
    values: dict[str, int]


@dataclass(slots=True)
class _IngressJob:
    data: bytes
    port: int
    instance_type: int
    passes: int
    preserved: tuple[Any, Any, Callable[..., None]] | None = None  # (meta, sm, copier)


@dataclass(slots=True)
class _EgressItem:
    hdr: Any
    meta: Any
    sm: Any
    payload: bytes
    length: int
    ingress_port: int
    passes: int
    # Bytes kept at output (BMv2 Packet::truncated_length), None = whole packet. BMv2 copies
    # made by the replication engine, clone, resubmit and recirculate start untruncated.
    truncate: int | None = None
    # recirculate() called in ingress: BMv2 keeps the flag in the packet's registers and
    # acts on it after egress; copies (replication engine, clones) start with it cleared.
    recirculate: Callable[..., None] | None = None


def _as_dict(value: Any) -> dict[str, int]:
    """Field values of a generated struct/header object (nested structs flattened with dots)."""
    out: dict[str, int] = {}
    for slot in getattr(type(value), "__slots__", ()):
        if not slot.startswith("f_"):
            continue
        item = getattr(value, slot)
        if hasattr(type(item), "__slots__") and not isinstance(item, int | bool):
            for k, v in _as_dict(item).items():
                out[f"{slot[2:]}.{k}"] = v
        elif isinstance(item, tuple):
            out[slot[2:]] = item[1] if len(item) == 2 else 0
        else:
            out[slot[2:]] = int(item)
    return out


class Pipeline:
    """Runs packets through a compiled program; outputs and digests go to the callbacks."""

    def __init__(
        self,
        program: CompiledProgram,
        clock: Clock,
        traffic: TrafficManager[_EgressItem],
        multicast: MulticastEngine,
        clones: CloneSessions,
        output: Callable[[int, bytes], None],
        digest: Callable[[Digest], None],
    ) -> None:
        self.program = program
        self.clock = clock
        self.traffic = traffic
        self.multicast = multicast
        self.clones = clones
        self._output = output
        self._digest = digest
        stages = program.stages
        self._parse = stages["parser"]
        self._verify = stages["verify"]
        self._ingress = stages["ingress"]
        self._egress = stages["egress"]
        self._compute = stages["compute"]
        self._deparse = stages["deparser"]
        self._pkt = program.packet_state
        self._pending: deque[_IngressJob] = deque()
        self.errors: list[str] = []

    # ---- driving

    def inject(self, port: int, data: bytes) -> None:
        """Ingress one packet, then run everything that becomes ready (egress included)."""
        self._pending.append(_IngressJob(bytes(data), port, NORMAL, 0))
        self.run_ready()

    def run_ready(self) -> None:
        """Process pending ingress passes and every queued packet whose departure time has come."""
        while True:
            while self._pending:
                self._guarded(self._ingress_pass, self._pending.popleft())
            ready = self.traffic.dequeue_ready()
            if not ready:
                return
            for queued in ready:
                self._guarded(self._egress_pass, queued)

    def _guarded(self, fn: Callable[[Any], None], arg: Any) -> None:
        # Programs can fail at run time (stack index out of range, assert); BMv2 would log
        # or abort. The switch must survive: the packet is dropped and the error kept.
        try:
            fn(arg)
        except Exception as err:
            message = f"packet dropped: {type(err).__name__}: {err}"
            log.warning(message)
            self.errors.append(message)

    def _now_us(self) -> int:
        return self.clock.now_ns() // 1000

    # ---- ingress

    def _parse_packet(self, data: bytes, hdr: Any, meta: Any, sm: Any) -> bytes:
        """Run the parser; returns the unparsed payload."""
        pk = PacketIn(data)
        try:
            self._parse(pk, hdr, meta, sm)
        except ParserReject as reject:
            sm.f_parser_error = reject.error_code
        return data[pk.pos >> 3 :]

    def _ingress_pass(self, job: _IngressJob) -> None:
        prog = self.program
        hdr, meta, sm = prog.header_class(), prog.meta_class(), prog.std_meta_class()
        data = job.data
        sm.f_instance_type = job.instance_type
        sm.f_packet_length = len(data)
        if job.preserved is None:
            # simple_switch sets these when a packet is received from a port only; a
            # resubmitted or recirculated packet starts from reset metadata.
            sm.f_ingress_port = job.port
            sm.f_ingress_global_timestamp = self._now_us()
        else:
            old_meta, old_sm, copier = job.preserved
            copier(old_meta, old_sm, meta, sm)
        pkt = self._pkt
        pkt.reset()
        pkt.sm = sm
        pkt.ingress_length = len(data)
        payload = self._parse_packet(data, hdr, meta, sm)
        pkt.checksum_payload = payload
        self._verify(hdr, meta)
        with contextlib.suppress(ExitSignal):
            self._ingress(hdr, meta, sm)
        self._end_of_ingress(job, hdr, meta, sm, payload)

    def _end_of_ingress(
        self, job: _IngressJob, hdr: Any, meta: Any, sm: Any, payload: bytes
    ) -> None:
        pkt = self._pkt
        clone_session, clone_copier = pkt.clone_session, pkt.clone_copier
        digest, resubmit = pkt.digest, pkt.resubmit_copier
        if clone_session is not None and clone_copier is not None:
            self._ingress_clone(job, clone_session, clone_copier, meta, sm)
        if digest is not None:
            self._digest(Digest(digest[0], _as_dict(digest[1]())))
        if resubmit is not None:
            if job.passes + 1 < MAX_PASSES:
                self._pending.append(
                    _IngressJob(job.data, job.port, RESUBMIT, job.passes + 1, (meta, sm, resubmit))
                )
            return
        # truncate() in ingress marks the packet itself (BMv2 Packet::truncate).
        item = _EgressItem(
            hdr,
            meta,
            sm,
            payload,
            len(job.data),
            job.port,
            job.passes,
            pkt.truncate,
            pkt.recirculate_copier,
        )
        group = sm.f_mcast_grp
        if group:
            sm.f_instance_type = REPLICATION
            self._replicate(item, group, None)
            return
        if sm.f_egress_spec == DROP_PORT:
            return
        sm.f_instance_type = NORMAL
        self._enqueue(sm.f_egress_spec, item)

    def _ingress_clone(
        self, job: _IngressJob, session_id: int, copier: Callable[..., None], meta: Any, sm: Any
    ) -> None:
        session = self.clones.get(session_id)
        if session is None:
            return
        prog = self.program
        c_hdr, c_meta, c_sm = prog.header_class(), prog.meta_class(), prog.std_meta_class()
        # Re-parse the packet as it entered ingress (the parser may branch on the port);
        # the clone's metadata is then reset but for the preserved field list.
        parse_sm = prog.std_meta_class()
        parse_sm.f_ingress_port = job.port
        payload = self._parse_packet(job.data, c_hdr, prog.meta_class(), parse_sm)
        copier(meta, sm, c_meta, c_sm)
        c_sm.f_instance_type = INGRESS_CLONE
        clone = _EgressItem(c_hdr, c_meta, c_sm, payload, len(job.data), job.port, job.passes)
        self._send_clone(clone, session.mcast_group, session.port, session.truncate_length)

    def _send_clone(
        self, clone: _EgressItem, group: int | None, port: int | None, truncate: int
    ) -> None:
        # The session's packet_length_bytes (P4Runtime CloneSession), 0 = whole packet.
        clone.truncate = truncate or None
        if group:
            self._replicate(clone, group, clone.truncate)
        if port is not None:
            self._enqueue(port, clone if not group else self._copy_item(clone, clone.truncate))

    @staticmethod
    def _copy_item(item: _EgressItem, truncate: int | None) -> _EgressItem:
        return _EgressItem(
            item.hdr._copy(),
            item.meta._copy(),
            item.sm._copy(),
            item.payload,
            item.length,
            item.ingress_port,
            item.passes,
            truncate,
        )

    def _replicate(self, item: _EgressItem, group: int, truncate: int | None) -> None:
        for replica in self.multicast.replicas(group):
            copy = self._copy_item(item, truncate)
            copy.sm.f_egress_rid = replica.rid
            self._enqueue(replica.port, copy)

    def _enqueue(self, port: int, item: _EgressItem) -> None:
        priority = getattr(item.sm, "f_priority", 0)
        queued = self.traffic.enqueue(port, item, priority)
        if queued is not None:
            sm = item.sm
            sm.f_enq_timestamp = queued.enq_timestamp & 0xFFFFFFFF
            sm.f_enq_qdepth = queued.enq_qdepth & 0x7FFFF

    # ---- egress

    def _egress_pass(self, queued: QueuedPacket[_EgressItem]) -> None:
        item = queued.item
        hdr, meta, sm = item.hdr, item.meta, item.sm
        sm.f_egress_port = queued.port
        sm.f_egress_spec = 0
        sm.f_packet_length = item.length
        sm.f_deq_qdepth = queued.deq_qdepth & 0x7FFFF
        sm.f_deq_timedelta = queued.deq_timedelta & 0xFFFFFFFF
        sm.f_egress_global_timestamp = self._now_us() & 0xFFFFFFFFFFFF
        pkt = self._pkt
        pkt.reset()
        pkt.sm = sm
        pkt.ingress_length = item.length
        pkt.checksum_payload = item.payload
        with contextlib.suppress(ExitSignal):
            self._egress(hdr, meta, sm)
        clone_session, clone_copier = pkt.clone_session, pkt.clone_copier
        recirculate, truncate = pkt.recirculate_copier or item.recirculate, pkt.truncate
        if clone_session is not None and clone_copier is not None:
            self._egress_clone(item, clone_session, clone_copier)
        if sm.f_egress_spec == DROP_PORT:
            return
        pkt.checksum_payload = item.payload
        self._compute(hdr, meta)
        out = PacketOut()
        self._deparse(out, hdr)
        data = b"".join(out.parts) + item.payload
        if recirculate is not None:
            if item.passes + 1 < MAX_PASSES:
                self._pending.append(
                    _IngressJob(
                        data, item.ingress_port, RECIRC, item.passes + 1, (meta, sm, recirculate)
                    )
                )
            return
        for limit in (truncate, item.truncate):
            if limit is not None:
                data = data[:limit]
        self._output(queued.port, data)

    def _egress_clone(
        self, item: _EgressItem, session_id: int, copier: Callable[..., None]
    ) -> None:
        session = self.clones.get(session_id)
        # A clone may clone itself again in egress (BMv2 would loop forever): bounded here.
        if session is None or item.passes + 1 >= MAX_PASSES:
            return
        prog = self.program
        c_meta, c_sm = prog.meta_class(), prog.std_meta_class()
        copier(item.meta, item.sm, c_meta, c_sm)
        c_sm.f_instance_type = EGRESS_CLONE
        clone = _EgressItem(
            item.hdr._copy(),
            c_meta,
            c_sm,
            item.payload,
            item.length,
            item.ingress_port,
            item.passes + 1,
        )
        self._send_clone(clone, session.mcast_group, session.port, session.truncate_length)

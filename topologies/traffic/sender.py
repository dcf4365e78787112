"""The sender agent: paces the flows of one host onto its interface with a raw socket and, for
flows that ask for it, reacts to congestion FNs about them by cutting the rate (AIMD).

Congestion FNs are addressed to the flow's sender (docs/wire-format.md 2.1), so the agent reads
them from the same interface through a kernel BPF filter on UDP port 4793. RoCEv2 CNPs (the
end-to-end ECN echo of the baseline, sent by receivers) arrive on UDP 4791 through a second
filtered socket and get the same reaction. Every reaction is logged with the wall-clock
arrival time and the signal's own fields, which gives the congestion-onset-to-reaction figure.
"""

from __future__ import annotations

import heapq
import select
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scapy.layers.l2 import Ether

from controller.wire import FN, FnType, UdpPorts
from topologies.traffic.flows import ResolvedFlow, SenderJob, read_epoch, run_until_stopped
from topologies.traffic.packets import (
    PLAIN_UDP_PORT,
    FlowEndpoints,
    RoceFrameBuilder,
    SemFields,
    UdpFrameBuilder,
    is_fn_frame,
    parse_cnp,
)
from topologies.traffic.rawsock import open_packet_socket, udp_dport_filter

#: A sender that fell this far behind its schedule restarts pacing instead of bursting.
MAX_BACKLOG_S = 0.05


@dataclass
class FlowState:
    flow: ResolvedFlow
    builder: RoceFrameBuilder | UdpFrameBuilder
    start_ns: int
    end_ns: int
    rate: float
    seq: int = 0
    errors: int = 0
    last_cut_ns: int = 0
    last_change_ns: int = 0
    bins: dict[int, int] = field(default_factory=dict)
    reactions: list[dict[str, Any]] = field(default_factory=list)
    rates: list[tuple[int, float]] = field(default_factory=list)

    @property
    def configured(self) -> float:
        return self.flow.spec.rate_pps


def fn_type_name(value: int) -> str:
    try:
        return FnType(value).name
    except ValueError:
        return f"TYPE_{value}"


def build_frame_builder(flow: ResolvedFlow) -> RoceFrameBuilder | UdpFrameBuilder:
    spec = flow.spec
    ends = FlowEndpoints(
        src_mac=flow.src_mac,
        gateway_mac=flow.gateway_mac,
        src_ip=flow.src_ip,
        dst_ip=flow.dst_ip,
        sport=spec.sport,
        dport=UdpPorts.ROCEV2 if spec.kind == "rocev2" else PLAIN_UDP_PORT,
        dest_qp=spec.dest_qp,
    )
    if spec.kind == "udp":
        return UdpFrameBuilder(ends, spec.payload)
    sem = None
    if spec.sem:
        sem = SemFields(
            tclass=spec.traffic_class,
            urgency=spec.urgency,
            tenant_id=flow.tenant_id,
            task_id=spec.task_id,
            stage=spec.stage,
            buffer_ok=int(spec.buffer_ok),
            max_delay=min(0xFFFF, round(spec.max_delay_ms * 1000 / 1024)),
            token_hint=spec.token_hint,
            keep=int(spec.keep),
            quant_ok=int(spec.quant_ok),
            experts=spec.experts,
        )
    return RoceFrameBuilder(ends, spec.payload, sem)


class SenderAgent:
    def __init__(self, job: SenderJob) -> None:
        self.job = job
        self.flows = [
            FlowState(
                flow=f,
                builder=build_frame_builder(f),
                start_ns=job.epoch_ns + int(f.spec.start_s * 1e9),
                end_ns=job.epoch_ns + int((f.spec.start_s + f.spec.duration_s) * 1e9),
                rate=f.spec.rate_pps,
            )
            for f in job.flows
        ]
        self.fns_seen: list[dict[str, Any]] = []
        self.stopping = False
        self.epoch_ns = job.epoch_ns

    # -- congestion reaction -------------------------------------------------------------

    def _match(self, fn: FN) -> FlowState | None:
        tuple_ = fn.five_tuple
        if tuple_ is None:
            return None
        for state in self.flows:
            f = state.flow
            if (tuple_.src_addr, tuple_.dst_addr, tuple_.src_port) == (
                f.src_ip,
                f.dst_ip,
                f.spec.sport,
            ):
                return state
        return None

    def on_fn(self, frame: bytes, now_ns: int) -> None:
        packet = Ether(frame)
        if FN not in packet:
            return
        fn = packet[FN]
        state = self._match(fn)
        record = {
            "t_ns": now_ns,
            "type": fn_type_name(fn.fn_type),
            "originator": fn.originator,
            "sequence": fn.sequence,
            "timestamp_us": fn.timestamp,
            "metric": fn.metric_value,
            "flow": state.flow.spec.name if state else None,
        }
        self.fns_seen.append(record)
        if fn.fn_type == FnType.CONGESTION_DETECTED:
            self._cut(state, record, now_ns)

    def on_cnp(self, frame: bytes, now_ns: int) -> None:
        cnp = parse_cnp(frame)
        if cnp is None:
            return
        src, dest_qp = cnp
        state = next(
            (s for s in self.flows if (s.flow.dst_ip, s.flow.spec.dest_qp) == (src, dest_qp)),
            None,
        )
        record = {"t_ns": now_ns, "type": "CNP", "flow": state.flow.spec.name if state else None}
        self.fns_seen.append(record)
        self._cut(state, record, now_ns)

    def _cut(self, state: FlowState | None, record: dict[str, Any], now_ns: int) -> None:
        """Multiplicative decrease for a reacting flow, once per hold-off."""
        if state is None or not state.flow.spec.react:
            return
        reaction = state.flow.spec.reaction
        if now_ns - state.last_cut_ns < reaction.holdoff_s * 1e9:
            return
        floor = state.configured * reaction.min_fraction
        self._set_rate(state, max(floor, state.rate * reaction.decrease), now_ns)
        state.last_cut_ns = now_ns
        state.reactions.append({**record, "new_rate_pps": state.rate})

    def _set_rate(self, state: FlowState, rate: float, now_ns: int) -> None:
        state.rate = rate
        state.last_change_ns = now_ns
        state.rates.append((now_ns, rate))

    def _additive_increase(self, state: FlowState, now_ns: int) -> None:
        reaction = state.flow.spec.reaction
        if state.rate >= state.configured:
            return
        if now_ns - state.last_change_ns >= reaction.increase_every_s * 1e9:
            step = state.configured * reaction.increase_fraction
            self._set_rate(state, min(state.configured, state.rate + step), now_ns)

    # -- main loop -----------------------------------------------------------------------

    def _poll(self, sock: socket.socket, cnps: socket.socket) -> None:
        for source in (sock, cnps):
            while True:
                try:
                    frame = source.recv(65535, socket.MSG_DONTWAIT)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    break  # link down: nothing to read
                if source is cnps:
                    self.on_cnp(frame, time.time_ns())
                elif is_fn_frame(frame):
                    self.on_fn(frame, time.time_ns())

    def _await_go(self) -> None:
        """Start handshake (SenderJob.go): announce readiness, wait for the epoch, and move
        every flow's schedule onto it."""
        Path(self.job.ready).touch()
        epoch = read_epoch(self.job.go)
        while epoch is None and not self.stopping:
            time.sleep(0.01)
            epoch = read_epoch(self.job.go)
        if epoch is None:
            return
        shift = epoch - self.epoch_ns
        self.epoch_ns = epoch
        for state in self.flows:
            state.start_ns += shift
            state.end_ns += shift

    def run(self) -> dict[str, Any]:
        # Non-blocking (timeout 0): with a timeout, Python waits that long inside recv() even
        # with MSG_DONTWAIT, and every data frame the CNP filter lets through (plain RoCEv2
        # to this host) would stall pacing by the timeout.
        fns = udp_dport_filter(UdpPorts.FN)
        sock = open_packet_socket(self.job.iface, program=fns, timeout_s=0.0)
        cnps = open_packet_socket(
            self.job.iface, program=udp_dport_filter(UdpPorts.ROCEV2), timeout_s=0.0
        )
        if self.job.go:
            self._await_go()
        due: list[tuple[int, int]] = [(s.start_ns, i) for i, s in enumerate(self.flows)]
        heapq.heapify(due)
        try:
            while due and not self.stopping:
                next_ns, index = due[0]
                now_ns = time.time_ns()
                if next_ns > now_ns:
                    wait = min((next_ns - now_ns) / 1e9, 0.05)
                    readable, _, _ = select.select([sock, cnps], [], [], wait)
                    if readable:
                        self._poll(sock, cnps)
                    continue
                heapq.heappop(due)
                state = self.flows[index]
                if now_ns >= state.end_ns:
                    continue
                self._send(sock, state, now_ns)
                if state.flow.spec.react:
                    self._additive_increase(state, now_ns)
                interval_ns = int(1e9 / state.rate)
                following = max(next_ns + interval_ns, now_ns - int(MAX_BACKLOG_S * 1e9))
                heapq.heappush(due, (following, index))
            self._poll(sock, cnps)
        finally:
            sock.close()
            cnps.close()
        return self.result()

    def _send(self, sock: socket.socket, state: FlowState, now_ns: int) -> None:
        frame = state.builder.frame(state.flow.flow_id, state.seq, now_ns)
        try:
            sock.send(frame)
        except OSError:
            state.errors += 1  # ENETDOWN/ENOBUFS: counted as sent-but-lost by the receiver
        state.seq += 1
        bin_index = (now_ns - self.epoch_ns) // int(self.job.bin_s * 1e9)
        state.bins[bin_index] = state.bins.get(bin_index, 0) + 1

    def result(self) -> dict[str, Any]:
        return {
            "epoch_ns": self.epoch_ns,
            "bin_s": self.job.bin_s,
            "fns": self.fns_seen,
            "flows": {
                s.flow.spec.name: {
                    "flow_id": s.flow.flow_id,
                    "sent": s.seq,
                    "send_errors": s.errors,
                    "frame_len": s.builder.frame_len,
                    "bins": {str(k): v for k, v in sorted(s.bins.items())},
                    "reactions": s.reactions,
                    "rates": s.rates,
                }
                for s in self.flows
            },
        }


def run_sender(job: SenderJob) -> int:
    return run_until_stopped(SenderAgent(job), job.result)

"""Semantic contract figures on the embedded target (FANTEL v1model program, virtual clock).

1. Quantization under overload: bursts of quantizable FP32 activations plus a steady urgent
   flow enter port 1 and leave by port 2, whose BMv2 queue is shaped to a packet rate; the
   same traffic runs without and with a `quantize_thresholds` entry. BMv2 queues are shaped in
   packets per second, so a smaller packet does not leave the switch's own queue sooner: the
   byte saving pays off on the byte-rate link behind the port. The bench therefore serializes
   the switch's output onto a FIFO link of fixed byte rate and reports the urgent packets'
   queueing delay (switch queue + link) next to the bytes saved (register `quant_bytes_saved`).
2. MoE: Zipf-skewed top-4 gates; expert load imbalance (max/mean tokens) of always-top-1
   versus the switch's least-loaded choice (register `expert_load`).
"""

from __future__ import annotations

import argparse
import random
import statistics
import struct
from ipaddress import IPv4Address

from scapy.layers.inet import UDP
from scapy.layers.l2 import Ether

from controller.lab import HOST_PORT, OUT_PORT, apply, sem_packet, two_port_switch
from controller.semantic import expert_entities, quantize_threshold_entry
from controller.wire import SEM, ElemFormat, SemMoe, TrafficClass
from softswitch.switch import Switch

NS_PER_US = 1000
BURST = 8  # activation packets per burst, back to back
BURST_PERIOD_US = 64
URGENT_PERIOD_US = 16
SWITCH_PPS = 160_000  # port 2 queue rate
LINK_BYTES_PER_S = 24_000_000  # the link behind port 2
QUANT_THRESHOLD = 2  # packets queued behind
URGENT_SPORT = 7777
EXPERTS = 16


def _activation_payload() -> bytes:
    return struct.pack(">32f", *(0.01 * i for i in range(32)))


def _overload_run(duration_us: int, quantize: bool) -> tuple[list[float], int, int]:
    """Urgent delays (us), bytes offered, bytes saved."""
    sw = two_port_switch()
    sw.set_queue_rate(OUT_PORT, SWITCH_PPS)
    sw.set_queue_depth(OUT_PORT, 1024)
    if quantize:
        apply(sw, [quantize_threshold_entry(OUT_PORT, None, QUANT_THRESHOLD)])
    departures: list[tuple[int, int, int]] = []  # (switch tx ns, bytes, sport)
    sw.on_output(
        lambda port, data: (
            departures.append((sw.clock.now_ns(), len(data), Ether(data)[UDP].sport))
            if port == OUT_PORT
            else None
        )
    )
    bulk = sem_packet(
        SEM(
            tclass=TrafficClass.ACTIVATION,
            tenant_id=7,
            quant_ok=1,
            flag_keep=1,
            elem_format=ElemFormat.FP32,
            target_precision=ElemFormat.BF16,
        ),
        _activation_payload(),
        sport=5000,
    )
    urgent = sem_packet(
        SEM(tclass=TrafficClass.ACTIVATION, tenant_id=7, urgency=200, flag_keep=1),
        bytes(64),
        sport=URGENT_SPORT,
    )
    bulk_bytes, urgent_bytes = bytes(bulk), bytes(urgent)
    events = [(t, bulk_bytes) for t in range(0, duration_us, BURST_PERIOD_US) for _ in range(BURST)]
    events += [(t, urgent_bytes) for t in range(3, duration_us, URGENT_PERIOD_US)]
    events.sort(key=lambda e: e[0])
    sent_at: list[int] = []
    offered = 0
    for t_us, data in events:
        delta = t_us * NS_PER_US - sw.clock.now_ns()
        if delta > 0:
            sw.advance(delta)
        if data is urgent_bytes:
            sent_at.append(sw.clock.now_ns())
        offered += len(data)
        sw.inject(HOST_PORT, data)
    sw.run_until_idle()
    link_free = 0
    urgent_delays: list[float] = []
    for tx_ns, size, sport in departures:
        start = max(tx_ns, link_free)
        link_free = start + size * 1_000_000_000 // LINK_BYTES_PER_S
        if sport == URGENT_SPORT:
            urgent_delays.append((start - sent_at[len(urgent_delays)]) / NS_PER_US)
    saved = sw.register_read("quant_bytes_saved", TrafficClass.ACTIVATION)
    return urgent_delays, offered, saved


def _moe_imbalance(tokens: int) -> tuple[float, float]:
    sw: Switch = two_port_switch()
    base = IPv4Address("10.8.0.0")
    for e in range(EXPERTS):
        apply(sw, expert_entities(e, str(base + e), enabled=True))
    rng = random.Random(5)
    gate = [1 / (rank + 1) for rank in range(EXPERTS)]
    top1 = [0] * EXPERTS
    for t in range(tokens):
        candidates: list[int] = []
        while len(candidates) < 4:
            e = rng.choices(range(EXPERTS), gate)[0]
            if e not in candidates:
                candidates.append(e)
        top1[candidates[0]] += 1
        moe = SemMoe(token_id=t, cand_count=4)
        for i, e in enumerate(candidates):
            setattr(moe, f"expert{i}", e)
        sw.inject(HOST_PORT, bytes(sem_packet(SEM(tenant_id=7, moe=moe), dst="10.8.255.255")))
    sw.run_until_idle()
    chosen = [sw.register_read("expert_load", e) for e in range(EXPERTS)]
    return max(top1) / statistics.mean(top1), max(chosen) / statistics.mean(chosen)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench semantic", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    args = parser.parse_args(argv)
    duration_us = 5_000 if args.quick else 20_000
    tokens = 300 if args.quick else 2000
    print(
        f"Overload: bursts of {BURST} quantizable FP32 activations every {BURST_PERIOD_US} us "
        f"+ one urgent packet every {URGENT_PERIOD_US} us for {duration_us / 1000:g} ms; port "
        f"queue {SWITCH_PPS} pps, link behind it {LINK_BYTES_PER_S / 1e6:g} MB/s, quantize "
        f"threshold {QUANT_THRESHOLD} packets queued behind."
    )
    print(
        f"{'run':<16}{'offered B':>11}{'saved B':>10}{'saved %':>9}{'urgent mean us':>16}"
        f"{'p99 us':>9}{'max us':>9}"
    )
    for quantize in (False, True):
        delays, offered, saved = _overload_run(duration_us, quantize)
        p99 = statistics.quantiles(delays, n=100)[98]
        print(
            f"{'quantize' if quantize else 'no quantization':<16}{offered:>11}{saved:>10}"
            f"{100 * saved / offered:>8.1f}%{statistics.mean(delays):>16.1f}{p99:>9.1f}"
            f"{max(delays):>9.1f}"
        )
    top1, chosen = _moe_imbalance(tokens)
    print(
        f"MoE, {EXPERTS} experts, {tokens} tokens, Zipf top-4 gates: load max/mean "
        f"always-top-1 {top1:.2f}, in-network least-loaded {chosen:.2f}"
    )


if __name__ == "__main__":
    main()

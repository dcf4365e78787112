"""Fast congestion notification: offered load above the port rate builds the queue; the sender
gets a CONGESTION_DETECTED FN (exact bytes) at most once per flow per interval, and a
CONGESTION_CLEARED once the queue has drained.

Timeline (virtual clock, t0 = first packet): the port drains one packet per 100 us and the
sender offers one per 50 us. Packet i leaves at t0 + 100 i us having waited 50 i us, leaving
i - 1 packets behind it (``deq_qdepth``), so with a threshold of 4 packets the first FN comes
with packet 5 at t0 + 500 us and reports depth 4.
"""

from __future__ import annotations

import pytest
from scapy.layers.inet import IP
from scapy.layers.l2 import Ether
from scapy.packet import Packet

from controller.wire import FN, SEM, Ecn, ElemFormat, FnType, MetricKind, TrafficClass, insert_sem
from softswitch.switch import Switch
from tests.dataplane.fabric import (
    ECN_MARKED_COUNTER,
    FN_RATE_LIMITED_COUNTER,
    FN_TX_COUNTER,
    HOST_A_PORT,
    HOST_B_MAC,
    HOST_B_PORT,
    NODE,
    congestion_fn,
    congestion_thresholds,
    forwarded,
    now_us,
    quantize_thresholds,
    roce,
    tenant_limits,
)

RATE_PPS = 10_000  # 100 us per packet
OFFER_GAP_US = 50  # twice the port rate
QDEPTH_HI, QDEPTH_LO = 4, 1


def offer(sw: Switch, flows: list[bytes], count: int) -> tuple[list[tuple[int, bytes]], int]:
    """Offer ``count`` packets (round-robin over ``flows``), one per OFFER_GAP_US; returns the
    (time in us, bytes) of everything sent back to the sender and the data packets delivered."""
    to_sender: list[tuple[int, bytes]] = []
    delivered = 0
    for k in range(count):
        sw.inject(HOST_A_PORT, flows[k % len(flows)])
        sw.advance(OFFER_GAP_US * 1000)
        for port, out in sw.take_outputs():
            if port == HOST_A_PORT:
                to_sender.append((now_us(sw), out))
            elif port == HOST_B_PORT:
                delivered += 1
    return to_sender, delivered


def drain(sw: Switch) -> list[tuple[int, bytes]]:
    """Let the queue empty, one service time at a time; FNs sent back meanwhile."""
    to_sender = []
    while sw.traffic.depth(HOST_B_PORT):
        sw.advance(1_000_000_000 // RATE_PPS)
        to_sender += [(now_us(sw), out) for port, out in sw.take_outputs() if port == HOST_A_PORT]
    return to_sender


@pytest.fixture
def congestible(sw: Switch) -> Switch:
    sw.set_queue_rate(HOST_B_PORT, RATE_PPS)
    congestion_thresholds(sw, HOST_B_PORT, qdepth_hi=QDEPTH_HI, qdepth_lo=QDEPTH_LO)
    return sw


def quantizable_sem_flow(keep: int = 0) -> Packet:
    """A SEM flow whose FP32 payload the parser extracts for quantization (header stack);
    with ``keep`` the receiver is SEM-aware and congested packets really are quantized."""
    sem = SEM(
        tclass=TrafficClass.GRADIENT,
        flag_keep=keep,
        quant_ok=1,
        elem_format=ElemFormat.FP32,
        target_precision=ElemFormat.BF16,
        tenant_id=7,
    )
    return insert_sem(roce(payload=bytes(range(32))), sem)


@pytest.mark.parametrize(
    "flow",
    [roce(), quantizable_sem_flow(), quantizable_sem_flow(keep=1)],
    ids=["rocev2", "sem", "sem-quantized"],
)
def test_queue_over_threshold_sends_one_exact_fn_to_the_sender(
    congestible: Switch, flow: Packet
) -> None:
    sw = congestible
    tenant_limits(sw, 7, 255)
    quantize_thresholds(sw, HOST_B_PORT, 1)
    t0 = now_us(sw)
    to_sender, _ = offer(sw, [bytes(flow)], 12)
    [(sent_at, fn)] = to_sender
    assert sent_at == t0 + 500
    assert fn == congestion_fn(
        FnType.CONGESTION_DETECTED,
        flow=flow,
        egress_port=HOST_B_PORT,
        sequence=1,
        timestamp=t0 + 500,
        metric_kind=MetricKind.QUEUE_DEPTH,
        metric_value=QDEPTH_HI,
    )
    assert Ether(fn)[FN].five_tuple.dst_port == 4791  # the RoCEv2 flow, SEM or not


def test_at_most_one_fn_per_flow_per_interval_then_cleared_after_drain(congestible: Switch) -> None:
    sw = congestible
    flow, offered = roce(), 60  # 3 ms of overload
    t0 = now_us(sw)
    to_sender, _ = offer(sw, [bytes(flow)], offered)
    to_sender += drain(sw)
    # Packet i leaves at 100 i us with min(2 i, 60) - (i + 1) packets behind it: the queue stays
    # above 4 until packet 55 (5.5 ms) and is empty behind packet 59.
    behind = [min(2 * i, offered) - (i + 1) for i in range(offered)]
    above = [100 * i for i, depth in enumerate(behind) if depth >= QDEPTH_HI]
    assert (above[0], above[-1]) == (500, 5500)
    interval = NODE.fn_min_interval_us
    detected_at = list(range(500, 5501, interval))
    cleared_at = 100 * (offered - 1)
    assert [(at - t0, Ether(out)[FN].fn_type) for at, out in to_sender] == [
        *((at, FnType.CONGESTION_DETECTED) for at in detected_at),
        (cleared_at, FnType.CONGESTION_CLEARED),
    ]
    assert to_sender[-1][1] == congestion_fn(
        FnType.CONGESTION_CLEARED,
        flow=flow,
        egress_port=HOST_B_PORT,
        sequence=len(detected_at) + 1,
        timestamp=t0 + cleared_at,
        metric_kind=MetricKind.QUEUE_DEPTH,
        metric_value=0,
    )
    assert sw.counter_read(FN_TX_COUNTER, FnType.CONGESTION_DETECTED)[0] == len(detected_at)
    assert sw.counter_read(FN_TX_COUNTER, FnType.CONGESTION_CLEARED)[0] == 1
    # Every other departure above the threshold was held back by the per-flow rate limit.
    assert sw.counter_read(FN_RATE_LIMITED_COUNTER, 0)[0] == len(above) - len(detected_at)


def test_each_flow_is_rate_limited_on_its_own(congestible: Switch) -> None:
    sw = congestible
    flow_a, flow_b = roce(sport=1000), roce(sport=2000, qp=0x456)
    to_sender, _ = offer(sw, [bytes(flow_a), bytes(flow_b)], 16)
    detected = [Ether(out)[FN] for _, out in to_sender]
    assert [fn.fn_type for fn in detected] == [FnType.CONGESTION_DETECTED] * 2
    assert {fn.five_tuple.src_port for fn in detected} == {1000, 2000}
    assert {fn.qp.dest_qp for fn in detected} == {0x123, 0x456}
    assert [fn.sequence for fn in detected] == [1, 2]


def test_sojourn_time_threshold_reports_sojourn(sw: Switch) -> None:
    sw.set_queue_rate(HOST_B_PORT, RATE_PPS)
    congestion_thresholds(
        sw, HOST_B_PORT, qdepth_hi=1000, qdepth_lo=1000, sojourn_hi_us=300, sojourn_lo_us=100
    )
    flow = roce()
    t0 = now_us(sw)
    to_sender, _ = offer(sw, [bytes(flow)], 12)
    # Packet i waits 50 i us: packet 6 is the first to wait 300 us.
    [(sent_at, fn)] = to_sender
    assert fn == congestion_fn(
        FnType.CONGESTION_DETECTED,
        flow=flow,
        egress_port=HOST_B_PORT,
        sequence=1,
        timestamp=t0 + 600,
        metric_kind=MetricKind.SOJOURN_TIME,
        metric_value=300,
    )
    assert sent_at == t0 + 600


def test_no_fn_below_the_threshold_or_for_unmonitored_ports(congestible: Switch) -> None:
    sw = congestible
    sw.set_queue_rate(3, RATE_PPS)  # congested too, but no thresholds for port 3
    to_sender, delivered = offer(sw, [bytes(roce())], 7)  # depth behind packets stays < 4
    assert to_sender == []
    assert delivered == 4


def with_ecn(pkt: Packet, ecn: Ecn) -> Packet:
    marked = Ether(bytes(pkt))
    marked[IP].tos = (marked[IP].tos & 0xFC) | ecn
    marked[IP].chksum = None
    return Ether(bytes(marked))


def test_ecn_capable_packets_above_the_threshold_leave_marked_ce(congestible: Switch) -> None:
    """Packet i (of 12, one per 50 us into a 100 us port) leaves with min(12, 2 (i - 1)) - i
    packets behind it: depth >= 4 for packets 6, 7 and 8. The ECN-capable ones among them (7 and
    8) leave marked CE, checksum updated; packet 6 is not ECT and is not marked."""
    sw = congestible
    ect0, ect1 = with_ecn(roce(sport=1), Ecn.ECT0), with_ecn(roce(sport=2), Ecn.ECT1)
    not_ect = roce(sport=3)
    sent = [ect0, ect1, not_ect] * 4
    delivered: list[bytes] = []
    for pkt in sent:
        sw.inject(HOST_A_PORT, bytes(pkt))
        sw.advance(OFFER_GAP_US * 1000)
        delivered += [out for port, out in sw.take_outputs() if port == HOST_B_PORT]
    while sw.traffic.depth(HOST_B_PORT):
        sw.advance(1_000_000_000 // RATE_PPS)
        delivered += [out for port, out in sw.take_outputs() if port == HOST_B_PORT]
    expected = []
    for i, pkt in enumerate(sent, 1):
        if i in (7, 8):
            pkt = with_ecn(pkt, Ecn.CE)
        expected.append(forwarded(pkt, smac=NODE.node_mac, dmac=HOST_B_MAC))
    assert delivered == expected
    assert sw.counter_read(ECN_MARKED_COUNTER, 0)[0] == 2

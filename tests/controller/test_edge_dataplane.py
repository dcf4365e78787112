"""The controller's programming of edge switch e1 (topologies/small.yaml) applied to the real
p4src program on the embedded target (controller.lab, virtual clock): reservations are
policed by the edge meter, and the controller gets a copy of every congestion FN."""

from __future__ import annotations

import pytest
from scapy.contrib.roce import BTH
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from controller.config import ControllerConfig
from controller.lab import apply, lab_switch
from controller.notifications import Notification
from controller.programming import (
    RESERVATION_MIN_BURST_BYTES,
    RESERVATION_PIR_FACTOR,
    Intent,
    MeteredReservation,
    node_mac,
    switch_entities,
)
from controller.te import TrafficEngine
from controller.topology import Topology
from controller.wire import FN, FnType, MetricKind, PacketInReason, UdpPorts
from softswitch.switch import Switch
from tests.controller.service_fixtures import SMALL

HE1_PORT, HE2_PORT = 10, 11
UPLINKS = (1, 2)
FRAME_BYTES = 1000
RESERVED_BPS = 1e6
GREEN, YELLOW, RED = 0, 1, 2
CONFIG = "switches: {port_base: 1}\nthresholds: {queue_depth: {high: 4, low: 1}}\n"


def e1_switch(reservations: tuple[MeteredReservation, ...] = ()) -> Switch:
    topo = Topology.load(SMALL)
    engine = TrafficEngine(topo.graph())
    engine.set_demand("e1", "a1", 1e6)
    intent = Intent(
        topo, ControllerConfig.from_text(CONFIG, "c.yaml"), engine.solve(), reservations
    )
    sw = lab_switch()
    apply(sw, switch_entities(intent, "e1"))
    return sw


def frame(src_host: int, *, size: int = FRAME_BYTES) -> bytes:
    """UDP from he1/he2 (10.0.1.x) to ha1 (10.0.2.1), padded to `size` bytes."""
    pkt = (
        Ether(src=f"02:00:00:00:01:0{src_host}", dst=node_mac(1))
        / IP(src=f"10.0.1.{src_host}", dst="10.0.2.1")
        / UDP(sport=40000 + src_host, dport=9000)
    )
    return bytes(pkt / Raw(b"\0" * (size - len(pkt))))


def offer(sw: Switch, port: int, data: bytes, gap_us: int, count: int) -> int:
    """Inject `count` frames `gap_us` apart; returns the bytes forwarded on the uplinks."""
    forwarded = 0
    for _ in range(count):
        sw.inject(port, data)
        sw.advance(gap_us * 1000)
        forwarded += sum(len(d) for p, d in sw.take_outputs() if p in UPLINKS)
    return forwarded


@pytest.fixture(scope="module")
def reserved() -> tuple[MeteredReservation, ...]:
    return (MeteredReservation("he1", "ha1", RESERVED_BPS),)


def colours(sw: Switch) -> list[int]:
    return [sw.counter_read("reservation_color_counter", c)[0] for c in (GREEN, YELLOW, RED)]


def test_traffic_below_the_reserved_rate_passes_green(
    reserved: tuple[MeteredReservation, ...],
) -> None:
    sw = e1_switch(reserved)
    # 1000 bytes every 16 ms = 0.5 Mbps for 1 s, half the reservation.
    sent = offer(sw, HE1_PORT, frame(1), 16_000, 63)
    assert sent == 63 * FRAME_BYTES
    assert colours(sw) == [63, 0, 0]


def test_traffic_above_the_reserved_rate_is_policed(
    reserved: tuple[MeteredReservation, ...],
) -> None:
    sw = e1_switch(reserved)
    # 1000 bytes every 2 ms = 4 Mbps for 1 s: four times the reservation.
    seconds, count = 1.0, 500
    sent = offer(sw, HE1_PORT, frame(1), 2_000, count)
    green, yellow, red = colours(sw)
    assert green + yellow + red == count and red > 0 and yellow > 0
    cir = RESERVED_BPS / 8
    pir = cir * RESERVATION_PIR_FACTOR
    burst = max(pir * 0.01, RESERVATION_MIN_BURST_BYTES)
    # Red frames are dropped: what passes is bounded by the peak bucket, and at least CIR.
    assert sent == (green + yellow) * FRAME_BYTES
    assert cir * seconds <= sent <= pir * seconds + burst + FRAME_BYTES


def test_unreserved_traffic_and_released_reservations_are_not_metered(
    reserved: tuple[MeteredReservation, ...],
) -> None:
    sw = e1_switch(reserved)
    assert offer(sw, HE2_PORT, frame(2), 2_000, 200) == 200 * FRAME_BYTES
    released = e1_switch(())
    assert offer(released, HE1_PORT, frame(1), 2_000, 200) == 200 * FRAME_BYTES
    assert colours(sw) == [0, 0, 0] and colours(released) == [0, 0, 0]


def test_congestion_fn_is_copied_to_the_controller() -> None:
    sw = e1_switch()
    for port in UPLINKS:
        sw.set_queue_rate(port, 1_000)  # 1 ms per packet; one packet offered every 100 us
    roce = (
        Ether(src="02:00:00:00:01:01", dst=node_mac(1))
        / IP(src="10.0.1.1", dst="10.0.2.1")
        / UDP(sport=49152, dport=UdpPorts.ROCEV2, chksum=0)
        / BTH(opcode=0x04, dqpn=0x42, psn=1)
        / Raw(b"\0" * 64)
    )
    for _ in range(12):
        sw.inject(HE1_PORT, bytes(roce))
        sw.advance(100_000)
    sw.run_until_idle()
    to_sender = [Ether(d) for d in sw.take_output(HE1_PORT)]
    detected = [p for p in to_sender if FN in p and p[FN].fn_type == FnType.CONGESTION_DETECTED]
    assert detected, "the sender got no congestion FN"
    copies = sw.take_cpu_packets()
    assert len(copies) == len([p for p in to_sender if FN in p])
    # packet_in header: ingress_port (9 bits) + pad (7 bits), reason; then the FN as sent.
    assert copies[0][2] == PacketInReason.FN
    assert copies[0][3:] == bytes(detected[0])
    note = Notification.from_frame(copies[0][3:], "e1", 0.0)
    assert note.fn_type == FnType.CONGESTION_DETECTED
    assert note.metric_kind == MetricKind.QUEUE_DEPTH and note.metric_value >= 4
    assert note.five_tuple == ("10.0.1.1", "10.0.2.1", 49152, UdpPorts.ROCEV2, 17)
    assert note.originator == 1
    assert sw.errors == []

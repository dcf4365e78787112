"""Fast failure detection, data-plane reroute and failure notification.

Port 3 and 4 are the primary next hops to 10.0.2.0/24 (member on port 3 watches remote link
0x77), port 5 is the precomputed backup. Liveness: probes every 1 ms, dead after 3 silent ms.
"""

from __future__ import annotations

from collections import Counter

from scapy.layers.l2 import Ether
from scapy.packet import Packet

from controller.readiness import replay_slot
from controller.wire import FN, DropReason, FnType, MetricKind, ObjectKind, Probe
from softswitch.switch import Switch
from tests.dataplane.fabric import (
    BACKUP_PORT,
    CPU_PORT,
    FN_DROP_COUNTER,
    FN_RX_COUNTER,
    FN_TX_COUNTER,
    HOST_A_PORT,
    NODE,
    REMOTE_DOWN_UNTIL,
    REMOTE_HOST,
    REMOTE_LINK_ID,
    REMOTE_WATCH_ID,
    SPINE_MACS,
    expected_fn,
    fn_neighbour,
    forwarded,
    neighbour_probe,
    now_us,
    packet_in_header,
    packet_out,
    port_fn,
    probe_frame,
    roce,
)
from tests.dataplane.liveness import INTERVAL_US, TIMEOUT_US, advance_us

FLOWS = range(40000, 40060)
NEIGHBOUR = 0x0A000004  # originator id of the spine on port 4


def remote_traffic(sw: Switch, psn: int = 0) -> Counter[int]:
    """One packet of every flow towards 10.0.2.0/24; packets per egress port."""
    ports: Counter[int] = Counter()
    for sport in FLOWS:
        sw.inject(HOST_A_PORT, bytes(roce(dst=REMOTE_HOST, sport=sport, psn=psn)))
        for port, _ in sw.take_outputs():
            ports[port] += 1
    return ports


def keep_port_4_alive(sw: Switch, until_us: int) -> None:
    """The spine on port 4 keeps probing every interval while time runs to ``until_us``."""
    seq = 2
    while now_us(sw) + INTERVAL_US <= until_us:
        advance_us(sw, INTERVAL_US)
        sw.inject(4, neighbour_probe(4, seq, 0, INTERVAL_US))
        seq += 1
    advance_us(sw, until_us - now_us(sw))


def test_packet_out_probe_is_stamped_and_sent(sw: Switch) -> None:
    frame = probe_frame(interval=INTERVAL_US)
    for sequence in (1, 2):
        sw.inject(CPU_PORT, packet_out(3, frame))
        [(port, out)] = sw.take_outputs()
        stamped = Ether(bytes(frame))
        stamped[Probe].tx_port, stamped[Probe].node_id = 3, NODE.node_id
        stamped[Probe].sequence, stamped[Probe].timestamp = sequence, now_us(sw)
        assert (port, out) == (3, bytes(stamped))
        advance_us(sw, INTERVAL_US)


def test_dead_primary_is_bypassed_in_the_data_plane_and_flooded(armed: Switch) -> None:
    sw = armed
    t0 = now_us(sw)
    before = remote_traffic(sw)
    assert before[3] > 0 and before[4] > 0
    keep_port_4_alive(sw, t0 + TIMEOUT_US)
    assert remote_traffic(sw, psn=1)[3] > 0  # silent for exactly interval x multiplier: alive
    advance_us(sw, 1)
    # The first packet that would use port 3 detects the failure and takes the backup.
    detected_at = now_us(sw)
    pkt, sent = _first_flow_through(sw, port=BACKUP_PORT)
    rerouted = forwarded(pkt, smac=NODE.node_mac, dmac=SPINE_MACS[BACKUP_PORT])
    assert (BACKUP_PORT, rerouted) in sent
    floods = [(port, data) for port, data in sent if data != rerouted]
    assert [port for port, _ in floods] == [4, 5]  # every infra port but the dead one
    for _, data in floods:
        assert data == port_fn(
            FnType.FAILURE_DETECTED,
            port=3,
            sequence=1,
            timestamp=detected_at,
            metric_kind=MetricKind.SILENCE_TIME,
            metric_value=detected_at - t0,
            lifetime=NODE.fn_lifetime_ms,
        )
    # After detection: zero packets to the dead port, and no second FN.
    after = remote_traffic(sw, psn=2)
    assert after[3] == 0
    assert after[BACKUP_PORT] > 0 and after[4] > 0
    assert sum(after.values()) == len(FLOWS)


def _first_flow_through(sw: Switch, port: int) -> tuple[Packet, list[tuple[int, bytes]]]:
    """Send flows one by one until data leaves by ``port``: that packet and all outputs then."""
    for sport in FLOWS:
        pkt = roce(dst=REMOTE_HOST, sport=sport, psn=7)
        sw.inject(HOST_A_PORT, bytes(pkt))
        outs = sw.take_outputs()
        if any(p == port and FN not in Ether(d) for p, d in outs):
            return pkt, outs
        assert all(p != 3 for p, _ in outs)
    raise AssertionError(f"no flow left by port {port}")


def _detect_port_3_failure(sw: Switch) -> list[tuple[int, bytes]]:
    """Let port 3 fall silent past its timeout; the FN copies the detection floods."""
    keep_port_4_alive(sw, now_us(sw) + TIMEOUT_US + 1)
    _, sent = _first_flow_through(sw, port=BACKUP_PORT)
    return [(port, data) for port, data in sent if FN in Ether(data)]


def test_flood_copies_share_one_sequence(armed: Switch) -> None:
    floods = _detect_port_3_failure(armed)
    assert [Ether(data)[FN].sequence for _, data in floods] == [1, 1]


def test_probe_after_failure_floods_recovery_and_restores_the_primary(armed: Switch) -> None:
    sw = armed
    _detect_port_3_failure(sw)
    sent_before = sw.counter_read("FantelEgress.notify.fn_tx_counter", FnType.FAILURE_DETECTED)[0]
    sw.inject(3, neighbour_probe(3, 9, 0, INTERVAL_US))
    floods = sw.take_outputs()
    assert [port for port, _ in floods] == [4, 5]
    for _, data in floods:
        assert data == port_fn(
            FnType.FAILURE_RECOVERED,
            port=3,
            sequence=2,  # one number per event: detection 1, recovery 2
            timestamp=now_us(sw),
            metric_kind=MetricKind.NONE,
            metric_value=0,
            lifetime=0,
        )
    assert remote_traffic(sw, psn=3)[3] > 0
    assert sent_before == 2  # one detection (two copies), never repeated


def test_packet_out_probe_on_a_dead_port_detects_and_still_leaves(armed: Switch) -> None:
    sw = armed
    keep_port_4_alive(sw, now_us(sw) + TIMEOUT_US + 1)
    sw.inject(CPU_PORT, packet_out(3, probe_frame(interval=INTERVAL_US)))
    sent = sw.take_outputs()
    ports = sorted(port for port, _ in sent)
    assert ports == [3, 4, 5]  # the probe itself (how the link recovers) + the FN flood
    assert [Ether(d)[FN].fn_type for p, d in sent if p != 3] == [FnType.FAILURE_DETECTED] * 2


def test_a_port_that_stays_dead_is_reported_again_after_half_the_lifetime(armed: Switch) -> None:
    """Receivers expire FAILURE_DETECTED after its lifetime: while the port stays dead, the next
    check at least half a lifetime after the first report floods it again (a new event), with
    twice the lifetime (test_failure_refresh.py follows the backoff further)."""
    sw = armed
    t0 = now_us(sw)
    _detect_port_3_failure(sw)
    first_report = now_us(sw)
    half_lifetime_us = NODE.fn_lifetime_ms * 1000 // 2
    keep_port_4_alive(sw, first_report + half_lifetime_us - 1)
    sw.inject(CPU_PORT, packet_out(3, probe_frame(interval=INTERVAL_US)))
    assert [port for port, _ in sw.take_outputs()] == [3]  # the probe only: too early
    keep_port_4_alive(sw, first_report + half_lifetime_us)
    sw.inject(CPU_PORT, packet_out(3, probe_frame(interval=INTERVAL_US)))
    sent = sw.take_outputs()
    assert sorted(port for port, _ in sent) == [3, 4, 5]
    for _, data in (s for s in sent if s[0] != 3):
        assert data == port_fn(
            FnType.FAILURE_DETECTED,
            port=3,
            sequence=2,
            timestamp=first_report + half_lifetime_us,
            metric_kind=MetricKind.SILENCE_TIME,
            metric_value=first_report + half_lifetime_us - t0,
            lifetime=2 * NODE.fn_lifetime_ms,
        )
    # Data packets check the port as well, and the refresh restarts the wait.
    remote_traffic(sw, psn=4)
    assert sw.counter_read(FN_TX_COUNTER, FnType.FAILURE_DETECTED)[0] == 4  # 2 events x 2 copies


def _remote_fn(
    fn_type: FnType, sequence: int, hop_limit: int = 2, object_id: int = REMOTE_LINK_ID
) -> bytes:
    return bytes(
        fn_neighbour(
            fn_type,
            originator=NEIGHBOUR,
            sequence=sequence,
            hop_limit=hop_limit,
            object_id=object_id,
            timestamp=777,
            lifetime=50 if fn_type == FnType.FAILURE_DETECTED else 0,
            src_mac=SPINE_MACS[4],
        )
    )


def test_remote_failure_fn_marks_watched_link_down_and_is_relayed(sw: Switch) -> None:
    received = _remote_fn(FnType.FAILURE_DETECTED, sequence=1)
    sw.inject(4, received)
    sent = sw.take_outputs()
    relay = FN(
        fn_type=FnType.FAILURE_DETECTED,
        hop_limit=1,
        params=0,
        originator=NEIGHBOUR,
        sequence=1,
        timestamp=777,
        object_kind=ObjectKind.LINK,
        object_id=REMOTE_LINK_ID,
        lifetime=50,
    )
    relayed = expected_fn(dst_ip="255.255.255.255", dst_mac="ff:ff:ff:ff:ff:ff", fn=relay)
    # Relayed (hop limit - 1) to every infra port but the arrival port; punted to the controller.
    assert sorted(sent) == sorted(
        [(3, relayed), (5, relayed), (CPU_PORT, packet_in_header(4) + received)]
    )
    assert sw.register_read(REMOTE_DOWN_UNTIL, REMOTE_WATCH_ID) == now_us(sw) + 50_000
    assert sw.counter_read(FN_RX_COUNTER, FnType.FAILURE_DETECTED)[0] == 1
    # The member watching that link (port 3) is replaced by the backup; port 4 is untouched.
    ports = remote_traffic(sw)
    assert ports[3] == 0 and ports[4] > 0 and ports[BACKUP_PORT] > 0


def test_remote_failure_ends_with_recovery_or_lifetime(sw: Switch) -> None:
    sw.inject(4, _remote_fn(FnType.FAILURE_DETECTED, sequence=1))
    sw.inject(4, _remote_fn(FnType.FAILURE_RECOVERED, sequence=2))
    sw.take_outputs()
    assert remote_traffic(sw)[3] > 0
    sw.inject(4, _remote_fn(FnType.FAILURE_DETECTED, sequence=3))
    sw.take_outputs()
    advance_us(sw, 50_000 - 1)
    assert remote_traffic(sw, psn=1)[3] == 0  # still within the 50 ms lifetime
    advance_us(sw, 1)
    assert remote_traffic(sw, psn=2)[3] > 0  # soft state expired without a refresh


def test_remote_failure_lasts_as_long_as_the_lifetime_its_refresh_carries(sw: Switch) -> None:
    sw.inject(4, _remote_fn(FnType.FAILURE_DETECTED, sequence=1))  # 50 ms
    advance_us(sw, 25_000)
    refresh = fn_neighbour(
        FnType.FAILURE_DETECTED,
        originator=NEIGHBOUR,
        sequence=2,
        lifetime=400,  # a backed-off refresh (test_failure_refresh.py)
        src_mac=SPINE_MACS[4],
    )
    sw.inject(4, bytes(refresh))
    sw.take_outputs()
    refreshed_at = now_us(sw)
    assert sw.register_read(REMOTE_DOWN_UNTIL, REMOTE_WATCH_ID) == refreshed_at + 400_000
    advance_us(sw, 400_000 - 1)
    assert remote_traffic(sw)[3] == 0  # long past the first FN's 50 ms
    advance_us(sw, 1)
    assert remote_traffic(sw, psn=1)[3] > 0
    # A recovery ends a long lifetime at once.
    refresh.sequence, refresh.lifetime = 3, 800
    sw.inject(4, bytes(refresh))
    sw.take_outputs()
    assert remote_traffic(sw, psn=2)[3] == 0
    sw.inject(4, _remote_fn(FnType.FAILURE_RECOVERED, sequence=4))
    sw.take_outputs()
    assert sw.register_read(REMOTE_DOWN_UNTIL, REMOTE_WATCH_ID) == 0
    assert remote_traffic(sw, psn=3)[3] > 0


def test_hop_limit_one_is_not_relayed(sw: Switch) -> None:
    received = _remote_fn(FnType.FAILURE_DETECTED, sequence=1, hop_limit=1)
    sw.inject(4, received)
    assert sw.take_outputs() == [(CPU_PORT, packet_in_header(4) + received)]


def test_replayed_fn_is_dropped_and_counted(sw: Switch) -> None:
    sw.inject(4, _remote_fn(FnType.FAILURE_DETECTED, sequence=5))
    sw.take_outputs()
    for sequence in (5, 4):  # same and older sequence from that originator
        sw.inject(4, _remote_fn(FnType.FAILURE_RECOVERED, sequence=sequence))
        assert sw.take_outputs() == []
    assert sw.counter_read(FN_DROP_COUNTER, DropReason.FN_REPLAY)[0] == 2
    assert remote_traffic(sw)[3] == 0  # the replayed RECOVERED did not end the failure


FN_LAST_SEQ = "FantelIngress.fast_reroute.fn_last_seq"


def test_our_own_fn_heard_back_is_dropped_before_the_replay_guard(sw: Switch) -> None:
    """The spine on port 4 relays our FN about port 3 back to us (parallel links, rings)."""
    own_object = NODE.node_id << 16 | 3
    echo = bytes(
        fn_neighbour(
            FnType.FAILURE_DETECTED,
            originator=NODE.node_id,
            sequence=1,
            object_kind=ObjectKind.PORT,
            object_id=own_object,
            src_mac=SPINE_MACS[4],
        )
    )
    sw.inject(4, echo)
    assert sw.take_outputs() == []  # neither relayed nor punted
    assert sw.counter_read(FN_DROP_COUNTER, DropReason.FN_REPLAY) == (1, len(echo))
    assert sw.counter_read(FN_RX_COUNTER, FnType.FAILURE_DETECTED)[0] == 0
    slot = replay_slot(NODE.node_id, ObjectKind.PORT, own_object)
    assert sw.register_read(FN_LAST_SEQ, slot) == 0  # no replay cell taken


OTHER_LINK_ID = REMOTE_LINK_ID + 1


def test_fns_about_different_objects_are_no_replays_of_each_other(sw: Switch) -> None:
    # The neighbour numbers all its events in one series. Its news about another link (9)
    # overtook an older FN about the watched link (8), which came the longer way round.
    newer = _remote_fn(FnType.FAILURE_DETECTED, sequence=9, hop_limit=1, object_id=OTHER_LINK_ID)
    older = _remote_fn(FnType.FAILURE_DETECTED, sequence=8, hop_limit=1)
    for frame in (newer, older):
        sw.inject(4, frame)
        assert sw.take_outputs() == [(CPU_PORT, packet_in_header(4) + frame)]
    assert remote_traffic(sw)[3] == 0  # the older FN still took the watched link down
    # One cell per (originator, object), where the controller computes it.
    for object_id, sequence in ((REMOTE_LINK_ID, 8), (OTHER_LINK_ID, 9)):
        slot = replay_slot(NEIGHBOUR, ObjectKind.LINK, object_id)
        assert sw.register_read(FN_LAST_SEQ, slot) == sequence
    # Per object, an older or equal number is still a replay.
    sw.inject(4, _remote_fn(FnType.FAILURE_RECOVERED, sequence=8, hop_limit=1))
    assert sw.take_outputs() == []
    assert sw.counter_read(FN_DROP_COUNTER, DropReason.FN_REPLAY)[0] == 1


def test_sequences_compare_as_serial_numbers_across_the_wrap(sw: Switch) -> None:
    last = _remote_fn(FnType.FAILURE_DETECTED, sequence=0xFFFFFFFE, hop_limit=1)
    wrapped = _remote_fn(FnType.FAILURE_RECOVERED, sequence=1, hop_limit=1)
    stale = _remote_fn(FnType.FAILURE_DETECTED, sequence=0xFFFFFFFF, hop_limit=1)
    for frame in (last, wrapped):
        sw.inject(4, frame)
        assert sw.take_outputs() == [(CPU_PORT, packet_in_header(4) + frame)]
    sw.inject(4, stale)  # before 1 in serial order (RFC 1982)
    assert sw.take_outputs() == []
    assert sw.counter_read(FN_DROP_COUNTER, DropReason.FN_REPLAY)[0] == 1


def test_a_reset_cell_takes_a_restarted_originator_from_one_again(sw: Switch) -> None:
    sw.inject(4, _remote_fn(FnType.FAILURE_DETECTED, sequence=40, hop_limit=1))
    sw.take_outputs()
    # What the controller writes when the neighbour (re)connects (controller.readiness).
    sw.register_write(FN_LAST_SEQ, replay_slot(NEIGHBOUR, ObjectKind.LINK, REMOTE_LINK_ID), 0)
    restarted = _remote_fn(FnType.FAILURE_DETECTED, sequence=1, hop_limit=1)
    sw.inject(4, restarted)
    assert sw.take_outputs() == [(CPU_PORT, packet_in_header(4) + restarted)]

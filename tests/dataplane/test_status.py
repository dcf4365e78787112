"""Network status: per-port load EWMA over status windows; crossings of the high threshold
(upwards) and the low threshold (downwards) raise a status digest and flood a STATUS FN."""

from __future__ import annotations

import itertools

from scapy.layers.l2 import Ether

from controller.lab import fantel_program
from controller.wire import FN, FnType, MetricKind, StatusLevel
from softswitch.frontend.p4info import build_p4info
from softswitch.switch import Digest, Switch
from tests.dataplane.fabric import (
    HOST_A_PORT,
    HOST_B_PORT,
    INFRA_PORTS,
    LOAD_EWMA,
    NODE,
    now_us,
    port_fn,
    roce,
    status_thresholds,
)

HIGH, LOW = 300, 100  # bytes per 100 us window
PACKET = bytes(roce())


def fold(ewma: int, window_bytes: int) -> int:
    """status.p4: EWMA with weight 1/4 for the newest window."""
    return ewma - (ewma >> 2) + (window_bytes >> 2)


def run_windows(sw: Switch, packets_per_window: list[int]) -> list[tuple[int, int]]:
    """Offer ``n`` packets at the start of each window; (time, EWMA) after each closed window.

    The first packet of a window closes the previous one (its bytes count there)."""
    closed = []
    for n in packets_per_window:
        for i in range(n):
            sw.inject(HOST_A_PORT, PACKET)
            if i == 0:
                closed.append((now_us(sw), sw.register_read(LOAD_EWMA, HOST_B_PORT)))
        sw.advance(NODE.status_window_us * 1000)
    return closed


def expected_ewmas(packets_per_window: list[int]) -> list[int]:
    ewma, pending, out = 0, 0, []
    for n in packets_per_window:
        if n:
            ewma = fold(ewma, pending + len(PACKET))
            out.append(ewma)
            pending = (n - 1) * len(PACKET)
    return out


def test_load_ewma_follows_the_window_bytes(sw: Switch) -> None:
    load = [4] * 8 + [1] * 6
    assert [e for _, e in run_windows(sw, load)] == expected_ewmas(load)


def test_high_crossing_raises_digest_and_status_fn(sw: Switch) -> None:
    status_thresholds(sw, HOST_B_PORT, HIGH, LOW)
    load = [4] * 7
    closed = run_windows(sw, load)
    ewmas = expected_ewmas(load)
    assert ewmas[-2] <= HIGH < ewmas[-1]  # the 7th window crosses
    crossed_at = closed[-1][0]
    [digest] = sw.take_digests()
    assert digest == Digest(
        "status_digest_t",
        {
            "node_id": NODE.node_id,
            "port": HOST_B_PORT,
            "level": StatusLevel.HIGH,
            "load": ewmas[-1],
            "timestamp": crossed_at,
        },
    )
    floods = [(p, d) for p, d in sw.take_outputs() if p != HOST_B_PORT]
    assert [p for p, _ in floods] == list(INFRA_PORTS)
    for _, data in floods:
        assert data == port_fn(
            FnType.STATUS,
            port=HOST_B_PORT,
            sequence=Ether(data)[FN].sequence,
            timestamp=crossed_at,
            metric_kind=MetricKind.LOAD,
            metric_value=ewmas[-1],
            lifetime=NODE.fn_lifetime_ms,
        )


def test_digest_fields_are_those_of_the_p4info(sw: Switch) -> None:
    info = build_p4info(fantel_program())
    struct = info.type_info.structs["status_digest_t"]
    status_thresholds(sw, HOST_B_PORT, HIGH, LOW)
    run_windows(sw, [4] * 7)
    [digest] = sw.take_digests()
    assert list(digest.values) == [m.name for m in struct.members]


def test_hysteresis_one_digest_per_real_level_change(sw: Switch) -> None:
    status_thresholds(sw, HOST_B_PORT, HIGH, LOW)
    # Up to HIGH, then hover around the high threshold (never below LOW), then idle down.
    hover = [2, 5] * 5
    load = [4] * 7 + hover + [1] * 16
    ewmas = expected_ewmas(load)
    crossings_up = sum(1 for a, b in itertools.pairwise(ewmas) if a <= HIGH < b)
    assert crossings_up == 6  # without hysteresis: six HIGH digests (five of them flaps)
    assert min(ewmas[7 : 7 + len(hover)]) >= LOW and ewmas[-1] < LOW
    run_windows(sw, load)
    levels = [d.values["level"] for d in sw.take_digests()]
    assert levels == [StatusLevel.HIGH, StatusLevel.NORMAL]


def test_unmonitored_port_raises_nothing(sw: Switch) -> None:
    run_windows(sw, [8] * 8)
    assert sw.take_digests() == []
    assert all(p == HOST_B_PORT for p, _ in sw.take_outputs())

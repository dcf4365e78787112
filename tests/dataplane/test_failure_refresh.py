"""Refresh backoff of FAILURE_DETECTED while a port stays dead (fast_reroute.p4 ReportLifetime).

The first report carries the configured lifetime B; each refresh is flooded half the previous
report's lifetime after it and carries twice that lifetime, up to 16 x B (and the field's
65535 ms). Here the port is checked by the controller's probe packet-outs on it, at exact
times of the virtual clock; the expected schedules are written out, not computed.
"""

from __future__ import annotations

import pytest

from controller.wire import FnType, MetricKind
from softswitch.switch import Switch
from tests.dataplane.fabric import (
    CPU_PORT,
    NODE,
    SwitchIdentity,
    neighbour_probe,
    now_us,
    packet_out,
    port_fn,
    probe_frame,
    switch_config,
)
from tests.dataplane.liveness import INTERVAL_US, TIMEOUT_US, advance_us

REPORTED_FAILED = "FantelIngress.fast_reroute.port_reported_failed"
REFRESH_DUE = "FantelIngress.fast_reroute.port_refresh_due"
FLOOD_PORTS = [4, 5]  # every infrastructure port but the dead one

#: (us after the first report, lifetime carried in ms) of the refreshes that follow it.
SCHEDULES = {
    "50ms": (
        50,
        [
            (25_000, 100),  # B/2 after the first report: 2B
            (75_000, 200),  # B later: 4B
            (175_000, 400),  # 2B later: 8B
            (375_000, 800),  # 4B later: 16B, the cap
            (775_000, 800),  # 8B later, and every 8B from then on
            (1_175_000, 800),
        ],
    ),
    "5s": (
        5000,
        [
            (2_500_000, 10_000),
            (7_500_000, 20_000),
            (17_500_000, 40_000),
            (37_500_000, 65_535),  # 16B = 80 s does not fit the field
            (70_267_500, 65_535),  # half of 65.535 s later
            (103_035_000, 65_535),
        ],
    ),
}


def check_port_3(sw: Switch) -> list[tuple[int, bytes]]:
    """The controller's probe packet-out on port 3 (which checks it); the FN copies it causes."""
    sw.inject(CPU_PORT, packet_out(3, probe_frame(interval=INTERVAL_US)))
    sent = sw.take_outputs()
    assert [port for port, _ in sent].count(3) == 1  # the probe leaves, dead port or not
    return [(port, data) for port, data in sent if port != 3]


def failure_report(sw: Switch, sequence: int, armed_at: int, lifetime: int) -> list[bytes]:
    """The copies of FAILURE_DETECTED about port 3 flooded now (silent since armed_at)."""
    now = now_us(sw)
    return [
        port_fn(
            FnType.FAILURE_DETECTED,
            port=3,
            sequence=sequence,
            timestamp=now,
            metric_kind=MetricKind.SILENCE_TIME,
            metric_value=now - armed_at,
            lifetime=lifetime,
        )
    ] * len(FLOOD_PORTS)


def detect(sw: Switch, sequence: int, armed_at: int, lifetime: int) -> int:
    """Let port 3 (last heard at armed_at) go silent past its timeout and check it: the
    first report, with `lifetime`. Returns when it was flooded."""
    advance_us(sw, armed_at + TIMEOUT_US + 1 - now_us(sw))
    sent = check_port_3(sw)
    assert [port for port, _ in sent] == FLOOD_PORTS
    assert [data for _, data in sent] == failure_report(sw, sequence, armed_at, lifetime)
    return now_us(sw)


def expect_refresh(
    sw: Switch, at: int, sequence: int, armed_at: int, lifetime: int, *, quiet_before: bool = True
) -> None:
    """At `at`, the refresh with `lifetime`, due again half of it later; unless told otherwise,
    a check just before `at` floods nothing."""
    if quiet_before:
        advance_us(sw, at - 1 - now_us(sw))
        assert check_port_3(sw) == []
    advance_us(sw, at - now_us(sw))
    sent = check_port_3(sw)
    assert [port for port, _ in sent] == FLOOD_PORTS
    assert [data for _, data in sent] == failure_report(sw, sequence, armed_at, lifetime)
    assert sw.register_read(REFRESH_DUE, 3) == at + lifetime * 500


@pytest.mark.parametrize("lifetime_ms, refreshes", SCHEDULES.values(), ids=SCHEDULES.keys())
def test_refreshes_back_off_doubling_the_lifetime_up_to_the_cap(
    armed: Switch, lifetime_ms: int, refreshes: list[tuple[int, int]]
) -> None:
    sw = armed
    switch_config(sw, SwitchIdentity(fn_lifetime_ms=lifetime_ms))
    armed_at = now_us(sw)
    first = detect(sw, 1, armed_at, lifetime_ms)
    assert sw.register_read(REPORTED_FAILED, 3) == first
    assert sw.register_read(REFRESH_DUE, 3) == first + lifetime_ms * 500
    for sequence, (after_us, lifetime) in enumerate(refreshes, start=2):
        expect_refresh(sw, first + after_us, sequence, armed_at, lifetime)
    assert sw.register_read(REPORTED_FAILED, 3) == first  # the age counts from the first


def test_recovery_resets_the_backoff(armed: Switch) -> None:
    sw = armed
    base = NODE.fn_lifetime_ms
    first = detect(sw, 1, now_us(sw), base)
    expect_refresh(sw, first + 25_000, 2, first - TIMEOUT_US - 1, 2 * base)
    expect_refresh(sw, first + 75_000, 3, first - TIMEOUT_US - 1, 4 * base)
    sw.inject(3, neighbour_probe(3, 2, 0, INTERVAL_US))  # the link is back
    recovered_at = now_us(sw)
    assert sw.take_outputs() == [
        (
            port,
            port_fn(
                FnType.FAILURE_RECOVERED,
                port=3,
                sequence=4,
                timestamp=recovered_at,
                metric_kind=MetricKind.NONE,
                metric_value=0,
                lifetime=0,
            ),
        )
        for port in FLOOD_PORTS
    ]
    assert sw.register_read(REPORTED_FAILED, 3) == 0
    # It fails again: the base lifetime, then the first doubling half of it later.
    again = detect(sw, 5, recovered_at, base)
    expect_refresh(sw, again + 25_000, 6, recovered_at, 2 * base)


def test_a_late_check_refreshes_with_the_lifetime_the_failures_age_calls_for(
    armed: Switch,
) -> None:
    """Nothing checked the port for 8 x B/2: the refresh carries 8B (age >= 7 x B/2), not 2B,
    and the next one is due 4B later."""
    sw = armed
    base = NODE.fn_lifetime_ms
    armed_at = now_us(sw)
    first = detect(sw, 1, armed_at, base)
    expect_refresh(sw, first + 200_000, 2, armed_at, 8 * base, quiet_before=False)
    expect_refresh(sw, first + 400_000, 3, armed_at, 16 * base)

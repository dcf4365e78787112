"""Link-flap damping (controller.damping): failures act at once, recoveries wait a hold-down that
doubles with recent flaps and decays back; a flap within the hold-down costs no TE solve.
Synthetic notification sequences, on the damper alone and through the service."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from controller.config import ConfigError, ControllerConfig
from controller.damping import DampingSettings, FlapDamper
from controller.wire import FnType
from tests.controller.service_fixtures import TIMEOUT, fn_frame, running_service, wait_for

LINK = "e1:1-c1:1"
SETTINGS = DampingSettings(hold_down_s=1.0, max_hold_down_s=8.0, half_life_s=10.0)


def test_a_first_failure_is_acted_on_at_once_and_its_recovery_held_for_the_base_time() -> None:
    damper = FlapDamper(SETTINGS)
    failure = damper.failed(LINK, "c1", now=100.0)
    assert failure.takes_down and not failure.interrupted_hold_down and failure.penalty == 1.0
    hold = damper.recovered(LINK, "c1", now=100.5)
    assert hold is not None and hold.seconds == 1.0 and hold.readmit_at == 101.5
    assert damper.due(101.4) == [] and damper.holding(101.0) == {LINK: 0.5}
    assert damper.due(101.5) == [LINK]
    assert damper.due(101.6) == []  # returned once
    assert damper.holding(101.6) == {}


def test_flaps_within_the_hold_down_are_absorbed_and_double_it() -> None:
    damper = FlapDamper(DampingSettings(hold_down_s=1.0, max_hold_down_s=8.0, half_life_s=1e9))
    # Down at 0, then up/down every 0.2 s: only the first failure takes the link out.
    outcomes = [damper.failed(LINK, "c1", 0.0)]
    holds = []
    for step in range(1, 5):
        hold = damper.recovered(LINK, "c1", step * 0.4 - 0.2)
        assert hold is not None
        holds.append(hold.seconds)
        outcomes.append(damper.failed(LINK, "c1", step * 0.4))
    assert [o.takes_down for o in outcomes] == [True, False, False, False, False]
    assert [o.interrupted_hold_down for o in outcomes] == [False, True, True, True, True]
    # Penalty 1, 2, 3, 4 (no decay within a half-life of 1e9 s): 1, 2, 4, 8 s.
    assert holds == pytest.approx([1.0, 2.0, 4.0, 8.0])
    last = damper.recovered(LINK, "c1", 2.0)
    assert last is not None and last.seconds == 8.0  # capped
    assert damper.due(9.9) == [] and damper.due(10.0) == [LINK]


def test_the_penalty_decays_back_to_the_base_hold_down() -> None:
    damper = FlapDamper(SETTINGS)
    for at in (0.0, 1.0, 2.0):
        damper.failed(LINK, "c1", at)
        damper.recovered(LINK, "c1", at + 0.5)
    # Each failure adds 1 to what is left of the earlier ones (halved every 10 s).
    assert damper.penalty(LINK, 2.0) == pytest.approx(1 + 0.5**0.1 + 0.5**0.2)
    assert damper.penalty(LINK, 12.0) == pytest.approx(damper.penalty(LINK, 2.0) / 2)
    # Five half-lives later the next failure starts from ~1 again.
    damper.failed(LINK, "c1", 52.0)
    hold = damper.recovered(LINK, "c1", 52.0)
    assert hold is not None and 1.0 < hold.seconds < 1.07


def test_a_link_recovers_only_when_both_ends_have() -> None:
    damper = FlapDamper(SETTINGS)
    assert damper.failed(LINK, "c1", 0.0).takes_down
    second = damper.failed(LINK, "e1", 0.1)
    assert not second.takes_down and not second.interrupted_hold_down
    assert damper.recovered(LINK, "c1", 0.5) is None  # e1 still reports its port dead
    assert damper.recovered(LINK, "c1", 0.6) is None  # not failed any more: nothing to do
    hold = damper.recovered(LINK, "e1", 0.7)
    assert hold is not None and hold.readmit_at == pytest.approx(1.7)
    assert damper.penalty(LINK, 0.7) < 1.0  # one link failure, not two


def test_an_operator_reset_cancels_a_pending_readmission() -> None:
    damper = FlapDamper(SETTINGS)
    damper.failed(LINK, "c1", 0.0)
    damper.recovered(LINK, "c1", 0.1)
    damper.reset(LINK)
    assert damper.due(5.0) == [] and damper.recovered(LINK, "c1", 5.0) is None


def test_damping_off_readmits_at_once() -> None:
    damper = FlapDamper(DampingSettings(hold_down_s=0.0))
    damper.failed(LINK, "c1", 0.0)
    damper.failed(LINK, "c1", 0.0)
    hold = damper.recovered(LINK, "c1", 0.2)
    assert hold is not None and hold.seconds == 0.0 and damper.due(0.2) == [LINK]


def test_damping_and_audit_settings_parse_and_bad_values_are_named() -> None:
    config = ControllerConfig.from_text(
        "audit_interval: 0\ndamping: {hold_down: 500ms, max_hold_down: 60s, half_life: 2s}\n"
    )
    assert config.audit_interval_s == 0.0
    assert config.damping == DampingSettings(0.5, 60.0, 2.0)
    defaults = ControllerConfig.from_text("{}")
    assert defaults.audit_interval_s == 30.0 and defaults.damping == DampingSettings()
    assert ControllerConfig.from_text("damping: {hold_down: 0s}").damping.enabled is False
    for text, message in (
        ("audit_interval: 30", "audit_interval: expected a duration .*, or 0 \\(off\\)"),
        ("damping: {hold_down: 2s, max_hold_down: 1s}", "damping.max_hold_down: must not be"),
        ("damping: {half_life: 0s}", "damping.half_life: must be above 0"),
        ("damping: {hold_down: -1s}", "damping.hold_down: expected a number"),
        ("damping: {hold: 1s}", "damping.hold"),
    ):
        with pytest.raises(ConfigError, match=message):
            ControllerConfig.from_text(text, "c.yaml")


async def test_a_flapping_link_is_solved_once_down_and_once_back(tmp_path: Path) -> None:
    clock = [1000.0]
    config = "probes: false\ndamping: {hold_down: 1s, max_hold_down: 8s, half_life: 10s}\n"
    async with running_service(tmp_path, config, wall_clock=lambda: clock[0]) as run:
        service = run.service
        await service.wait_idle()
        solves = service.solves
        # c1 (device 2) reports its port 1 (the e1 uplink): down, up, down, up, 0.1 s apart.
        for seq, kind in enumerate(
            (FnType.FAILURE_DETECTED, FnType.FAILURE_RECOVERED) * 2, start=1
        ):
            await service.handle_frame("e1", fn_frame(kind, 2, 1, sequence=seq))
            clock[0] += 0.1
        # The failure is solved (fast, then refined); the flap is not.
        await wait_for(lambda: service.solves == solves + 2, "the failure solved")
        assert LINK in service.engine.failed_links
        events = service.events.since(0)
        assert [e["link"] for e in events if e["kind"] == "link_flap"] == [LINK]
        holds = [e for e in events if e["kind"] == "link_hold_down"]
        assert holds[0]["seconds"] == 1.0 and holds[1]["seconds"] == pytest.approx(2.0, rel=0.05)
        readmit_at = holds[1]["time"] + holds[1]["seconds"]
        # Not idle while the link waits out its hold-down: its re-admission is still to come.
        idle = asyncio.create_task(service.wait_idle())
        await service.expire(now=readmit_at - 0.01)
        assert LINK in service.engine.failed_links and not idle.done()
        await service.expire(now=readmit_at)
        await asyncio.wait_for(idle, TIMEOUT)
        assert LINK not in service.engine.failed_links
        assert service.solves == solves + 3
        ups = [e for e in service.events.since(0) if e["kind"] == "link_state" and e["up"]]
        assert [(e["link"], e["cause"]) for e in ups] == [(LINK, "notification")]
        metrics = service.metrics.exposition().decode()
        for line in (
            f'fantel_link_failures_total{{link="{LINK}"}} 1.0',
            f'fantel_link_flaps_damped_total{{link="{LINK}"}} 1.0',
            f'fantel_link_hold_downs_total{{link="{LINK}"}} 2.0',
            f'fantel_link_readmissions_total{{link="{LINK}"}} 1.0',
        ):
            assert line in metrics


async def test_a_failure_during_the_hold_down_leaves_the_service_idle(tmp_path: Path) -> None:
    clock = [1000.0]
    async with running_service(tmp_path, wall_clock=lambda: clock[0]) as run:
        service = run.service
        for seq, kind in enumerate(
            (FnType.FAILURE_DETECTED, FnType.FAILURE_RECOVERED, FnType.FAILURE_DETECTED), start=1
        ):
            await service.handle_frame("e1", fn_frame(kind, 2, 1, sequence=seq))
        # Down again: nothing waits to be re-admitted, so nothing is left to do.
        await asyncio.wait_for(service.wait_idle(), TIMEOUT)
        assert LINK in service.engine.failed_links and service.damper.holding(clock[0]) == {}

"""The running controller: notifications -> TE events -> new weights, coalescing, reservations,
expiry, status digests, probes and restart reconciliation (fleet on fake P4Runtime servers)."""

from __future__ import annotations

from pathlib import Path

import finsy as fy
import pytest
from finsy.proto import p4r
from scapy.layers.l2 import Ether

from controller.notifications import Notification
from controller.te import AdmissionError
from controller.wire import FnType, MetricKind, Probe, StatusLevel
from tests.controller.service_fixtures import fantel_pipeline, fn_frame, running_service, wait_for

UPLINK = "e1:1-c1:1"  # e1 port 1 <-> c1 port 1


def e1_ports_towards(service, dst: str) -> set[int]:  # type: ignore[no-untyped-def]
    return {port for port, _ in service.solution.next_hops["e1"][dst]}


def group_member_ports(fake, group_id: int) -> set[int]:  # type: ignore[no-untyped-def]
    for entity in fake.stored("action_profile_group"):
        if entity.action_profile_group.group_id == group_id:
            return {m.member_id & 0x1FF for m in entity.action_profile_group.members}
    raise AssertionError(f"group {group_id} not installed")


async def test_failure_fn_takes_the_link_out_and_reinstalls_weights(tmp_path: Path) -> None:
    async with running_service(tmp_path) as run:
        service, fake = run.service, run.fakes["e1"]
        await service.set_demand("he1", "ha1", 8e6)
        await service.wait_idle()
        assert 1 in e1_ports_towards(service, "a1")
        # c1 (device 2) reports its port 1, the e1 uplink, dead; e1 is a neighbour and punts it.
        await service.handle_frame("c2", fn_frame(FnType.FAILURE_DETECTED, 2, 1, sequence=1))
        await service.wait_idle()
        assert UPLINK in service.solution.failed_links
        assert e1_ports_towards(service, "a1") == {2}
        assert group_member_ports(fake, 1 + 4) == {2}  # installed on the switch, not just solved
        kinds = [e["kind"] for e in service.events.since(0)]
        assert "notification" in kinds and "link_state" in kinds
        note = next(e for e in service.events.since(0) if e["kind"] == "notification")
        assert note["originator_ts_us"] == 1_000_001 and note["received_at"] > 0
        # FAILURE_RECOVERED ends it early, after the hold-down (controller.damping).
        await service.handle_frame("c2", fn_frame(FnType.FAILURE_RECOVERED, 2, 1, sequence=2))
        (held,) = [e for e in service.events.since(0) if e["kind"] == "link_hold_down"]
        assert UPLINK in service.engine.failed_links
        await service.expire(now=held["time"] + held["seconds"])
        await service.wait_idle()
        assert not service.solution.failed_links
        assert e1_ports_towards(service, "a1") == {1, 2}


async def test_a_burst_of_notifications_is_solved_once(tmp_path: Path) -> None:
    async with running_service(tmp_path) as run:
        service = run.service
        await service.set_demand("he1", "ha1", 1e6)
        await service.wait_idle()
        before = service.solves
        for seq in range(1, 51):  # 50 congestion FNs about 50 different flows' ports
            port = 1 + seq % 2
            frame = fn_frame(
                FnType.CONGESTION_DETECTED, 1, port, sequence=seq, flow=("10.0.1.1", "10.0.2.1")
            )
            await service.handle_frame("e1", frame)
        await service.wait_idle()
        assert service.solves == before + 1
        solve = [e for e in service.events.since(0) if e["kind"] == "te_solve"][-1]
        assert (
            sum(solve["reasons"].values()) == 2
        )  # two objects began congestion; the rest refreshed


async def test_congestion_fn_shifts_weights_and_clearing_restores_them(tmp_path: Path) -> None:
    async with running_service(tmp_path) as run:
        service = run.service
        await service.set_demand("he1", "ha1", 1e6)
        await service.set_demand("he1", "hb1", 6e6)
        await service.wait_idle()
        before = dict(service.solution.next_hops["e1"])
        flow = ("10.0.1.1", "10.0.2.1")
        await service.handle_frame(
            "e1",
            fn_frame(
                FnType.CONGESTION_DETECTED,
                1,
                1,
                1,
                metric=MetricKind.QUEUE_DEPTH,
                value=80,
                flow=flow,
            ),
        )
        await service.wait_idle()
        assert service.engine.demands["e1", "a1"] == pytest.approx(10e6)  # boosted to the port rate
        assert service.solution.next_hops["e1"] != before
        weights = dict(service.solution.next_hops["e1"]["a1"])
        assert group_member_ports(run.fakes["e1"], 5) == set(weights)
        await service.handle_frame("e1", fn_frame(FnType.CONGESTION_CLEARED, 1, 1, 2, flow=flow))
        await service.wait_idle()
        assert service.engine.demands["e1", "a1"] == pytest.approx(1e6)
        assert service.solution.next_hops["e1"] == before


async def test_replayed_notifications_change_nothing(tmp_path: Path) -> None:
    async with running_service(tmp_path) as run:
        service = run.service
        frame = fn_frame(FnType.FAILURE_DETECTED, 2, 1, sequence=7)
        await service.handle_frame("e1", frame)
        await service.handle_frame("c2", frame)  # the same FN relayed by another neighbour
        await service.wait_idle()
        assert service.soft_state.replays == 1
        states = [e for e in service.events.since(0) if e["kind"] == "link_state"]
        assert len(states) == 1


async def test_identical_punted_copies_are_decoded_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: list[str] = []
    decode = Notification.from_frame

    def counting(frame: bytes, received_by: str, received_at: float) -> Notification:
        decoded.append(received_by)
        return decode(frame, received_by, received_at)

    monkeypatch.setattr(Notification, "from_frame", staticmethod(counting))
    async with running_service(tmp_path) as run:
        service = run.service
        frame = fn_frame(FnType.FAILURE_DETECTED, 2, 1, sequence=7)
        for switch in ("e1", "c2", "a1"):  # one flood copy, punted by three neighbours
            await service.handle_frame(switch, frame)
        await service.handle_frame("e1", fn_frame(FnType.FAILURE_DETECTED, 2, 1, sequence=8))
        notes = [e for e in service.events.since(0) if e["kind"] == "notification"]
        assert [(n["switch"], n["sequence"], n["replay"]) for n in notes] == [
            ("e1", 7, False),
            ("c2", 7, True),
            ("a1", 7, True),
            ("e1", 8, False),  # a refresh: no change, and no replay
        ]
        assert decoded == ["e1", "e1"]


async def test_failure_state_expires_without_refresh(tmp_path: Path) -> None:
    async with running_service(tmp_path) as run:
        service = run.service
        # A lifetime the housekeeping clock cannot reach during the test; expiry is driven
        # explicitly past it.
        await service.handle_frame(
            "e1", fn_frame(FnType.FAILURE_DETECTED, 2, 1, 1, lifetime_ms=60_000)
        )
        await service.wait_idle()
        assert UPLINK in service.engine.failed_links
        expired_at = service.events.since(0)[-1]["time"] + 61.0
        await service.expire(now=expired_at)
        assert UPLINK in service.engine.failed_links  # held down, not yet back
        await service.expire(now=expired_at + service.config.damping.hold_down_s)
        await service.wait_idle()
        assert not service.engine.failed_links
        assert any(e["kind"] == "expired" for e in service.events.since(0))


async def test_reservations_admitted_rejected_and_expired(tmp_path: Path) -> None:
    async with running_service(tmp_path) as run:
        service = run.service
        view = await service.reserve("train-1", "he1", "ha1", 6e6, duration_s=10.0)
        assert (view.src, view.dst, view.rate_bps) == ("e1", "a1", 6e6)
        assert view.links[0] in (UPLINK, "e1:2-c2:1")
        with pytest.raises(AdmissionError, match="no path from e1 to a1"):
            await service.reserve("too-big", "he1", "ha1", 11e6, duration_s=None)
        await service.wait_idle()
        assert service.solution.arc_utilization[view.links[0], "e1"] >= 0.6
        assert [m.cir for m in _meters(run.fakes["e1"], tmp_path)] == [6e6 / 8]
        # Meter configs are read back (they come only when asked for): no rewrite.
        assert not await service.fleet.sync("e1")
        assert [e["kind"] for e in service.events.since(0) if "reservation" in e["kind"]] == [
            "reservation",
            "reservation_rejected",
        ]
        assert view.expires_at is not None
        await service.expire(now=view.expires_at + 0.001)
        assert "train-1" not in service.engine.reservations
        await service.wait_idle()
        assert service.solution.arc_utilization.get((view.links[0], "e1"), 0.0) == 0.0
        assert _meters(run.fakes["e1"], tmp_path) == []
        released = [e for e in service.events.since(0) if e["kind"] == "reservation_released"]
        assert released[0]["cause"] == "expired"


def _meters(fake, workdir: Path) -> list[p4r.MeterConfig]:  # type: ignore[no-untyped-def]
    """The meter configs of the reservation_meters entries a fake switch holds."""
    table = fy.P4Schema(fantel_pipeline(workdir).p4info).tables["reservation_meters"].id
    return [
        e.table_entry.meter_config
        for e in fake.stored("table_entry")
        if e.table_entry.table_id == table
    ]


async def test_status_digest_records_utilization_and_scales_demands(tmp_path: Path) -> None:
    async with running_service(tmp_path) as run:
        service = run.service
        await service.set_demand("he1", "ha1", 2e6)
        await service.wait_idle()
        port = 1
        link = service.topology.port_map("e1")[port].link
        assert link is not None
        modelled = service.solution.arc_load_bps[link.name, "e1"]
        assert 0 < modelled < 9e6
        # 10 ms window, 11250 bytes = 9 Mbps on a 10 Mbps link.
        await service.handle_status("e1", 1, port, int(StatusLevel.HIGH), 11250)
        assert service.measured[link.name, "e1"] == pytest.approx(0.9)
        await service.wait_idle()
        assert service.engine.demands["e1", "a1"] == pytest.approx(2e6 * 9e6 / modelled)
        text = service.metrics.exposition().decode()
        assert f'fantel_link_utilization{{from_switch="e1",link="{link.name}"}} 0.9' in text


async def test_probes_are_sent_on_every_link_port(tmp_path: Path) -> None:
    async with running_service(
        tmp_path, "probes: true\nthresholds: {probe: {interval: 5ms}}\n"
    ) as run:
        fake = run.fakes["c1"]
        await wait_for(lambda: {_port(p) for p in fake.packet_outs} >= {1, 2, 3, 4, 5}, "probes")
        probe = Ether(fake.packet_outs[0].payload)
        assert probe.src == "02:fa:00:00:00:02"
        assert probe[Probe].interval == 5000


def _port(packet: p4r.PacketOut) -> int:
    return int.from_bytes(packet.metadata[0].value, "big")


async def test_restart_reconciles_without_duplicates(tmp_path: Path) -> None:
    async with running_service(tmp_path) as run:
        installed = {name: dict(fake.entities) for name, fake in run.fakes.items()}
        # A restarted controller with the same intent, against the same switches.
        async with running_service(tmp_path, fakes=run.fakes) as again:
            ready = [e for e in again.service.events.since(0) if e["kind"] == "switch_ready"]
            # Default entries are read back too: an unchanged intent writes nothing.
            assert {e["reconciled"] for e in ready} == {"0 inserted, 0 modified, 0 deleted"}
        assert {n: dict(f.entities) for n, f in run.fakes.items()} == installed


async def test_a_burst_of_failure_events_is_solved_fast_once_then_refined(tmp_path: Path) -> None:
    # Without damping every recovery counts (tests/controller/test_damping.py has it on).
    async with running_service(tmp_path, "probes: false\ndamping: {hold_down: 0}\n") as run:
        service = run.service
        before = service.solves
        for seq in range(1, 41):  # a flapping port: 20 failures and 20 recoveries
            kind = FnType.FAILURE_DETECTED if seq % 2 else FnType.FAILURE_RECOVERED
            await service.handle_frame("e1", fn_frame(kind, 2, 1, sequence=seq))
        await service.wait_idle()
        solves = [e for e in service.events.since(0) if e["kind"] == "te_solve"]
        assert service.solves == before + 2
        assert [s["fast"] for s in solves[-2:]] == [True, False]
        assert sum(solves[-2]["reasons"].values()) == 40

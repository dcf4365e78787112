"""What happens around a switch becoming ready: no install before its pipeline is set, FNs
punted during the first sync are kept, digest subscriptions survive a controller restart
without errors, liveness is disarmed before this controller's probes start, and a restarted
switch's FNs, numbered from 1 again, are no replays."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import finsy as fy
import finsy.switch
import pytest
from finsy.proto import p4r

from controller.config import ControllerConfig
from controller.p4rt import SwitchTarget
from controller.programming import port_object_id
from controller.readiness import replay_slot
from controller.service import ControllerService
from controller.topology import Topology
from controller.wire import FnType, ObjectKind
from tests.controller.fake_p4rt import FakeP4Runtime
from tests.controller.service_fixtures import (
    SMALL,
    fantel_pipeline,
    fn_frame,
    running_service,
    wait_for,
)


def _digest_updates(
    writes: list[p4r.WriteRequest],
) -> list[p4r.Update.Type.ValueType]:
    return [
        u.type for w in writes for u in w.updates if u.entity.WhichOneof("entity") == "digest_entry"
    ]


async def test_a_restarted_controller_keeps_the_digest_subscriptions(tmp_path: Path) -> None:
    async with running_service(tmp_path) as run:
        fake = run.fakes["e1"]
        assert _digest_updates(fake.writes) == [p4r.Update.INSERT, p4r.Update.INSERT]
        writes = len(fake.writes)
        async with running_service(tmp_path, fakes=run.fakes):
            # Already subscribed with the same settings: nothing to insert (ALREADY_EXISTS)
            # and nothing to modify.
            assert _digest_updates(fake.writes[writes:]) == []
        assert {d.config.max_list_size for d in fake.digests.values()} == {1}
        assert len(fake.digests) == 2


async def test_a_changed_digest_subscription_is_modified(tmp_path: Path) -> None:
    async with running_service(tmp_path) as run:
        fake = run.fakes["e1"]
        for entry in fake.digests.values():
            entry.config.max_list_size = 100  # as another controller left it
        writes = len(fake.writes)
        async with running_service(tmp_path, fakes=run.fakes):
            assert _digest_updates(fake.writes[writes:]) == [p4r.Update.MODIFY] * 2
        assert {d.config.max_list_size for d in fake.digests.values()} == {1}


async def test_an_fn_punted_during_the_first_sync_is_handled(tmp_path: Path) -> None:
    fakes = {name: FakeP4Runtime(s.device_id) for name, s in Topology.load(SMALL).switches.items()}
    for fake in fakes.values():
        await fake.start()
    try:
        frame = fn_frame(FnType.FAILURE_DETECTED, originator=2, port=1, sequence=1)
        # Sent by e1 when the controller's sync reads it back, before the sync is over.
        fakes["e1"].on_read = [p4r.StreamMessageResponse(packet=p4r.PacketIn(payload=frame))]
        async with running_service(tmp_path, fakes=fakes) as run:
            events = run.service.events
            await wait_for(
                lambda: any(e["kind"] == "notification" for e in events.since(0)),
                "the FN punted during the sync",
            )
            [note] = [e for e in events.since(0) if e["kind"] == "notification"]
            assert (note["switch"], note["type"], note["object"]) == (
                "e1",
                "failure_detected",
                "port 2:1",
            )
    finally:
        for fake in fakes.values():
            await fake.stop()


async def test_no_install_reaches_a_switch_before_its_pipeline(tmp_path: Path) -> None:
    topo = Topology.load(SMALL)
    fakes = {name: FakeP4Runtime(s.device_id) for name, s in topo.switches.items()}
    for fake in fakes.values():
        await fake.start()
    held = fakes["e1"]
    held.pipeline_gate = asyncio.Event()
    config = ControllerConfig.from_text("switches: {port_base: 1}\nprobes: true\n", "t.yaml")
    service = ControllerService(
        topo,
        config,
        pipeline=fantel_pipeline(tmp_path),
        targets=[_target(name, fake, topo) for name, fake in fakes.items()],
    )
    await service.start()
    try:
        others = [n for n in fakes if n != "e1"]
        await wait_for(lambda: all(service.fleet.ready(n) for n in others), "the other switches")
        await wait_for(lambda: service.fleet.switches["e1"].is_up, "e1 connected, push held")
        plans = await service.install("while e1's pipeline push is held")
        assert set(plans) == set(others)
        assert not [e for e in service.events.since(0) if e["kind"] == "install_error"]
        assert held.writes == [] and held.packet_outs == []
        held.pipeline_gate.set()
        await wait_for(lambda: service.fleet.ready("e1"), "e1 ready")
    finally:
        await service.stop()
        for fake in fakes.values():
            await fake.stop()


def _target(name: str, fake: FakeP4Runtime, topo: Topology) -> SwitchTarget:
    return SwitchTarget(name, fake.address, topo.switches[name].device_id)


async def test_probes_start_after_liveness_is_disarmed(tmp_path: Path) -> None:
    async with running_service(
        tmp_path, "probes: true\nthresholds: {probe: {interval: 5ms}}\n"
    ) as run:
        fake = run.fakes["c1"]
        await wait_for(lambda: bool(fake.packet_outs), "probes")
        schema = fy.P4Schema(fantel_pipeline(tmp_path).p4info)
        last_rx = schema.registers["probe_last_rx"].id
        first_probe = next(
            i for i, item in enumerate(fake.timeline) if isinstance(item, p4r.PacketOut)
        )
        disarmed = {
            (u.entity.register_entry.index.index, u.entity.register_entry.data.bitstring)
            for item in fake.timeline[:first_probe]
            if isinstance(item, p4r.WriteRequest)
            for u in item.updates
            if u.type == p4r.Update.MODIFY and u.entity.register_entry.register_id == last_rx
        }
        assert disarmed == {(port, b"\x00") for port in (1, 2, 3, 4, 5)}


def _replay_resets(writes: Sequence[p4r.WriteRequest | p4r.PacketOut], register: int) -> set[int]:
    """Cells of `fn_last_seq` set to 0 by these writes."""
    return {
        u.entity.register_entry.index.index
        for w in writes
        if isinstance(w, p4r.WriteRequest)
        for u in w.updates
        if u.type == p4r.Update.MODIFY
        and u.entity.register_entry.register_id == register
        and u.entity.register_entry.data.bitstring == b"\x00"
    }


def _first_table_write(timeline: Sequence[p4r.WriteRequest | p4r.PacketOut]) -> int:
    return next(
        i
        for i, w in enumerate(timeline)
        if isinstance(w, p4r.WriteRequest)
        and any(u.entity.WhichOneof("entity") == "table_entry" for u in w.updates)
    )


async def test_a_restarted_switch_numbering_from_one_again_is_heard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # finsy waits 10 s before reconnecting a session that lasted under 2 s, as this one does.
    monkeypatch.setattr(finsy.switch, "_FAIL_THROTTLE_SECS", 0.05)
    topo = Topology.load(SMALL)
    c1 = topo.switches["c1"].device_id
    async with running_service(tmp_path) as run:
        service, fakes = run.service, run.fakes
        register = fy.P4Schema(fantel_pipeline(tmp_path).p4info).registers["fn_last_seq"].id
        everyone = {replay_slot(c1, ObjectKind.PORT, port_object_id(c1, p)) for p in range(1, 6)}
        # c1 restarted before: its first reconcile came after every cell was reset on it.
        timeline = fakes["c1"].timeline
        assert _replay_resets(timeline[: _first_table_write(timeline)], register) >= everyone
        await service.handle_frame("e1", fn_frame(FnType.FAILURE_DETECTED, c1, 4, sequence=7))
        await service.handle_frame("e1", fn_frame(FnType.FAILURE_RECOVERED, c1, 4, sequence=8))
        marks = {name: len(fake.timeline) for name, fake in fakes.items()}

        await fakes["c1"].restart()
        await wait_for(
            lambda: sum(e["kind"] == "switch_ready" for e in service.events.since(0)) == 6,
            "c1 ready again",
        )
        for name in ("e1", "c2", "a1", "b1"):
            resets = _replay_resets(fakes[name].timeline[marks[name] :], register)
            assert resets == everyone, name
        # Its numbers start at 1 again: the controller hears them.
        seq = service.events.last_seq
        await service.handle_frame("e1", fn_frame(FnType.FAILURE_DETECTED, c1, 4, sequence=1))
        [note] = [e for e in service.events.since(seq) if e["kind"] == "notification"]
        assert (note["sequence"], note["replay"]) == (1, False)
        assert service.soft_state.replays == 0

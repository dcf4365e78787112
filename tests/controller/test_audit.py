"""The periodic read-back audit (controller.audit): drift made behind the controller's back is
found and repaired, and only that is written. Against fake servers (lost entries, an intent
change not yet installed is no drift) and against a real `softswitch run` process tampered
with by a second P4Runtime client in its own role (P4Runtime spec 5.3: one primary per role)."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import finsy as fy
import grpc
import pytest
import pytest_asyncio
from finsy.proto import p4r
from finsy.proto.p4.v1 import p4runtime_pb2_grpc

from controller.config import ControllerConfig
from controller.p4rt import SwitchTarget
from controller.programming import CPU_PORT, switch_entities
from controller.reconcile import entity_key, entity_value, plan
from controller.service import ControllerService
from controller.topology import Topology
from softswitch.p4rt.client import wait_for_port
from tests.controller.service_fixtures import (
    REPO,
    SMALL,
    TIMEOUT,
    fantel_pipeline,
    running_service,
    wait_for,
)

#: A multicast group id the controller never uses (it allocates from 1 per destination).
FOREIGN_GROUP = 4000


def _desired(service: ControllerService, switch: str, schema: fy.P4Schema) -> list[p4r.Entity]:
    return [e.encode(schema) for e in switch_entities(service.intent(), switch)]


def _metric(service: ControllerService, name: str, **labels: str) -> float:
    value = service.metrics.registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


def _action_entries(entities: list[p4r.Entity]) -> list[p4r.Entity]:
    """Non-default table entries whose direct action has parameters."""
    return [
        e
        for e in entities
        if e.WhichOneof("entity") == "table_entry"
        and not e.table_entry.is_default_action
        and e.table_entry.action.WhichOneof("type") == "action"
        and e.table_entry.action.action.params
    ]


def _tampered(entity: p4r.Entity) -> p4r.Entity:
    """The entry with the lowest bit of its first action parameter flipped (still canonical
    and in range)."""
    copy = p4r.Entity()
    copy.CopyFrom(entity)
    param = copy.table_entry.action.action.params[0]
    value = bytearray(param.value)
    value[-1] ^= 1
    param.value = bytes(value).lstrip(b"\0") or b"\0"
    return copy


def _foreign_group() -> p4r.Entity:
    entity = p4r.Entity()
    group = entity.packet_replication_engine_entry.multicast_group_entry
    group.multicast_group_id = FOREIGN_GROUP
    group.replicas.add(egress_port=1, instance=0)
    return entity


def _update(kind: p4r.Update.Type.ValueType, entity: p4r.Entity) -> p4r.Update:
    update = p4r.Update(type=kind)
    update.entity.CopyFrom(entity)
    return update


# -- fake servers ------------------------------------------------------------------------------


async def test_a_clean_audit_reads_every_switch_back_and_writes_nothing(tmp_path: Path) -> None:
    async with running_service(tmp_path) as run:
        service = run.service
        await service.wait_idle()
        reads = {n: len(f.reads) for n, f in run.fakes.items()}
        writes = {n: len(f.writes) for n, f in run.fakes.items()}
        results = await service.auditor.round()
        assert set(results) == set(run.fakes) and not any(results.values())
        assert all(len(f.reads) > reads[n] for n, f in run.fakes.items())
        assert {n: len(f.writes) for n, f in run.fakes.items()} == writes
        assert _metric(service, "fantel_audits_total", switch="e1", result="clean") == 1
        assert not [e for e in service.events.since(0) if e["kind"].startswith("audit")]


async def test_entries_lost_changed_or_added_behind_the_controllers_back_are_repaired(
    tmp_path: Path,
) -> None:
    async with running_service(tmp_path) as run:
        service, fake = run.service, run.fakes["c1"]
        await service.wait_idle()
        schema = fy.P4Schema(fantel_pipeline(tmp_path).p4info)
        desired = _desired(service, "c1", schema)
        lost, changed = _action_entries(desired)[:2]
        del fake.entities[entity_key(lost)]  # the switch lost it without restarting
        fake.entities[entity_key(changed)] = _tampered(changed)
        fake.entities[entity_key(_foreign_group())] = _foreign_group()
        next(iter(fake.digests.values())).config.max_list_size = 100

        results = await service.auditor.round()
        result = results["c1"]
        assert result is not None and result.subscriptions == 1
        assert (result.drift.inserted, result.drift.modified, result.drift.deleted) == (1, 1, 1)
        assert not any(results[n] for n in results if n != "c1")
        assert not plan(desired, list(fake.entities.values()))
        assert {d.config.max_list_size for d in fake.digests.values()} == {1}
        (event,) = [e for e in service.events.since(0) if e["kind"] == "audit_drift"]
        assert {k: event[k] for k in ("switch", "missing", "changed", "unexpected")} == {
            "switch": "c1",
            "missing": 1,
            "changed": 1,
            "unexpected": 1,
        }
        assert event["subscriptions"] == 1 and event["repaired"] == 4
        for change in ("missing", "changed", "unexpected", "subscription"):
            assert _metric(service, "fantel_audit_drift_entities_total", switch="c1", change=change)
        assert _metric(service, "fantel_audit_repaired_entities_total", switch="c1") == 4
        assert _metric(service, "fantel_audits_total", switch="c1", result="drift") == 1


async def test_an_intent_change_not_yet_installed_is_repaired_but_is_no_drift(
    tmp_path: Path,
) -> None:
    async with running_service(tmp_path) as run:
        service, fake = run.service, run.fakes["e1"]
        await service.wait_idle()
        schema = fy.P4Schema(fantel_pipeline(tmp_path).p4info)
        current = switch_entities(service.intent(), "e1")
        encoded = [e.encode(schema) for e in current]
        index = encoded.index(_action_entries(encoded)[0])
        newer = current[:index] + current[index + 1 :]
        original = service.fleet.desired
        service.fleet.desired = lambda name: newer if name == "e1" else original(name)
        result = await service.auditor.audit("e1")
        assert result is not None and not result
        assert (result.repair.deleted, len(result.repair.updates)) == (1, 1)
        assert entity_key(encoded[index]) not in fake.entities
        assert not [e for e in service.events.since(0) if e["kind"] == "audit_drift"]


async def test_a_failed_audit_is_recorded_and_the_switch_read_back_by_the_retry(
    tmp_path: Path,
) -> None:
    async with running_service(tmp_path) as run:
        service, fake = run.service, run.fakes["e1"]
        await service.wait_idle()
        schema = fy.P4Schema(fantel_pipeline(tmp_path).p4info)
        lost = _action_entries(_desired(service, "e1", schema))[0]
        del fake.entities[entity_key(lost)]
        fake.refuse_writes = 1
        assert await service.auditor.audit("e1") is None
        (error,) = [e for e in service.events.since(0) if e["kind"] == "audit_error"]
        assert error["switch"] == "e1"
        # No event comes, yet the retry reads e1 back and puts the entry back.
        await wait_for(lambda: entity_key(lost) in fake.entities, "the lost entry back")
        assert entity_value(fake.entities[entity_key(lost)]) == entity_value(lost)


async def test_audits_run_on_their_own_at_the_configured_interval(tmp_path: Path) -> None:
    async with running_service(tmp_path, "probes: false\naudit_interval: 50ms\n") as run:
        service = run.service
        await wait_for(
            lambda: _metric(service, "fantel_audits_total", switch="b1", result="clean") >= 2,
            "two audits of b1",
        )


async def test_an_audit_interval_of_zero_never_audits(tmp_path: Path) -> None:
    async with running_service(tmp_path, "probes: false\naudit_interval: 0\n") as run:
        task = next(t for t in run.service._tasks if t.get_name() == "audit")
        await wait_for(task.done, "the audit task to end at once")
        assert run.service.auditor.rounds == 0


# -- a real softswitch process -----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def softswitch_e1(tmp_path: Path) -> Iterator[str]:
    """`softswitch run` as device 1 without ports (only P4Runtime matters here); its address."""
    port = _free_port()
    log = (tmp_path / "e1.log").open("wb")
    argv = [sys.executable, "-m", "softswitch.cli", "run", "--no-p4", "--device-id", "1"]
    argv += ["--log-console", "--", "--grpc-server-addr", f"127.0.0.1:{port}"]
    argv += ["--cpu-port", str(CPU_PORT)]
    process = subprocess.Popen(argv, cwd=REPO, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        if not wait_for_port("127.0.0.1", port, TIMEOUT):
            raise AssertionError(f"softswitch did not listen: {(tmp_path / 'e1.log').read_text()}")
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


class Intruder:
    """A second P4Runtime client with its own role: primary of that role, so it may write."""

    ROLE = "audit-test"

    def __init__(self, address: str, device_id: int) -> None:
        self.device_id = device_id
        self.channel = grpc.aio.insecure_channel(address)
        self.stub = p4runtime_pb2_grpc.P4RuntimeStub(self.channel)
        self.stream = self.stub.StreamChannel()
        self.election_id = p4r.Uint128(high=0, low=1)

    async def arbitrate(self) -> None:
        await self.stream.write(
            p4r.StreamMessageRequest(
                arbitration=p4r.MasterArbitrationUpdate(
                    device_id=self.device_id,
                    role=p4r.Role(name=self.ROLE),
                    election_id=self.election_id,
                )
            )
        )
        reply = await self.stream.read()
        assert reply.arbitration.status.code == grpc.StatusCode.OK.value[0], reply

    async def write(self, updates: list[p4r.Update]) -> None:
        await self.stub.Write(
            p4r.WriteRequest(
                device_id=self.device_id,
                role=self.ROLE,
                election_id=self.election_id,
                updates=updates,
            )
        )

    async def read(self, entity: p4r.Entity) -> list[p4r.Entity]:
        request = p4r.ReadRequest(device_id=self.device_id, entities=[entity])
        return [e async for response in self.stub.Read(request) for e in response.entities]

    async def close(self) -> None:
        self.stream.cancel()
        await self.channel.close()


@pytest_asyncio.fixture
async def intruder(softswitch_e1: str) -> AsyncIterator[Intruder]:
    client = Intruder(softswitch_e1, 1)
    await client.arbitrate()
    try:
        yield client
    finally:
        await client.close()


async def test_the_audit_restores_exactly_what_another_client_changed_on_a_softswitch(
    tmp_path: Path, softswitch_e1: str, intruder: Intruder
) -> None:
    topology = Topology.load(SMALL)
    config = ControllerConfig.from_text(
        "probes: false\naudit_interval: 200ms\n"
        f"switches: {{addresses: {{e1: '{softswitch_e1}'}}, port_base: 1}}\n"
    )
    pipeline = fantel_pipeline(tmp_path)
    schema = fy.P4Schema(pipeline.p4info)
    device_id = topology.switches["e1"].device_id
    target = SwitchTarget("e1", config.address_of("e1", device_id), device_id)
    service = ControllerService(topology, config, pipeline=pipeline, targets=[target])
    await service.start()
    try:
        await wait_for(lambda: service.fleet.ready("e1"), "e1 ready")
        await service.wait_idle()
        # A freshly reconciled switch audits clean.
        await wait_for(
            lambda: _metric(service, "fantel_audits_total", switch="e1", result="clean") >= 1,
            "a first audit of e1",
        )
        assert not [e for e in service.events.since(0) if e["kind"].startswith("audit_")]

        desired = _desired(service, "e1", schema)
        lost, changed = _action_entries(desired)[:2]
        await intruder.write(
            [
                _update(p4r.Update.DELETE, lost),
                _update(p4r.Update.MODIFY, _tampered(changed)),
                _update(p4r.Update.INSERT, _foreign_group()),
            ]
        )
        (on_switch,) = await intruder.read(_key_read(changed))
        assert entity_value(on_switch) == entity_value(_tampered(changed))  # it did change
        cleans = _metric(service, "fantel_audits_total", switch="e1", result="clean")

        # Repaired by the audit, and then an audit found nothing left to repair.
        def settled() -> bool:
            drift = [e for e in service.events.since(0) if e["kind"] == "audit_drift"]
            clean = _metric(service, "fantel_audits_total", switch="e1", result="clean")
            return bool(drift) and clean > cleans + 1

        await wait_for(settled, "the audit to repair e1")
        drift = [e for e in service.events.since(0) if e["kind"] == "audit_drift"]
        totals = {k: sum(e[k] for e in drift) for k in ("missing", "changed", "unexpected")}
        assert totals == {"missing": 1, "changed": 1, "unexpected": 1}
        assert sum(e["repaired"] for e in drift) == 3  # the difference, nothing else
        (restored,) = await intruder.read(_key_read(lost))
        assert entity_value(restored) == entity_value(lost)
        (repaired,) = await intruder.read(_key_read(changed))
        assert entity_value(repaired) == entity_value(changed)
        groups = await intruder.read(_all_groups())
        ids = {
            g.packet_replication_engine_entry.multicast_group_entry.multicast_group_id
            for g in groups
        }
        assert FOREIGN_GROUP not in ids
        assert not await service.fleet.sync("e1")  # in sync: a read-back writes nothing
    finally:
        await service.stop()


def _key_read(entity: p4r.Entity) -> p4r.Entity:
    """A read of one table entry by its key."""
    read = p4r.Entity()
    read.table_entry.table_id = entity.table_entry.table_id
    read.table_entry.match.extend(entity.table_entry.match)
    read.table_entry.priority = entity.table_entry.priority
    return read


def _all_groups() -> p4r.Entity:
    read = p4r.Entity()
    read.packet_replication_engine_entry.multicast_group_entry.SetInParent()
    return read
